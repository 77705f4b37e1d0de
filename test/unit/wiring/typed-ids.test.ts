import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EventContract } from '../../../events/contract.js';
import type { Config } from '../../../shared/config/config.js';
import type { EntityType } from '../../../shared/db/keys.js';
import {
  rulePattern,
  rules,
  streams,
  type Declared,
  type QueueId,
  type SendToIdsOf,
  type StreamEntityType,
  type WiredFunction,
  type WiredQueue,
  type WiredRoute,
  type WiredRule,
  type WiredSchedule,
  type WiredStream,
} from '../../../wiring/index.js';
import { orderCompletedV1 } from '../../../events/orders/order-completed.v1.js';

/**
 * Type-level: every line after a `@ts-expect-error` must fail to compile (tsc, which checks `test/`, reports an unused
 * one). The wiring's ids are literal types, so a typo in an id is a compile error, not a failure at deploy or run time.
 * Never called: it only has to type-check.
 */
export function typosThatDoNotCompile(config: Config): unknown[] {
  const access = { table: 'read' } as const;
  const fn: WiredFunction = {
    id: 'catalog-get-product',
    entry: 'functions/catalog/get-product.ts',
    // @ts-expect-error a state machine that is not declared
    access: { ...access, workflows: { checkot: 'start' } },
  };
  // @ts-expect-error a secret that is not declared
  const secretTypo: WiredFunction = { id: 'x', entry: 'x', access: { secrets: ['payment-apii'] } };
  type SendingFunctions = readonly [{ id: 'x'; entry: 'x'; access: { sendTo: readonly ['catalog-imprt'] } }];
  // @ts-expect-error a `sendTo` naming a queue that is not declared
  type SendToTypo = Declared<SendToIdsOf<SendingFunctions>, QueueId>;
  const sendToTypo: SendToTypo[] = [];
  // @ts-expect-error a route to a function that is not declared
  const route: WiredRoute = { method: 'GET', path: '/x', fn: 'catalog-get-prodct', auth: { kind: 'public' } };
  // @ts-expect-error a queue whose consumer is not declared
  const queue: WiredQueue = { id: 'q', consumer: 'catalog-proces-import', batchSize: 1, visibilityTimeoutSeconds: 30, maxReceiveCount: 3 };
  // @ts-expect-error a rule targeting a queue that is not declared
  const rule: WiredRule = { id: 'r', events: [orderCompletedV1], target: { queue: 'loyalty-earm' } };
  // @ts-expect-error a rule naming a source and detail-type instead of a contract
  const patternRule: WiredRule = { id: 'r', events: [{ source: 'smartshelf.orders', detailType: 'order.completed' }], target: { queue: 'loyalty-earn' } };
  const stream: WiredStream = {
    id: 's',
    // @ts-expect-error a stream consumer that is not declared
    consumer: 'events-relay-outbx',
    filter: { eventName: ['INSERT'], entityTypes: ['OutboxEvent'] },
    batchSize: 1,
    retryAttempts: 1,
    maxRecordAgeSeconds: 60,
    bisectOnError: true,
  };
  // @ts-expect-error a schedule running a function that is not declared
  const schedule: WiredSchedule = { id: 'x', expression: 'cron(* * * * ? *)', timezone: 'UTC', target: { fn: 'inventory-sweep', input: {} } };
  return [
    fn,
    secretTypo,
    sendToTypo,
    route,
    queue,
    rule,
    patternRule,
    stream,
    schedule,
    // @ts-expect-error a queue URL of a queue that is not declared
    config.queueUrl('catalog-imprt'),
    // @ts-expect-error a state machine ARN of a machine that is not declared
    config.stateMachineArn('checkot'),
    config.queueUrl('catalog-import'),
    config.stateMachineArn('checkout'),
  ];
}

const EVENTS_DIR = join(import.meta.dirname, '../../../events');

/** Every event contract exported by a module under `events/`. */
async function declaredContracts(): Promise<Set<EventContract>> {
  const files = readdirSync(EVENTS_DIR, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const contracts = new Set<EventContract>();
  for (const file of files) {
    const module = (await import(pathToFileURL(join(EVENTS_DIR, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      const candidate = value as Partial<EventContract> | null;
      if (candidate && typeof candidate === 'object' && typeof candidate.source === 'string' && typeof candidate.detailType === 'string' && candidate.schema) {
        contracts.add(candidate as EventContract);
      }
    }
  }
  return contracts;
}

describe('the wiring as a contract', () => {
  it('routes events by contracts that events/ declares, at least one a rule', async () => {
    const contracts = await declaredContracts();
    for (const rule of rules) {
      expect(rule.events.length, rule.id).toBeGreaterThan(0);
      for (const contract of rule.events) expect(contracts.has(contract), `${rule.id}: ${contract.detailType} is a contract of events/`).toBe(true);
    }
  });

  it('derives each rule pattern from its contracts, each source and detail-type once', () => {
    const rule = { events: [orderCompletedV1, orderCompletedV1] };
    expect(rulePattern(rule)).toEqual({ source: ['smartshelf.orders'], detailType: ['order.completed'] });
    for (const r of rules) {
      const pattern = rulePattern(r);
      expect(new Set(pattern.detailType).size, r.id).toBe(pattern.detailType.length);
      for (const contract of r.events) {
        expect(pattern.source).toContain(contract.source);
        expect(pattern.detailType).toContain(contract.detailType);
      }
    }
  });

  it('filters the table stream on entity types the table has', () => {
    // Typed: a stream filter naming an entity type that shared/db/keys.ts does not declare fails to compile here.
    const entityTypes = streams.flatMap((s) => s.filter.entityTypes) as StreamEntityType[];
    const known: readonly Declared<StreamEntityType, EntityType>[] = entityTypes;
    expect(known).toContain('OutboxEvent');
  });
});
