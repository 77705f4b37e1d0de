import { Logger } from '@aws-lambda-powertools/logger';

/** The process-wide Powertools logger; service name and level come from the POWERTOOLS_* variables the CDK app sets. */
export const logger = new Logger();
