import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { redactPans } from '../../shared/privacy/pan.js';
import type { RequestLog } from './gateway/server.js';

/** Console verbosity, `LOG_LEVEL`: each level shows itself and everything more severe. */
export const CONSOLE_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type ConsoleLevel = (typeof CONSOLE_LEVELS)[number];

const RANK: Record<string, number> = { TRACE: 0, DEBUG: 0, INFO: 1, WARN: 2, ERROR: 3, CRITICAL: 3, SILENT: 4 };

/** `LOG_LEVEL` as a console level: INFO when unset; anything unknown is refused so that a typo does not go silent. */
export function consoleLevel(value: string | undefined): ConsoleLevel {
  const level = (value ?? 'INFO').toUpperCase();
  if (!(CONSOLE_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`LOG_LEVEL must be one of ${CONSOLE_LEVELS.join(', ')}, not ${value}`);
  }
  return level as ConsoleLevel;
}

/** Log fields every Powertools entry carries that a person reading the console does not need again. */
const BOILERPLATE = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'sampling_rate',
  'xray_trace_id',
]);

/** The platform's own log file, beside one file per function. */
export const PLATFORM_LOG = 'platform';

export interface LocalConsoleOptions {
  level: ConsoleLevel;
  /** Where the full logs go: `<dir>/<function id>.log`, and `<dir>/platform.log` for the runtime's own lines. */
  dir: string;
  /** Writes to the terminal; the process's own stdout before log capture rerouted it. */
  write: (text: string) => void;
}

/**
 * What `npm start` shows and keeps. The terminal gets one short line per request and per background invocation,
 * warnings and errors in full, and the banner; `LOG_LEVEL` moves the threshold (DEBUG shows every function's log
 * entry too, WARN only problems). Every line, shown or not, is kept under the logs directory: each function's full
 * JSON log in its own file, the runtime's lines in `platform.log`.
 */
export class LocalConsole {
  readonly #files = new Map<string, WriteStream>();
  readonly #threshold: number;
  #startup = true;
  #hiddenAtStartup = 0;

  constructor(private readonly options: LocalConsoleOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.#threshold = RANK[options.level]!;
  }

  get dir(): string {
    return this.options.dir;
  }

  debug(line: string): void {
    this.#platform('DEBUG', line);
  }

  info(line: string): void {
    this.#platform('INFO', line);
  }

  warn(line: string): void {
    this.#platform('WARN', line);
  }

  error(line: string): void {
    this.#platform('ERROR', line);
  }

  /** Shown whatever the level: the banner, and what a person pressed Ctrl-C to see. */
  always(text: string): void {
    this.#file(PLATFORM_LOG).write(`${text}\n`);
    this.options.write(`${text}\n`);
  }

  /**
   * One line per HTTP request the gateway answered: `POST /checkout 202 140 ms checkout-start-checkout <correlation id>`.
   * A 503 is what every request gets while the platform starts, so only the other 5xx are warnings.
   */
  request(entry: RequestLog): void {
    // The path is the caller's: a card number sent as a path segment is refused by the function, and never printed.
    const line = `${entry.method} ${redactPans(entry.path)} ${entry.status} ${entry.ms} ms ${entry.fn ?? 'gateway'} ${entry.correlationId}`;
    this.#platform(entry.status >= 500 && entry.status !== 503 ? 'WARN' : 'INFO', line);
  }

  /**
   * One line per invocation nothing waited on over HTTP: a queue's batch, a stream's records, a schedule, a state
   * machine's task. While the platform starts (seeding makes hundreds) they are only counted and kept in the file.
   */
  invocation(line: string, failed: boolean): void {
    if (this.#startup && !failed) {
      this.#hiddenAtStartup++;
      this.#file(PLATFORM_LOG).write(`${stamp()} INFO ${line}\n`);
      return;
    }
    this.#platform(failed ? 'WARN' : 'INFO', line);
  }

  /** The platform is up: from now on background invocations are shown as they happen. Returns how many were only counted. */
  started(): number {
    this.#startup = false;
    return this.#hiddenAtStartup;
  }

  /**
   * What a function wrote (to stdout or stderr) during one of its invocations: kept whole in its file; on the
   * console, warnings and errors in full, lower levels only as far as the threshold lets them.
   */
  functionOutput(fnId: string, text: string): void {
    this.#file(fnId).write(text.endsWith('\n') ? text : `${text}\n`);
    // A function's own INFO entries are the file's business; at DEBUG the console shows them all.
    const shown = this.#threshold === RANK.DEBUG ? RANK.DEBUG! : Math.max(this.#threshold, RANK.WARN!);
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const entry = parseEntry(line);
      const level = entry ? String(entry.level ?? 'INFO').toUpperCase() : 'INFO';
      if ((RANK[level] ?? RANK.INFO!) < shown) continue;
      this.options.write(`${render(level, fnId, entry, line)}\n`);
    }
  }

  /** Flushes and closes the log files. */
  async close(): Promise<void> {
    await Promise.all([...this.#files.values()].map((stream) => new Promise<void>((resolve) => stream.end(resolve))));
    this.#files.clear();
  }

  #platform(level: string, line: string): void {
    this.#file(PLATFORM_LOG).write(`${stamp()} ${level} ${line}\n`);
    if (RANK[level]! >= this.#threshold) this.options.write(`${level === 'INFO' ? '' : `${level} `}${line}\n`);
  }

  #file(name: string): WriteStream {
    let stream = this.#files.get(name);
    if (!stream) {
      stream = createWriteStream(join(this.options.dir, `${name}.log`), { flags: 'a' });
      this.#files.set(name, stream);
    }
    return stream;
  }
}

function stamp(): string {
  return new Date().toISOString();
}

function parseEntry(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `WARN payments-process-webhook: task failed {"correlationId":"…",…}`, then an error's stack on its own lines. */
function render(level: string, fnId: string, entry: Record<string, unknown> | undefined, line: string): string {
  if (!entry) return `${level} ${fnId}: ${line}`;
  const rest = Object.fromEntries(Object.entries(entry).filter(([key]) => !BOILERPLATE.has(key)));
  const stack = (rest.error as { stack?: unknown } | undefined)?.stack;
  if (typeof stack === 'string') rest.error = { ...(rest.error as object), stack: undefined };
  const fields = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  return `${level} ${fnId}: ${String(entry.message ?? '')}${fields}${typeof stack === 'string' ? `\n${stack}` : ''}`;
}
