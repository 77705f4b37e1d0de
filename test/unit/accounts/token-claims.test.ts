import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { accessTokenClaims, withAccessTokenClaims } from '../../../shared/accounts/token-claims.js';

/** Cognito's V2_0 pre-token-generation event as the shoppers' pool sends it on sign-in. */
function signIn(userAttributes: Record<string, string>): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'eu-west-2',
    userPoolId: 'eu-west-2_Shoppers1',
    userName: '5f0c7a52-0b7e-4d0a-9a61-3b1f6c1d2e3f',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'shopperapp' },
    request: { userAttributes, groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] }, scopes: ['openid', 'smartshelf/account:read'] },
    response: { claimsAndScopeOverrideDetails: {} },
  };
}

const sub = '5f0c7a52-0b7e-4d0a-9a61-3b1f6c1d2e3f';

describe('the shoppers’ access token claims', () => {
  it('adds the verified sign-in email to the access token, and nothing to the ID token or the scopes', () => {
    const event = signIn({ sub, email: 'rosie.cotton@example.com', email_verified: 'true' });
    expect(withAccessTokenClaims(event).response).toEqual({
      claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: { email: 'rosie.cotton@example.com' } } },
    });
    // The rest of the event goes back as Cognito sent it.
    expect({ ...withAccessTokenClaims(event), response: event.response }).toEqual(event);
  });

  it('adds no email before the shopper verified it, or when there is none', () => {
    const cases: Record<string, string>[] = [{ sub, email: 'rosie.cotton@example.com', email_verified: 'false' }, { sub, email: 'rosie.cotton@example.com' }, { sub, email_verified: 'true' }, { sub, email: '', email_verified: 'true' }];
    for (const attributes of cases) {
      expect(accessTokenClaims(attributes)).toEqual({});
      const event = signIn(attributes);
      expect(withAccessTokenClaims(event)).toBe(event);
    }
  });

  it('adds only the email, never another attribute the shopper can set', () => {
    expect(accessTokenClaims({ sub, email: 'a@example.com', email_verified: 'true', name: 'Rosie', 'custom:role': 'admin', 'cognito:groups': 'admin' })).toEqual({ email: 'a@example.com' });
  });
});
