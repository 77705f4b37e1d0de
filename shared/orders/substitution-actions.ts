import { z } from 'zod';
import { substitutionDecidedV1 } from '../../events/orders/substitution-decided.v1.js';
import { substitutionProposedV1 } from '../../events/orders/substitution-proposed.v1.js';
import { stockQuantity } from '../carts/quantities.js';
import { Id, type Product, type Variant } from '../catalog/model.js';
import { productFromItem } from '../catalog/repository.js';
import type { CatalogEntry } from '../catalog/substitutes.js';
import { batchGet } from '../db/batch.js';
import type { TableDeps } from '../db/deps.js';
import { keys } from '../db/keys.js';
import type { TransactItem } from '../db/transact.js';
import { AppError, ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.js';
import { outboxEvent } from '../events/outbox.js';
import { orderReservationId } from '../inventory/reservation-ids.js';
import { getReservation } from '../inventory/reservation-repository.js';
import { addToReservationItems } from '../inventory/reservations.js';
import { requireOrderFor, type OrderAccess } from './access.js';
import type { OrderDeps, SagaWaitDeps } from './deps.js';
import type { Order, OrderLine } from './model.js';
import type { LinePick, SubstituteTerms } from './picking.js';
import { OrderChangedError, requireOrder, updateOrderStatus, type OrderActor } from './repository.js';
import {
  cutoffDecisions,
  judgeSubstitute,
  NoSubstitutionProposedError,
  pendingProposals,
  refusalFields,
  respondBy,
  SubstituteNotAllowedError,
  SubstitutionDecidedError,
} from './substitutions.js';
import { settleWait } from './waits.js';

/**
 * Substitutions' use-cases: what a pick needs to propose substitutes (their terms, read from the catalog; their stock;
 * their events), the shopper's answer (`POST /orders/{id}/substitutions/{lineId}`) and the cut-off's decision (the
 * checkout saga's CapturePayment, once AwaitSubstitutions timed out). The rules are pure, in `substitutions.ts`.
 */

/** `POST /orders/{id}/substitutions/{lineId}`'s path. */
export const SubstitutionParams = z.strictObject({ id: Id, lineId: Id });

/** `POST /orders/{id}/substitutions/{lineId}`'s body: the shopper's answer to the substitute proposed for the line. */
export const SubstitutionDecisionRequest = z.strictObject({ decision: z.enum(['accept', 'reject']) });
export type SubstitutionDecisionRequest = z.infer<typeof SubstitutionDecisionRequest>;

/** Most attempts at a decision while other decisions on the same order keep getting in first. */
const MAX_ATTEMPTS = 5;

/** A SKU as the catalog sells it now, with the product's name. */
type Sellable = CatalogEntry & { product: Product; variant: Variant };

/** The catalog's products behind `productIds`, and the SKU claims of `skus`, read in two batches. */
async function readCatalog(deps: TableDeps, productIds: readonly string[], skus: readonly string[]): Promise<{ products: Map<string, Product>; bySku: Map<string, Sellable> }> {
  const claims = await batchGet(deps, [...new Set(skus)].map((sku) => keys.sku(sku)));
  const ids = [...new Set([...productIds, ...claims.map((claim) => String(claim.productId))])];
  const products = new Map((await batchGet(deps, ids.map((id) => keys.product(id)))).map(productFromItem).map((p) => [p.id, p]));
  const bySku = new Map<string, Sellable>();
  for (const claim of claims) {
    const product = products.get(String(claim.productId));
    const variant = product?.variants.find((v) => v.sku === claim.sku);
    if (product && variant) bySku.set(variant.sku, { product, variant });
  }
  return { products, bySku };
}

/** The ordered SKU as a catalog entry: its product as the catalog has it now, sold and priced as the order froze it. */
function orderedEntry(line: OrderLine, product: Product, order: Order): CatalogEntry {
  return { product, variant: { sku: line.sku, soldBy: line.soldBy, price: { amount: line.unitPrice, currency: order.totals.currency } } };
}

/**
 * The terms of each substitute in a pick report, judged against the line's preference with the catalog as it is now
 * (`judgeSubstitute`), for `pricePicks`: the substitute as the catalog names it, its shelf price, whether the cut-off
 * accepts it, and when the shopper must answer by (`respondBy`, from the deps' response window and the order's slot).
 * Picks that do not fit the order (unknown lines, no quantity) are left to `pricePicks` to report.
 * @throws ValidationError (400) naming `body.lines.<i>.substitute.sku` for a SKU no product has, `.productId` for a
 *   product that is not the SKU's
 * @throws SubstituteNotAllowedError (422) naming `body.lines.<i>.substitute` with every reason the preference refuses it
 */
export async function substituteTerms(order: Order, picks: readonly LinePick[], deps: OrderDeps): Promise<Map<string, SubstituteTerms>> {
  const substituted = picks.flatMap((pick, i) => {
    const line = order.lines.find((l) => l.lineId === pick.lineId);
    return pick.substitute === undefined || line === undefined || pick.quantity === undefined ? [] : [{ i, line, substitute: pick.substitute }];
  });
  const terms = new Map<string, SubstituteTerms>();
  if (substituted.length === 0) return terms;
  const { products, bySku } = await readCatalog(deps, substituted.map((s) => s.line.productId), substituted.map((s) => s.substitute.sku));
  const now = deps.now();
  const proposedAt = now.toISOString();
  const by = respondBy(order, now, deps.substitutionResponseSeconds);
  const invalid: FieldError[] = [];
  const refused: FieldError[] = [];
  for (const { i, line, substitute } of substituted) {
    const field = `body.lines.${i}.substitute`;
    const candidate = bySku.get(substitute.sku);
    if (candidate === undefined) {
      invalid.push({ field: `${field}.sku`, message: `no product has the SKU ${substitute.sku}` });
      continue;
    }
    if (substitute.productId !== undefined && substitute.productId !== candidate.product.id) {
      invalid.push({ field: `${field}.productId`, message: `${substitute.sku} is a SKU of product ${candidate.product.id}, not of ${substitute.productId}` });
      continue;
    }
    const product = products.get(line.productId);
    if (product === undefined) throw new NotFoundError('Product', line.productId);
    const judgement = judgeSubstitute(line, orderedEntry(line, product, order), candidate);
    if (!judgement.allowed) {
      refused.push(...refusalFields(field, substitute.sku, judgement.reasons));
      continue;
    }
    terms.set(line.lineId, {
      substitute: { sku: candidate.variant.sku, productId: candidate.product.id, name: candidate.product.name },
      unitPrice: candidate.variant.price.amount,
      acceptedAtCutoff: judgement.acceptedAtCutoff,
      proposedAt,
      respondBy: by,
    });
  }
  if (invalid.length > 0) throw new ValidationError(invalid, `The substitutes on order ${order.id} are not in the catalog as given.`);
  if (refused.length > 0) throw new SubstituteNotAllowedError(order.id, refused);
  return terms;
}

/** A substitute the shelf does not have (any more): the picker proposes another, or none. */
export class SubstituteOutOfStockError extends ConflictError {
  override readonly name: string = 'SubstituteOutOfStockError';
  constructor(storeId: string, skus: readonly string[]) {
    super('substitute-out-of-stock', `Store ${storeId} has not enough of ${skus.join(', ')} on its shelves to hand over as a substitute.`, { extensions: { storeId, skus } });
  }
}

/**
 * The stock a pick's substitutes take, for the pick's transaction: each substitute proposed or accepted at once moves
 * `available → reserved` and joins the order's reservation (`addToReservationItems`), so it is the substitute's stock
 * that CommitStock commits and the original's that goes back; a rejected one takes nothing. Items: the reservation
 * first, then one per SKU in `skus` order.
 * @returns the items and the SKUs they take, or nothing when nothing is substituted
 */
export async function substituteStockItems(order: Order, picked: readonly OrderLine['picked'][], deps: TableDeps): Promise<{ items: TransactItem[]; skus: string[] }> {
  const taken = new Map<string, number>();
  for (const line of picked) {
    if (line?.proposal === undefined || line.proposal.status === 'rejected') continue;
    const { sku } = line.proposal.substitute;
    taken.set(sku, (taken.get(sku) ?? 0) + stockQuantity(line.proposal.quantity));
  }
  if (taken.size === 0) return { items: [], skus: [] };
  const reservationId = order.reservationId ?? orderReservationId(order.id);
  const reservation = await getReservation(reservationId, deps);
  if (reservation === undefined) throw new NotFoundError('Reservation', reservationId);
  const lines = [...taken].map(([sku, quantity]) => ({ sku, quantity }));
  return { items: addToReservationItems(reservation, lines, deps), skus: lines.map((l) => l.sku) };
}

/**
 * The outbox items announcing what a change did to proposals: `order.substitution-proposed` for each that appeared,
 * `order.substitution-decided` for each that was decided (one per line, ever: the event ids are the line's).
 */
export function substitutionEventItems(deps: TableDeps, before: Order, after: Order, who: OrderActor): TransactItem[] {
  const meta = { correlationId: who.correlationId, now: deps.now() };
  return after.lines.flatMap((line) => {
    const proposal = line.picked?.proposal;
    if (proposal === undefined) return [];
    const was = before.lines.find((l) => l.lineId === line.lineId)?.picked?.proposal;
    const ref = { orderId: after.id, shopperId: after.shopperId, storeId: after.storeId, lineId: line.lineId, sku: line.sku, substitute: proposal.substitute, currency: after.totals.currency };
    const items: TransactItem[] = [];
    if (was === undefined) {
      const data = { ...ref, quantity: stockQuantity(proposal.quantity), price: proposal.price, protectedPrice: proposal.protectedPrice, acceptedAtCutoff: proposal.acceptedAtCutoff, proposedAt: proposal.proposedAt, respondBy: proposal.respondBy };
      items.push(outboxEvent(deps.tableName, substitutionProposedV1, data, { ...meta, id: `substitution-proposed-${after.id}-${line.lineId}` }).item);
    }
    if (proposal.status !== 'proposed' && was?.status !== proposal.status) {
      const data = { ...ref, outcome: proposal.status, decidedBy: proposal.decidedBy!, charged: { total: line.picked!.total, tax: line.picked!.tax }, decidedAt: proposal.decidedAt! };
      items.push(outboxEvent(deps.tableName, substitutionDecidedV1, data, { ...meta, id: `substitution-decided-${after.id}-${line.lineId}` }).item);
    }
    return items;
  });
}

/** The shopper answered after the cut-off: the line's preference decides (or already decided) it. */
export class SubstitutionCutOffError extends ConflictError {
  override readonly name: string = 'SubstitutionCutOffError';
  constructor(orderId: string, lineId: string, respondByAt: string) {
    super('substitution-cut-off-passed', `The answer to the substitute for line ${lineId} of order ${orderId} was due by ${respondByAt}; your preference decides it.`, {
      extensions: { orderId, lineId, respondBy: respondByAt },
    });
  }
}

/** Answering a proposed substitute is the shopper's own say: staff (an admin included) do not answer for them. */
export class ShopperOnlyError extends AppError {
  override readonly name: string = 'ShopperOnlyError';
  constructor() {
    super('forbidden', 'shopper-only', 'Only the order’s shopper answers a substitute proposed for it.');
  }
}

/**
 * Once no proposal waits any more, the checkout saga's AwaitSubstitutions (if it is waiting) is resumed, so it captures
 * without waiting for the cut-off. If it is not waiting yet, it sees for itself that nothing is pending.
 */
async function resumeWhenSettled(deps: SagaWaitDeps, order: Order): Promise<void> {
  if (pendingProposals(order).length > 0) return;
  await settleWait(deps, 'substitutions', order.id, (token) => deps.workflow.succeed(token, { settled: true }));
}

/**
 * `POST /orders/{id}/substitutions/{lineId}`: the shopper accepts or rejects the substitute proposed for a line of their
 * order, until its cut-off. Accepted, they pay the substitute's own price (which may be more than what they ordered:
 * the capture re-authorizes when it must); rejected, nothing is handed over for the line. The decision, its history
 * entry and its events commit under the order's version; of a decision and the cut-off racing, exactly one commits,
 * and the other finds the proposal decided. Repeating the same answer returns the order as it is.
 *
 * @throws ShopperOnlyError (403) for staff
 * @throws NotFoundError (404) for an order that is not the caller's (another shopper's), or a line it does not have
 * @throws NoSubstitutionProposedError (409) when no substitute was proposed for the line
 * @throws SubstitutionDecidedError (409) when the proposal was decided otherwise, by the shopper or the cut-off
 * @throws SubstitutionCutOffError (409) after the cut-off
 * @throws InvalidTransitionError (409) when the order is no longer waiting on answers (cancelled)
 */
export async function decideSubstitution(
  orderId: string,
  lineId: string,
  request: SubstitutionDecisionRequest,
  who: OrderActor & { access: OrderAccess },
  deps: SagaWaitDeps,
): Promise<Order> {
  if (who.access.kind !== 'shopper') throw new ShopperOnlyError();
  const accept = request.decision === 'accept';
  for (let attempt = 1; ; attempt += 1) {
    const order = await requireOrderFor(deps, orderId, who.access);
    const line = order.lines.find((l) => l.lineId === lineId);
    if (line === undefined) throw new NotFoundError('Order line', lineId);
    const proposal = line.picked?.proposal;
    if (proposal === undefined) throw new NoSubstitutionProposedError(orderId, lineId);
    if (proposal.status !== 'proposed') {
      if (proposal.decidedBy === 'shopper' && (proposal.status === 'accepted') === accept) return order;
      throw new SubstitutionDecidedError(orderId, lineId, proposal.status, proposal.decidedBy);
    }
    if (deps.now().getTime() >= Date.parse(proposal.respondBy)) throw new SubstitutionCutOffError(orderId, lineId, proposal.respondBy);
    try {
      const next = await updateOrderStatus(deps, order, { type: 'decide-substitutions', decisions: [{ lineId, accept }], by: 'shopper' }, who, (changed) =>
        substitutionEventItems(deps, order, changed, who),
      );
      await resumeWhenSettled(deps, next);
      return next;
    } catch (error) {
      // Another answer (or the cut-off) got in first: read again, and see whether this proposal is still open.
      if (attempt >= MAX_ATTEMPTS || !(error instanceof OrderChangedError)) throw error;
    }
  }
}

/**
 * The cut-off (the checkout saga's CapturePayment, once AwaitSubstitutions timed out): every proposal still waiting
 * is decided by the line's preference (`cutoffDecisions`), in one change with its events. Safe to run again: with nothing
 * waiting it does nothing; when a shopper's answer got in first it decides what is left.
 * @returns how many proposals it decided
 * @throws InvalidTransitionError (409) when the order is no longer `picked` (cancelled meanwhile): the saga compensates
 */
export async function settleSubstitutionsAtCutoff(orderId: string, who: OrderActor, deps: TableDeps): Promise<{ decided: number }> {
  for (let attempt = 1; ; attempt += 1) {
    const order = await requireOrder(deps, orderId);
    const decisions = cutoffDecisions(order);
    if (decisions.length === 0) return { decided: 0 };
    try {
      await updateOrderStatus(deps, order, { type: 'decide-substitutions', decisions, by: 'cut-off' }, who, (changed) => substitutionEventItems(deps, order, changed, who));
      return { decided: decisions.length };
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !(error instanceof OrderChangedError)) throw error;
    }
  }
}
