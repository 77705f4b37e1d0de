import { fulfillmentDeps, type FulfillmentDeps } from './deps.js';
import { generateSlots, type GenerationReport } from './generate-slots.js';

/**
 * Seeds the coming week's slots at every open store, exactly as the daily schedule does, so a
 * fresh local platform can book slots before the schedule first fires. Run after the stores' seed.
 */
export async function seedSlots(deps: FulfillmentDeps = fulfillmentDeps()): Promise<GenerationReport> {
  return generateSlots({}, deps);
}
