import { setTimeout as sleep } from 'node:timers/promises';

/** Delivery faults a sandbox can inject into its webhooks. */
export interface DeliveryFaults {
  /** Each event is sent this many times in all. */
  duplicates: number;
  /** Events waiting together are sent in random order. */
  shuffle: boolean;
}

const MAX_ATTEMPTS = 8;
const FIRST_RETRY_MS = 50;
/** Long enough for the events of an API call or a few to gather, so shuffling has something to reorder. */
const SHUFFLE_WINDOW_MS = 30;

/** How a sandbox signs a delivery: the headers that carry its signature, computed afresh for every attempt. */
export type WebhookSigner<T> = (payload: string, target: T) => Record<string, string>;

/**
 * Delivers a sandbox's events at least once, the way Stripe and billing providers do: each attempt signed afresh (so a
 * late retry is not stale), retrying non-2xx answers and network errors with exponential backoff, and duplicating or
 * shuffling them when the sandbox's faults say so.
 */
export class WebhookSender<T extends { url: string }> {
  private pending: string[] = [];
  private inFlight = new Set<Promise<void>>();
  private flushing: Promise<void> | undefined;
  delivered = 0;
  failed = 0;

  constructor(
    private readonly name: string,
    private readonly target: () => T | undefined,
    private readonly faults: () => DeliveryFaults,
    private readonly sign: WebhookSigner<T>,
  ) {}

  /** Queues one event (its JSON) for delivery, duplicated as the faults say. */
  send(payload: string): void {
    if (!this.target()) return;
    const { duplicates } = this.faults();
    for (let copy = 0; copy < Math.max(1, duplicates); copy += 1) this.pending.push(payload);
    this.flushing ??= this.flush();
  }

  /** Resolves once every queued event has been delivered or given up on. */
  async idle(): Promise<void> {
    while (this.flushing || this.inFlight.size > 0) {
      await this.flushing;
      await Promise.all([...this.inFlight]);
    }
  }

  private async flush(): Promise<void> {
    if (this.faults().shuffle) await sleep(SHUFFLE_WINDOW_MS);
    const batch = this.pending;
    this.pending = [];
    if (this.faults().shuffle) {
      for (let i = batch.length - 1; i > 0; i -= 1) {
        const j = Math.floor(Math.random() * (i + 1));
        [batch[i], batch[j]] = [batch[j] as string, batch[i] as string];
      }
    }
    for (const payload of batch) {
      const delivery = this.deliver(payload).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
      // Sequential first attempts keep the unshuffled order the order of the API calls.
      await Promise.race([delivery, sleep(5)]);
    }
    this.flushing = undefined;
    if (this.pending.length > 0) this.flushing = this.flush();
  }

  private async deliver(payload: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const target = this.target();
      if (!target) return;
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8', ...this.sign(payload, target) },
          body: payload,
        });
        await response.arrayBuffer();
        if (response.ok) {
          this.delivered += 1;
          return;
        }
      } catch {
        // The receiver is down or reset the connection: retry, as the real providers do.
      }
      await sleep(FIRST_RETRY_MS * 2 ** attempt);
    }
    this.failed += 1;
    console.warn(`${this.name}: gave up delivering a webhook after ${MAX_ATTEMPTS} attempts`);
  }
}
