import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { config } from '../config/config.js';
import { keys } from '../db/keys.js';
import { AppError } from '../errors.js';
import { PermanentPaymentError, type PaymentGateway, type SavedPaymentMethod } from '../payments/gateway.js';
import { paymentGateway } from '../payments/gateway-config.js';
import { accountDeps, type AccountDeps } from './deps.js';
import { AccountErasedError, ERASURE_FLAG } from './erased.js';
import { ensureProfile, getProfile } from './profile.js';

/**
 * A shopper's saved payment methods live at the payment provider, on one provider Customer per shopper whose id is kept
 * on the shopper's profile item (`paymentCustomerId`). We keep no card data, not even brand or last four: every read
 * asks the provider, so a card removed in the provider's Dashboard is gone here too.
 */

/** What the saved-card use-cases need: the account's table and the payment gateway. */
export interface PaymentMethodDeps extends AccountDeps {
  gateway: () => Promise<PaymentGateway>;
  /** Handed to the client with a SetupIntent when the shop configured one (`STRIPE_PUBLISHABLE_KEY`). */
  publishableKey?: string | undefined;
}

/** The production dependencies, with any of them replaced. */
export function paymentMethodDeps(overrides: Partial<PaymentMethodDeps> = {}): PaymentMethodDeps {
  return {
    ...accountDeps(overrides),
    gateway: overrides.gateway ?? paymentGateway,
    publishableKey: 'publishableKey' in overrides ? overrides.publishableKey : config.paymentPublishableKey,
  };
}

/** `/me/payment-methods/{id}`'s path: a provider payment method id. */
export const PaymentMethodParams = z.strictObject({
  id: z.string().regex(/^pm_[A-Za-z0-9_]{1,200}$/, 'must be a payment method id (pm_...)'),
});

/** A saved card as the shopper sees it: enough to recognise it, nothing to charge it with. */
export const PaymentMethodView = z.strictObject({
  id: z.string().describe('The provider’s payment method id (`pm_...`): what `POST /checkout` takes as `paymentMethod`.'),
  type: z.string().describe('`card`, for cards and the wallets (Apple Pay, Google Pay) that Stripe.js turns into cards.'),
  brand: z.string().optional(),
  last4: z.string().regex(/^\d{4}$/).optional(),
  expMonth: z.number().int().min(1).max(12).optional(),
  expYear: z.number().int().optional(),
  isDefault: z.boolean().describe('The Customer’s default method at the provider (`invoice_settings.default_payment_method`).'),
});
export type PaymentMethodView = z.infer<typeof PaymentMethodView>;

/** `GET /me/payment-methods`' answer. */
export const PaymentMethodList = z.strictObject({ items: z.array(PaymentMethodView) });

/** What the client needs to save a card with Stripe.js: the SetupIntent's client secret, and the publishable key if configured. */
export const PaymentMethodSetup = z.strictObject({
  setupIntentId: z.string(),
  clientSecret: z.string().describe('For Stripe.js’s `confirmSetup`/`confirmCardSetup` in the shopper’s app; the card goes from there to the provider.'),
  customerId: z.string().describe('The shopper’s Customer at the provider, which the card is saved on.'),
  publishableKey: z.string().optional().describe('The provider’s publishable key, when the shop configured one.'),
});
export type PaymentMethodSetup = z.infer<typeof PaymentMethodSetup>;

/**
 * One gateway idempotency key per shopper and purpose. The shopper id is hashed: it keeps Stripe's key alphabet and
 * keeps the subject out of the provider's request logs.
 */
function shopperKey(shopperId: string, purpose: string, discriminator?: string): string {
  const hash = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 32);
  return ['shopper', hash(shopperId), purpose, ...(discriminator === undefined ? [] : [hash(discriminator)])].join(':');
}

/**
 * The shopper's Customer at the payment provider, made once. The provider call carries a key derived from the shopper,
 * so concurrent first calls (and a retry after a crash) get the provider's first answer, one Customer; its id is then
 * stored on the profile under `attribute_not_exists(paymentCustomerId) OR paymentCustomerId = :same`, so a stored id
 * is never replaced. Should the key have expired at the provider (24 h) between a create and its store, the second
 * Customer stays unused and the stored one wins.
 */
export async function ensurePaymentCustomer(shopperId: string, deps: PaymentMethodDeps = paymentMethodDeps()): Promise<string> {
  const profile = await ensureProfile(shopperId, deps);
  if (profile.paymentCustomerId !== undefined) return profile.paymentCustomerId;
  const { customerId } = await (await deps.gateway()).createCustomer({ shopperId }, shopperKey(shopperId, 'customer'));
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: keys.shopperProfile(shopperId),
        UpdateExpression: 'SET paymentCustomerId = :id',
        // Not on a profile whose erasure was requested since it was read: the erasure detaches what the profile names.
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#flag) AND (attribute_not_exists(paymentCustomerId) OR paymentCustomerId = :id)',
        ExpressionAttributeNames: { '#flag': ERASURE_FLAG },
        ExpressionAttributeValues: { ':id': customerId },
      }),
    );
    return customerId;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const stored = (await getProfile(shopperId, deps))?.paymentCustomerId;
    // No customer stored, yet the condition failed: the profile is gone or marked by an erasure.
    if (stored === undefined) throw new AccountErasedError();
    return stored;
  }
}

