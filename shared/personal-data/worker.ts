import { z } from 'zod';
import { erasureRequestedV1 } from '../../events/personal-data/erasure-requested.v1.js';
import { exportRequestedV1 } from '../../events/personal-data/export-requested.v1.js';
import { runErasure, type ErasureDeps, type ErasureOutcome } from './erasure.js';
import { runExport, type ExportDeps, type ExportOutcome } from './exports.js';

/**
 * The one worker behind `personal-data-requests`: exports and erasures arrive on one queue (each rule targets it) and
 * are told apart by their contract, so the two rarely used jobs cost one queue and one function, not two of each.
 */

const delivered = <S extends z.ZodType>(contract: { source: string; detailType: string; version: number; schema: S }) =>
  z.object({
    source: z.literal(contract.source),
    'detail-type': z.literal(contract.detailType),
    detail: z.object({ id: z.string(), version: z.literal(contract.version), data: contract.schema }),
  });

/** An EventBridge delivery of either request, checked against its contract. */
export const PersonalDataRequest = z.union([delivered(exportRequestedV1), delivered(erasureRequestedV1)]);
export type PersonalDataRequest = z.infer<typeof PersonalDataRequest>;

/** What the worker did, for its log: ids and the outcome, never the data. */
export type RequestOutcome = { kind: 'export'; exportId: string; outcome: ExportOutcome } | { kind: 'erasure'; erasureId: string; outcome: ErasureOutcome };

/** Runs one request; both are idempotent, so a redelivery finishes the job or changes nothing. */
export async function processPersonalDataRequest(request: PersonalDataRequest, deps: ExportDeps & ErasureDeps): Promise<RequestOutcome> {
  const { data } = request.detail;
  if ('exportId' in data) return { kind: 'export', exportId: data.exportId, outcome: await runExport(data.shopperId, data.exportId, deps) };
  return { kind: 'erasure', erasureId: data.erasureId, outcome: await runErasure(data.shopperId, deps) };
}
