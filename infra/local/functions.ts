import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { functionById, type FunctionSpec } from '../../wiring/index.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './engines/credentials.js';
import type { InvocationScope } from './invocations.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** What the CDK app gives a function whose wiring sets no timeout or memory. */
export const DEFAULT_TIMEOUT_SECONDS = 25;
/** What the CDK app gives a function whose wiring sets no memory (`infra/cdk/constructs/app-function.ts`). */
export const DEFAULT_MEMORY_MB = 512;

/** A Lambda context for one local invocation of a function. */
export function lambdaContext(spec: Pick<FunctionSpec, 'id' | 'memoryMb' | 'timeoutSeconds'>, stage: string): Context {
  const deadline = Date.now() + (spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const name = `smartshelf-${stage}-${spec.id}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`,
    memoryLimitInMB: String(spec.memoryMb ?? DEFAULT_MEMORY_MB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface Invoker {
  /** Runs a wiring function in-process: imports its entry on first use and calls its `handler`. */
  invoke(fnId: string, event: unknown): Promise<unknown>;
  /** Functions whose entry file does not exist (yet). */
  missing(): FunctionSpec[];
}

/**
 * Runs functions in this process, the way Lambda would call them. Entry modules are imported on
 * first use, after the runtime has set the environment, because configuration is read at import.
 * With a `scope`, each invocation (its first import included, as Lambda's init logs belong to the
 * function) runs as that function's, so what it logs is told apart from what other functions log
 * at the same time.
 */
export function createInvoker(options: { root: string; functions: readonly FunctionSpec[]; stage: string; scope?: InvocationScope }): Invoker {
  const loaded = new Map<string, Promise<Handler>>();
  const load = (spec: FunctionSpec): Promise<Handler> => {
    let handler = loaded.get(spec.id);
    if (!handler) {
      handler = import(pathToFileURL(join(options.root, spec.entry)).href).then((module: { handler?: unknown }) => {
        if (typeof module.handler !== 'function') throw new Error(`${spec.entry} does not export a handler function`);
        return module.handler as Handler;
      });
      loaded.set(spec.id, handler);
      handler.catch(() => loaded.delete(spec.id));
    }
    return handler;
  };
  const specOf = (fnId: string) => options.functions.find((f) => f.id === fnId) ?? functionById(fnId);
  return {
    invoke: (fnId, event) => {
      const spec = specOf(fnId);
      const context = lambdaContext(spec, options.stage);
      const call = async () => (await load(spec))(event, context);
      return options.scope ? options.scope.run(spec.id, context.awsRequestId, call) : call();
    },
    missing: () => options.functions.filter((f) => !existsSync(join(options.root, f.entry))),
  };
}
