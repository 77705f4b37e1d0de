import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { config } from '../../shared/config/config.js';
import { outboxRelay } from '../../shared/events/relay.js';

const events = new EventBridgeClient({});

/**
 * Consumer of the table's stream, filtered to new outbox items (`streams` in wiring/index.ts):
 * puts each item's event on the bus, so every event committed with its change gets published.
 */
export const handler = outboxRelay(() => ({ events, busName: config.eventBusName }));
