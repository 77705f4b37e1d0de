import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * The business metrics: what the use-cases that know their meaning report (an order placed, a checkout that failed, a
 * payment refused, how long billing and the courier's webhooks lag behind), as Powertools metrics (CloudWatch EMF).
 *
 * They leave under one fixed dimension set, `{ service: "business" }`, whichever function emits them: an order is placed
 * by `checkout-start-checkout` and by the till's `orders-create-order`, yet a CloudWatch alarm needs the metric's exact
 * dimensions, known when the CDK app synthesizes (`infra/cdk/constructs/observability.ts` reads the names below). And
 * each is flushed as it is recorded (a single-metric emitter), so an HTTP handler, a saga task and a queue consumer need
 * no flush of their own, and a metric recorded before a later step throws is not lost with it.
 */

/** The CloudWatch namespace of every SmartShelf metric (the CDK sets `POWERTOOLS_METRICS_NAMESPACE` to the same). */
export const METRICS_NAMESPACE = 'SmartShelf';
/** The `service` dimension of the business metrics, the same in every function. */
export const BUSINESS_SERVICE = 'business';

/** The business metrics' names, as the dashboard and the alarms read them. */
export const BusinessMetric = {
  /** An order stored, online (`POST /checkout`) or at the till (`POST /orders`); a repeated request counts nothing. Count. */
  ordersPlaced: 'OrdersPlaced',
  /** A checkout that ended `failed` (not cancelled): every reason, timeouts and payment failures included. Count. */
  checkoutsFailed: 'CheckoutsFailed',
  /** A checkout that failed because a wait ran out (the shopper's 3-D Secure, the pick). Count. */
  checkoutsTimedOut: 'CheckoutsTimedOut',
  /** A checkout that failed because the payment was refused (a decline, a refused re-authorization). Count. */
  paymentsFailed: 'PaymentsFailed',
  /** Seconds from an order's completion to its invoice stored (the billing sync's lag). */
  billingSyncLag: 'BillingSyncLagSeconds',
  /** Seconds from a courier's tracking event (its `occurredAt`) to our receipt of its webhook. */
  courierWebhookLag: 'CourierWebhookLagSeconds',
} as const;
export type BusinessMetricName = (typeof BusinessMetric)[keyof typeof BusinessMetric];

/** Failure codes of a checkout (`describeFailure` in `shared/checkout/steps/compensation.ts`) that are a wait timing out. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['authentication-timeout', 'pick-timeout']);
/** Failure codes of a checkout that are the payment refused. */
const PAYMENT_CODES: ReadonlySet<string> = new Set(['payment-declined', 'reauthorization-declined']);

/** The metrics a checkout's failure counts in, by its failure code. Pure. */
export function checkoutFailureMetrics(code: string): BusinessMetricName[] {
  return [
    BusinessMetric.checkoutsFailed,
    ...(TIMEOUT_CODES.has(code) ? [BusinessMetric.checkoutsTimedOut] : []),
    ...(PAYMENT_CODES.has(code) ? [BusinessMetric.paymentsFailed] : []),
  ];
}

/**
 * Whole seconds from `from` to `to`, never negative: a courier's clock a little ahead of ours is no lag at all. Pure.
 * @param from an ISO timestamp (an order's completion, a courier's event time)
 */
export function lagSeconds(from: string, to: Date): number {
  return Math.max(0, Math.round((to.getTime() - Date.parse(from)) / 1000));
}

/** Where the business metrics go: a Powertools `Metrics` (tests pass one they read back with `serializeMetrics`). */
export type MetricsEmitter = Pick<Metrics, 'addMetric'>;

/** The business metrics recorded on `emitter`. */
export function businessMetricsOn(emitter: MetricsEmitter) {
  return {
    /** An order was stored (not a repeat of one already placed). */
    orderPlaced(): void {
      emitter.addMetric(BusinessMetric.ordersPlaced, MetricUnit.Count, 1);
    },
    /** A checkout ended `failed` with this failure code (a cancel is no failure and is not reported). */
    checkoutFailed(code: string): void {
      for (const name of checkoutFailureMetrics(code)) emitter.addMetric(name, MetricUnit.Count, 1);
    },
    /** An order's invoice was stored at `invoicedAt`; it completed at `completedAt`. */
    orderInvoiced(completedAt: string, invoicedAt: Date): void {
      emitter.addMetric(BusinessMetric.billingSyncLag, MetricUnit.Seconds, lagSeconds(completedAt, invoicedAt));
    },
    /** A courier's tracking event that happened at `occurredAt` reached us at `receivedAt`. */
    courierEventReceived(occurredAt: string, receivedAt: Date): void {
      emitter.addMetric(BusinessMetric.courierWebhookLag, MetricUnit.Seconds, lagSeconds(occurredAt, receivedAt));
    },
  };
}
export type BusinessMetrics = ReturnType<typeof businessMetricsOn>;

/**
 * The process-wide business metrics, each flushed as one EMF line as it is recorded. Use-cases call its methods; tests
 * spy on them (`vi.spyOn(businessMetrics, 'orderPlaced')`).
 */
export const businessMetrics: BusinessMetrics = businessMetricsOn(new Metrics({ namespace: METRICS_NAMESPACE, serviceName: BUSINESS_SERVICE, singleMetric: true }));
