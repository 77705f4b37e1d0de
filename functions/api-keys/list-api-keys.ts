import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { ListApiKeysQuery } from '../../shared/staff/api-key-model.js';
import { listApiKeys } from '../../shared/staff/api-keys.js';

/** GET /api-keys: newest first, cursor-paginated, `status` to keep active or revoked ones; never a key or its hash. */
export const handler = httpHandler({ query: ListApiKeysQuery })(async (input) => ok(await listApiKeys(input.query, tableDeps())));
