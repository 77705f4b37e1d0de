import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What a data migration gets to work with. */
export interface MigrationDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
  log: (line: string) => void;
}

/**
 * One versioned data migration. Versions sort lexically (`0001-...`, `0002-...`) and run in that
 * order, each at most once per table; `run` must be safe to re-run after a crash part-way through,
 * which backfills keyed on `schemaVersion` are by construction.
 */
export interface Migration {
  version: string;
  description: string;
  run(deps: MigrationDeps): Promise<void>;
}
