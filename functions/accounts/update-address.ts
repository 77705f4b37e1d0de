import { AddressIdParams, UpdateAddressRequest } from '../../shared/accounts/address-model.js';
import { addressEtag, updateAddress } from '../../shared/accounts/addresses.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';
import { ok } from '../../shared/http/responses.js';

/** PATCH /me/addresses/{id}: a merge patch of one of the caller's addresses under its version (`version` or `If-Match`); another shopper's is a 404. */
export const handler = httpHandler({ params: AddressIdParams, body: UpdateAddressRequest })(async (input) => {
  const address = await updateAddress(requirePrincipal(input).subject, input.params.id, input.body, { ifMatch: input.headers['if-match'] });
  return ok(address, { etag: addressEtag(address) });
});
