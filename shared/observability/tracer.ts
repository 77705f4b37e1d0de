import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The Powertools tracer, for queue consumers: their SDK calls show up as X-Ray subsegments. HTTP
 * functions do not load it (the X-Ray SDK costs tens of milliseconds of cold start on the request
 * path); Lambda's active tracing still records their invocations.
 */
export const tracer = new Tracer();
