import document from '../../integration-files/openapi/openapi.json' with { type: 'json' };
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /openapi.json: the checked-in OpenAPI 3.1 document, which the contract tests keep equal to the code. */
export const handler = httpHandler({})(async () => ok(document, { 'cache-control': 'public, max-age=300' }));
