import { expect } from 'vitest';
import type { Problem } from './api-client.js';

/** Polls until `probe` returns a value, or fails naming `what` after `timeoutMs`: for effects that travel through queues. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Expects a problem response with this status (and, when given, this problem type slug); returns it for closer checks.
 * The response body is in the failure message, so a wrong status shows what the API said instead.
 */
export async function problem(request: Promise<{ status: number; body: unknown }>, status: number, type?: string): Promise<Problem> {
  const response = await request;
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  const body = response.body as Problem;
  if (type) expect(body.type).toMatch(new RegExp(`/${type}$`));
  return body;
}

/** The fields a validation problem names, sorted. */
export const fieldsOf = (p: Problem): string[] => (p.errors ?? []).map((e) => e.field).sort();
