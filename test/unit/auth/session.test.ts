import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ABSOLUTE_SECONDS,
  csrfTokenFor,
  csrfTokenMatches,
  expireCookie,
  fetchSiteAllowed,
  IDLE_SECONDS,
  isLive,
  isLoopbackHost,
  issueCookie,
  needsCsrfToken,
  newSessionId,
  sessionHash,
  sessionIdFromCookies,
  slideTimes,
  startTimes,
} from '../../../shared/auth/session.js';

const T0 = new Date('2026-12-07T09:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('session ids, hashes and CSRF tokens', () => {
  it('makes 256-bit base64url ids, never the same twice, stored only as their SHA-256', () => {
    const ids = new Set(Array.from({ length: 200 }, newSessionId));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(32);
      expect(sessionHash(id)).toMatch(/^[0-9a-f]{64}$/);
      expect(sessionHash(id)).not.toContain(id);
    }
  });

  it('derives the CSRF token from the id (never the id, never the hash) and accepts only that token', () => {
    const id = newSessionId();
    const token = csrfTokenFor(id);
    expect(token).toBe(csrfTokenFor(id));
    expect(token).not.toBe(id);
    expect(token).not.toBe(sessionHash(id));
    expect(csrfTokenMatches(id, token)).toBe(true);
    expect(csrfTokenMatches(id, undefined)).toBe(false);
    expect(csrfTokenMatches(id, '')).toBe(false);
    expect(csrfTokenMatches(id, token.slice(1))).toBe(false);
    expect(csrfTokenMatches(id, csrfTokenFor(newSessionId()))).toBe(false);
    expect(csrfTokenMatches(id, id)).toBe(false);
  });
});

describe('lifetimes', () => {
  it('lasts 15 minutes idle and 8 hours at most', () => {
    const times = startTimes(T0);
    expect(times.expiresAt).toEqual(at(IDLE_SECONDS));
    expect(times.absoluteExpiresAt).toEqual(at(ABSOLUTE_SECONDS));
    expect(isLive(times, at(IDLE_SECONDS - 1))).toBe(true);
    expect(isLive(times, at(IDLE_SECONDS))).toBe(false);
  });

  it('slides the idle deadline on each refresh but never past the absolute one (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: IDLE_SECONDS - 1 }), { minLength: 1, maxLength: 60 }), (gaps) => {
        let times = startTimes(T0);
        let now = T0;
        for (const gap of gaps) {
          now = new Date(now.getTime() + gap * 1000);
          if (!isLive(times, now)) break;
          const slid = slideTimes(times, now);
          expect(slid.absoluteExpiresAt).toEqual(times.absoluteExpiresAt);
          expect(slid.expiresAt.getTime()).toBeLessThanOrEqual(slid.absoluteExpiresAt.getTime());
          expect(slid.expiresAt.getTime()).toBe(Math.min(now.getTime() + IDLE_SECONDS * 1000, slid.absoluteExpiresAt.getTime()));
          expect(slid.expiresAt.getTime()).toBeGreaterThanOrEqual(times.expiresAt.getTime());
          times = slid;
        }
        expect(isLive(times, times.absoluteExpiresAt)).toBe(false);
      }),
    );
  });

  it('ends at the absolute deadline however often it is refreshed', () => {
    let times = startTimes(T0);
    for (let s = 600; s < ABSOLUTE_SECONDS; s += 600) times = slideTimes(times, at(s));
    expect(times.expiresAt).toEqual(at(ABSOLUTE_SECONDS));
    expect(isLive(times, at(ABSOLUTE_SECONDS - 1))).toBe(true);
    expect(isLive(times, at(ABSOLUTE_SECONDS))).toBe(false);
  });
});

describe('cookies', () => {
  it('issues exactly the design’s attributes, kept until the idle deadline', () => {
    const id = newSessionId();
    expect(issueCookie(id, startTimes(T0), T0)).toBe(`__Host-smartshelf-session=${id}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=900`);
    const late = slideTimes(startTimes(T0), at(ABSOLUTE_SECONDS - 300));
    expect(issueCookie(id, late, at(ABSOLUTE_SECONDS - 300))).toMatch(/; Max-Age=300$/);
    expect(expireCookie()).toBe('__Host-smartshelf-session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0');
  });

  it('reads the session id among other cookies, and nothing of another shape or a name sent twice', () => {
    const id = newSessionId();
    expect(sessionIdFromCookies(`theme=dark; __Host-smartshelf-session=${id}; lang=en`)).toBe(id);
    expect(sessionIdFromCookies(`__Host-smartshelf-session=${id}`)).toBe(id);
    expect(sessionIdFromCookies(undefined)).toBeUndefined();
    expect(sessionIdFromCookies('theme=dark')).toBeUndefined();
    expect(sessionIdFromCookies('__Host-smartshelf-session=short')).toBeUndefined();
    expect(sessionIdFromCookies(`smartshelf-session=${id}`)).toBeUndefined();
    expect(sessionIdFromCookies(`__Host-smartshelf-session=${id}; __Host-smartshelf-session=${newSessionId()}`)).toBeUndefined();
  });
});

describe('request rules', () => {
  it('wants the CSRF token on every method but GET, HEAD and OPTIONS', () => {
    for (const m of ['GET', 'HEAD', 'OPTIONS', 'get']) expect(needsCsrfToken(m), m).toBe(false);
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', undefined]) expect(needsCsrfToken(m), String(m)).toBe(true);
  });

  it('lets through only same-origin, user-typed or unlabelled requests', () => {
    expect(fetchSiteAllowed(undefined)).toBe(true);
    expect(fetchSiteAllowed('same-origin')).toBe(true);
    expect(fetchSiteAllowed('none')).toBe(true);
    expect(fetchSiteAllowed('same-site')).toBe(false);
    expect(fetchSiteAllowed('cross-site')).toBe(false);
  });

  it('knows loopback hosts, with or without a port, and nothing else', () => {
    for (const h of ['localhost', 'localhost:3000', '127.0.0.1:8080', '[::1]:80', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [undefined, '', 'evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '10.0.0.1']) expect(isLoopbackHost(h), String(h)).toBe(false);
  });
});
