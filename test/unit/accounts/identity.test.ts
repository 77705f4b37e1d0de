import { AdminDeleteUserCommand, UserNotFoundException } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import { cognitoShopperIdentities, noShopperIdentities, shopperIdentities } from '../../../shared/accounts/identity.js';
import { ConfigError, makeConfig } from '../../../shared/config/config.js';

/** A Cognito client that records each command and answers with what `answer` gives (or throws). */
function fakeCognito(answer: (command: AdminDeleteUserCommand) => unknown = () => ({})) {
  const sent: AdminDeleteUserCommand[] = [];
  return {
    sent,
    send: (command: AdminDeleteUserCommand) => {
      sent.push(command);
      try {
        return Promise.resolve(answer(command));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    },
  };
}

describe('the shoppers’ sign-in identities on Cognito', () => {
  it('deletes the user whose sub is the shopper’s id, in the shoppers’ pool', async () => {
    const cognito = fakeCognito();
    await cognitoShopperIdentities('eu-west-2_Shoppers1', cognito).deleteIdentity('5f0c7a52-0b7e-4d0a-9a61-3b1f6c1d2e3f');
    expect(cognito.sent).toHaveLength(1);
    expect(cognito.sent[0]).toBeInstanceOf(AdminDeleteUserCommand);
    expect(cognito.sent[0]!.input).toEqual({ UserPoolId: 'eu-west-2_Shoppers1', Username: '5f0c7a52-0b7e-4d0a-9a61-3b1f6c1d2e3f' });
  });

  it('counts a user already gone as deleted, so a rerun changes nothing', async () => {
    const cognito = fakeCognito(() => {
      throw new UserNotFoundException({ message: 'User does not exist.', $metadata: {} });
    });
    await expect(cognitoShopperIdentities('eu-west-2_Shoppers1', cognito).deleteIdentity('gone')).resolves.toBeUndefined();
    expect(cognito.sent).toHaveLength(1);
  });

  it('passes on any other failure, so the erasure is retried', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    const cognito = fakeCognito(() => {
      throw throttled;
    });
    await expect(cognitoShopperIdentities('eu-west-2_Shoppers1', cognito).deleteIdentity('someone')).rejects.toBe(throttled);
  });

  it('deletes nothing where there is no pool (locally, tokens are minted for any subject)', async () => {
    expect(shopperIdentities(undefined)).toBe(noShopperIdentities);
    await expect(noShopperIdentities.deleteIdentity('anyone')).resolves.toBeUndefined();
  });

  it('takes the pool from SHOPPER_USER_POOL_ID, absent locally, and refuses at cold start one that is no pool id', () => {
    expect(makeConfig({ SHOPPER_USER_POOL_ID: 'eu-west-2_aBc123XyZ' }).shopperUserPoolId).toBe('eu-west-2_aBc123XyZ');
    expect(makeConfig({}).shopperUserPoolId).toBeUndefined();
    expect(() => makeConfig({ SHOPPER_USER_POOL_ID: 'arn:aws:cognito-idp:eu-west-2:1:userpool/x' })).toThrow(ConfigError);
  });
});
