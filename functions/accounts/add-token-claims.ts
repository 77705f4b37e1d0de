import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { withAccessTokenClaims } from '../../shared/accounts/token-claims.js';

/**
 * The shoppers' user pool's pre-token-generation trigger (V2_0): adds the verified sign-in email to the access token.
 * A Cognito trigger, not a route; it logs nothing, since all it sees is personal data.
 */
export const handler = (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => Promise.resolve(withAccessTokenClaims(event));
