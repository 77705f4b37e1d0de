import {
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
  type CreateApiKeyCommandOutput,
  type GetApiKeysCommandOutput,
  type GetUsagePlansCommandOutput,
} from '@aws-sdk/client-api-gateway';
import { hashApiKey } from '../auth/api-clients.js';
import type { UsagePlanKeys } from './usage-plan-keys.js';

type GatewayCommand = CreateApiKeyCommand | CreateUsagePlanKeyCommand | DeleteApiKeyCommand | GetApiKeysCommand | GetUsagePlansCommand;

/** What the adapter needs of the SDK client: sending a command (a test passes a fake that records them). */
export interface ApiGatewaySender {
  send(command: GetUsagePlansCommand): Promise<GetUsagePlansCommandOutput>;
  send(command: GetApiKeysCommand): Promise<GetApiKeysCommandOutput>;
  send(command: CreateApiKeyCommand): Promise<CreateApiKeyCommandOutput>;
  send(command: GatewayCommand): Promise<unknown>;
}

const isNamed = (error: unknown, name: string) => (error as { name?: string }).name === name;

/** API Gateway's largest page. */
const PAGE = 500;

/**
 * A gateway key's name: the plan's name (`smartshelf-<stage>-integrations`) and our key id, so that two stages in one
 * account and region, whose API keys share one namespace, never find (nor remove) each other's keys.
 */
export const gatewayKeyName = (planName: string, keyId: string) => `${planName}.${keyId}`;

/**
 * The integrations usage plan's keys through API Gateway's management API. The plan is found by its name, once per
 * container: its id cannot reach the functions' environment, since the API's stack, which holds the plan, is deployed
 * after the functions' stacks (it integrates them). A gateway key is named for our key id (`gatewayKeyName`); its value
 * is the key itself, which is what the authorizer hands API Gateway as the usage identifier.
 */
export function apiGatewayUsagePlanKeys(planName: string, client: ApiGatewaySender): UsagePlanKeys {
  let planId: Promise<string> | undefined;
  const findPlan = async (): Promise<string> => {
    const ids: string[] = [];
    let position: string | undefined;
    do {
      const page = await client.send(new GetUsagePlansCommand({ limit: PAGE, position }));
      ids.push(...(page.items ?? []).flatMap((p) => (p.name === planName && p.id ? [p.id] : [])));
      position = page.position;
    } while (position);
    // Never a guess between two: a key added to the wrong plan would be metered by another API's limits.
    if (ids.length !== 1) throw new Error(`expected one API Gateway usage plan named ${planName}, found ${ids.length}`);
    return ids[0]!;
  };
  const plan = () => {
    planId ??= findPlan().catch((error: unknown) => {
      planId = undefined;
      throw error;
    });
    return planId;
  };
  const keysOf = async (keyId: string): Promise<{ id: string; value: string }[]> => {
    const name = gatewayKeyName(planName, keyId);
    const found: { id: string; value: string }[] = [];
    let position: string | undefined;
    do {
      const page = await client.send(new GetApiKeysCommand({ nameQuery: name, includeValues: true, limit: PAGE, position }));
      // The name query is not documented as exact: only keys of exactly this name are ours.
      found.push(...(page.items ?? []).flatMap((k) => (k.name === name && k.id && k.value ? [{ id: k.id, value: k.value }] : [])));
      position = page.position;
    } while (position);
    return found;
  };
  const join = async (gatewayKeyId: string, again = true): Promise<void> => {
    try {
      await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: await plan(), keyId: gatewayKeyId, keyType: 'API_KEY' }));
    } catch (error) {
      // Already one of the plan's keys: registered by an earlier call whose answer was lost.
      if (isNamed(error, 'ConflictException')) return;
      // The plan this container found was replaced (a redeploy that made it anew): find it again, once.
      if (!isNamed(error, 'NotFoundException') || !again) throw error;
      planId = undefined;
      await join(gatewayKeyId, false);
    }
  };
  const create = async (keyId: string, apiKey: string): Promise<string> => {
    try {
      const made = await client.send(new CreateApiKeyCommand({ name: gatewayKeyName(planName, keyId), value: apiKey, enabled: true, description: `SmartShelf API key ${keyId}` }));
      if (!made.id) throw new Error(`API Gateway made key ${keyId} without an id`);
      return made.id;
    } catch (error) {
      // Another call registering the same value won the race: use the key it made.
      if (!isNamed(error, 'ConflictException')) throw error;
      const raced = (await keysOf(keyId)).find((k) => k.value === apiKey);
      if (!raced) throw error;
      return raced.id;
    }
  };
  return {
    register: async (keyId, apiKey) => {
      await join((await keysOf(keyId)).find((k) => k.value === apiKey)?.id ?? (await create(keyId, apiKey)));
    },
    registered: async (keyId) => (await keysOf(keyId))[0]?.value,
    remove: async (keyId, hashes) => {
      for (const key of await keysOf(keyId)) {
        if (hashes && !hashes.includes(hashApiKey(key.value))) continue;
        try {
          // Deleting a key takes it out of its usage plans too.
          await client.send(new DeleteApiKeyCommand({ apiKey: key.id }));
        } catch (error) {
          if (!isNamed(error, 'NotFoundException')) throw error;
        }
      }
    },
  };
}
