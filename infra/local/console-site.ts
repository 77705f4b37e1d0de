import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildConsole, type BuiltFile } from '../../console/build.js';
import { SECURITY_HEADERS } from '../../shared/http/responses.js';
import type { GatewayResponse } from './gateway/problems.js';

/** Where the console is served: CloudFront serves the same paths from S3 on AWS. */
export const CONSOLE_PREFIX = '/admin';

/** The console's Content-Security-Policy (console-design.md): its own scripts and styles only, no framing. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The headers every console file carries, beside its type and cache policy. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  'content-security-policy': CONSOLE_CSP,
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** The built console served from memory: `/admin` → `/admin/`, `index.html`, and `assets/<file>`. */
export interface ConsoleSite {
  /** The console's answer for a GET or HEAD of `pathname`, or undefined when it is not a console path (for the gateway's 404). */
  respond(method: string, pathname: string): GatewayResponse | undefined;
  files: BuiltFile[];
}

/**
 * Builds the console into `<outDir>` (the platform's data directory) and serves it: only the names the build wrote are
 * answerable (they are held in memory, keyed by their exact path), so `..`, encoded slashes and anything else outside
 * the build are simply not found. `index.html` is `no-cache` (it names the entry, which names the hashed chunks);
 * hashed chunks are immutable for a year; `main.js` and `styles.css`, whose names do not change, are `no-cache` too.
 */
export async function startConsoleSite(options: { outDir: string; minify?: boolean; log?: (line: string) => void }): Promise<ConsoleSite> {
  let built;
  try {
    built = await buildConsole({ outDir: options.outDir, minify: options.minify ?? false });
  } catch (error) {
    // A console that does not compile must not keep the API from starting: its pages say why instead.
    const reason = (error as Error).message;
    options.log?.(`the staff console failed to build; /admin answers 503 until it does: ${reason}`);
    return { files: [], respond: (_method, pathname) => (isConsolePath(pathname) ? buildFailed(reason) : undefined) };
  }
  const contents = new Map<string, Buffer>();
  await Promise.all(built.files.map(async (file) => contents.set(file.path, await readFile(join(options.outDir, file.path)))));
  return {
    files: built.files,
    respond: (method, pathname) => consoleResponse(contents, method, pathname),
  };
}

function isConsolePath(pathname: string): boolean {
  return pathname === CONSOLE_PREFIX || pathname.startsWith(`${CONSOLE_PREFIX}/`);
}

function buildFailed(reason: string): GatewayResponse {
  return {
    status: 503,
    headers: { ...CONSOLE_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body: `The staff console failed to build at start-up:\n\n${reason}\n`,
  };
}

/** The console's answer for a path of the built `files` (path → bytes); exported for its unit test. */
export function consoleResponse(files: ReadonlyMap<string, Buffer>, method: string, pathname: string): GatewayResponse | undefined {
  if (!isConsolePath(pathname)) return undefined;
  if (pathname === CONSOLE_PREFIX) {
    return { status: 308, headers: { ...CONSOLE_HEADERS, location: `${CONSOLE_PREFIX}/`, 'cache-control': 'no-cache' }, body: '' };
  }
  const rest = pathname.slice(CONSOLE_PREFIX.length + 1);
  const name = rest === '' || rest === 'index.html' ? 'index.html' : rest.startsWith('assets/') && !rest.slice(7).includes('/') ? rest : undefined;
  const body = name === undefined ? undefined : files.get(name);
  if (body === undefined) return undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, headers: { ...CONSOLE_HEADERS, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, body: 'Method Not Allowed' };
  }
  const extension = name!.slice(name!.lastIndexOf('.'));
  const hashed = /-[A-Z0-9]{8}\.js$/.test(name!);
  return {
    status: 200,
    headers: {
      ...CONSOLE_HEADERS,
      'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    },
    // Node's server sends no body to a HEAD request but keeps the length, as a GET's answer would have it.
    body,
  };
}
