import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Metafile } from 'esbuild';
import { buildConsole } from '../../../console/build.js';
import { PAGES } from '../../../console/src/pages.js';
import type { BenchOptions } from '../../lib/cli.js';
import { REPO_ROOT, WORK_DIR, check, type SectionResult } from '../../lib/results.js';

/** The budget: compressed JavaScript a browser downloads for any one page. */
export const BUDGET_BYTES = 100 * 1024;

/** The JS files a page needs, as paths relative to the output directory. */
export interface PageFiles {
  page: string;
  files: string[];
}

/**
 * The files a browser downloads to show each page: the entry (`main.js`) and what it imports statically, then the
 * page's own chunk and what that imports statically, each file once. Dynamic imports (other pages) are not followed.
 * `metafile` is esbuild's, its paths relative to `cwd`; `modules` are the page module names (`src/pages/<name>.tsx`).
 */
export function pageFiles(metafile: Metafile, outDir: string, modules: readonly string[], cwd: string = process.cwd()): PageFiles[] {
  const outputs = metafile.outputs;
  const key = (path: string) => relative(outDir, resolve(cwd, path)).split('\\').join('/');
  const closure = (start: string, into: Set<string>) => {
    const pending = [start];
    while (pending.length > 0) {
      const path = pending.pop()!;
      if (into.has(path)) continue;
      into.add(path);
      for (const imported of outputs[path]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  };
  const entry = Object.keys(outputs).find((path) => outputs[path]!.entryPoint?.endsWith('src/main.tsx'));
  if (!entry) throw new Error('the build has no output for src/main.tsx');
  return modules.map((module) => {
    const chunk = Object.keys(outputs).find((path) => outputs[path]!.entryPoint?.endsWith(`src/pages/${module}.tsx`));
    if (!chunk) throw new Error(`the build has no chunk for src/pages/${module}.tsx`);
    const files = new Set<string>();
    closure(entry, files);
    closure(chunk, files);
    return { page: module, files: [...files].map(key).sort() };
  });
}

/** `console-size`: builds the console minified and weighs, per page, the gzip (level 9) size of the JS it downloads. */
export async function runConsoleSizeSection(_options: BenchOptions): Promise<SectionResult> {
  const outDir = join(WORK_DIR, 'console');
  const built = await buildConsole({ outDir, minify: true });
  const modules = ['sign-in', ...PAGES.flatMap((page) => (page.detailModule ? [page.module, page.detailModule] : [page.module]))];
  const present = modules.filter((module) => Object.values(built.metafile.outputs).some((output) => output.entryPoint?.endsWith(`src/pages/${module}.tsx`)));
  const missing = modules.filter((module) => !present.includes(module));
  const sizes = new Map<string, { raw: number; gzip: number }>();
  for (const file of built.files.filter((f) => f.path.endsWith('.js'))) {
    const bytes = await readFile(join(outDir, file.path));
    sizes.set(file.path, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
  }
  const pages = pageFiles(built.metafile, outDir, present, REPO_ROOT).map((page) => {
    const raw = page.files.reduce((sum, file) => sum + (sizes.get(file)?.raw ?? 0), 0);
    const gzip = page.files.reduce((sum, file) => sum + (sizes.get(file)?.gzip ?? 0), 0);
    return { ...page, raw, gzip, within: gzip <= BUDGET_BYTES };
  });
  const largest = pages.reduce((max, page) => Math.max(max, page.gzip), 0);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  return {
    section: 'console-size',
    title: 'The staff console: compressed JavaScript a browser downloads per page',
    tables: [
      {
        title: 'JavaScript per page (minified; gzip level 9, each file compressed on its own as a server would send it)',
        columns: ['page', 'files', 'raw bytes', 'gzip bytes', 'budget', 'within?'],
        rows: pages.map((page) => [page.page, page.files.length, page.raw, page.gzip, kb(BUDGET_BYTES), page.within ? 'yes' : 'NO']),
        notes: [`files: main.js and the chunks it imports, then the page's chunk and its static imports; CSS (${kb(built.files.find((f) => f.path.endsWith('.css'))?.bytes ?? 0)} raw) not counted`],
      },
    ],
    figures: { pages, files: Object.fromEntries(sizes) },
    targets: [check('largest page, gzip JS', largest / 1024, '<=', BUDGET_BYTES / 1024, ' KB')],
    notMeasured: missing.map((module) => `page ${module}: src/pages/${module}.tsx is not written yet`),
    parameters: { minify: true, gzipLevel: 9, pages: present.length },
  };
}
