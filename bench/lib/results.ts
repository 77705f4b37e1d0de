import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem, release, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SectionId } from './cli.js';
import type { Table } from './table.js';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = dirname(BENCH_DIR);
/** Scratch space for bundles, generated files and engine data; gitignored. */
export const WORK_DIR = join(BENCH_DIR, '.work');
export const RESULTS_DIR = join(BENCH_DIR, 'results');

/** One target of a section, judged against a figure measured in the same run. */
export interface TargetCheck {
  name: string;
  /** `<=` or `>=` the threshold. */
  comparison: '<=' | '>=' | '<';
  threshold: number;
  unit: string;
  /** NaN when the figure could not be measured; `met` is then null rather than a guess. */
  value: number;
  met: boolean | null;
}

/** What a section hands back: its tables, raw figures, targets, and anything it could not measure. */
export interface SectionResult {
  section: SectionId;
  title: string;
  tables: Table[];
  /** Raw numbers behind the tables, kept for comparison across runs. */
  figures: Record<string, unknown>;
  targets: TargetCheck[];
  /** Parts that were not measured, each with its reason. */
  notMeasured: string[];
  /** Sizes and repetition counts used, so that results of `--quick` runs are never mistaken for full ones. */
  parameters: Record<string, unknown>;
}

/** Builds a target check; a NaN value yields `met: null`. */
export function check(name: string, value: number, comparison: TargetCheck['comparison'], threshold: number, unit: string): TargetCheck {
  const met = Number.isFinite(value)
    ? comparison === '<='
      ? value <= threshold
      : comparison === '>='
        ? value >= threshold
        : value < threshold
    : null;
  return { name, comparison, threshold, unit, value, met };
}

/** Formats a target check as one line for the console. */
export function describeCheck(c: TargetCheck): string {
  const verdict = c.met === null ? 'NOT MEASURED' : c.met ? 'met' : 'MISSED';
  const value = Number.isFinite(c.value) ? `${c.value.toFixed(2)}${c.unit}` : 'n/a';
  return `target ${c.name} ${c.comparison} ${c.threshold}${c.unit}: ${value} → ${verdict}`;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trimEnd();
  } catch {
    return null;
  }
}

/** Uncommitted changes outside the bench's own results: figures from a dirty tree measured code no commit holds. */
function uncommittedPaths(): string[] | null {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  if (status === null) return null;
  return status
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3))
    .filter((path) => !path.startsWith('bench/results/'));
}

/**
 * The machine and code a run happened on, taken when a section starts: figures from different
 * machines are not comparable (ratios mostly are), and commits may land while a section runs.
 */
export function machineInfo() {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: platform(),
    arch: arch(),
    kernel: release(),
    cpuModel: cpuList[0]?.model ?? 'unknown',
    cpuCount: cpuList.length,
    totalMemoryMb: Math.round(totalmem() / 2 ** 20),
    freeMemoryMb: Math.round(freemem() / 2 ** 20),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    gitCommit: git(['rev-parse', 'HEAD']),
    uncommittedPaths: uncommittedPaths(),
  };
}

export type MachineInfo = ReturnType<typeof machineInfo>;

/** Writes `bench/results/<section>.json` with the figures, the machine and code it ran on, and timestamps. */
export async function writeResult(result: SectionResult, startedAt: Date, machine: MachineInfo, quick: boolean): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.section}.json`);
  const body = {
    section: result.section,
    title: result.title,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine,
    parameters: result.parameters,
    targets: result.targets.map((t) => ({ ...t, value: Number.isFinite(t.value) ? t.value : null })),
    notMeasured: result.notMeasured,
    figures: result.figures,
    tables: result.tables,
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
