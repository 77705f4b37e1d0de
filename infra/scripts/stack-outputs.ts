import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The outputs of a deployed CloudFormation stack (`TableName`, `ApiUrl`, ...), read with the AWS CLI and its default
 * credentials and region (GitHub's runners have it; the project keeps no CloudFormation SDK client for one call), or
 * `undefined` when no stack of that name exists yet: before an environment's first deploy.
 */
export async function stackOutputs(stackName: string): Promise<Record<string, string> | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await run('aws', ['cloudformation', 'describe-stacks', '--stack-name', stackName, '--output', 'json'], { maxBuffer: 8 * 1024 * 1024 }));
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new Error('reading stack outputs needs the AWS CLI (aws) on the PATH', { cause: error });
    if (/does not exist/.test(failure.stderr ?? '')) return undefined;
    throw new Error(`aws cloudformation describe-stacks --stack-name ${stackName} failed: ${(failure.stderr ?? failure.message).trim()}`, { cause: error });
  }
  const { Stacks = [] } = JSON.parse(stdout) as { Stacks?: { Outputs?: { OutputKey: string; OutputValue: string }[] }[] };
  return Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
}
