import { bestMatchMismatches, MISMATCH_MESSAGES, sameBrand, standInMismatches, type CatalogEntry, type SubstituteMismatch } from '../catalog/substitutes.js';
import { AppError, ConflictError, NotFoundError, type FieldError } from '../errors.js';
import { parseSlotId } from '../fulfillment/slot-id.js';
import type { Order, OrderLine, PickedLine, SubstitutionDecider } from './model.js';

/**
 * Substitutions, the grocery way: the pure rules. What a line's preference lets a picker propose, what the cut-off does
 * with a proposal the shopper left unanswered, when that cut-off falls, and how a decision changes the line. The
 * use-cases that read the catalog and write the order are in `substitution-actions.ts`; the prices of a proposal
 * (its own, and the protected one) in `picking.ts`. docs/fulfillment.md ("Substitutions") states the rules.
 */

/** How long a shopper has to answer a proposal by default (`SUBSTITUTION_RESPONSE_SECONDS`), unless dispatch comes first. */
export const DEFAULT_RESPONSE_SECONDS = 30 * 60;

/** Answers close this long before the slot starts: by then the order is being packed for the van or the pickup desk. */
export const DISPATCH_LEAD_MS = 30 * 60 * 1000;

/** Why a picker may not propose a substitute: the preference forbids any, or this one does not stand in. */
export type SubstitutionRefusal = SubstituteMismatch | 'no-substitutes';

const REFUSAL_MESSAGES: Readonly<Record<SubstitutionRefusal, string>> = {
  ...MISMATCH_MESSAGES,
  'no-substitutes': 'cannot be handed over instead: the shopper asked for no substitutes on this line',
};

/** What a line's preference says of a substitute: refused, or allowed, and then whether the cut-off accepts it unanswered. */
export type Judgement = { allowed: true; acceptedAtCutoff: boolean } | { allowed: false; reasons: SubstitutionRefusal[] };

/**
 * What a line's preference lets a picker propose, and what the cut-off does with it if the shopper never answers:
 *
 * | preference | may be proposed | accepted at the cut-off |
 * | --- | --- | --- |
 * | `none` | nothing | |
 * | `best-match` | a best match (`bestMatchMismatches`: same category, sold the same way, ...) | yes |
 * | `same-brand` | a best match | only if it is of the same brand |
 * | `specific` | the chosen SKU (if it still stands in), or a best match | only if it is the chosen SKU |
 *
 * So the preference is what the shopper agreed to in advance; anything else the picker may offer, the shopper must
 * accept themselves.
 */
export function judgeSubstitute(line: Pick<OrderLine, 'substitution' | 'substituteSku'>, ordered: CatalogEntry, candidate: CatalogEntry): Judgement {
  if (line.substitution === 'none') return { allowed: false, reasons: ['no-substitutes'] };
  if (line.substitution === 'specific' && candidate.variant.sku === line.substituteSku) {
    const reasons = standInMismatches(ordered, candidate);
    return reasons.length > 0 ? { allowed: false, reasons } : { allowed: true, acceptedAtCutoff: true };
  }
  const reasons = bestMatchMismatches(ordered, candidate);
  if (reasons.length > 0) return { allowed: false, reasons };
  const acceptedAtCutoff = line.substitution === 'best-match' || (line.substitution === 'same-brand' && sameBrand(ordered, candidate));
  return { allowed: true, acceptedAtCutoff };
}

/** A field error for each reason a substitute was refused, worded for the picker. */
export function refusalFields(field: string, substituteSku: string, reasons: readonly SubstitutionRefusal[]): FieldError[] {
  return reasons.map((reason) => ({ field, message: `${substituteSku} ${REFUSAL_MESSAGES[reason]}` }));
}

/** A substitute the line's preference forbids. */
export class SubstituteNotAllowedError extends AppError {
  override readonly name: string = 'SubstituteNotAllowedError';
  constructor(orderId: string, fields: FieldError[]) {
    super('unprocessable', 'substitute-not-allowed', `The shopper's preferences on order ${orderId} do not allow these substitutes.`, { fields, extensions: { orderId } });
  }
}

/**
 * The cut-off for the shopper's answer to a proposal made at `proposedAt`: `responseSeconds` later, but never later than
 * {@link DISPATCH_LEAD_MS} before the slot starts, since dispatch waits for no answer; never before `proposedAt` (a
 * proposal made past it is decided at once). A till sale handed over in store has no slot: decided at once.
 */
