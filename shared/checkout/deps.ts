import { config } from '../config/config.js';
import { tableDeps, type TableDeps } from '../db/deps.js';
import type { PaymentGateway } from '../payments/gateway.js';
import { paymentGateway } from '../payments/gateway-config.js';
import { stepFunctionsWorkflow, type Workflow } from './workflow.js';

/** How the shop runs checkout (`config.checkout`). */
export interface CheckoutSettings {
  captureOnConfirm: boolean;
  authenticationTimeoutSeconds: number;
}

/** What checkout's use-cases need: the table, the payment gateway, Step Functions and the shop's settings. */
export interface CheckoutDeps extends TableDeps {
  gateway: () => Promise<PaymentGateway>;
  workflow: Workflow;
  settings: CheckoutSettings;
}

/** The production dependencies, with any of them replaced (tests pass their own table, clock, gateway or workflow). */
export function checkoutDeps(overrides: Partial<CheckoutDeps> = {}): CheckoutDeps {
  return {
    ...tableDeps(overrides),
    gateway: overrides.gateway ?? paymentGateway,
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
