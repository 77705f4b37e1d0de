import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Process-wide Powertools instances. Service name, log level and namespace come from the
 * standard POWERTOOLS_* variables that the CDK app (or the local runtime) sets.
 */
export const logger = new Logger();
export const tracer = new Tracer();
export const metrics = new Metrics({ namespace: 'SmartShelf' });
