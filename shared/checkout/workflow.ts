import type * as SfnSdk from '@aws-sdk/client-sfn';
import { config } from '../config/config.js';
import type { SagaWaits, TokenDelivery } from '../orders/deps.js';

/** The checkout state machine's id in `wiring/index.ts`. */
export const CHECKOUT_MACHINE = 'checkout';

/** What an execution of the checkout saga starts from (`infra/workflows/checkout.asl.json` reads these paths). */
export interface SagaInput {
  orderId: string;
  /**
   * The order's reservation when it was made before the saga started (POST /checkout stores the order reserved), so that
   * Reserve need not read the order to find it; `null` for an order from the till, which Reserve reserves.
   */
  reservationId: string | null;
  /** How long 3-D Secure may take before the hold is released (`AwaitAuthentication`'s `TimeoutSecondsPath`). */
  authenticationTimeoutSeconds: number;
  /** How long the order may wait to be picked: past its slot, a stale order is released rather than kept. */
  pickTimeoutSeconds: number;
}

/**
 * The saga's port to Step Functions: start an execution named by the order (so a repeat cannot start a second one),
 * and complete the task tokens its `.waitForTaskToken` states hand out. The second half is orders' `SagaWaits` port
 * (`shared/orders/deps.ts`), which this implements, so that the order's own actions (a pick, a cancel) can settle the
 * saga's waits without importing checkout.
 */
export interface Workflow extends SagaWaits {
  start(input: SagaInput): Promise<void>;
}

let client: SfnSdk.SFNClient | undefined;

/** The SDK is loaded on first use, so the functions that never touch Step Functions do not pay for it at cold start. */
async function sfn(): Promise<{ client: SfnSdk.SFNClient; sdk: typeof SfnSdk }> {
  const sdk = await import('@aws-sdk/client-sfn');
  client ??= new sdk.SFNClient({});
  return { client, sdk };
}

/** Step Functions errors that mean the token is no longer waited on: settled by someone else, timed out, or its execution ended. */
const STALE_TOKEN = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

async function deliver(send: () => Promise<unknown>): Promise<TokenDelivery> {
  try {
    await send();
    return 'sent';
  } catch (error) {
    if (error instanceof Error && STALE_TOKEN.has(error.name)) return 'stale';
    throw error;
  }
}

/** The {@link Workflow} over the Step Functions API (the local runtime serves the same API). */
export function stepFunctionsWorkflow(): Workflow {
  return {
    async start(input) {
      const { client: c, sdk } = await sfn();
      try {
        await c.send(new sdk.StartExecutionCommand({ stateMachineArn: config.stateMachineArn(CHECKOUT_MACHINE), name: input.orderId, input: JSON.stringify(input) }));
      } catch (error) {
        // The same name and input started before: a finished execution answers this, a running one succeeds.
        if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return;
        throw error;
      }
    },
    async succeed(token, output) {
      const { client: c, sdk } = await sfn();
      return deliver(() => c.send(new sdk.SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) })));
    },
    async fail(token, error, cause) {
      const { client: c, sdk } = await sfn();
      return deliver(() => c.send(new sdk.SendTaskFailureCommand({ taskToken: token, error, cause: cause.slice(0, 32_000) })));
    },
  };
}
