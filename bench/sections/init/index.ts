import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { ESBUILD_OPTIONS } from '../../../infra/cdk/bundling.js';
import { functions, type FunctionSpec } from '../../../wiring/index.js';
import type { BenchOptions } from '../../lib/cli.js';
import { REPO_ROOT, WORK_DIR, check, type SectionResult, type TargetCheck } from '../../lib/results.js';
import { median, ratio, roundOrder } from '../../lib/stats.js';
import { fmt, fmtKiB, fmtRatio, type Table } from '../../lib/table.js';
import { lambdaEnvironment } from './environment.js';
import { EMPTY_HANDLER_SOURCE, floorId, floorSource, type FloorSpec } from './floor.js';
import { appImporters, externalImports, impliedClients, packageBytes, ungrantedClients, unmodelledClients } from './packages.js';

const run = promisify(execFile);

/** Init of a function may be at most this multiple of its floor's. */
const INIT_RATIO_TARGET = 1.25;
const MODEL_SOURCE = 'shared/catalog/model.ts';
const INIT_DIR = join(WORK_DIR, 'init');

/**
 * Imports one bundle in a fresh process and reports, from the process's own clock, when the module
 * finished evaluating (process start → evaluated: what a cold start pays before the first event),
 * how long the import itself took (the same minus Node's own bootstrap), and the CPU time the
 * process had used by then. CPU time barely moves when a busy neighbour delays the process, so
 * its ratio is the steadier one on a shared machine.
 */
const PROBE_SOURCE = `const url = process.argv[2];
const before = performance.now();
await import(url);
const after = performance.now();
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ total: after, importOnly: after - before, cpu: (cpu.user + cpu.system) / 1000 }));
`;

interface Bundle {
  id: string;
  kind: 'function' | 'floor' | 'empty';
  file: string;
  env: Record<string, string>;
  bytes: number;
  gzipBytes: number;
  packages: { name: string; bytes: number }[];
  externals: string[];
  totals: number[];
  imports: number[];
  cpus: number[];
  error?: string;
}

async function bundle(entry: string, outDir: string): Promise<{ file: string; metafile: Metafile }> {
  await rm(outDir, { recursive: true, force: true });
  const file = join(outDir, 'index.mjs');
  const result = await build({
    ...ESBUILD_OPTIONS,
    entryPoints: [entry],
    outfile: file,
    absWorkingDir: REPO_ROOT,
    metafile: true,
    logLevel: 'silent',
  });
  return { file, metafile: result.metafile };
}

async function describe(
  id: string,
  kind: Bundle['kind'],
  built: { file: string; metafile: Metafile },
  env: Record<string, string>,
): Promise<Bundle> {
  const code = await readFile(built.file);
  return {
    id,
    kind,
    file: built.file,
    env,
    bytes: code.byteLength,
    gzipBytes: gzipSync(code).byteLength,
    packages: packageBytes(built.metafile),
    externals: externalImports(built.metafile),
    totals: [],
    imports: [],
    cpus: [],
  };
}

async function timeOnce(probe: string, target: Bundle): Promise<void> {
  try {
    const { stdout } = await run(process.execPath, [probe, pathToFileURL(target.file).href], {
      env: target.env,
      cwd: dirname(target.file),
      timeout: 60_000,
    });
    const { total, importOnly, cpu } = JSON.parse(stdout) as { total: number; importOnly: number; cpu: number };
    target.totals.push(total);
    target.imports.push(importOnly);
    target.cpus.push(cpu);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    target.error ??= (stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? (error as Error).message).slice(0, 200);
  }
}

/** Packages of a function's bundle that its floor does without, largest first. */
function beyondFloor(b: Bundle, floor: Bundle): { name: string; bytes: number }[] {
  const inFloor = new Set(floor.packages.map((p) => p.name));
  return b.packages.filter((p) => !inFloor.has(p.name));
}

const topPackages = (b: Bundle, n: number) =>
  b.packages
    .slice(0, n)
    .map((p) => `${p.name} ${fmtKiB(p.bytes)}`)
    .join(', ');

/**
 * Bundles every function in the wiring exactly as the CDK app does, next to two references per
 * run: the empty handler and, per distinct set of grants, the floor (the SDK clients and schemas
 * the function cannot do without). Every bundle is then started in fresh processes, round after
 * round in alternating order, and the median init times compared.
 */
