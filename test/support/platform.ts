import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ENV } from '../../shared/config/env-names.js';

/** What the e2e global setup provides to every e2e test file. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** The local platform's API, e.g. `http://127.0.0.1:41234`. */
    baseUrl: string;
    /** The admin API key the platform registered (send as `x-api-key`). */
    adminApiKey: string;
    /** The platform's data directory; its `runtime.json` names the engines' endpoints. */
    dataDir: string;
    /** How long the platform's checkouts wait on 3-D Secure (`CHECKOUT_AUTHENTICATION_TIMEOUT_SECONDS`). */
    authenticationTimeoutSeconds: number;
    /** How long the platform's shoppers have to answer a proposed substitute (`SUBSTITUTION_RESPONSE_SECONDS`). */
    substitutionResponseSeconds: number;
  }
}

/** Where, in its data directory, the e2e platform's terminal output is kept for tests that read what a developer sees. */
export const TERMINAL_FILE = 'terminal.log';

/** The e2e platform's 3-D Secure wait: short, so that a timeout scenario is quick, yet room for one that authenticates. */
export const AUTHENTICATION_TIMEOUT_SECONDS = 8;

/** The e2e platform's window to answer a proposed substitute: short, so that a cut-off scenario is quick, yet room to answer one. */
export const SUBSTITUTION_RESPONSE_SECONDS = 30;

export interface RunningPlatform {
  baseUrl: string;
  adminApiKey: string;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /**
   * SIGTERM, then waits for the exit. `orphans` tells whether anything of its process group
   * (DynamoDB Local's JVM) outlived it; whatever did, or a hang past 30 s, is SIGKILLed.
   */
  stop(): Promise<{ code: number | null; orphans: boolean }>;
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts the local platform exactly as `npm start` does, as a child process in its own process
 * group (so that nothing, DynamoDB Local's JVM included, can outlive a teardown), with PORT=0 and
 * the given data directory, and resolves once the banner names the API URL and admin key.
 */
export async function spawnPlatform(options: {
  dataDir: string;
  fresh?: boolean;
  seed?: boolean;
  timeoutMs?: number;
  /** Settings for the platform beyond the caller's environment, which are not inherited (e.g. `CHECKOUT_AUTHENTICATION_TIMEOUT_SECONDS`). */
  env?: Record<string, string>;
  /** A file that gets everything the platform prints to its terminal, as it prints it. */
  terminalFile?: string;
}): Promise<RunningPlatform> {
  const args = [
    '--import',
    'tsx',
    'infra/local/start.ts',
    ...(options.fresh ? ['--fresh'] : []),
    ...(options.seed === false ? ['--no-seed'] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...inheritedEnv(), ...options.env, PORT: '0', SMARTSHELF_DATA_DIR: options.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const terminal = options.terminalFile ? createWriteStream(options.terminalFile, { flags: 'a' }) : undefined;
  const onOutput = (chunk: Buffer) => {
    output += chunk.toString();
    terminal?.write(chunk);
  };
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  let stopped: Promise<{ code: number | null; orphans: boolean }> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(child), 30_000);
      const [code] = await exited;
      clearTimeout(timer);
      terminal?.end();
      let orphans = groupAlive(child);
      for (let i = 0; orphans && i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        orphans = groupAlive(child);
      }
      killGroup(child);
      return { code, orphans };
    })());

  const deadline = Date.now() + (options.timeoutMs ?? 150_000);
  while (Date.now() < deadline) {
    const url = /API\s+(http:\/\/\S+)/.exec(output)?.[1];
    const key = /Admin API key\s+(\S+)/.exec(output)?.[1];
    if (url && key) return { baseUrl: url, adminApiKey: key, child, output: () => output, stop };
    if (child.exitCode !== null) throw new Error(`the platform exited with ${child.exitCode}:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`the platform did not start in time:\n${output}`);
}

/**
 * The caller's environment without any AWS or SmartShelf settings (integration workers carry the
 * test engines' ones), so the platform configures itself exactly as `npm start` would.
 */
function inheritedEnv(): NodeJS.ProcessEnv {
  const own = new Set<string>(Object.values(ENV));
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !own.has(name) && !name.startsWith('AWS_') && !name.startsWith('QUEUE_URL_') && !name.startsWith('POWERTOOLS_')),
  );
}

function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kills whatever is left of the child's process group; a no-op when it is already gone. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is empty: everything already exited.
  }
}
