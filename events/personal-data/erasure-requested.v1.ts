import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * A shopper's erasure was asked for (by them or, for them, by customer service). Written in the same transaction as the
 * erasure's record, so the worker that erases is started if and only if the erasure was accepted. Ids only.
 */
export const erasureRequestedV1 = defineEvent({
  source: 'smartshelf.personal-data',
  detailType: 'personal-data.erasure-requested',
  version: 1,
  schema: z.strictObject({ erasureId: z.string().min(1), shopperId: z.string().min(1), requestedAt: z.iso.datetime() }),
});
