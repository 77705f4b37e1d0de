import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The faults the partner sandboxes (billing, courier) inject into their API calls, one model for both, so a test can
 * break either partner the same way: errors with Retry-After, latency, calls never answered, answers lost after the
 * call took effect, and duplicated or shuffled webhooks.
 */

/** Failures to inject into a sandbox's API calls, until `window.untilEpochMs` when given. */
export interface PartnerSandboxFaults {
  /** Share of calls (0..1) answered with `errorStatus` before doing anything. */
  errorRate?: number;
  errorStatus?: 500 | 503 | 429;
  /** Sent as Retry-After with an injected 429 (1 when absent) or 503. */
  retryAfterSeconds?: number;
  latencyMs?: number;
  /** The call is never answered and has no effect; the caller's timeout ends it. */
  timeout?: boolean;
  /** Share of calls (0..1) that take effect, then lose their connection before the answer. */
  ackLostRate?: number;
  /** How many times each webhook is sent in all. */
  webhookDuplicates?: number;
  /** Webhooks waiting together are sent in random order. */
  webhookShuffle?: boolean;
  window?: { untilEpochMs: number };
}

/** The faults in force: none once their window has passed. */
export function activeFaults(faults: PartnerSandboxFaults, now = Date.now()): PartnerSandboxFaults {
  return faults.window && now >= faults.window.untilEpochMs ? {} : faults;
}

/** An answer the sandbox sends. */
export interface FaultAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * Runs one API call under the faults in force: a timeout leaves it unanswered (and undone), an injected error answers
 * before doing anything, latency delays it, and a lost answer drops the connection after the call took effect.
 * @param call does the call, delayed by the given latency
 */
export async function answerWithFaults<A extends FaultAnswer>(
  fault: PartnerSandboxFaults,
  req: IncomingMessage,
  res: ServerResponse,
  send: (answer: A | FaultAnswer) => void,
  call: (latencyMs: number) => Promise<A>,
): Promise<void> {
  if (fault.timeout) {
    await new Promise<void>((resolve) => res.once('close', resolve));
    return;
  }
  if (fault.errorRate && Math.random() < fault.errorRate) {
    await sleep(fault.latencyMs ?? 0);
    const status = fault.errorStatus ?? 500;
    const retryAfter = status === 429 ? (fault.retryAfterSeconds ?? 1) : fault.retryAfterSeconds;
    send({
      status,
      headers: retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
      body: { error: status === 429 ? { type: 'rate_limit', code: 'rate_limited', message: 'Too many requests.' } : { type: 'api_error', code: 'injected_failure', message: 'Injected sandbox failure.' } },
    });
    return;
  }
  const answer = await call(fault.latencyMs ?? 0);
  if (fault.ackLostRate && Math.random() < fault.ackLostRate) {
    req.socket.destroy();
    return;
  }
  send(answer);
}