export async function runInitSection(options: BenchOptions): Promise<SectionResult> {
  const rounds = options.quick ? 7 : 15;
  const notMeasured: string[] = [];
  await mkdir(INIT_DIR, { recursive: true });
  const probe = join(INIT_DIR, 'probe.mjs');
  await writeFile(probe, PROBE_SOURCE);

  const emptyEntry = join(INIT_DIR, 'sources', 'empty-handler.ts');
  await mkdir(dirname(emptyEntry), { recursive: true });
  await writeFile(emptyEntry, EMPTY_HANDLER_SOURCE);
  const emptyEnv = lambdaEnvironment({ id: 'bench-empty-handler', access: {} });
  const empty = await describe('empty handler', 'empty', await bundle(emptyEntry, join(INIT_DIR, 'empty-handler')), emptyEnv);

  const measuredFunctions: { spec: FunctionSpec; bundle: Bundle; floor: string }[] = [];
  const metafiles = new Map<string, Metafile>();
  const floors = new Map<string, Bundle>();
  for (const spec of functions) {
    if (!existsSync(join(REPO_ROOT, spec.entry))) {
      notMeasured.push(`${spec.id}: ${spec.entry} does not exist yet`);
      continue;
    }
    let built: { file: string; metafile: Metafile };
    try {
      built = await bundle(spec.entry, join(INIT_DIR, 'functions', spec.id));
    } catch (error) {
      notMeasured.push(`${spec.id}: bundling failed: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    const env = lambdaEnvironment(spec);
    const fnBundle = await describe(spec.id, 'function', built, env);
    metafiles.set(spec.id, built.metafile);
    const floorSpec: FloorSpec = { ...impliedClients(spec.access), model: Object.keys(built.metafile.inputs).includes(MODEL_SOURCE) };
    const id = floorId(floorSpec);
    if (!floors.has(id)) {
      const entry = join(INIT_DIR, 'sources', `${id}.ts`);
      const modelImport = relative(dirname(entry), join(REPO_ROOT, MODEL_SOURCE)).replace(/\.ts$/, '.js');
      await writeFile(entry, floorSource(floorSpec, modelImport));
      // A floor runs with the environment of the first function that uses it; the variables differ only in names of granted resources.
      floors.set(id, await describe(id, 'floor', await bundle(entry, join(INIT_DIR, 'floors', id)), env));
    }
    measuredFunctions.push({ spec, bundle: fnBundle, floor: id });
  }

  const all = [empty, ...floors.values(), ...measuredFunctions.map((m) => m.bundle)];
  for (let round = 0; round < rounds; round++) {
    for (const target of roundOrder(all, round)) await timeOnce(probe, target);
  }

  const initOf = (b: Bundle) => (b.error ? Number.NaN : median(b.totals));
  const importOf = (b: Bundle) => (b.error ? Number.NaN : median(b.imports));
  const cpuOf = (b: Bundle) => (b.error ? Number.NaN : median(b.cpus));
  /** The figures every measured bundle reports, function or reference. */
  const timings = (b: Bundle) => ({
    bytes: b.bytes,
    gzipBytes: b.gzipBytes,
    initMsMedian: initOf(b),
    importMsMedian: importOf(b),
    cpuMsMedian: cpuOf(b),
    initSamplesMs: b.totals,
    cpuSamplesMs: b.cpus,
  });
  const targets: TargetCheck[] = [];
  const flags: string[] = [];
  const functionRows: (string | number)[][] = [];
  const figures: Record<string, unknown> = { functions: {}, floors: {}, empty: {} };
  for (const { spec, bundle: b, floor } of measuredFunctions) {
    const floorBundle = floors.get(floor)!;
    const initRatio = ratio(initOf(b), initOf(floorBundle));
    const importRatio = ratio(importOf(b), importOf(floorBundle));
    const cpuRatio = ratio(cpuOf(b), cpuOf(floorBundle));
    targets.push(check(`init ${spec.id} / ${floor}`, initRatio, '<=', INIT_RATIO_TARGET, 'x'));
    const ungranted = ungrantedClients(
      spec.access,
      b.packages.map((p) => p.name),
    ).map(({ name, grant }) => {
      const via = appImporters(metafiles.get(spec.id)!, name);
      return `${name} without ${grant} access${via.length > 0 ? ` (imported by ${via.join(', ')})` : ''}`;
    });
    for (const u of ungranted) flags.push(`FLAG ${spec.id}: contains ${u}`);
    for (const name of unmodelledClients(b.packages.map((p) => p.name))) {
      const via = appImporters(metafiles.get(spec.id)!, name);
      flags.push(`NOTE ${spec.id}: contains ${name}, which no wiring grant describes${via.length > 0 ? ` (imported by ${via.join(', ')})` : ''}`);
    }
    if (Number.isFinite(initRatio) && initRatio > INIT_RATIO_TARGET) flags.push(`FLAG ${spec.id}: init ${fmtRatio(initRatio)} of its floor, above ${INIT_RATIO_TARGET}x`);
    if (b.error) flags.push(`FLAG ${spec.id}: bundle failed to load: ${b.error}`);
    functionRows.push([spec.id, fmtKiB(b.bytes), fmtKiB(b.gzipBytes), fmt(initOf(b)), fmt(cpuOf(b)), floor, fmtRatio(initRatio), fmtRatio(cpuRatio)]);
    (figures.functions as Record<string, unknown>)[spec.id] = {
      ...timings(b),
      floor,
      initRatioToFloor: initRatio,
      importRatioToFloor: importRatio,
      cpuRatioToFloor: cpuRatio,
      packages: b.packages,
      beyondFloor: beyondFloor(b, floorBundle),
      externals: b.externals,
      ungrantedClients: ungranted,
      error: b.error ?? null,
    };
  }
  const referenceRows = [empty, ...floors.values()].map((b) => [
    b.id,
    fmtKiB(b.bytes),
    fmtKiB(b.gzipBytes),
    fmt(initOf(b)),
    fmt(cpuOf(b)),
    fmtRatio(ratio(initOf(b), initOf(empty))),
  ]);
  for (const b of [empty, ...floors.values()]) {
    if (b.error) notMeasured.push(`${b.id}: failed to load: ${b.error}`);
    const entry = { ...timings(b), packages: b.packages };
    if (b.kind === 'empty') figures.empty = entry;
    else (figures.floors as Record<string, unknown>)[b.id] = entry;
  }

  const tables: Table[] = [
    {
      title: `init: functions (median of ${rounds} cold starts, ms from process start to module evaluated)`,
      columns: ['function', 'bundle', 'gzip', 'init ms', 'cpu ms', 'floor', 'init/floor', 'cpu/floor'],
      rows: functionRows,
      notes: [
        `target: init/floor <= ${INIT_RATIO_TARGET}x (wall time, process start to module evaluated); "cpu ms" is the CPU the process used by then, steadier under load`,
        ...(flags.length > 0 ? flags : ['no function contains an SDK client its grants do not call for, and none is above target']),
      ],
    },
    {
      title: 'init: references (same bundling, same rounds)',
      columns: ['bundle', 'bundle size', 'gzip', 'init ms', 'cpu ms', 'init vs empty'],
      rows: referenceRows,
    },
    {
      title: 'init: largest packages per bundle (bytes in the minified output, from the esbuild metafile)',
      columns: ['bundle', 'external', 'top packages'],
      rows: [...measuredFunctions.map((m) => m.bundle), ...floors.values()].map((b) => [b.id, b.externals.join(' ') || '-', topPackages(b, 6)]),
    },
    {
      title: 'init: what each function carries beyond its floor (packages absent from the floor bundle, largest first)',
      columns: ['function', 'beyond floor', 'largest additions'],
      rows: measuredFunctions.map(({ spec, bundle: b, floor }) => {
        const extra = beyondFloor(b, floors.get(floor)!);
        const bytes = extra.reduce((n, p) => n + p.bytes, 0);
        return [spec.id, fmtKiB(bytes), extra.slice(0, 6).map((p) => `${p.name} ${fmtKiB(p.bytes)}`).join(', ')];
      }),
    },
  ];
  return {
    section: 'init',
    title: 'Cold-start init per function vs its floor',
    tables,
    figures,
    targets,
    notMeasured,
    parameters: { rounds, bundling: 'infra/cdk/bundling.ts ESBUILD_OPTIONS', node: process.version, nodeOptions: '--enable-source-maps' },
  };
}
