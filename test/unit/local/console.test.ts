import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleLevel, LocalConsole, type ConsoleLevel } from '../../../infra/local/console.js';
import { Readiness } from '../../../infra/local/readiness.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function terminalAt(level: ConsoleLevel) {
  const dir = await mkdtemp(join(tmpdir(), 'smartshelf-console-'));
  dirs.push(dir);
  const lines: string[] = [];
  const out = new LocalConsole({ level, dir, write: (text) => lines.push(...text.trimEnd().split('\n')) });
  const file = async (name: string) => {
    await out.close();
    return readFile(join(dir, `${name}.log`), 'utf8');
  };
  return { out, lines, file };
}

const entry = (level: string, message: string, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ level, message, timestamp: '2026-12-07T10:00:00.000Z', service: 'smartshelf', function_name: 'smartshelf-local-x', ...extra })}\n`;

describe('LocalConsole', () => {
  it('at INFO shows one line per request and a function’s warnings in full, and keeps everything in the files', async () => {
    const { out, lines, file } = await terminalAt('INFO');
    out.request({ method: 'GET', path: '/stores/x', status: 404, ms: 7, fn: 'stores-get-store', correlationId: 'c-1' });
    out.functionOutput('stores-get-store', entry('INFO', 'request rejected', { correlationId: 'c-1' }));
    out.functionOutput('stores-get-store', entry('WARN', 'slow store', { correlationId: 'c-1', error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at x' } }));
    expect(lines).toEqual([
      'GET /stores/x 404 7 ms stores-get-store c-1',
      'WARN stores-get-store: slow store {"correlationId":"c-1","error":{"name":"Error","message":"boom"}}',
      'Error: boom',
      '    at x',
    ]);
    const kept = await file('stores-get-store');
    expect(kept.trimEnd().split('\n').map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['request rejected', 'slow store']);
  });

  it('at WARN hides request lines but a failed invocation’s; at DEBUG shows a function’s every entry', async () => {
    const warn = await terminalAt('WARN');
    warn.out.started();
    warn.out.request({ method: 'GET', path: '/stores', status: 200, ms: 3, fn: 'stores-list-stores', correlationId: 'c-2' });
    warn.out.request({ method: 'GET', path: '/stores', status: 502, ms: 3, fn: 'stores-list-stores', correlationId: 'c-3' });
    warn.out.invocation('queue billing-sync → billing-sync-invoice: 2 records 40 ms', false);
    warn.out.invocation('queue billing-sync → billing-sync-invoice: 2 records, 1 failed 40 ms', true);
    expect(warn.lines).toEqual([
      'WARN GET /stores 502 3 ms stores-list-stores c-3',
      'WARN queue billing-sync → billing-sync-invoice: 2 records, 1 failed 40 ms',
    ]);
    const debug = await terminalAt('DEBUG');
    debug.out.functionOutput('carts-get-cart', entry('DEBUG', 'priced', { correlationId: 'c-4' }));
    expect(debug.lines).toEqual(['DEBUG carts-get-cart: priced {"correlationId":"c-4"}']);
  });

  it('counts background invocations while the platform starts instead of showing them, and a 503 is no warning', async () => {
    const { out, lines, file } = await terminalAt('INFO');
    out.invocation('table stream → events-relay-outbox: 6 records 20 ms', false);
    out.invocation('table stream → events-relay-outbox: 1 record failed after 20 ms: boom', true);
    out.request({ method: 'GET', path: '/health', status: 503, ms: 0, correlationId: 'r-1' });
    expect(out.started()).toBe(1);
    out.invocation('schedule → inventory-sweep-reservations 12 ms', false);
    expect(lines).toEqual([
      'WARN table stream → events-relay-outbox: 1 record failed after 20 ms: boom',
      'GET /health 503 0 ms gateway r-1',
      'schedule → inventory-sweep-reservations 12 ms',
    ]);
    expect(await file('platform')).toContain('INFO table stream → events-relay-outbox: 6 records 20 ms');
  });

  it('never prints a card number a caller put in the path', async () => {
    const { out, lines, file } = await terminalAt('INFO');
    out.request({ method: 'GET', path: '/products/4242-4242-4242-4242', status: 400, ms: 2, fn: 'catalog-get-product', correlationId: 'c-9' });
    expect(lines).toEqual(['GET /products/[card number removed] 400 2 ms catalog-get-product c-9']);
    expect(await file('platform')).not.toContain('4242');
  });

  it('takes LOG_LEVEL in any case, INFO when unset, and refuses a level it does not know', () => {
    expect(consoleLevel(undefined)).toBe('INFO');
    expect(consoleLevel('debug')).toBe('DEBUG');
    expect(() => consoleLevel('verbose')).toThrow(/LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR, SILENT/);
  });
});

describe('Readiness', () => {
  it('is pending every start step, in order, until each is done', () => {
    const readiness = new Readiness();
    expect(readiness.pending()).toEqual(['engines', 'migrations', 'sandboxes', 'functions', 'admin key', 'sample data']);
    for (const step of ['sample data', 'engines', 'migrations', 'sandboxes', 'functions'] as const) readiness.done(step);
    expect(readiness.pending()).toEqual(['admin key']);
    readiness.done('admin key');
    expect(readiness.pending()).toEqual([]);
  });
});
