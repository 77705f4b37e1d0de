import { relative } from 'node:path';
import { parseArgs, type BenchOptions, type SectionId } from './lib/cli.js';
import { REPO_ROOT, describeCheck, machineInfo, writeResult, type SectionResult } from './lib/results.js';
import { formatTable } from './lib/table.js';

/** Loaded on demand: a section's modules (and the SDK clients they build at module scope) load only when it runs. */
const SECTION_RUNNERS: Record<SectionId, (options: BenchOptions) => Promise<SectionResult>> = {
  init: async (options) => (await import('./sections/init/index.js')).runInitSection(options),
  import: async (options) => (await import('./sections/import/index.js')).runImportSection(options),
  http: async (options) => (await import('./sections/http/index.js')).runHttpSection(options),
  search: async (options) => (await import('./sections/search/index.js')).runSearchSection(options),
  checkout: async (options) => (await import('./sections/checkout/index.js')).runCheckoutSection(options),
  'order-life': async (options) => (await import('./sections/order-life/index.js')).runOrderLifeSection(options),
  'console-size': async (options) => (await import('./sections/console-size/index.js')).runConsoleSizeSection(options),
};

function print(result: SectionResult): void {
  console.log(`\n# ${result.section}: ${result.title}\n`);
  for (const table of result.tables) console.log(`${formatTable(table)}\n`);
  for (const target of result.targets) console.log(describeCheck(target));
  for (const reason of result.notMeasured) console.log(`not measured: ${reason}`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const machine = machineInfo();
  console.log(
    `SmartShelf bench (${options.quick ? 'quick' : 'full'}): ${options.sections.join(', ')} on ${machine.cpuCount}× ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
  );
  let failed = false;
  const benchStarted = performance.now();
  const verdicts: string[] = [];
  for (const section of options.sections) {
    const startedAt = new Date();
    const sectionMachine = machineInfo();
    const started = performance.now();
    try {
      const result = await SECTION_RUNNERS[section](options);
      print(result);
      const met = result.targets.filter((t) => t.met === true).length;
      const missed = result.targets.filter((t) => t.met === false).length;
      const unmeasured = result.targets.filter((t) => t.met === null).length + result.notMeasured.length;
      verdicts.push(`${section}: ${met} target(s) met, ${missed} missed, ${unmeasured} not measured`);
      const file = await writeResult(result, startedAt, sectionMachine, options.quick);
      console.log(`(${section} took ${((performance.now() - started) / 1000).toFixed(0)} s; written to ${relative(REPO_ROOT, file)})`);
    } catch (error) {
      failed = true;
      console.error(`\n# ${section}: failed: ${(error as Error).stack ?? String(error)}`);
      // The results file says so too, rather than keeping an older run's figures that no longer hold.
      const reason = `the section failed: ${(error as Error).message.split('\n')[0]}`;
      await writeResult(
        { section, title: section, tables: [], figures: {}, targets: [], notMeasured: [reason], parameters: {} },
        startedAt,
        sectionMachine,
        options.quick,
      );
      verdicts.push(`${section}: not measured (${reason})`);
    }
  }
  console.log(`\n${verdicts.join('\n')}\nbench finished in ${((performance.now() - benchStarted) / 60_000).toFixed(1)} min`);
  // Engines and clients started by sections are stopped by them; exit explicitly so that a stray socket cannot hang the run.
  process.exit(failed ? 1 : 0);
}

await main();
