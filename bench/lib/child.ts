import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './results.js';

/** What a child script sends back once: its result, or why it failed. */
type ChildMessage<T> = { kind: 'result'; value: T; peakRssBytes: number } | { kind: 'error'; message: string };

export interface ChildOutcome<T> {
  value: T;
  /** The child's peak resident set (VmHWM), the figure a Lambda's memory limit is compared against. */
  peakRssBytes: number;
}

/**
 * Runs a TypeScript bench script in its own Node process (through tsx) and waits for the one
 * result it reports with {@link reportToParent}. A separate process per contender keeps one
 * contender's heap, JIT state and open sockets from colouring the other's figures.
 */
export async function runChild<T>(
  script: string,
  input: unknown,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ChildOutcome<T>> {
  const child = fork(script, [JSON.stringify(input)], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx'],
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
      if (message?.kind === 'result') resolve({ value: message.value, peakRssBytes: message.peakRssBytes });
      else if (message?.kind === 'error') reject(new Error(message.message));
      else reject(new Error(`${script} exited with ${signal ?? code} without reporting a result`));
    });
  });
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

/**
 * The child side of {@link runChild}: parses the input the parent passed, runs `work`, reports its
 * result with the peak RSS, and exits so that lingering sockets cannot keep the process alive.
 */
export async function reportToParent<I, T>(work: (input: I) => Promise<T>): Promise<void> {
  const send = (m: ChildMessage<T>) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  try {
    const input = JSON.parse(process.argv[2] ?? 'null') as I;
    const value = await work(input);
    await send({ kind: 'result', value, peakRssBytes: peakRssBytes() });
    process.exit(0);
  } catch (error) {
    await send({ kind: 'error', message: (error as Error).stack ?? String(error) });
    process.exit(1);
  }
}
