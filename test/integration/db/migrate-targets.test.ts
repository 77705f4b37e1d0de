import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { localDynamoClient } from '../../../infra/local/engines/dynamodb.js';
import { TABLE_KEYS } from '../../../shared/db/keys.js';
import { migrate } from '../../../shared/db/migrations/migrate.js';
import { tableDefinition } from '../../../shared/db/table-definition.js';
import { REPO_ROOT, userEnv } from '../../support/npm-start.js';
import { engines, uniqueId } from '../../support/engines.js';

/**
 * How the pipeline migrates a deployed table: found by its stack's `TableName` output (the AWS CLI, faked here on the
 * PATH), skipped before the stack's first deploy when asked, and never given indexes on AWS, where they are the stack's.
 */

const client: DynamoDBClient = localDynamoClient(engines().endpoints.dynamodb);
const bin = mkdtempSync(join(tmpdir(), 'smartshelf-fake-aws-'));
afterAll(() => {
  client.destroy();
  rmSync(bin, { recursive: true, force: true });
});

/** An `aws` that knows one stack, SmartShelf-found, whose TableName output is $FAKE_TABLE, and no other. */
writeFileSync(
  join(bin, 'aws'),
  `#!/usr/bin/env bash
[ "$1 $2 $3" = "cloudformation describe-stacks --stack-name" ] || { echo "unexpected: $*" >&2; exit 2; }
if [ "$4" = SmartShelf-found ]; then
  echo "{\\"Stacks\\":[{\\"Outputs\\":[{\\"OutputKey\\":\\"ApiUrl\\",\\"OutputValue\\":\\"https://example.com/prod/\\"},{\\"OutputKey\\":\\"TableName\\",\\"OutputValue\\":\\"$FAKE_TABLE\\"}]}]}"
else
  echo "An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id $4 does not exist" >&2
  exit 254
fi
`,
);
chmodSync(join(bin, 'aws'), 0o755);

async function migrateCli(table: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const env = userEnv({
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    FAKE_TABLE: table,
    AWS_ENDPOINT_URL_DYNAMODB: engines().endpoints.dynamodb,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
  try {
    const { stdout, stderr } = await promisify(execFile)('npx', ['tsx', 'infra/scripts/migrate.ts', ...args], { cwd: REPO_ROOT, env, timeout: 120_000 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, out: (failed.stdout ?? '') + (failed.stderr ?? '') };
  }
}

describe('npm run migrate -- --stack', () => {
  it("migrates the table the stack's TableName output names", async () => {
    const table = uniqueId('migrate-stack');
    await client.send(new CreateTableCommand(tableDefinition(table)));
    const { code, out } = await migrateCli(table, '--stack', 'SmartShelf-found');
    expect(code, out).toBe(0);
    expect(out).toContain(`migrate: table ${table}`);
    expect(out).toMatch(/migrations applied: 0001-stamp-schema-version/);
  }, 150_000);

  it('is nothing to do before the first deploy with --allow-missing-stack, and a failure without it', async () => {
    const skipped = await migrateCli('unused', '--stack', 'SmartShelf-never-deployed', '--allow-missing-stack');
    expect(skipped.code, skipped.out).toBe(0);
    expect(skipped.out).toContain('stack SmartShelf-never-deployed is not deployed yet: nothing to migrate before its first deploy');
    const failed = await migrateCli('unused', '--stack', 'SmartShelf-never-deployed');
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('migrate: stack SmartShelf-never-deployed is not deployed (in this account and region)');
  }, 150_000);
});

describe('migrate({ addIndexes: false })', () => {
  it('leaves a missing index to the stack that owns the table', async () => {
    const table = uniqueId('migrate-no-index');
    const { GlobalSecondaryIndexes: _, ...withoutIndexes } = tableDefinition(table);
    const attributes = withoutIndexes.AttributeDefinitions!.filter((a) => a.AttributeName === TABLE_KEYS.partition || a.AttributeName === TABLE_KEYS.sort);
    await client.send(new CreateTableCommand({ ...withoutIndexes, AttributeDefinitions: attributes }));
    const result = await migrate({ tableName: table, client, log: () => undefined, createTable: false, addIndexes: false, migrations: [] });
    expect(result.indexesAdded).toEqual([]);
    expect((await client.send(new DescribeTableCommand({ TableName: table }))).Table!.GlobalSecondaryIndexes).toBeUndefined();
  });
});
