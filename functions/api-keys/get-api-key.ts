import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ApiKeyParams } from '../../shared/staff/api-key-model.js';
import { getApiKey } from '../../shared/staff/api-keys.js';

/** GET /api-keys/{id}: one key's record (grant, status, last four characters, a rotated predecessor's end). */
export const handler = httpHandler({ params: ApiKeyParams })(async (input) => ok(await getApiKey(input.params.id, tableDeps())));
