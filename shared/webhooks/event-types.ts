import type { EventContract } from '../../events/contract.js';
import { SUBSCRIBABLE_EVENTS } from '../../events/webhooks/subscribable.js';

/**
 * The event contracts an endpoint may subscribe to: those of `events/webhooks/subscribable.ts`, which the delivery
 * rule on the bus routes too (the wiring sits below `shared/`, so the list lives in `events/`).
 */
export const WEBHOOK_EVENTS: readonly EventContract[] = SUBSCRIBABLE_EVENTS;

/** Their detail-types, as endpoints name them in `eventTypes`. Each goes out exactly as its contract defines it. */
export const WEBHOOK_EVENT_TYPES: readonly [string, ...string[]] = [WEBHOOK_EVENTS[0]!.detailType, ...WEBHOOK_EVENTS.slice(1).map((c) => c.detailType)];
