import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { config } from '../config/config.js';
import { apiGatewayUsagePlanKeys } from './usage-plan-keys-api-gateway.js';

/**
 * API Gateway's side of an integration's key. On AWS every scoped route requires a usage-plan key, which the authorizer
 * names (`usageIdentifierKey`: the key the integration sent), so a key API Gateway does not know is refused there even
 * when the authorizer accepted it. Registering a key makes it one of the integrations usage plan's keys; the gateway
 * key is named for our key id, so that everything registered for one of our keys can be found and removed together.
 */
export interface UsagePlanKeys {
  /**
   * Makes `apiKey` a key of the integrations usage plan, under our key id. Idempotent: a gateway key already holding
   * this value (a call retried after its answer was lost) is reused, and joining the plan twice is one membership.
   */
  register(keyId: string, apiKey: string): Promise<void>;
  /**
   * A key already registered under our key id, if any. Before a create's first write it can only be one an earlier
   * attempt of the same request left (the key id derives from the caller and its `Idempotency-Key`), which crashed
   * before the table write and so was shown to nobody.
   */
  registered(keyId: string): Promise<string | undefined>;
  /**
   * Removes the gateway keys of our key `keyId`: those whose values hash (SHA-256, as the table stores them) to one of
   * `hashes`, or all of them when `hashes` is left out. A gateway key already gone counts as removed.
   */
  remove(keyId: string, hashes?: readonly string[]): Promise<void>;
}

/** Locally: the local platform does not meter, so there is no usage plan to keep keys in. */
export const noUsagePlanKeys: UsagePlanKeys = {
  register: () => Promise.resolve(),
  registered: () => Promise.resolve(undefined),
  remove: () => Promise.resolve(),
};

let client: APIGatewayClient | undefined;

/**
 * The usage plan's keys as configured: API Gateway's, for the plan named in `INTEGRATIONS_USAGE_PLAN` (given on AWS to
 * the functions with the wiring's `access.usagePlanKeys`), or nothing to keep where that is unset (locally).
 */
export function usagePlanKeys(planName: string | undefined = config.integrationsUsagePlan): UsagePlanKeys {
  if (planName === undefined) return noUsagePlanKeys;
  client ??= new APIGatewayClient({});
  return apiGatewayUsagePlanKeys(planName, client);
}
