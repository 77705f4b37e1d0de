import { describe, expect, it } from 'vitest';
import { webhookEndpointDisabledV1 } from '../../../events/webhooks/endpoint-disabled.v1.js';
import { SUBSCRIBABLE_EVENTS } from '../../../events/webhooks/subscribable.js';
import { WEBHOOK_EVENTS } from '../../../shared/webhooks/event-types.js';
import { rulePattern, rules } from '../../../wiring/index.js';

describe('subscribable webhook events', () => {
  it('routes exactly the events endpoints may subscribe to from the bus to the fan-out', () => {
    const rule = rules.find((r) => r.id === 'events-to-webhooks')!;
    expect(rule.target.queue).toBe('webhooks-fan-out');
    expect(rule.events).toBe(SUBSCRIBABLE_EVENTS);
    expect(new Set(rulePattern(rule).detailType)).toEqual(new Set(WEBHOOK_EVENTS.map((e) => e.detailType)));
  });

  it('offers the endpoint-disabled event, so an integrator hears of it at another endpoint', () => {
    expect(SUBSCRIBABLE_EVENTS).toContain(webhookEndpointDisabledV1);
  });

  it('names each detail-type once, so an endpoint subscription names one contract', () => {
    const types = SUBSCRIBABLE_EVENTS.map((e) => e.detailType);
    expect(new Set(types).size).toBe(types.length);
  });
});
