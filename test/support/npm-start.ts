import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ENV } from '../../shared/config/env-names.js';

/** The repository's root, where a person runs `npm start`. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A platform started with `npm start`, the way a person starts it. */
export interface NpmStartedPlatform {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  port: number;
  /** Everything `npm start` printed so far (the banner, one line per request, warnings). */
  output(): string;
  /**
   * Ctrl-C, as a person stops it: SIGINT to the whole process group (npm, its shell, tsx, the platform and DynamoDB
   * Local's JVM), then waits until nothing of the group is left; whatever outlives `graceMs` is SIGKILLed. Says
   * whether anything had to be killed.
   */
  stop(graceMs?: number): Promise<{ killed: boolean }>;
}

/**
 * The caller's environment without the settings a test runner carries (AWS and SmartShelf variables, Powertools
 * levels, vitest's own), so that a child configures itself as it would in a person's shell.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const own = new Set<string>(Object.values(ENV));
  const kept = Object.entries(process.env).filter(
    ([name]) =>
      !own.has(name) &&
      !name.startsWith('AWS_') &&
      !name.startsWith('QUEUE_URL_') &&
      !name.startsWith('POWERTOOLS_') &&
      !name.startsWith('VITEST') &&
      name !== 'NODE_ENV' &&
      name !== 'LOG_LEVEL' &&
      name !== 'TEST',
  );
  return { ...Object.fromEntries(kept), ...extra };
}

/** A TCP port nothing listens on at the moment of asking. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port was assigned');
  return address.port;
}

/** True while any process of the child's group is alive. */
function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // The group is already gone.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `npm start -- <args>` from the repository's root with `PORT` and `SMARTSHELF_DATA_DIR` set, in a process group
 * of its own, and resolves once `GET /health` answers 200: it waits on the health route alone, never on the banner.
 * Rejects (having stopped what it started) if the process exits first or `timeoutMs` passes. A port taken between
 * choosing it and binding it is tried again with another.
 */
export async function npmStart(options: { dataDir: string; args?: string[]; timeoutMs?: number }): Promise<NpmStartedPlatform> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await startOnce(port, options);
    } catch (error) {
      lastError = error as Error;
      if (!/EADDRINUSE/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError!;
}

async function startOnce(port: number, options: { dataDir: string; args?: string[]; timeoutMs?: number }): Promise<NpmStartedPlatform> {
  const child = spawn('npm', ['start', '--', ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: userEnv({ PORT: String(port), SMARTSHELF_DATA_DIR: options.dataDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));

  let stopping: Promise<{ killed: boolean }> | undefined;
  const stop = (graceMs = 30_000) =>
    (stopping ??= (async () => {
      signalGroup(child, 'SIGINT');
      const deadline = Date.now() + graceMs;
      while (groupAlive(child) && Date.now() < deadline) await sleep(100);
      const killed = groupAlive(child);
      signalGroup(child, 'SIGKILL');
      return { killed };
    })());

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  while (Date.now() < deadline) {
    if (exited) {
      await stop();
      throw new Error(`npm start exited before /health answered 200:\n${output.slice(-6000)}`);
    }
    const status = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.body?.cancel().then(() => response.status) ?? response.status,
      () => 0,
    );
    if (status === 200) return { baseUrl, port, output: () => output, stop };
    await sleep(250);
  }
  await stop();
  throw new Error(`GET ${baseUrl}/health did not answer 200 within ${options.timeoutMs ?? 180_000} ms:\n${output.slice(-6000)}`);
}
