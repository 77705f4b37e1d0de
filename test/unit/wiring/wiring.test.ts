import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUTHORIZER_FN, SHOPPER_TOKEN_CLAIMS_FN, functions, queues, routes, rules, schedules, stateMachines, streams } from '../../../wiring/index.js';

const ids = new Set(functions.map((f) => f.id));
/** Functions a state machine's Task states name with `${fn:<id>}`. */
const taskFunctions = stateMachines.flatMap((m) => [...readFileSync(m.definition, 'utf8').matchAll(/\$\{fn:([a-z0-9-]+)\}/g)].map((match) => match[1]!));
const queueIds = new Set(queues.map((q) => q.id));

describe('the wiring description', () => {
  it('names each function once, with an entry file that exports only `handler`', () => {
    expect(ids.size).toBe(functions.length);
    for (const fn of functions) {
      expect(fn.entry, fn.id).toMatch(/^functions\/[a-z-]+\/[a-z-]+\.ts$/);
      expect(existsSync(fn.entry), `${fn.entry} exists`).toBe(true);
      const exports = [...readFileSync(fn.entry, 'utf8').matchAll(/^export\s+(?:const|function|async function|class|let)\s+(\w+)/gm)].map(
        (m) => m[1],
      );
      expect(exports, fn.entry).toEqual(['handler']);
    }
  });

  it('points every route, queue consumer, stream consumer, rule and schedule at something declared', () => {
    for (const r of routes) expect(ids.has(r.fn), `${r.method} ${r.path} → ${r.fn}`).toBe(true);
    for (const q of queues) expect(ids.has(q.consumer), `${q.id} consumer`).toBe(true);
    for (const s of streams) expect(ids.has(s.consumer), `${s.id} consumer`).toBe(true);
    for (const r of rules) expect(queueIds.has(r.target.queue), `${r.id} target`).toBe(true);
    for (const s of schedules) expect(ids.has(s.target.fn), `${s.id} target`).toBe(true);
    for (const m of stateMachines) expect(existsSync(m.definition), m.definition).toBe(true);
    for (const fn of taskFunctions) expect(ids.has(fn), `task function ${fn}`).toBe(true);
    expect(ids.has(AUTHORIZER_FN)).toBe(true);
    expect(ids.has(SHOPPER_TOKEN_CLAIMS_FN)).toBe(true);
  });

  it('declares each method and path once, in API Gateway path syntax', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of routes) expect(r.path).toMatch(/^(\/([a-z0-9.-]+|\{[a-zA-Z]+\}))+$/);
  });

  it('lets a function send only to queues that exist, and keeps functions behind routes, queues or Cognito', () => {
    for (const fn of functions) for (const q of fn.access.sendTo ?? []) expect(queueIds.has(q), `${fn.id} → ${q}`).toBe(true);
    const used = new Set([
      AUTHORIZER_FN,
      SHOPPER_TOKEN_CLAIMS_FN,
      ...routes.map((r) => r.fn),
      ...queues.map((q) => q.consumer),
      ...streams.map((s) => s.consumer),
      ...schedules.map((s) => s.target.fn),
      ...taskFunctions,
    ]);
    expect(functions.filter((f) => !used.has(f.id)).map((f) => f.id)).toEqual([]);
  });

  it('names each stream consumer once, with a filter and retries within what Lambda accepts', () => {
    expect(new Set([...queues.map((q) => q.id), ...streams.map((s) => s.id)]).size).toBe(queues.length + streams.length);
    for (const s of streams) {
      expect(s.filter.eventName.length, s.id).toBeGreaterThan(0);
      expect(s.filter.entityTypes.length, s.id).toBeGreaterThan(0);
      expect(s.batchSize, s.id).toBeGreaterThanOrEqual(1);
      expect(s.batchSize, s.id).toBeLessThanOrEqual(10_000);
      expect(s.retryAttempts, s.id).toBeGreaterThanOrEqual(0);
      expect(s.retryAttempts, s.id).toBeLessThanOrEqual(10_000);
      expect(s.maxRecordAgeSeconds, s.id).toBeGreaterThanOrEqual(60);
      expect(s.maxRecordAgeSeconds, s.id).toBeLessThanOrEqual(604_800);
    }
  });

  it('gives queue consumers a visibility timeout long enough for retries and a DLQ after a few receives', () => {
    for (const q of queues) {
      const consumer = functions.find((f) => f.id === q.consumer)!;
      expect(q.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * (consumer.timeoutSeconds ?? 30));
      expect(q.maxReceiveCount).toBeGreaterThanOrEqual(2);
    }
  });
});
