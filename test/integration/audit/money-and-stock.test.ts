import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../../infra/local/engines/dynamodb.js';
import { tableDeps } from '../../../shared/db/deps.js';
import { migrate } from '../../../shared/db/migrations/migrate.js';
import type { OrderAccess } from '../../../shared/orders/access.js';
import { orderDeps, type SagaWaitDeps } from '../../../shared/orders/deps.js';
import type { Order } from '../../../shared/orders/model.js';
import { cancelOrder } from '../../../shared/orders/order-actions.js';
import { refundOrder } from '../../../shared/orders/refunds.js';
import { putNewOrder } from '../../../shared/orders/repository.js';
import { storeWait } from '../../../shared/orders/waits.js';
import type { PaymentGateway, Refund } from '../../../shared/payments/gateway.js';
import { replaceTaxRates, readTaxRates } from '../../../shared/tax/rates.js';
import { engines, uniqueId } from '../../support/engines.js';
import { AT, anOrder } from '../../unit/orders/fixtures.js';

/**
 * The changes of money that issue 14 brought under the audit, against DynamoDB Local: a refund and a cancellation each
 * write an entry in the order's transaction (or, for a checkout waiting on the saga, once Step Functions took the
 * cancel), with who (and of which kind), the request's correlation id and the amounts before and after; a tax-rate
 * change now carries its request's correlation id too.
 */

const chainWide = (subject: string): OrderAccess => ({ kind: 'staff', subject, stores: ['*'] });
const MANAGER = { actor: 'manager-audit', actorKind: 'person' as const, correlationId: 'corr-audit-1', access: chainWide('manager-audit') };

/** A provider that refunds whatever it is asked, at once. */
const refunding = {
  refund: async (request: { intentId: string; amount?: { amount: number; currency: string } }): Promise<Refund> => ({
    refundId: `re_${ulid()}`,
    intentId: request.intentId,
    amount: request.amount ?? { amount: 0, currency: 'GBP' },
    status: 'succeeded',
  }),
} as unknown as PaymentGateway;

function deps(sent: string[] = []): SagaWaitDeps {
  return {
    ...orderDeps({ tableName: engines().tableName, now: () => AT, gateway: async () => refunding }),
    workflow: {
      succeed: () => Promise.reject(new Error('no pick here')),
      fail: async (token) => {
        sent.push(token);
        return 'sent';
      },
    },
  };
}

async function anOrderIn(status: Order['status'], payment: Partial<Order['payment']> = {}): Promise<Order> {
  const order = anOrder({
    id: ulid(),
    storeId: 'store-audit',
    status,
    payment: { method: 'pm_card_visa', intentId: `pi_${ulid()}`, authorized: 1000, captured: 0, refunded: 0, status: 'authorized', ...payment },
    version: 3,
  });
  await putNewOrder(deps(), order);
  return order;
}

async function auditOf(entity: string, id: string, tableName = engines().tableName): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await tableDeps({ tableName }).db.send(
    new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `AUDIT#${entity}#${id}` } }),
  );
  return Items;
}

describe('the audit of money moved on orders', () => {
  it('records a refund in its transaction: who, of which kind, the correlation id, and the amounts before and after', async () => {
    const order = await anOrderIn('captured', { captured: 1000, status: 'captured' });
    await refundOrder(order.id, { amount: 300, reason: 'Bruised bananas' }, 'audit-refund-1', MANAGER, deps());
    const [entry, ...more] = await auditOf('order', order.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      entity: 'order',
      entityId: order.id,
      action: 'refunded',
      actor: 'manager-audit',
      actorKind: 'person',
      correlationId: 'corr-audit-1',
      schemaVersion: 2,
      gsi2pk: 'AUDIT_ACTOR#manager-audit',
      before: { status: 'captured', currency: 'GBP', captured: 1000, refunded: 0 },
      after: { status: 'partially-refunded', captured: 1000, refunded: 300, amount: 300, reason: 'Bruised bananas' },
    });
  });

  it('writes nothing when a repeated refund request refunds nothing more', async () => {
    const order = await anOrderIn('captured', { captured: 1000, status: 'captured' });
    await refundOrder(order.id, { amount: 200, reason: 'Late' }, 'audit-same-key', MANAGER, deps());
    await refundOrder(order.id, { amount: 200, reason: 'Late' }, 'audit-same-key', MANAGER, deps());
    expect(await auditOf('order', order.id)).toHaveLength(1);
  });

  it('records a cancellation between steps in the order’s transaction, with the status before and after and the reason', async () => {
    const order = await anOrderIn('authorized');
    await cancelOrder(order.id, 'Shopper phoned', MANAGER, deps());
    const entries = await auditOf('order', order.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: 'cancelled',
      actor: 'manager-audit',
      actorKind: 'person',
      correlationId: 'corr-audit-1',
      before: { status: 'authorized', authorized: 1000 },
      after: { status: 'cancelled', reason: 'Shopper phoned' },
    });
  });

  it('records who asked when the cancel goes to a waiting checkout, once Step Functions took it', async () => {
    const order = await anOrderIn('picking');
    await storeWait(deps(), 'pick', order.id, { token: `token-${order.id}`, orderId: order.id });
    const sent: string[] = [];
    await cancelOrder(order.id, 'Out of stock', MANAGER, deps(sent));
    expect(sent).toEqual([`token-${order.id}`]);
    const entries = await auditOf('order', order.id);
    expect(entries.map((e) => [e.action, e.actor, e.correlationId, (e.after as { reason?: string }).reason])).toEqual([
      ['cancel-requested', 'manager-audit', 'corr-audit-1', 'Out of stock'],
    ]);
  });

  it('writes no entry for a cancellation the order refuses', async () => {
    const order = await anOrderIn('completed', { captured: 1000, status: 'captured' });
    await expect(cancelOrder(order.id, 'Too late', MANAGER, deps())).rejects.toMatchObject({ code: 'invalid-order-transition' });
    expect(await auditOf('order', order.id)).toEqual([]);
  });
});

describe('the audit of tax rates', () => {
  // A table of its own: the shared one holds one tax rate table, which tax-rates.test.ts expects no other file to write.
  it('keeps the request’s correlation id and the actor’s kind', async () => {
    const tableName = uniqueId('audit-tax');
    const client = localDynamoClient(engines().endpoints.dynamodb);
    await migrate({ tableName, client, log: () => undefined, migrations: [] });
    client.destroy();
    const tax = tableDeps({ tableName });
    const current = await readTaxRates(tax);
    const entries = async () => (await auditOf('tax-rates', 'current', tableName)).filter((e) => e.correlationId === 'corr-tax-1');
    await replaceTaxRates({ rates: current.rates }, { actor: 'client:tax-feed', actorKind: 'integration', correlationId: 'corr-tax-1', ifMatch: `"${current.version}"` }, tax);
    expect(await entries()).toEqual([expect.objectContaining({ action: 'replaced', actor: 'client:tax-feed', actorKind: 'integration' })]);
  });
});
