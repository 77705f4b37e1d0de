import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** What the e2e global setup provides to every e2e test file. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** The local platform's API, e.g. `http://127.0.0.1:41234`. */
    baseUrl: string;
    /** The admin API key the platform registered (send as `x-api-key`). */
    adminApiKey: string;
  }
}

export interface RunningPlatform {
  baseUrl: string;
  adminApiKey: string;
  child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM and wait for a clean exit; SIGKILL to the whole process group if it hangs. */
  stop(): Promise<number | null>;
}

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts the local platform exactly as `npm start` does, as a child process in its own process
 * group (so that nothing, DynamoDB Local's JVM included, can outlive a teardown), with PORT=0 and
 * the given data directory, and resolves once the banner names the API URL and admin key.
 */
export async function spawnPlatform(options: { dataDir: string; fresh?: boolean; timeoutMs?: number }): Promise<RunningPlatform> {
  const args = ['--import', 'tsx', 'infra/local/start.ts', ...(options.fresh ? ['--fresh'] : [])];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', SMARTSHELF_DATA_DIR: options.dataDir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => killGroup(child), 30_000);
    const [code] = await exited;
    clearTimeout(timer);
    killGroup(child);
    return code;
  };

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

/** Kills whatever is left of the child's process group; a no-op when it is already gone. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is empty: everything already exited.
  }
}
