import { listAddresses } from '../../shared/accounts/addresses.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** GET /me/addresses: the caller's own address book, oldest first, the default marked `isDefault`. */
export const handler = httpHandler({})(async (input) => ok({ items: await listAddresses(requirePrincipal(input).subject) }));
