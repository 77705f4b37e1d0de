import { parseArgs } from 'node:util';
import { migrate } from '../../shared/db/migrations/migrate.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/engines/credentials.js';
import { readLocalRuntime } from '../local/data-dir.js';
import { stackOutputs } from './stack-outputs.js';

/**
 * `npm run migrate [-- --stack <name> [--allow-missing-stack] | --table <name>]`: brings a table up to date.
 *
 * - `--stack SmartShelf-<env>`: the deployed stack's table (its `TableName` output, read with the AWS CLI), with the
 *   SDK's default credentials and region; what the pipeline runs. With `--allow-missing-stack`, a stack not deployed
 *   yet is nothing to migrate (the pipeline migrates before a deploy, and the first deploy creates the table; it
 *   migrates again after).
 * - `--table <name>` or TABLE_NAME: that table, with the SDK's default credentials and endpoint.
 * - Neither: the running local platform, found through its `runtime.json` (waiting while it starts).
 *
 * Only a local endpoint (AWS_ENDPOINT_URL_DYNAMODB) may create the table or add its indexes; on AWS both belong to
 * the CDK stack, so a missing table means the stack is not deployed, and only data migrations run.
 */
const USAGE = 'usage: npm run migrate [-- --stack <stack-name> [--allow-missing-stack] | --table <table-name>]';

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

/** Points TABLE_NAME at the table the arguments name; false when there is nothing to migrate. */
async function target(): Promise<boolean> {
  const { values } = parseArgs({
    options: { stack: { type: 'string' }, table: { type: 'string' }, 'allow-missing-stack': { type: 'boolean' } },
    strict: true,
  });
  if (values.stack !== undefined && values.table !== undefined) throw new Error(`--stack and --table name the table twice\n${USAGE}`);
  if (values['allow-missing-stack'] && values.stack === undefined) throw new Error(`--allow-missing-stack goes with --stack\n${USAGE}`);
  if (values.table !== undefined) process.env.TABLE_NAME = values.table;
  if (values.stack !== undefined) {
    const outputs = await stackOutputs(values.stack);
    if (!outputs) {
      if (!values['allow-missing-stack']) throw new Error(`stack ${values.stack} is not deployed (in this account and region)`);
      console.log(`stack ${values.stack} is not deployed yet: nothing to migrate before its first deploy`);
      return false;
    }
    if (!outputs.TableName) throw new Error(`stack ${values.stack} has no TableName output`);
    process.env.TABLE_NAME = outputs.TableName;
  }
  if (!process.env.TABLE_NAME && !(await attachToLocalPlatform())) {
    throw new Error('TABLE_NAME is not set and no local platform is running (start one with npm start)');
  }
  return true;
}

try {
  if (await target()) {
    // Configuration is parsed at import, so it is loaded only once the environment is final.
    const { config } = await import('../../shared/config/config.js');
    const local = Boolean(process.env.AWS_ENDPOINT_URL_DYNAMODB);
    console.log(`migrate: table ${config.tableName}`);
    await migrate({ tableName: config.tableName, createTable: local, addIndexes: local, log: (line) => console.log(line) });
  }
} catch (error) {
  console.error(`migrate: ${(error as Error).message}`);
  process.exitCode = 1;
}
