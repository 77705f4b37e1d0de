import { config } from '../../shared/config/config.js';
import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { checkHealth } from '../../shared/ops/health.js';

/**
 * GET /health (public): 200 when the table answers and has every data migration applied, else a 503 problem with
 * Retry-After. Never cached, so a probe sees the service as it is now.
 */
export const handler = httpHandler({})(async () => ok(await checkHealth({ ...tableDeps(), stage: config.stage }), { 'cache-control': 'no-store' }));
