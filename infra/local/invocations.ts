import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/** Where the local runtime keeps, inside an invocation's context, which function is running. */
const FUNCTION_KEY = Symbol.for('smartshelf.local.function');

/** Which function, if any, the code running now belongs to. */
export interface InvocationScope {
  /** Runs `fn` as an invocation of `fnId`: everything it starts, awaits or logs belongs to that invocation. */
  run<T>(fnId: string, requestId: string, fn: () => T): T;
  /** The function whose invocation the caller runs in, or undefined outside any invocation. */
  current(): string | undefined;
}

let scope: Promise<InvocationScope> | undefined;

/**
 * Every local function shares one process, and their invocations overlap, as on Lambda Managed Instances, where one
 * execution environment serves many concurrent requests. The runtime does what that Lambda runtime does: it sets
 * `AWS_LAMBDA_MAX_CONCURRENCY` and runs each invocation inside the `InvokeStore` (AsyncLocalStorage underneath), so
 * Powertools keeps each invocation's Lambda context, appended keys (the correlation id) and log level apart, and a
 * log line names the function and request that wrote it. Created once per process, before any handler is imported.
 */
export function invocationScope(maxConcurrency = 64): Promise<InvocationScope> {
  scope ??= (async () => {
    process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= String(maxConcurrency);
    const store = await InvokeStore.getInstanceAsync(true);
    return {
      run: (fnId, requestId, fn) => store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId, [FUNCTION_KEY]: fnId }, fn),
      current: () => (store.hasContext() ? store.get<string>(FUNCTION_KEY) : undefined),
    } satisfies InvocationScope;
  })();
  return scope;
}
