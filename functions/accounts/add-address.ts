import { AddAddressRequest } from '../../shared/accounts/address-model.js';
import { addAddress, addressEtag } from '../../shared/accounts/addresses.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { idempotency } from '../../shared/http/idempotency.js';

/**
 * POST /me/addresses: adds an address to the caller's book (201 with its Location); a malformed postcode is a 400, a
 * country we do not deliver to a 422 `country-not-served`, a full book a 409 `too-many-addresses`.
 */
export const handler = httpHandler({ body: AddAddressRequest, idempotency: idempotency() })(async (input) => {
  const address = await addAddress(requirePrincipal(input).subject, input.body);
  return { status: 201, body: address, headers: { location: `/me/addresses/${address.id}`, etag: addressEtag(address) } };
});
