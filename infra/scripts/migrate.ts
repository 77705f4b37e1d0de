import { migrate } from '../../shared/db/migrations/migrate.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/engines/credentials.js';
import { readLocalRuntime } from '../local/data-dir.js';

/**
 * `npm run migrate`: brings the table named by TABLE_NAME up to date, using the SDK's default
 * credentials and endpoint. Only a local endpoint (AWS_ENDPOINT_URL_DYNAMODB) may create the
 * table; on AWS it belongs to the CDK stack, and its absence means the stack is not deployed.
 * Without TABLE_NAME it targets the running local platform, found through its `runtime.json` (waiting while it starts).
 */
async function attachToLocalPlatform(): Promise<boolean> {
  const runtime = await readLocalRuntime();
  if (!runtime) return false;
  Object.assign(process.env, {
    TABLE_NAME: runtime.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: runtime.endpoints.dynamodb,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
  return true;
}

try {
  if (!process.env.TABLE_NAME && !(await attachToLocalPlatform())) {
    throw new Error('TABLE_NAME is not set and no local platform is running (start one with npm start)');
  }
  // Configuration is parsed at import, so it is loaded only once the environment is final.
  const { config } = await import('../../shared/config/config.js');
  const local = Boolean(process.env.AWS_ENDPOINT_URL_DYNAMODB);
  await migrate({ tableName: config.tableName, createTable: local, log: (line) => console.log(line) });
} catch (error) {
  console.error(`migrate: ${(error as Error).message}`);
  process.exitCode = 1;
}
