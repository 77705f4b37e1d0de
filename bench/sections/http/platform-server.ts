import { startPlatform } from '../../../infra/local/platform.js';
import { ENV } from '../../../shared/config/env-names.js';
import { serveFromChild } from '../../lib/child.js';

/**
 * The local platform as `npm start` runs it (its own engines, the sample catalog seeded), on a free
 * port and a bench-only data directory, so that a developer's `.smartshelf/` is never touched.
 */

export interface PlatformServerInput {
  dataDir: string;
}

export interface PlatformServerInfo {
  url: string;
  dynamodbEndpoint: string;
  tableName: string;
  seeded: unknown;
}

await serveFromChild(async (input: PlatformServerInput) => {
  const platform = await startPlatform({ port: 0, dataDir: input.dataDir, fresh: true, seed: true, consoleLevel: 'SILENT' });
  // The platform sets the functions' environment in its own process; the table name is read from there.
  const tableName = process.env[ENV.tableName];
  if (!tableName) throw new Error(`the platform did not set ${ENV.tableName}`);
  const value: PlatformServerInfo = { url: platform.url, dynamodbEndpoint: platform.endpoints.dynamodb, tableName, seeded: platform.seeded };
  return { value, stop: () => platform.stop() };
});