/** The shopper's Customer id if they have one; never makes one (reading saved cards must not create an account at the provider). */
export async function paymentCustomerOf(shopperId: string, deps: AccountDeps = accountDeps()): Promise<string | undefined> {
  return (await getProfile(shopperId, deps))?.paymentCustomerId;
}

/**
 * `POST /me/payment-methods/setup`: a SetupIntent on the shopper's Customer for off-session use, which the client
 * confirms with Stripe.js to save a card (the card goes from the browser to the provider, never through us). The same
 * `Idempotency-Key` gives the same SetupIntent.
 */
export async function startPaymentMethodSetup(shopperId: string, idempotencyKey: string, deps: PaymentMethodDeps = paymentMethodDeps()): Promise<PaymentMethodSetup> {
  const customerId = await ensurePaymentCustomer(shopperId, deps);
  const setup = await (await deps.gateway()).createSetupIntent(customerId, shopperKey(shopperId, 'setup', idempotencyKey));
  return {
    setupIntentId: setup.setupIntentId,
    clientSecret: setup.clientSecret,
    customerId,
    ...(deps.publishableKey === undefined ? {} : { publishableKey: deps.publishableKey }),
  };
}

function view(method: SavedPaymentMethod): PaymentMethodView {
  return {
    id: method.paymentMethodId,
    type: method.type,
    ...(method.card ? { brand: method.card.brand, last4: method.card.last4, expMonth: method.card.expMonth, expYear: method.card.expYear } : {}),
    isDefault: method.isDefault,
  };
}

/** `GET /me/payment-methods`: the cards saved on the shopper's Customer, newest first; none before they have one. */
export async function listPaymentMethods(shopperId: string, deps: PaymentMethodDeps = paymentMethodDeps()): Promise<PaymentMethodView[]> {
  const customerId = await paymentCustomerOf(shopperId, deps);
  if (customerId === undefined) return [];
  return (await (await deps.gateway()).listPaymentMethods(customerId)).map(view);
}

/** A payment method that is not saved on this shopper's Customer: missing, or someone else's, alike. */
export class PaymentMethodNotFoundError extends AppError {
  override readonly name = 'PaymentMethodNotFoundError';
  constructor(paymentMethodId: string) {
    super('not-found', 'payment-method-not-found', `No payment method ${paymentMethodId} is saved on your account.`, { extensions: { paymentMethodId } });
  }
}

/**
 * The method as the provider holds it, or undefined when the provider has no such method.
 * @throws PaymentError for anything but a missing method
 */
async function methodAt(gateway: PaymentGateway, paymentMethodId: string): Promise<SavedPaymentMethod | undefined> {
  try {
    return await gateway.retrievePaymentMethod(paymentMethodId);
  } catch (error) {
    if (error instanceof PermanentPaymentError && error.code === 'resource_missing') return undefined;
    throw error;
  }
}

/**
 * `DELETE /me/payment-methods/{id}`: detaches the method from the shopper's Customer at the provider, for good. A
 * method that is not on their Customer (missing, already removed, or another shopper's) is a 404, the same for all.
 * @throws PaymentMethodNotFoundError
 */
export async function removePaymentMethod(shopperId: string, paymentMethodId: string, deps: PaymentMethodDeps = paymentMethodDeps()): Promise<void> {
  const customerId = await paymentCustomerOf(shopperId, deps);
  const gateway = await deps.gateway();
  const method = customerId === undefined ? undefined : await methodAt(gateway, paymentMethodId);
  if (method === undefined || method.customerId !== customerId) throw new PaymentMethodNotFoundError(paymentMethodId);
  await gateway.detachPaymentMethod(paymentMethodId, shopperKey(shopperId, 'detach', paymentMethodId));
}

/**
 * For erasure: detaches every method saved on the shopper's Customer. Safe to run again (a rerun finds none left).
 * @returns how many were detached, and the Customer id (absent when the shopper never had one)
 */
export async function detachAllPaymentMethods(shopperId: string, deps: PaymentMethodDeps = paymentMethodDeps()): Promise<{ customerId?: string; detached: number }> {
  const customerId = await paymentCustomerOf(shopperId, deps);
  if (customerId === undefined) return { detached: 0 };
  const gateway = await deps.gateway();
  const methods = await gateway.listPaymentMethods(customerId);
  for (const method of methods) await gateway.detachPaymentMethod(method.paymentMethodId, shopperKey(shopperId, 'detach', method.paymentMethodId));
  return { customerId, detached: methods.length };
}

/**
 * How a checkout may charge the payment method it names, for the shopper's Customer: `saved` on it (used as it is), or
 * `new` (a method Stripe.js just made, saved on the Customer for off-session use when the payment is authorized).
 * @throws PaymentMethodNotFoundError (404) when the provider has no such method, or it is saved on another Customer
 */
export async function checkoutPaymentMethod(customerId: string, paymentMethodId: string, deps: Pick<PaymentMethodDeps, 'gateway'>): Promise<'saved' | 'new'> {
  const method = await methodAt(await deps.gateway(), paymentMethodId);
  if (method === undefined) throw new PaymentMethodNotFoundError(paymentMethodId);
  if (method.customerId === undefined) return 'new';
  if (method.customerId !== customerId) throw new PaymentMethodNotFoundError(paymentMethodId);
  return 'saved';
}
