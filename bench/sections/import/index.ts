import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { ulid } from 'ulid';
import { ESBUILD_OPTIONS } from '../../../infra/cdk/bundling.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { startDynamoDb } from '../../../infra/local/engines/dynamodb.js';
import { startS3 } from '../../../infra/local/engines/s3.js';
import { createCategory } from '../../../shared/catalog/categories.js';
import { catalogDeps, type CatalogDeps } from '../../../shared/catalog/deps.js';
import { newImportJob, putNewJob } from '../../../shared/catalog/import/job.js';
import { ENV } from '../../../shared/config/env-names.js';
import { tableDefinition } from '../../../shared/db/table-definition.js';
import type { BenchOptions } from '../../lib/cli.js';
import { runChild } from '../../lib/child.js';
import { BENCH_DIR, REPO_ROOT, WORK_DIR, check, type SectionResult } from '../../lib/results.js';
import { median, ratio, roundOrder } from '../../lib/stats.js';
import { fmt, fmtRatio } from '../../lib/table.js';
import { catalogCsvLines, seedCategories } from './catalog-data.js';
import type { ImportRunInput, ImportRunResult } from './import-child.js';
import type { RawWriteInput, RawWriteResult } from './raw-write-child.js';

const IMPORT_DIR = join(WORK_DIR, 'import');
const BUCKET = 'bench-imports';
const SOURCE_KEY = 'imports/bench/source.csv';
const VARIANTS_PER_PRODUCT = 50;
/** The import must reach this share of the raw write rate... */
const THROUGHPUT_TARGET = 0.7;
/** ...in less memory than this. */
const RSS_TARGET_MB = 300;

type Contender = 'import' | 'raw';

/**
 * Both contenders run as bundles built with the CDK's esbuild options and plain `node`, as the
 * worker runs on Lambda: the TypeScript loader would otherwise add its own memory to the figures.
 */
async function bundleChild(name: string): Promise<string> {
  const outfile = join(IMPORT_DIR, 'bundles', `${name}.mjs`);
  await build({
    ...ESBUILD_OPTIONS,
    entryPoints: [join(BENCH_DIR, 'sections', 'import', `${name}.ts`)],
    outfile,
    absWorkingDir: REPO_ROOT,
    logLevel: 'silent',
  });
  return outfile;
}

