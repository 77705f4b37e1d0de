import { config } from '../../shared/config/config.js';
import { migrate } from '../../shared/db/migrations/migrate.js';

/**
 * `npm run migrate`: brings the table named by TABLE_NAME up to date, using the SDK's default
 * credentials and endpoint. Only a local endpoint (AWS_ENDPOINT_URL_DYNAMODB) may create the
 * table; on AWS it belongs to the CDK stack, and its absence means the stack is not deployed.
 */
const local = Boolean(process.env.AWS_ENDPOINT_URL_DYNAMODB);
try {
  await migrate({ tableName: config.tableName, createTable: local, log: (line) => console.log(line) });
} catch (error) {
  console.error(`migrate: ${(error as Error).message}`);
  process.exitCode = 1;
}
