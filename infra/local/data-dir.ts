import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Where the local runtime keeps everything it persists, one directory per concern. */
export interface DataLayout {
  root: string;
  dynamodb: string;
  s3: string;
  /** Messages that were still queued at the last shutdown. */
  queueSnapshot: string;
  signingKey: string;
  adminApiKey: string;
  /** Present while a runtime uses this directory: its pid and endpoints. */
  runtime: string;
  /** Each function's full log, and the runtime's own (`platform.log`); the last run's under `logs.previous/`. */
  logs: string;
}

/** `SMARTSHELF_DATA_DIR`, else `.smartshelf/` in the repository. */
export function dataLayout(root: string): DataLayout {
  const dir = resolve(root);
  return {
    root: dir,
    dynamodb: join(dir, 'dynamodb'),
    s3: join(dir, 's3'),
    queueSnapshot: join(dir, 'queues.json'),
    signingKey: join(dir, 'keys', 'jwt-signing-key.json'),
    adminApiKey: join(dir, 'keys', 'admin-api-key'),
    runtime: join(dir, 'runtime.json'),
    logs: join(dir, 'logs'),
  };
}

/** `--fresh`: drops the data (tables, objects, queued messages) but keeps the keys, so tokens and the admin key survive. */
export async function wipeData(layout: DataLayout): Promise<void> {
  await Promise.all([layout.dynamodb, layout.s3, layout.queueSnapshot].map((path) => rm(path, { recursive: true, force: true })));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the data directory for this process. DynamoDB Local's shared database file must never
 * have two writers, so a second runtime on the same directory is refused while the first lives.
 */
export async function claimDataDir(layout: DataLayout, info: Record<string, unknown>): Promise<void> {
  try {
    const current = JSON.parse(await readFile(layout.runtime, 'utf8')) as { pid?: number };
    if (typeof current.pid === 'number' && current.pid !== process.pid && isAlive(current.pid)) {
      throw new Error(`another SmartShelf runtime (pid ${current.pid}) is using ${layout.root}; stop it or set SMARTSHELF_DATA_DIR`);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !(error instanceof SyntaxError)) throw error;
  }
  await writeRuntime(layout, info);
}

/** Records the runtime's pid and endpoints, for tools and tests that attach to a running platform. */
export async function writeRuntime(layout: DataLayout, info: Record<string, unknown>): Promise<void> {
  await writeFile(layout.runtime, JSON.stringify({ pid: process.pid, ...info }, null, 2));
}

export async function releaseDataDir(layout: DataLayout): Promise<void> {
  await rm(layout.runtime, { force: true });
}

/** What a ready platform records in `runtime.json` for the tools that attach to it. */
export interface LocalRuntime {
  pid: number;
  state: 'starting' | 'ready';
  url: string;
  tableName: string;
  endpoints: { dynamodb: string; sqs: string; s3: string; events?: string; sfn?: string };
  queueUrls: Record<string, string>;
  stateMachineArns: Record<string, string>;
  paymentsSandboxUrl?: string;
  billingSandboxUrl?: string;
  courierSandboxUrl?: string;
}

/** The data directory tools attach to: `SMARTSHELF_DATA_DIR`, else `.smartshelf/` in the repository. */
export function defaultDataDir(): string {
  return process.env.SMARTSHELF_DATA_DIR ?? resolve(import.meta.dirname, '..', '..', '.smartshelf');
}

/**
 * The running local platform's `runtime.json`, once the platform is ready: while one is still starting this waits
 * (saying so once on stderr), for at most `waitMs`. Undefined when no platform uses the directory (no file, or its
 * process is gone).
 * @throws Error when the platform is still starting after `waitMs`
 */
export async function readLocalRuntime(dataDir = defaultDataDir(), options: { waitMs?: number; poll?: number } = {}): Promise<LocalRuntime | undefined> {
  const deadline = Date.now() + (options.waitMs ?? 180_000);
  let said = false;
  for (;;) {
    let runtime: Partial<LocalRuntime>;
    try {
      runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as Partial<LocalRuntime>;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) return undefined;
      throw error;
    }
    if (typeof runtime.pid !== 'number' || !isAlive(runtime.pid)) return undefined;
    if (runtime.state === 'ready') return runtime as LocalRuntime;
    if (Date.now() > deadline) throw new Error(`the local platform on ${dataDir} is still starting; try again once GET /health answers 200`);
    if (!said) process.stderr.write('waiting for the local platform to finish starting…\n');
    said = true;
    await new Promise((done) => setTimeout(done, options.poll ?? 500));
  }
}
