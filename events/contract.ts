import type { z } from 'zod';

/** An event contract: what integrators can rely on for one detail-type at one version. */
export interface EventContract<S extends z.ZodType = z.ZodType> {
  source: string;
  detailType: string;
  version: number;
  schema: S;
}

/** Declares a contract; the schema describes `detail.data`, the envelope is added by the publisher. */
export function defineEvent<S extends z.ZodType>(contract: EventContract<S>): EventContract<S> {
  return contract;
}
