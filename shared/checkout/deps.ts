import { config } from '../config/config.js';
import { orderDeps, type SagaWaitDeps } from '../orders/deps.js';
import { stepFunctionsWorkflow, type Workflow } from './workflow.js';

/** How the shop runs checkout (`config.checkout`). */
export interface CheckoutSettings {
  captureOnConfirm: boolean;
  authenticationTimeoutSeconds: number;
}

/**
 * What checkout's use-cases need: the table, the payment gateway, Step Functions and the shop's settings. They satisfy
 * orders' `SagaWaitDeps`, `workflow` being the production implementation of its `SagaWaits` port, so the handlers of the
 * order actions that settle the saga's waits (`POST /orders/{id}/pick`, `/cancel`) hand these in.
 */
export interface CheckoutDeps extends SagaWaitDeps {
  workflow: Workflow;
  settings: CheckoutSettings;
}

/** The production dependencies, with any of them replaced (tests pass their own table, clock, gateway or workflow). */
export function checkoutDeps(overrides: Partial<CheckoutDeps> = {}): CheckoutDeps {
  return {
    ...orderDeps(overrides),
    workflow: overrides.workflow ?? stepFunctionsWorkflow(),
    settings: overrides.settings ?? config.checkout,
  };
}

/** Who acts on a checkout, for the order's history and the events' correlation. */
export interface CheckoutActor {
  actor: string;
  correlationId?: string | undefined;
}

/** The saga's own steps act as this. */
export const SAGA_ACTOR: CheckoutActor = { actor: 'checkout-saga' };
