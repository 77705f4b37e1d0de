import { z } from 'zod';
import { defineEvent } from '../contract.js';

/**
 * A shopper's personal-data export was asked for (by them or, for them, by customer service). Written in the same
 * transaction as the export's record, so the worker that builds the file is started if and only if the export exists.
 * Ids only: what is exported stays in the table until the worker writes it to the private bucket.
 */
export const exportRequestedV1 = defineEvent({
  source: 'smartshelf.personal-data',
  detailType: 'personal-data.export-requested',
  version: 1,
  schema: z.strictObject({ exportId: z.string().min(1), shopperId: z.string().min(1), requestedAt: z.iso.datetime() }),
});
