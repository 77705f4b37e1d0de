import { AddressIdParams } from '../../shared/accounts/address-model.js';
import { removeAddress } from '../../shared/accounts/addresses.js';
import { httpHandler, requirePrincipal } from '../../shared/http/handler.js';

/** DELETE /me/addresses/{id}: removes one of the caller's addresses (204); another shopper's, or one already removed, is a 404. */
export const handler = httpHandler({ params: AddressIdParams })(async (input) => {
  await removeAddress(requirePrincipal(input).subject, input.params.id);
  return { status: 204 };
});
