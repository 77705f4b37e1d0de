import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';
import { loyaltySummary } from '../../shared/loyalty/accounts.js';

/** GET /loyalty: the caller's own balance, the scheme's rules and the latest ledger entries. */
export const handler = httpHandler({})(async (input) => ok(await loyaltySummary(requirePrincipal(input).subject)));
