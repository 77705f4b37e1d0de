import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_SHIM } from '../../infra/cdk/bundling.js';
import { REPOSITORY_ROOT } from '../../infra/cdk/smartshelf-stack.js';
import { functions } from '../../wiring/index.js';
import { CDK_PROVIDER_FUNCTION } from './support/template.js';

const run = promisify(execFile);

/**
 * The one test that runs the real `cdk synth`, esbuild bundling included, the way a developer or
 * CI would: through the CLI, with no AWS credentials or metadata service, so any lookup or AWS
 * call would fail it.
 */
describe('npx cdk synth', () => {
  const out = mkdtempSync(join(tmpdir(), 'smartshelf-cdk-out-'));
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(out, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(out, 'no-aws-credentials'),
      CDK_DISABLE_VERSION_CHECK: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']) delete env[name];
    await run('npx', ['cdk', 'synth', '--no-notices', '--quiet', '-c', 'env=dev', '-o', out], {
      cwd: REPOSITORY_ROOT,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    // The functions are in nested stacks, one per bounded context, each a template of its own beside the parent's.
    const templates = readdirSync(out).filter((file) => file.endsWith('.template.json'));
    const read = (file: string) => JSON.parse(readFileSync(join(out, file), 'utf8')) as typeof template;
    template = { Resources: Object.assign({}, ...templates.map((file) => read(file).Resources)) };
    // Bundling every function takes minutes (over five for 122 functions on two busy cores) and grows with the wiring.
  }, 900_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const assetDirs = () =>
    Object.entries(template.Resources)
      .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && !CDK_PROVIDER_FUNCTION.test(id))
      .map(([, r]) => {
        const key = String((r.Properties.Code as { S3Key: string }).S3Key);
        return { name: String(r.Properties.FunctionName), dir: join(out, `asset.${key.replace(/\.zip$/, '')}`) };
      });

  it('needs no context lookups', () => {
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { missing?: unknown[] };
    expect(manifest.missing ?? []).toEqual([]);
  });

  it('reports no cdk-nag or template validation violation', () => {
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as { pluginReports: { violations?: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });

  it('bundles every function into a source-mapped ES module with the require shim', () => {
    const dirs = assetDirs();
    expect(dirs).toHaveLength(functions.length);
    for (const { name, dir } of dirs) {
      const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(bundle.startsWith(ESM_REQUIRE_SHIM), name).toBe(true);
      expect(bundle, name).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(existsSync(join(dir, 'index.mjs.map')), name).toBe(true);
    }
  });

  it('installs linux-arm64 sharp beside exactly the bundles that import it', () => {
    for (const { name, dir } of assetDirs()) {
      const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
      const importsSharp = /from\s*"sharp"|import\(\s*"sharp"\s*\)/.test(bundle);
      expect(existsSync(join(dir, 'node_modules', 'sharp')), name).toBe(importsSharp);
      if (importsSharp) {
        const platforms = readdirSync(join(dir, 'node_modules', '@img'));
        expect(platforms, name).toContain('sharp-linux-arm64');
        expect(platforms.filter((p) => /x64|darwin|win32/.test(p)), name).toEqual([]);
      }
    }
  });
});
