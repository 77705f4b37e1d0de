import { z } from 'zod';
import { defineEvent } from '../contract.js';
import { EventLinePrice, SubstitutionRef } from './substitution.js';

/**
 * A proposed substitute was accepted or rejected, by the shopper or, unanswered, by the cut-off following their
 * preference. Exactly one per proposal: the event id is the line's, and a decision is never taken back.
 */
export const substitutionDecidedV1 = defineEvent({
  source: 'smartshelf.orders',
  detailType: 'order.substitution-decided',
  version: 1,
  schema: z.strictObject({
    ...SubstitutionRef,
    outcome: z.enum(['accepted', 'rejected']),
    decidedBy: z.enum(['shopper', 'cut-off']),
    /** What the line now costs: the substitute's own price (accepted by the shopper), its protected price (by the cut-off), or nothing (rejected). */
    charged: EventLinePrice,
    decidedAt: z.iso.datetime(),
  }),
});
