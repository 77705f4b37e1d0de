import { AddAddressRequest } from '../../shared/accounts/address-model.js';
import { addAddress, addressEtag } from '../../shared/accounts/addresses.js';
import { accountDeps } from '../../shared/accounts/deps.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';

/**
 * POST /me/addresses: adds an address to the caller's book (201 with its Location); a malformed postcode is a 400, a
 * country we do not deliver to a 422 `country-not-served`, a full book a 409 `too-many-addresses`. The use-case, not
 * the idempotency middleware, recognises a repeated `Idempotency-Key`: the middleware's record would keep a copy of the
 * address outside the shopper's partition.
 */
export const handler = httpHandler({ body: AddAddressRequest })(async (input) => {
  const address = await addAddress(requirePrincipal(input).subject, input.body, accountDeps(), input.headers['idempotency-key']);
  return { status: 201, body: address, headers: { location: `/me/addresses/${address.id}`, etag: addressEtag(address) } };
});
