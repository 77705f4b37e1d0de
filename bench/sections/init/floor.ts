/** What a floor bundle loads: the SDK clients a function's grants imply, and maybe the catalog schemas. */
export interface FloorSpec {
  dynamodb: boolean;
  s3: boolean;
  eventbridge: boolean;
  sqs: boolean;
  /** Whether the function's bundle contains `shared/catalog/model.ts`, so its floor must too. */
  model: boolean;
}

/** A stable file-name-safe name for a floor: functions with the same grants share one. */
export function floorId(spec: FloorSpec): string {
  const parts = (['dynamodb', 's3', 'eventbridge', 'sqs', 'model'] as const).filter((k) => spec[k]);
  return ['floor', ...parts].join('-') + (parts.length === 0 ? '-zod' : '');
}

/**
 * Source of a floor entry: the least a function with these grants must load. Each client is built
 * at module scope exactly as `shared/` builds it, zod parses the environment as the configuration
 * does, and the handler references everything so that tree shaking keeps it. `modelImport` is the
 * path of `shared/catalog/model.ts` relative to the floor file.
 */
export function floorSource(spec: FloorSpec, modelImport: string): string {
  const imports = ["import { z } from 'zod';"];
  const setup = ['const settings = z.object({ AWS_REGION: z.string().min(1) }).parse(process.env);'];
  const used = ['settings'];
  if (spec.dynamodb) {
    imports.push("import { DynamoDBClient } from '@aws-sdk/client-dynamodb';", "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';");
    setup.push(
      'const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });',
    );
    used.push('dynamo');
  }
  if (spec.s3) {
    imports.push("import { S3Client } from '@aws-sdk/client-s3';");
    setup.push("const s3 = new S3Client({ forcePathStyle: process.env.S3_FORCE_PATH_STYLE === 'true' });");
    used.push('s3');
  }
  if (spec.eventbridge) {
    imports.push("import { EventBridgeClient } from '@aws-sdk/client-eventbridge';");
    setup.push('const events = new EventBridgeClient({});');
    used.push('events');
  }
  if (spec.sqs) {
    imports.push("import { SQSClient } from '@aws-sdk/client-sqs';");
    setup.push('const sqs = new SQSClient({});');
    used.push('sqs');
  }
  if (spec.model) {
    imports.push(`import * as model from '${modelImport}';`);
    setup.push('const schemas = Object.keys(model).length;');
    used.push('schemas');
  }
  return [...imports, '', ...setup, '', `export const handler = async () => ({ loaded: [${used.join(', ')}].length });`, ''].join('\n');
}

/** The empty handler: what the runtime and the bundle format cost with no code at all. */
export const EMPTY_HANDLER_SOURCE = 'export const handler = async () => ({});\n';
