import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './results.js';

/** What a child script sends back once: its result, or why it failed. */
type ChildMessage<T> =
  | { kind: 'result'; value: T; peakRssBytes: number; cpuMs: number }
  | { kind: 'error'; message: string }
  | { kind: 'cpu'; cpuMs: number };

export interface ChildOutcome<T> {
  value: T;
  /** The child's peak resident set (VmHWM), the figure a Lambda's memory limit is compared against. */
  peakRssBytes: number;
  /** CPU time (user + system) the child used: set against wall time, it shows whether the child or what it waits on is the bottleneck. */
  cpuMs: number;
}

export interface ChildOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Node flags; by default tsx's loader, so that a `.ts` script runs as is. Pass `[]` for a bundled `.mjs`. */
  execArgv?: string[];
}

/**
 * Runs a bench script in its own Node process and waits for the one
 * result it reports with {@link reportToParent}. A separate process per contender keeps one
 * contender's heap, JIT state and open sockets from colouring the other's figures.
 */
export async function runChild<T>(
  script: string,
  input: unknown,
  options: ChildOptions = {},
): Promise<ChildOutcome<T>> {
  const child = fork(script, [JSON.stringify(input)], {
    cwd: REPO_ROOT,
    execArgv: options.execArgv ?? ['--import', 'tsx'],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let message: ChildMessage<T> | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs ?? 600_000);
    child.on('message', (m) => (message = m as ChildMessage<T>));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (message?.kind === 'result') resolve({ value: message.value, peakRssBytes: message.peakRssBytes, cpuMs: message.cpuMs });
      else if (message?.kind === 'error') reject(new Error(message.message));
      else reject(new Error(`${script} exited with ${signal ?? code} without reporting a result`));
    });
  });
}

export interface ServerChild<T> {
  /** What the child reported once it was ready to serve. */
  value: T;
  pid: number;
  /** CPU time (user + system) the child has used so far; the difference across a load run is what serving it cost. */
  cpuMs(): Promise<number>;
  /** Asks the child to shut down cleanly, and kills it if it has not exited within ten seconds. */
  stop(): Promise<void>;
}

/**
 * Starts a long-lived bench script (a server) in its own Node process through tsx, and resolves
 * once it reports readiness with {@link serveFromChild}.
 */
export async function startServerChild<T>(
  script: string,
  input: unknown,
  options: ChildOptions & { quietStdout?: boolean } = {},
): Promise<ServerChild<T>> {
  const child = fork(script, [JSON.stringify(input)], {
    cwd: REPO_ROOT,
    execArgv: options.execArgv ?? ['--import', 'tsx'],
    env: { ...process.env, ...options.env },
    // A server's per-request logs would bury the bench's own output; they are still written, so their cost still counts.
    stdio: ['ignore', options.quietStdout ? 'ignore' : 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const value = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} was not ready within ${options.timeoutMs ?? 180_000} ms`)), options.timeoutMs ?? 180_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      const message = m as ChildMessage<T>;
      if (message.kind === 'result') resolve(message.value);
      else if (message.kind === 'error') reject(new Error(message.message));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${signal ?? code} before it was ready`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  const cpu = () =>
    new Promise<number>((resolve) => {
      const onMessage = (m: unknown) => {
        const message = m as ChildMessage<T>;
        if (message.kind !== 'cpu') return;
        child.off('message', onMessage);
        resolve(message.cpuMs);
      };
      child.on('message', onMessage);
      child.send({ kind: 'cpu' });
    });
  return { value, pid: child.pid!, cpuMs: cpu, stop };
}

/**
 * The child side of {@link startServerChild}: starts the server, reports what `start` returned,
 * and on SIGTERM (or when the parent goes away) stops it and exits.
 */
export async function serveFromChild<I, T>(start: (input: I) => Promise<{ value: T; stop(): Promise<void> }>): Promise<void> {
  const send = (m: ChildMessage<T>) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  try {
    const input = JSON.parse(process.argv[2] ?? 'null') as I;
    const server = await start(input);
    const shutdown = () => {
      void server.stop().finally(() => process.exit(0));
    };
    process.once('SIGTERM', shutdown);
    process.once('disconnect', shutdown);
    process.on('message', (m) => {
      if ((m as { kind?: unknown }).kind === 'cpu') void send({ kind: 'cpu', cpuMs: cpuMs() });
    });
    await send({ kind: 'result', value: server.value, peakRssBytes: peakRssBytes(), cpuMs: cpuMs() });
  } catch (error) {
    await send({ kind: 'error', message: (error as Error).stack ?? String(error) });
    process.exit(1);
  }
}

/**
 * Peak resident set size of this process. Linux keeps the exact high-water mark in
 * /proc/self/status; elsewhere the best available figure is the current RSS.
 */
export function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall through to the current figure.
  }
  return process.memoryUsage().rss;
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * The child side of {@link runChild}: parses the input the parent passed, runs `work`, reports its
 * result with the peak RSS, and exits so that lingering sockets cannot keep the process alive.
 */
export async function reportToParent<I, T>(work: (input: I) => Promise<T>): Promise<void> {
  const send = (m: ChildMessage<T>) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  try {
    const input = JSON.parse(process.argv[2] ?? 'null') as I;
    const value = await work(input);
    await send({ kind: 'result', value, peakRssBytes: peakRssBytes(), cpuMs: cpuMs() });
    process.exit(0);
  } catch (error) {
    await send({ kind: 'error', message: (error as Error).stack ?? String(error) });
    process.exit(1);
  }
}
