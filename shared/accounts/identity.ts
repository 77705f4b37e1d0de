import { AdminDeleteUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { config } from '../config/config.js';

/**
 * A shopper's sign-in identity: the user in the shoppers' Cognito pool on AWS, whose `sub` is the shopper's id (the
 * subject of their tokens). Locally there is none: the runtime mints tokens for any subject.
 */
export interface ShopperIdentities {
  /**
   * Deletes the shopper's sign-in identity, so they can no longer sign in and their email is free to sign up afresh. A
   * user already gone counts as deleted, so a rerun changes nothing.
   */
  deleteIdentity(shopperId: string): Promise<void>;
}

/** What the Cognito adapter needs of the SDK client: sending a command (a test passes a fake that records them). */
export interface CognitoCommandSender {
  send(command: AdminDeleteUserCommand): Promise<unknown>;
}

/**
 * The shoppers' pool through Cognito's admin API. `AdminDeleteUser` takes the user's `sub` as its `Username` in a pool
 * whose sign-in is by email (the username is then not an alias), so no `ListUsers` lookup is needed first.
 */
export function cognitoShopperIdentities(userPoolId: string, client: CognitoCommandSender): ShopperIdentities {
  return {
    deleteIdentity: async (shopperId) => {
      try {
        await client.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: shopperId }));
      } catch (error) {
        // Deleted by an earlier run (or by the shopper in the app): what was asked is done.
        if ((error as { name?: string }).name !== 'UserNotFoundException') throw error;
      }
    },
  };
}

/** Where there is no user pool (locally): nothing to delete. */
export const noShopperIdentities: ShopperIdentities = { deleteIdentity: () => Promise.resolve() };

let cognito: CognitoIdentityProviderClient | undefined;

/**
 * The shoppers' sign-in identities as configured: Cognito when the function was given the pool
 * (`SHOPPER_USER_POOL_ID`, from the wiring's `access.shopperIdentities`), none otherwise.
 */
export function shopperIdentities(userPoolId: string | undefined = config.shopperUserPoolId): ShopperIdentities {
  if (userPoolId === undefined) return noShopperIdentities;
  cognito ??= new CognitoIdentityProviderClient({});
  return cognitoShopperIdentities(userPoolId, cognito);
}
