import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';

/**
 * What the shoppers' pool adds to an access token before issuing it (its pre-token-generation trigger, event version
 * V2_0, which the Essentials and Plus feature plans allow). Cognito puts `email` in the ID token only; our API takes
 * access tokens, and the profile made on first use (`ensureProfile`) seeds its email from the token's `email` claim.
 * Locally nothing adds it: the runtime mints tokens with an email already.
 */

/**
 * The claims added to the access token: the sign-in email, only once the shopper has verified it (an unverified email
 * is not known to be theirs, so it seeds no profile).
 */
export function accessTokenClaims(userAttributes: Readonly<Record<string, string>>): Record<string, string> {
  const email = userAttributes.email;
  return email && userAttributes.email_verified === 'true' ? { email } : {};
}

/** Cognito's event answered: the access token's added claims, or the event unchanged when there are none. */
export function withAccessTokenClaims(event: PreTokenGenerationV2TriggerEvent): PreTokenGenerationV2TriggerEvent {
  const claims = accessTokenClaims(event.request.userAttributes);
  if (Object.keys(claims).length === 0) return event;
  return { ...event, response: { claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: claims } } } };
}