async function writeCsv(file: string, rows: number): Promise<number> {
  const out = createWriteStream(file);
  for (const line of catalogCsvLines(rows, VARIANTS_PER_PRODUCT)) {
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return (await stat(file)).size;
}

/** Creates the categories the generated rows point at, through the catalog's own use-case, parents first. */
async function seed(deps: CatalogDeps): Promise<void> {
  const ids = new Map<string, string>();
  for (const { parent, input } of seedCategories()) {
    const created = await createCategory({ ...input, parentId: parent ? ids.get(parent)! : null }, { actor: 'bench' }, deps);
    ids.set(input.slug, created.id);
  }
}

/**
 * Imports generated catalog rows through the real worker (S3 object in s3rver, streamed, parsed,
 * grouped and written with transactions to DynamoDB Local), and writes the same rows as plain items
 * with BatchWriteItem at the same concurrency, alternating which goes first. Each run gets a fresh
 * in-memory DynamoDB Local, so neither inherits the other's data or the engine's wear.
 */
export async function runImportSection(options: BenchOptions): Promise<SectionResult> {
  const rows = options.quick ? 10_000 : 100_000;
  const rounds = options.quick ? 1 : 2;
  await rm(IMPORT_DIR, { recursive: true, force: true });
  await mkdir(IMPORT_DIR, { recursive: true });
  const [importBundle, rawBundle] = [await bundleChild('import-child'), await bundleChild('raw-write-child')];
  const csv = join(IMPORT_DIR, `catalog-${rows}.csv`);
  const csvBytes = await writeCsv(csv, rows);

  const s3Engine = await startS3({ directory: join(IMPORT_DIR, 's3'), buckets: [BUCKET] });
  const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const s3 = new S3Client({ ...clientConfig, endpoint: s3Engine.endpoint, forcePathStyle: true });
  const results: Record<Contender, { rowsPerSecond: number; peakRssMb: number; ms: number; cpuMs: number; requests?: number }[]> = { import: [], raw: [] };
  let maxWritesInFlight: number | undefined;
  const importDetails: ImportRunResult[] = [];
  const rerunDetails: ImportRunResult[] = [];

  try {
    // A Buffer rather than a stream: the SDK would send a stream aws-chunked, which s3rver stores verbatim, framing and all.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: SOURCE_KEY, Body: await readFile(csv), ContentType: 'text/csv' }));
    const env = {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3Engine.endpoint,
      [ENV.s3ForcePathStyle]: 'true',
      [ENV.importsBucket]: BUCKET,
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
    };

    let run = 0;
    for (let round = 0; round < rounds; round++) {
      for (const contender of roundOrder<Contender>(['import', 'raw'], round)) {
        const tableName = `bench-import-${run++}`;
        // A fresh engine per run: DynamoDB Local slows down run after run on one engine even when each run gets
        // its own table and drops it afterwards, which would charge the drift to whichever contender goes second.
        const dynamodbEngine = await startDynamoDb();
        const base = new DynamoDBClient({ ...clientConfig, endpoint: dynamodbEngine.endpoint });
        const db = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
        await base.send(new CreateTableCommand(tableDefinition(tableName)));
        try {
          if (contender === 'import') {
            const deps = catalogDeps({ db, tableName });
            await seed(deps);
            // Two jobs of the one file: the first load, then the same file again, which finds nothing to write.
            const [jobId, rerunJobId] = [ulid(), ulid()];
            const now = new Date().toISOString();
            for (const id of [jobId, rerunJobId]) {
              await putNewJob(
                deps,
                newImportJob({
                  id,
                  status: 'queued',
                  format: 'csv',
                  sourceKey: SOURCE_KEY,
                  sizeBytes: csvBytes,
                  expectedRows: rows,
                  createdBy: 'bench',
                  createdAt: now,
                  updatedAt: now,
                }),
              );
            }
            const childOptions = { execArgv: [], env: { ...env, AWS_ENDPOINT_URL_DYNAMODB: dynamodbEngine.endpoint, [ENV.tableName]: tableName } };
            const outcome = await runChild<ImportRunResult>(importBundle, { jobId, rows } satisfies ImportRunInput, childOptions);
            maxWritesInFlight ??= outcome.value.maxWritesInFlight;
            importDetails.push(outcome.value);
            results.import.push({
              rowsPerSecond: rows / (outcome.value.ms / 1000),
              peakRssMb: outcome.peakRssBytes / 2 ** 20,
              ms: outcome.value.ms,
              cpuMs: outcome.cpuMs,
            });
            // A child of its own, so the worker's peak memory above is the first load's alone.
            const again = await runChild<ImportRunResult>(importBundle, { jobId: rerunJobId, rows, again: true } satisfies ImportRunInput, childOptions);
            if (again.value.events !== 0) throw new Error(`the re-import of an unchanged file wrote ${again.value.events} events`);
            rerunDetails.push(again.value);
          } else {
            // Round 0 runs the import first, so its observed concurrency is known here.
            const concurrency = maxWritesInFlight!;
            const outcome = await runChild<RawWriteResult>(
              rawBundle,
              { dynamodbEndpoint: dynamodbEngine.endpoint, tableName, rows, variantsPerProduct: VARIANTS_PER_PRODUCT, concurrency } satisfies RawWriteInput,
              { execArgv: [], env },
            );
            results.raw.push({
              rowsPerSecond: rows / (outcome.value.ms / 1000),
              peakRssMb: outcome.peakRssBytes / 2 ** 20,
              ms: outcome.value.ms,
              cpuMs: outcome.cpuMs,
              requests: outcome.value.requests,
            });
          }
        } finally {
          base.destroy();
          await dynamodbEngine.stop();
        }
      }
    }
  } finally {
    s3.destroy();
    await s3Engine.stop();
  }

  const summary = (c: Contender) => ({
    rowsPerSecond: median(results[c].map((r) => r.rowsPerSecond)),
    peakRssMb: Math.max(...results[c].map((r) => r.peakRssMb)),
    seconds: median(results[c].map((r) => r.ms / 1000)),
    cpuSeconds: median(results[c].map((r) => r.cpuMs / 1000)),
  });
  const imported = summary('import');
  const raw = summary('raw');
  const throughput = ratio(imported.rowsPerSecond, raw.rowsPerSecond);
  const rerunSeconds = median(rerunDetails.map((d) => d.ms / 1000));
  const rerunRatio = ratio(rows / rerunSeconds, raw.rowsPerSecond);
  const targets = [
    check('import rows/s ÷ raw BatchWrite rows/s', throughput, '>=', THROUGHPUT_TARGET, 'x'),
    check('import worker peak RSS', imported.peakRssMb, '<', RSS_TARGET_MB, ' MB'),
  ];
  const products = Math.ceil(rows / VARIANTS_PER_PRODUCT);
  return {
    section: 'import',
    title: 'Catalog import worker vs raw BatchWrite of the same rows',
    tables: [
      {
        title: `import: ${rows} rows (${products} products × ${VARIANTS_PER_PRODUCT} variants, ${(csvBytes / 2 ** 20).toFixed(1)} MB CSV), median of ${rounds} run(s) each`,
        columns: ['contender', 'rows/s', 'seconds', 'client CPU s', 'peak RSS MB', 'vs raw'],
        rows: [
          [
            'import worker (s3rver → stream → DynamoDB Local)',
            fmt(imported.rowsPerSecond, 0),
            fmt(imported.seconds),
            fmt(imported.cpuSeconds),
            fmt(imported.peakRssMb, 0),
            fmtRatio(throughput),
          ],
          ['the same file again: every row unchanged, no product written', fmt(rows / rerunSeconds, 0), fmt(rerunSeconds), '', '', fmtRatio(rerunRatio)],
          [`raw BatchWrite, 25 per request, ${maxWritesInFlight} in flight`, fmt(raw.rowsPerSecond, 0), fmt(raw.seconds), fmt(raw.cpuSeconds), fmt(raw.peakRssMb, 0), '1.00x'],
        ],
        notes: [
          `targets: import ≥ ${THROUGHPUT_TARGET}x of raw rows/s; worker peak RSS < ${RSS_TARGET_MB} MB (VmHWM of the child process, bundled, plain node)`,
          'client CPU is the whole child process (setup included); far below the wall time means the client mostly waits on DynamoDB Local',
          'the import reads one SKU claim per product consistently (all of a product only when that one is claimed), then writes conditional transactions (product item, one SKU claim per new variant, outbox event); raw writes one plain item per row',
          'the target is the first load, where every SKU is new and must be claimed on condition; the re-import (same table, right after, a child of its own) is shown beside it and has no target',
          `raw concurrency = the most write requests the import had in flight (${maxWritesInFlight}); events went to the outbox in the import's transactions, with no relay running (${importDetails[0]?.events ?? 0} per import)`,
          `DynamoDB requests per import: ${Object.entries(importDetails[0]?.requests ?? {})
            .map(([command, n]) => `${command.replace(/Command$/, '')} ${n}`)
            .join(', ')}; re-import: ${Object.entries(rerunDetails[0]?.requests ?? {})
            .map(([command, n]) => `${command.replace(/Command$/, '')} ${n}`)
            .join(', ')}; raw: BatchWriteItem ${results.raw[0]?.requests ?? 'n/a'}`,
        ],
      },
    ],
    figures: { rows, products, csvBytes, import: { ...imported, runs: results.import }, raw: { ...raw, runs: results.raw }, throughputRatio: throughput, rerun: { seconds: rerunSeconds, throughputRatio: rerunRatio }, maxWritesInFlight, importDetails, rerunDetails },
    targets,
    notMeasured: [],
    parameters: { rows, variantsPerProduct: VARIANTS_PER_PRODUCT, rounds, rawBatchSize: 25, order: Array.from({ length: rounds }, (_, r) => roundOrder(['import', 'raw'], r).join(', ')).join('; ') },
  };
}
