import { Metrics } from '@aws-lambda-powertools/metrics';

/** Powertools metrics (CloudWatch EMF), namespace `SmartShelf` unless POWERTOOLS_METRICS_NAMESPACE says otherwise. */
export const metrics = new Metrics({ namespace: 'SmartShelf' });
