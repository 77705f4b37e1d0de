import {
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../shared/auth/api-clients.js';
import { makeConfig } from '../../../shared/config/config.js';
import { ENV } from '../../../shared/config/env-names.js';
import { apiGatewayUsagePlanKeys, gatewayKeyName } from '../../../shared/staff/usage-plan-keys-api-gateway.js';
import { noUsagePlanKeys, usagePlanKeys } from '../../../shared/staff/usage-plan-keys.js';

const PLAN = 'smartshelf-dev-integrations';
const KEY = 'key_0123456789abcdef01234567';
const NAME = gatewayKeyName(PLAN, KEY);

/**
 * API Gateway in memory: usage plans, API keys and each plan's keys, paged `pageSize` at a time, and every command in
 * order. `gone` answers a delete with NotFound, as for a key another call deleted first.
 */
function fakeGateway(pageSize = 500) {
  const sent: string[] = [];
  const plans = [
    { id: 'people1', name: 'smartshelf-dev-people' },
    { id: 'plan123', name: PLAN },
  ];
  const apiKeys: { id: string; name: string; value: string }[] = [{ id: 'other', name: gatewayKeyName('smartshelf-prod-integrations', KEY), value: 'ssk_prod' }];
  const planKeys = new Map<string, Set<string>>();
  const gone = new Set<string>();
  let made = 0;
  const page = <T>(items: T[], position: string | undefined) => {
    const from = Number(position ?? 0);
    const next = from + pageSize < items.length ? String(from + pageSize) : undefined;
    return { items: items.slice(from, from + pageSize), position: next };
  };
  const send = (command: unknown): Promise<unknown> => {
    if (command instanceof GetUsagePlansCommand) {
      sent.push('GetUsagePlans');
      return Promise.resolve(page(plans, command.input.position));
    }
    if (command instanceof GetApiKeysCommand) {
      sent.push(`GetApiKeys ${command.input.nameQuery} values=${command.input.includeValues}`);
      // Like a prefix query: the exact name is the adapter's to check.
      return Promise.resolve(page(apiKeys.filter((k) => k.name.startsWith(command.input.nameQuery ?? '')), command.input.position));
    }
    if (command instanceof CreateApiKeyCommand) {
      const { name, value, enabled } = command.input;
      sent.push(`CreateApiKey ${name} enabled=${enabled}`);
      if (apiKeys.some((k) => k.value === value)) return Promise.reject(new ConflictException({ message: 'API Key already exists', $metadata: {} }));
      const id = `gw${(made += 1)}`;
      apiKeys.push({ id, name: name!, value: value! });
      return Promise.resolve({ id });
    }
    if (command instanceof CreateUsagePlanKeyCommand) {
      const { usagePlanId, keyId, keyType } = command.input;
      sent.push(`CreateUsagePlanKey ${usagePlanId} ${keyId} ${keyType}`);
      if (!plans.some((p) => p.id === usagePlanId)) return Promise.reject(new NotFoundException({ message: 'Invalid Usage Plan ID specified', $metadata: {} }));
      const members = planKeys.get(usagePlanId!) ?? new Set();
      if (members.has(keyId!)) return Promise.reject(new ConflictException({ message: 'Usage Plan Key already exists', $metadata: {} }));
      planKeys.set(usagePlanId!, members.add(keyId!));
      return Promise.resolve({});
    }
    if (command instanceof DeleteApiKeyCommand) {
      const id = command.input.apiKey!;
      sent.push(`DeleteApiKey ${id}`);
      if (gone.has(id)) return Promise.reject(new NotFoundException({ message: 'Invalid API Key identifier specified', $metadata: {} }));
      const at = apiKeys.findIndex((k) => k.id === id);
      apiKeys.splice(at, 1);
      for (const members of planKeys.values()) members.delete(id);
      return Promise.resolve({});
    }
    return Promise.reject(new Error('unexpected command'));
  };
  return { sent, plans, apiKeys, planKeys, gone, client: { send } as never };
}

describe('the integrations usage plan through API Gateway', () => {
  it('registers a key: an API key named for ours, holding its value, enabled, added to the plan found by its name', async () => {
    const gw = fakeGateway();
    await apiGatewayUsagePlanKeys(PLAN, gw.client).register(KEY, 'ssk_one');
    expect(gw.sent).toEqual([`GetApiKeys ${NAME} values=true`, `CreateApiKey ${NAME} enabled=true`, 'GetUsagePlans', 'CreateUsagePlanKey plan123 gw1 API_KEY']);
    expect(gw.apiKeys.find((k) => k.id === 'gw1')).toEqual({ id: 'gw1', name: NAME, value: 'ssk_one' });
    expect([...gw.planKeys.get('plan123')!]).toEqual(['gw1']);
  });

  it('reuses the gateway key holding the same value when registration is retried, and counts a plan membership twice as one', async () => {
    const gw = fakeGateway();
    const plan = apiGatewayUsagePlanKeys(PLAN, gw.client);
    await plan.register(KEY, 'ssk_one');
    await plan.register(KEY, 'ssk_one');
    expect(gw.apiKeys.filter((k) => k.name === NAME)).toHaveLength(1);
    expect(gw.sent.filter((s) => s.startsWith('CreateApiKey'))).toHaveLength(1);
    // The plan was looked up once for the container.
    expect(gw.sent.filter((s) => s === 'GetUsagePlans')).toHaveLength(1);
    expect([...gw.planKeys.get('plan123')!]).toEqual(['gw1']);
  });

  it('makes another gateway key for another value under the same key id (a rotation, or a retried request)', async () => {
    const gw = fakeGateway();
    const plan = apiGatewayUsagePlanKeys(PLAN, gw.client);
    await plan.register(KEY, 'ssk_one');
    await plan.register(KEY, 'ssk_two');
    expect(gw.apiKeys.filter((k) => k.name === NAME).map((k) => k.value)).toEqual(['ssk_one', 'ssk_two']);
    expect([...gw.planKeys.get('plan123')!]).toEqual(['gw1', 'gw2']);
  });

  it('uses the key a racing call made when API Gateway says the value exists', async () => {
    const gw = fakeGateway();
    let first = true;
    const racing = {
      send: (command: unknown) => {
        // The racing call creates the key between this call's look-up and its create.
        if (command instanceof CreateApiKeyCommand && first) {
          first = false;
          gw.apiKeys.push({ id: 'raced', name: NAME, value: 'ssk_one' });
        }
        return (gw.client as { send: (c: unknown) => Promise<unknown> }).send(command);
      },
    };
    await apiGatewayUsagePlanKeys(PLAN, racing as never).register(KEY, 'ssk_one');
    expect([...gw.planKeys.get('plan123')!]).toEqual(['raced']);
  });

  it('finds the plan and the keys across pages', async () => {
    const gw = fakeGateway(1);
    for (let i = 0; i < 3; i += 1) gw.apiKeys.push({ id: `old${i}`, name: NAME, value: `ssk_old${i}` });
    const plan = apiGatewayUsagePlanKeys(PLAN, gw.client);
    await plan.register(KEY, 'ssk_old2');
    expect([...gw.planKeys.get('plan123')!]).toEqual(['old2']);
    await plan.remove(KEY);
    expect(gw.apiKeys.map((k) => k.id)).toEqual(['other']);
  });

  it('refuses to guess between two plans of the same name, or to go on without one, and looks again next time', async () => {
    const gw = fakeGateway();
    gw.plans.push({ id: 'plan456', name: PLAN });
    const plan = apiGatewayUsagePlanKeys(PLAN, gw.client);
    await expect(plan.register(KEY, 'ssk_one')).rejects.toThrow(`expected one API Gateway usage plan named ${PLAN}, found 2`);
    gw.plans.splice(2, 1);
    await plan.register(KEY, 'ssk_one');
    expect([...gw.planKeys.get('plan123')!]).toEqual(['gw1']);
    await expect(apiGatewayUsagePlanKeys('smartshelf-qa-integrations', gw.client).register(KEY, 'ssk_two')).rejects.toThrow('found 0');
  });

  it('finds the plan again, once, when the one it found was replaced by a redeploy', async () => {
    const gw = fakeGateway();
    const plan = apiGatewayUsagePlanKeys(PLAN, gw.client);
    await plan.register(KEY, 'ssk_one');
    gw.plans[1] = { id: 'plan789', name: PLAN };
    await plan.register(KEY, 'ssk_two');
    expect([...gw.planKeys.get('plan789')!]).toEqual(['gw2']);
    expect(gw.sent.filter((s) => s === 'GetUsagePlans')).toHaveLength(2);
    gw.plans.splice(1, 1, { id: 'gone', name: 'someone-else' });
    await expect(apiGatewayUsagePlanKeys(PLAN, { send: (c: unknown) => (c instanceof GetUsagePlansCommand ? Promise.resolve({ items: [{ id: 'stale', name: PLAN }] }) : (gw.client as { send: (c: unknown) => Promise<unknown> }).send(c)) } as never).register(KEY, 'ssk_three')).rejects.toThrow('Invalid Usage Plan ID');
  });

  it('removes only the gateway keys whose values hash to those named, or all of ours, never another stage’s', async () => {
    const gw = fakeGateway();
    const plan = apiGatewayUsagePlanKeys(PLAN, gw.client);
    for (const value of ['ssk_one', 'ssk_two', 'ssk_three']) await plan.register(KEY, value);
    await plan.remove(KEY, [hashApiKey('ssk_two')]);
    expect(gw.apiKeys.map((k) => k.value)).toEqual(['ssk_prod', 'ssk_one', 'ssk_three']);
    await plan.remove(KEY);
    expect(gw.apiKeys.map((k) => k.value)).toEqual(['ssk_prod']);
    expect([...gw.planKeys.get('plan123')!]).toEqual([]);
  });

  it('tells the value registered under our key id, if any, never another stage’s', async () => {
    const gw = fakeGateway();
    const plan = apiGatewayUsagePlanKeys(PLAN, gw.client);
    await expect(plan.registered(KEY)).resolves.toBeUndefined();
    await plan.register(KEY, 'ssk_one');
    await expect(plan.registered(KEY)).resolves.toBe('ssk_one');
    await plan.remove(KEY);
    await expect(plan.registered(KEY)).resolves.toBeUndefined();
    await expect(noUsagePlanKeys.registered(KEY)).resolves.toBeUndefined();
  });

  it('counts a key already deleted as removed, and passes on any other failure', async () => {
    const gw = fakeGateway();
    const plan = apiGatewayUsagePlanKeys(PLAN, gw.client);
    await plan.register(KEY, 'ssk_one');
    gw.gone.add('gw1');
    await expect(plan.remove(KEY)).resolves.toBeUndefined();
    const failing = { send: (c: unknown) => (c instanceof DeleteApiKeyCommand ? Promise.reject(new Error('throttled')) : (gw.client as { send: (c: unknown) => Promise<unknown> }).send(c)) };
    await expect(apiGatewayUsagePlanKeys(PLAN, failing as never).remove(KEY)).rejects.toThrow('throttled');
  });
});

describe('choosing the usage plan keys by configuration', () => {
  it('keeps no usage plan where none is configured (locally), and takes API Gateway’s where one is named', () => {
    expect(usagePlanKeys(undefined)).toBe(noUsagePlanKeys);
    expect(usagePlanKeys(PLAN)).not.toBe(noUsagePlanKeys);
  });

  it('reads the plan’s name from INTEGRATIONS_USAGE_PLAN, refusing one that is no plan name', () => {
    expect(makeConfig({ [ENV.integrationsUsagePlan]: PLAN }).integrationsUsagePlan).toBe(PLAN);
    expect(makeConfig({}).integrationsUsagePlan).toBeUndefined();
    expect(() => makeConfig({ [ENV.integrationsUsagePlan]: 'a plan with spaces' })).toThrow(ENV.integrationsUsagePlan);
  });
});
