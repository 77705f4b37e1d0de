import { buildSync, type BuildOptions } from 'esbuild';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * Bundled CommonJS dependencies still call `require` (for Node built-ins mostly), which an ES
 * module does not have; this banner gives the bundle one. The alias keeps it from clashing with
 * a bundled module's own `createRequire` import.
 */
export const ESM_REQUIRE_SHIM =
  "import { createRequire as __smartshelfCreateRequire } from 'node:module'; const require = __smartshelfCreateRequire(import.meta.url);";

/**
 * Packages with native binaries that cannot be bundled. A function whose import graph reaches one
 * gets it installed next to the bundle (CDK `nodeModules`) for linux/arm64/glibc; see
 * {@link NATIVE_INSTALL_ENVIRONMENT}.
 */
export const NATIVE_MODULES = ['sharp'] as const;

/** The Node major that `Runtime.NODEJS_24_X` runs; esbuild downlevels nothing that it supports. */
export const NODE_TARGET = 'node24';

/**
 * The esbuild options every function is bundled with, as a plain object for esbuild's JS API
 * (the benchmark uses it to build exactly what CDK deploys). Add `entryPoints` and `outfile`.
 * The AWS SDK is bundled rather than taken from the runtime, so the deployed SDK is the tested one.
 */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: NODE_TARGET,
  format: 'esm',
  mainFields: ['module', 'main'],
  minify: true,
  treeShaking: true,
  sourcemap: true,
  sourcesContent: false,
  banner: { js: ESM_REQUIRE_SHIM },
  external: [...NATIVE_MODULES],
} as const satisfies BuildOptions;

/**
 * npm picks native binaries for the platform it runs on; these settings make `npm ci` in the
 * bundle directory fetch sharp's linux-arm64 glibc builds (what Lambda's ARM64 Node runtime
 * needs) even on an x64 or macOS build host. npm honours `npm_config_*` variables for `--os`,
 * `--cpu` and `--libc`; `prefer-offline` takes the packages from npm's cache when it has them, so a
 * synth on a machine that has installed once needs no network.
 */
export const NATIVE_INSTALL_ENVIRONMENT = {
  npm_config_prefer_offline: 'true',
  npm_config_os: 'linux',
  npm_config_cpu: 'arm64',
  npm_config_libc: 'glibc',
} as const;

/**
 * Native modules reachable from an entry, found with a throwaway esbuild pass over its import
 * graph, so that only the functions that use sharp ship it.
 */
export function nativeModulesOf(entry: string): string[] {
  const { metafile } = buildSync({ ...ESBUILD_OPTIONS, entryPoints: [entry], write: false, metafile: true, logLevel: 'silent' });
  const imported = new Set(
    Object.values(metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path)),
  );
  return NATIVE_MODULES.filter((m) => imported.has(m));
}

/**
 * The same build, expressed as `NodejsFunction` bundling options. `nodeModules` lists the
 * native modules the function needs (usually none).
 */
export function cdkBundlingOptions(nodeModules: readonly string[]): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: ESBUILD_OPTIONS.target,
    mainFields: [...ESBUILD_OPTIONS.mainFields],
    minify: ESBUILD_OPTIONS.minify,
    sourceMap: ESBUILD_OPTIONS.sourcemap,
    sourcesContent: ESBUILD_OPTIONS.sourcesContent,
    banner: ESBUILD_OPTIONS.banner.js,
    esbuildArgs: { '--tree-shaking': String(ESBUILD_OPTIONS.treeShaking) },
    externalModules: ESBUILD_OPTIONS.external.filter((m) => !nodeModules.includes(m)),
    bundleAwsSDK: true,
    ...(nodeModules.length > 0 ? { nodeModules: [...nodeModules], environment: { ...NATIVE_INSTALL_ENVIRONMENT } } : {}),
  };
}
