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

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** The machine a run happened on: figures from different machines are not comparable, ratios mostly are. */
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
    gitCommit: gitCommit(),
  };
}

/** Writes `bench/results/<section>.json` with the figures, the machine and a timestamp. */
export async function writeResult(result: SectionResult, startedAt: Date, quick: boolean): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${result.section}.json`);
  const body = {
    section: result.section,
    title: result.title,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine: machineInfo(),
    parameters: result.parameters,
    targets: result.targets.map((t) => ({ ...t, value: Number.isFinite(t.value) ? t.value : null })),
    notMeasured: result.notMeasured,
    figures: result.figures,
    tables: result.tables,
  };
  await writeFile(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
