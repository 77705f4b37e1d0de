import { Metrics } from '@aws-lambda-powertools/metrics';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BUSINESS_SERVICE,
  BusinessMetric,
  businessMetricsOn,
  checkoutFailureMetrics,
  lagSeconds,
  METRICS_NAMESPACE,
} from '../../../shared/observability/business-metrics.js';

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

/** The business metrics on an emitter that keeps them, and the EMF document they make. */
function recorded() {
  const emitter = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: BUSINESS_SERVICE });
  return { metrics: businessMetricsOn(emitter), emf: () => emitter.serializeMetrics() as unknown as Emf };
}

/** Name → value of an EMF document's metrics, with their units. */
function valuesOf(emf: Emf): Record<string, { unit: string; value: unknown }> {
  const declared = emf._aws.CloudWatchMetrics.flatMap((d) => d.Metrics);
  return Object.fromEntries(declared.map((m) => [m.Name, { unit: m.Unit, value: emf[m.Name] }]));
}

describe('checkoutFailureMetrics', () => {
  it('counts every failure, a timeout and a refused payment also in their own metric', () => {
    expect(checkoutFailureMetrics('insufficient-stock')).toEqual(['CheckoutsFailed']);
    expect(checkoutFailureMetrics('checkout-error')).toEqual(['CheckoutsFailed']);
    expect(checkoutFailureMetrics('pick-timeout')).toEqual(['CheckoutsFailed', 'CheckoutsTimedOut']);
    expect(checkoutFailureMetrics('authentication-timeout')).toEqual(['CheckoutsFailed', 'CheckoutsTimedOut']);
    expect(checkoutFailureMetrics('payment-declined')).toEqual(['CheckoutsFailed', 'PaymentsFailed']);
    expect(checkoutFailureMetrics('reauthorization-declined')).toEqual(['CheckoutsFailed', 'PaymentsFailed']);
  });
});

describe('lagSeconds', () => {
  it('is the whole seconds between the two instants, and zero when the source clock runs ahead of ours', () => {
    expect(lagSeconds('2026-12-07T10:00:00.000Z', new Date('2026-12-07T10:02:30.400Z'))).toBe(150);
    expect(lagSeconds('2026-12-07T10:00:05.000Z', new Date('2026-12-07T10:00:00.000Z'))).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: -86_400_000, max: 30 * 86_400_000 }), (from, delta) => {
        const lag = lagSeconds(new Date(from).toISOString(), new Date(from + delta));
        expect(Number.isInteger(lag)).toBe(true);
        expect(lag).toBeGreaterThanOrEqual(0);
        expect(Math.abs(lag - Math.max(0, delta / 1000))).toBeLessThanOrEqual(0.5);
      }),
    );
  });
});

describe('businessMetricsOn', () => {
  it('records each business fact under the SmartShelf namespace with the one service dimension the alarms read', () => {
    const { metrics, emf } = recorded();
    metrics.orderPlaced();
    metrics.checkoutFailed('payment-declined');
    metrics.checkoutFailed('pick-timeout');
    metrics.orderInvoiced('2026-12-07T10:00:00.000Z', new Date('2026-12-07T10:01:05.000Z'));
    metrics.courierEventReceived('2026-12-07T10:00:00+01:00', new Date('2026-12-07T09:00:12.000Z'));
    const document = emf();
    expect(document._aws.CloudWatchMetrics).toHaveLength(1);
    expect(document._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'SmartShelf', Dimensions: [['service']] });
    expect(document.service).toBe('business');
    expect(valuesOf(document)).toEqual({
      [BusinessMetric.ordersPlaced]: { unit: 'Count', value: 1 },
      [BusinessMetric.checkoutsFailed]: { unit: 'Count', value: [1, 1] },
      [BusinessMetric.paymentsFailed]: { unit: 'Count', value: 1 },
      [BusinessMetric.checkoutsTimedOut]: { unit: 'Count', value: 1 },
      [BusinessMetric.billingSyncLag]: { unit: 'Seconds', value: 65 },
      [BusinessMetric.courierWebhookLag]: { unit: 'Seconds', value: 12 },
    });
  });
});

describe('businessMetrics', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('writes one EMF line as each fact is recorded, with no flush by the handler, under service "business"', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'checkout');
    vi.resetModules();
    const { businessMetrics } = await import('../../../shared/observability/business-metrics.js');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    businessMetrics.orderPlaced();
    businessMetrics.checkoutFailed('payment-declined');
    const emitted = lines.map((line) => JSON.parse(line) as Emf);
    expect(emitted.map((e) => [e.service, Object.keys(valuesOf(e))])).toEqual([
      ['business', ['OrdersPlaced']],
      ['business', ['CheckoutsFailed']],
      ['business', ['PaymentsFailed']],
    ]);
  });
});
