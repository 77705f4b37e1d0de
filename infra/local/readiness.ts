/** What the local platform does before it serves the API, in the order it does it. */
export const START_STEPS = ['engines', 'migrations', 'sandboxes', 'functions', 'admin key', 'sample data'] as const;
export type StartStep = (typeof START_STEPS)[number];

/** Whether the starting platform may serve the API yet, and what it still waits for. */
export interface ReadinessView {
  /** The steps not done yet, in start order; empty once the platform is ready. */
  pending(): StartStep[];
}

/**
 * Tracks the platform's start-up steps. Until all are done the gateway answers every API route with a 503 and
 * `Retry-After`, so that a script that starts as soon as the port answers never sees a half-seeded store.
 */
export class Readiness implements ReadinessView {
  readonly #done = new Set<StartStep>();

  done(step: StartStep): void {
    this.#done.add(step);
  }

  pending(): StartStep[] {
    return START_STEPS.filter((step) => !this.#done.has(step));
  }
}
