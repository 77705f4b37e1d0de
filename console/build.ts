import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

/** The console's sources: `console/` in the repository. */
export const CONSOLE_ROOT = dirname(fileURLToPath(import.meta.url));

/** One file the build wrote, relative to the output directory (`index.html`, `assets/main.js`, ...). */
export interface BuiltFile {
  path: string;
  bytes: number;
}

export interface ConsoleBuild {
  files: BuiltFile[];
  /** esbuild's metafile, its output paths relative to the working directory: the bench reads which chunk a page needs. */
  metafile: Metafile;
  /** Absolute path of the output directory. */
  outDir: string;
}

/**
 * Builds the staff console into `outDir`: `index.html`, `assets/styles.css`, the entry `assets/main.js` (the one
 * name the HTML knows, so it is never cached for long) and content-hashed chunks, one per page (each page is a dynamic
 * `import()` of `src/pages/<page>.tsx`, so a page downloads only its own code) and the code pages share. The output
 * directory is emptied first, so no stale chunk survives.
 */
export async function buildConsole(options: { outDir: string; minify: boolean }): Promise<ConsoleBuild> {
  const assets = join(options.outDir, 'assets');
  await rm(options.outDir, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const result = await build({
    entryPoints: [join(CONSOLE_ROOT, 'src', 'main.tsx')],
    outdir: assets,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    minify: options.minify,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    write: true,
    logLevel: 'silent',
  });
  await Promise.all([
    copyFile(join(CONSOLE_ROOT, 'index.html'), join(options.outDir, 'index.html')),
    copyFile(join(CONSOLE_ROOT, 'src', 'styles.css'), join(assets, 'styles.css')),
  ]);
  const written = [
    ...Object.keys(result.metafile.outputs).map((path) => relative(options.outDir, path)),
    'index.html',
    join('assets', 'styles.css'),
  ];
  const files = await Promise.all(
    written.map(async (path) => ({ path: path.split('\\').join('/'), bytes: (await stat(join(options.outDir, path))).size })),
  );
  return { files: files.sort((a, b) => a.path.localeCompare(b.path)), metafile: result.metafile, outDir: options.outDir };
}