export function respondBy(order: Pick<Order, 'fulfillment'>, proposedAt: Date, responseSeconds: number): string {
  const slot = order.fulfillment.mode === 'in-store' ? undefined : parseSlotId(order.fulfillment.slotId);
  const dispatch = slot === undefined ? proposedAt.getTime() : Date.parse(slot.startsAt) - DISPATCH_LEAD_MS;
  const by = Math.max(proposedAt.getTime(), Math.min(proposedAt.getTime() + responseSeconds * 1000, dispatch));
  return new Date(by).toISOString();
}

/**
 * The picked line once its proposal is decided: accepted, the substitute is handed over at its own price when the
 * shopper accepted it, at its protected price when the cut-off did; rejected, nothing is handed over for the line.
 * @throws RangeError when the line has no proposal waiting for an answer (the caller checks first)
 */
export function decideProposal(picked: PickedLine, accept: boolean, by: SubstitutionDecider, at: string): PickedLine {
  const proposal = picked.proposal;
  if (proposal?.status !== 'proposed') throw new RangeError('only a proposed substitution can be decided');
  const decided = { ...proposal, status: accept ? ('accepted' as const) : ('rejected' as const), decidedAt: at, decidedBy: by };
  if (!accept) return { total: 0, tax: 0, proposal: decided };
  const charged = by === 'shopper' ? proposal.price : proposal.protectedPrice;
  return { quantity: proposal.quantity, substitute: proposal.substitute, ...charged, proposal: decided };
}

/** One answer to one proposal. */
export interface SubstitutionDecision {
  lineId: string;
  accept: boolean;
}

/** A line that had no substitute proposed. */
export class NoSubstitutionProposedError extends ConflictError {
  override readonly name: string = 'NoSubstitutionProposedError';
  constructor(orderId: string, lineId: string) {
    super('no-substitution-proposed', `No substitute was proposed for line ${lineId} of order ${orderId}.`, { extensions: { orderId, lineId } });
  }
}

/** A proposal already decided, by the shopper or by the cut-off; its outcome stands. */
export class SubstitutionDecidedError extends ConflictError {
  override readonly name: string = 'SubstitutionDecidedError';
  constructor(orderId: string, lineId: string, status: string, decidedBy: string | undefined) {
    super('substitution-decided', `The substitute for line ${lineId} of order ${orderId} was already ${status}${decidedBy ? ` (by the ${decidedBy})` : ''}.`, {
      extensions: { orderId, lineId, status, ...(decidedBy === undefined ? {} : { decidedBy }) },
    });
  }
}

/**
 * The order's lines with `decisions` applied, each to a proposal still waiting for an answer. Pure; the state machine's
 * `decide-substitutions` event runs it.
 * @throws NotFoundError (404) for a line the order does not have
 * @throws NoSubstitutionProposedError (409) for a line with no proposal
 * @throws SubstitutionDecidedError (409) for a proposal already decided
 */
export function decideSubstitutions(order: Order, decisions: readonly SubstitutionDecision[], by: SubstitutionDecider, at: string): Order['lines'] {
  const answers = new Map(decisions.map((decision) => [decision.lineId, decision.accept]));
  for (const lineId of answers.keys()) {
    const line = order.lines.find((l) => l.lineId === lineId);
    if (line === undefined) throw new NotFoundError('Order line', lineId);
    const proposal = line.picked?.proposal;
    if (proposal === undefined) throw new NoSubstitutionProposedError(order.id, lineId);
    if (proposal.status !== 'proposed') throw new SubstitutionDecidedError(order.id, lineId, proposal.status, proposal.decidedBy);
  }
  return order.lines.map((line) => {
    const accept = answers.get(line.lineId);
    return accept === undefined ? line : { ...line, picked: decideProposal(line.picked!, accept, by, at) };
  });
}

/** The lines whose substitute still waits for the shopper's answer. */
export function pendingProposals(order: Pick<Order, 'lines'>): OrderLine[] {
  return order.lines.filter((line) => line.picked?.proposal?.status === 'proposed');
}

/** What the cut-off decides for every proposal still waiting: what the line's preference accepts without asking. */
export function cutoffDecisions(order: Pick<Order, 'lines'>): SubstitutionDecision[] {
  return pendingProposals(order).map((line) => ({ lineId: line.lineId, accept: line.picked!.proposal!.acceptedAtCutoff }));
}

/** When the last waiting proposal's cut-off falls, or `undefined` when none waits. */
export function lastRespondBy(order: Pick<Order, 'lines'>): string | undefined {
  const times = pendingProposals(order).map((line) => line.picked!.proposal!.respondBy);
  return times.length === 0 ? undefined : times.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}
