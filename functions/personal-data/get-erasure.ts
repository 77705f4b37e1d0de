import { tableDeps } from '../../shared/db/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { requireErasure } from '../../shared/personal-data/erasure.js';

/** GET /me/erasure: the progress of the caller's erasure; 404 when none was asked for. */
export const handler = httpHandler({})(async (input) => ok(await requireErasure(requirePrincipal(input).subject, tableDeps())));
