import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Stripe from 'stripe';
import type { SandboxFaults } from '../../infra/local/payments-sandbox/server.js';

/** What the local platform wrote about itself (`runtime.json` in its data directory). */
export interface LocalRuntime {
  url: string;
  tableName: string;
  endpoints: { dynamodb: string; sfn: string };
  stateMachineArns: Record<string, string>;
  paymentsSandboxUrl: string;
  courierSandboxUrl: string;
}

/** Reads the running platform's `runtime.json`. */
export async function localRuntime(dataDir: string): Promise<LocalRuntime> {
  return JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as LocalRuntime;
}

/** A PaymentIntent as the sandbox (like Stripe) reports it. */
export interface SandboxIntent {
  id: string;
  status: string;
  amount: number;
  amount_capturable: number;
  amount_received: number;
  metadata: Record<string, string>;
  customer?: string | null;
  payment_method?: string | null;
}

/**
 * The payments sandbox's own view of the money, read over its Stripe-compatible API: what a test asserts after a
 * checkout (held, captured, voided), independently of what the order says.
 */
export class SandboxLedger {
  constructor(private readonly baseUrl: string) {}

  async intent(id: string): Promise<SandboxIntent> {
    const response = await fetch(`${this.baseUrl}/v1/payment_intents/${id}`, { headers: { authorization: 'Bearer sk_test_smartshelf_local' } });
    if (response.status !== 200) throw new Error(`the sandbox answered ${response.status} for intent ${id}`);
    return (await response.json()) as SandboxIntent;
  }

  /** The refunds made on an intent, newest first, as the sandbox (like Stripe's refund list) reports them. */
  async refunds(intentId: string): Promise<{ id: string; amount: number; status: string }[]> {
    const response = await fetch(`${this.baseUrl}/v1/refunds?payment_intent=${intentId}`, { headers: { authorization: 'Bearer sk_test_smartshelf_local' } });
    if (response.status !== 200) throw new Error(`the sandbox answered ${response.status} for the refunds of intent ${intentId}`);
    return ((await response.json()) as { data: { id: string; amount: number; status: string }[] }).data;
  }

  /** Plays the customer on the 3-D Secure page: the intent is authorized (`approve`) or fails authentication (`fail`). */
  async authenticate(id: string, outcome: 'approve' | 'fail'): Promise<SandboxIntent> {
    return this.control<SandboxIntent>(`/_sandbox/payment_intents/${id}/authenticate`, { outcome });
  }

  /**
   * What Stripe.js does in the shopper's app with `POST /me/payment-methods/setup`'s client secret: confirms the
   * SetupIntent with a card (a test card by name), approving 3-D Secure when the card asks for it. The card goes to
   * the provider, never through the API. Returns the saved method's id.
   */
  async saveCard(setupIntentId: string, card = 'pm_card_visa'): Promise<string> {
    const response = await fetch(`${this.baseUrl}/v1/setup_intents/${setupIntentId}/confirm`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_smartshelf_local', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ payment_method: card }).toString(),
    });
    if (response.status !== 200) throw new Error(`the sandbox answered ${response.status} confirming ${setupIntentId}: ${await response.text()}`);
    const setup = (await response.json()) as { status: string; payment_method: string };
    if (setup.status === 'requires_action') await this.control(`/_sandbox/setup_intents/${setupIntentId}/authenticate`, { outcome: 'approve' });
    return setup.payment_method;
  }

  /** Confirms an intent on session, as Stripe.js does with an order's `payment.action.clientSecret` when the shopper comes back. */
  async confirmOnSession(intentId: string): Promise<SandboxIntent> {
    const response = await fetch(`${this.baseUrl}/v1/payment_intents/${intentId}/confirm`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_smartshelf_local', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    if (response.status !== 200) throw new Error(`the sandbox answered ${response.status} confirming ${intentId}: ${await response.text()}`);
    return (await response.json()) as SandboxIntent;
  }

  /** The idempotency keys of the calls the sandbox is answering now (held there by injected latency). */
  async inFlight(): Promise<string[]> {
    const response = await fetch(`${this.baseUrl}/_sandbox/in-flight`);
    if (response.status !== 200) throw new Error(`the sandbox answered ${response.status} for its calls in flight`);
    return ((await response.json()) as { keys: string[] }).keys;
  }

  /** Replaces the sandbox's injected faults (latency, errors, duplicated or shuffled webhooks); `{}` clears them. */
  async faults(faults: SandboxFaults): Promise<void> {
    await this.control('/_sandbox/faults', faults);
  }

  private async control<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status !== 200) throw new Error(`the sandbox answered ${response.status} to ${path}: ${await response.text()}`);
    return (await response.json()) as T;
  }
}

/**
 * A Stripe event as the payments sandbox would send it, with a `Stripe-Signature` made by stripe-node itself for the
 * platform's webhook secret (or another one, to forge it).
 */
export function signedEvent(event: { id: string; type: string; object: Record<string, unknown>; created?: number }, secret: string): { body: string; signature: string } {
  const body = JSON.stringify({
    id: event.id,
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: event.created ?? Math.floor(Date.now() / 1000),
    type: event.type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: event.object },
  });
  return { body, signature: Stripe.webhooks.generateTestHeaderString({ payload: body, secret }) };
}
