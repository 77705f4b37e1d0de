import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ENV } from '../../shared/config/env-names.js';
import { AUTHENTICATION_TIMEOUT_SECONDS, spawnPlatform, SUBSTITUTION_RESPONSE_SECONDS, TERMINAL_FILE } from '../support/platform.js';

/**
 * Runs the real local platform (`node --import tsx infra/local/start.ts --fresh`) in a temporary
 * data directory on a free port for the e2e tests, hands them its URL and admin API key, and
 * stops it (and its JVM) afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'smartshelf-e2e-'));
  // 3-D Secure and the answer to a proposed substitute time out within a test; the scenarios that answer do it well inside that.
  const platform = await spawnPlatform({
    dataDir,
    fresh: true,
    env: {
      [ENV.checkoutAuthenticationTimeoutSeconds]: String(AUTHENTICATION_TIMEOUT_SECONDS),
      [ENV.substitutionResponseSeconds]: String(SUBSTITUTION_RESPONSE_SECONDS),
    },
    terminalFile: join(dataDir, TERMINAL_FILE),
    // On a machine busy with other work the platform can take longer to start than the default allows.
    ...(process.env.SMARTSHELF_E2E_START_SECONDS ? { timeoutMs: Number(process.env.SMARTSHELF_E2E_START_SECONDS) * 1000 } : {}),
  });
  project.provide('baseUrl', platform.baseUrl);
  project.provide('adminApiKey', platform.adminApiKey);
  project.provide('dataDir', dataDir);
  project.provide('authenticationTimeoutSeconds', AUTHENTICATION_TIMEOUT_SECONDS);
  project.provide('substitutionResponseSeconds', SUBSTITUTION_RESPONSE_SECONDS);
  return async () => {
    const { code, orphans } = await platform.stop();
    if (code !== 0 || orphans) {
      console.error(`the local platform exited with ${code}${orphans ? ', leaving processes behind' : ''}:\n${platform.output().slice(-4000)}`);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
}
