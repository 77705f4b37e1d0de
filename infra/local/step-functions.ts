import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type { StateMachineSpec } from '../../wiring/index.js';
import { AwsJsonError, startAwsJsonServer } from './aws-json-server.js';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './engines/credentials.js';

/** Longest delay a Node timer can hold (about 24.8 days): AWS's "no timeout" locally. */
const MAX_TIMER_SECONDS = Math.floor(2 ** 31 / 1000) - 1;

/** Where a rewritten TimeoutSecondsPath finds its value in a Task's effective input; never passed to the function. */
const TIMEOUT_KEY = 'smartshelfLocalTimeoutSeconds';

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type State = Record<string, unknown> & { Type: string };
type Definition = { States: Record<string, State>; StartAt: string; TimeoutSeconds?: number };

/** How a Task state calls its function, after `${fn:<id>}` has been resolved. */
export type TaskBinding =
  | { kind: 'lambda'; fn: string }
  | { kind: 'invoke'; fn: string }
  | { kind: 'wait-for-token'; fn: string; heartbeatSeconds?: number; timeoutSeconds?: number }
  | { kind: 'unsupported'; resource: string };

/** The ARN a `${fn:<id>}` placeholder stands for locally. */
export function localFunctionArn(fnId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${fnId}`;
}

const FUNCTION_ARN = /^arn:aws:lambda:[^:]+:\d{12}:function:([^:]+)$/;

function forEachState(definition: Definition, visit: (name: string, state: State) => void): void {
  for (const [name, state] of Object.entries(definition.States)) {
    visit(name, state);
    for (const branch of (state.Branches as Definition[] | undefined) ?? []) forEachState(branch, visit);
    const inner = (state.ItemProcessor ?? state.Iterator) as Definition | undefined;
    if (inner) forEachState(inner, visit);
  }
}

/**
 * Prepares an ASL document for local runs: `${fn:<id>}` becomes a local function ARN, every Task
 * state is bound to the function it calls (the runner overrides Task states by name, nested ones
 * included), and a Task without `TimeoutSeconds` gets the longest timer Node has, because AWS
 * waits indefinitely there while the library would give up after 60 seconds.
 */
export function prepareDefinition(asl: string): { definition: StateMachineDefinition; tasks: Map<string, TaskBinding> } {
  const definition = JSON.parse(asl.replace(/\$\{fn:([a-z0-9-]+)\}/g, (_m, id: string) => localFunctionArn(id))) as Definition;
  const tasks = new Map<string, TaskBinding>();
  forEachState(definition, (name, state) => {
    if (state.Type !== 'Task') return;
    if (tasks.has(name)) throw new Error(`state machine: Task state name ${name} is used twice; local overrides need unique names`);
    if (state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) state.TimeoutSeconds = MAX_TIMER_SECONDS;
    // AWS reads TimeoutSecondsPath from the state's input; the library reads it from the effective input (after
    // Parameters). Carrying the value through Parameters under a reserved key gives the library what AWS would see.
    if (typeof state.TimeoutSecondsPath === 'string' && state.Parameters && typeof state.Parameters === 'object') {
      state.Parameters = { ...(state.Parameters as Record<string, unknown>), [`${TIMEOUT_KEY}.$`]: state.TimeoutSecondsPath };
      state.TimeoutSecondsPath = `$.${TIMEOUT_KEY}`;
    }
    const resource = String(state.Resource);
    const target = FUNCTION_ARN.exec(String((state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName ?? ''))?.[1];
    const direct = FUNCTION_ARN.exec(resource)?.[1];
    if (direct) tasks.set(name, { kind: 'lambda', fn: direct });
    else if (resource === LAMBDA_INVOKE && target) tasks.set(name, { kind: 'invoke', fn: target });
    else if (resource === LAMBDA_INVOKE_WAIT && target) {
      tasks.set(name, {
        kind: 'wait-for-token',
        fn: target,
        ...(typeof state.HeartbeatSeconds === 'number' ? { heartbeatSeconds: state.HeartbeatSeconds } : {}),
        ...(typeof state.TimeoutSeconds === 'number' ? { timeoutSeconds: state.TimeoutSeconds } : {}),
      });
    } else tasks.set(name, { kind: 'unsupported', resource });
  });
  return { definition: definition as unknown as StateMachineDefinition, tasks };
}

/** An error a Task state fails with: its `name` is what Retry and Catch match. */
function taskError(error: string, cause: string): Error {
  const failure = new Error(cause);
  failure.name = error;
  return failure;
}

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: Status;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: Date;
  stopDate?: Date;
  abort: () => void;
  done: Promise<void>;
}

interface PendingTask {
  executionArn: string;
  settle: (outcome: { output: Json } | { error: string; cause: string }) => void;
  /** After the state's own timeout, or the execution's end, a token is stale. */
  expired: boolean;
  heartbeat?: () => void;
}

export interface StepFunctionsOptions {
  machines: readonly StateMachineSpec[];
  root: string;
  invoke: (fnId: string, event: unknown) => Promise<unknown>;
  namePrefix: string;
  port?: number;
  log?: (line: string) => void;
  /**
   * Given, every event of every execution's history (`ExecutionStarted`, `StateEntered`, `StateExited`...) as it happens,
   * with the machine's wiring id: what the usage meter counts transitions from. Absent, histories are not read.
   */
  onExecutionEvent?: (executionArn: string, machineId: string, event: { type: string; timestamp: number; state?: { name: string } }) => void;
}

/**
 * A failure the next `count` runs of a Task state meet before its function is called, as if the function had thrown
 * `error`: `LocalInjectTaskFailure` on the local endpoint, which AWS has no equivalent of. Tests use it to fail a saga
 * at any step, permanently (an error no Retry names) or transiently (one a Retry names, fewer times than it retries).
 */
export interface TaskFailureInjection {
  stateName: string;
  error: string;
  cause?: string;
  /** How many runs fail (default 1); 0 withdraws what is still pending for the state. */
  count?: number;
  /** Only this machine's state (by default the state of that name in any machine). */
  stateMachineArn?: string;
}

/** The local-only operation's target: `AWSStepFunctions.LocalInjectTaskFailure`. */
export const INJECT_TASK_FAILURE = 'LocalInjectTaskFailure';

const MAX_INJECTED_FAILURES = 1000;

export interface StepFunctions {
  endpoint: string;
  stateMachineArn(id: string): string;
  /** Aborts running executions and closes the endpoint. */
  close(): Promise<void>;
}

/**
 * Local Step Functions: a server for the SFN JSON protocol (StartExecution, DescribeExecution,
 * StopExecution, SendTaskSuccess/Failure/Heartbeat) that runs the wiring's state machines with
 * aws-local-stepfunctions. Each Task state calls its function in-process; a
 * `lambda:invoke.waitForTaskToken` task invokes the function with the token from `$$.Task.Token`
 * and then waits for SendTaskSuccess or SendTaskFailure, within the state's `TimeoutSeconds`
 * and `HeartbeatSeconds`, as on AWS. Executions live in memory only. One operation AWS lacks,
 * `LocalInjectTaskFailure` ({@link TaskFailureInjection}), makes Task states fail on demand.
 */
export async function startStepFunctions(options: StepFunctionsOptions): Promise<StepFunctions> {
  const log = options.log ?? (() => undefined);
  const arnOf = (id: string) => `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${options.namePrefix}-${id}`;
  const machines = new Map<string, { machine: StateMachine; tasks: Map<string, TaskBinding> }>();
  for (const spec of options.machines) {
    const { definition, tasks } = prepareDefinition(await readFile(join(options.root, spec.definition), 'utf8'));
    machines.set(arnOf(spec.id), { machine: new StateMachine(definition, { validationOptions: { checkArn: false } }), tasks });
  }
  const executions = new Map<string, Execution>();
  const pending = new Map<string, PendingTask>();
  const issued = new Set<string>();
  /** Injected failures by `<machine ARN or *> <state name>`, each with how many runs it still fails. */
  const injected = new Map<string, { error: string; cause: string; remaining: number }>();

  const takeInjected = (stateMachineArn: string, stateName: string): Error | undefined => {
    for (const key of [`${stateMachineArn} ${stateName}`, `* ${stateName}`]) {
      const fault = injected.get(key);
      if (!fault) continue;
      fault.remaining -= 1;
      if (fault.remaining <= 0) injected.delete(key);
      return taskError(fault.error, fault.cause);
    }
    return undefined;
  };

  const runTask = async (executionArn: string, name: string, binding: TaskBinding, input: Json): Promise<Json> => {
    switch (binding.kind) {
      case 'lambda': {
        if (input === null || typeof input !== 'object' || Array.isArray(input) || !(TIMEOUT_KEY in input)) return (await options.invoke(binding.fn, input)) as Json;
        const { [TIMEOUT_KEY]: _timeout, ...payload } = input;
        return (await options.invoke(binding.fn, payload)) as Json;
      }
      case 'invoke': {
        const payload = (await options.invoke(binding.fn, (input as { Payload?: Json }).Payload ?? {})) as Json;
        return { ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 };
      }
      case 'wait-for-token':
        return waitForToken(executionArn, name, binding, input);
      case 'unsupported':
        throw taskError('States.Runtime', `the local runtime cannot run resource ${binding.resource} (state ${name})`);
    }
  };

  const taskHandlers = (executionArn: string, stateMachineArn: string, tasks: Map<string, TaskBinding>) => {
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [name, binding] of tasks) {
      handlers[name] = (input) => {
        const fault = takeInjected(stateMachineArn, name);
        if (fault) log(`execution ${executionArn.split(':').pop()}: ${name} fails with injected ${fault.name}`);
        const result = fault ? Promise.reject(fault) : runTask(executionArn, name, binding, input);
        // The library starts a task before it evaluates the state's timeout; when that evaluation
        // fails it abandons the task's promise, whose later rejection must not crash the process.
        result.catch(() => undefined);
        return result;
      };
    }
    return handlers;
  };

  const waitForToken = async (
    executionArn: string,
    stateName: string,
    binding: Extract<TaskBinding, { kind: 'wait-for-token' }>,
    input: Json,
  ): Promise<Json> => {
    const token = findToken(input, issued);
    if (!token) throw taskError('States.Runtime', `${stateName} does not pass $$.Task.Token to its function`);
    issued.delete(token);
    const outcome = new Promise<{ output: Json } | { error: string; cause: string }>((resolve) => {
      pending.set(token, { executionArn, settle: resolve, expired: false });
    });
    const task = pending.get(token)!;
    const timers: NodeJS.Timeout[] = [];
    // The library enforces TimeoutSeconds itself; the token must go stale at the same moment.
    if (binding.timeoutSeconds) timers.push(setTimeout(() => (task.expired = true), binding.timeoutSeconds * 1000));
    if (binding.heartbeatSeconds) {
      let beat: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(beat);
        beat = setTimeout(() => task.settle({ error: 'States.HeartbeatTimeout', cause: `no heartbeat within ${binding.heartbeatSeconds} s` }), binding.heartbeatSeconds! * 1000);
        timers.push(beat);
      };
      task.heartbeat = arm;
      arm();
    }
    try {
      await options.invoke(binding.fn, (input as { Payload?: Json }).Payload ?? {});
      const result = await outcome;
      if ('error' in result) throw taskError(result.error, result.cause);
      return result.output;
    } finally {
      timers.forEach(clearTimeout);
      task.expired = true;
    }
  };

  const start = async (input: Record<string, unknown>) => {
    const stateMachineArn = String(input.stateMachineArn ?? '');
    const entry = machines.get(stateMachineArn);
    if (!entry) throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const rawInput = typeof input.input === 'string' ? input.input : '{}';
    let parsed: Json;
    try {
      parsed = JSON.parse(rawInput) as Json;
    } catch {
      throw new AwsJsonError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not JSON');
    }
    const name = typeof input.name === 'string' ? input.name : randomUUID();
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = executions.get(executionArn);
    if (existing) {
      if (existing.input === rawInput) return { executionArn, startDate: existing.startDate.getTime() / 1000 };
      throw new AwsJsonError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const startDate = new Date();
    const context = {
      Execution: { Id: executionArn, Name: name, RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local` },
      StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').pop() },
      // Every read of $$.Task.Token is a fresh token: each task entry gets its own, as on AWS.
      Task: {
        get Token() {
          const token = Buffer.from(randomUUID() + randomUUID()).toString('base64url');
          issued.add(token);
          return token;
        },
      },
    };
    const run = entry.machine.run(parsed as never, {
      overrides: { taskResourceLocalHandlers: taskHandlers(executionArn, stateMachineArn, entry.tasks) as never },
      context,
    });
    if (options.onExecutionEvent) {
      const onEvent = options.onExecutionEvent;
      const machineId = stateMachineArn.slice(arnOf('').length);
      void (async () => {
        for await (const event of run.eventLogs) onEvent(executionArn, machineId, event);
      })().catch((error: Error) => log(`execution ${name}: its history could not be read: ${error.message}`));
    }
    const execution: Execution = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      input: rawInput,
      startDate,
      abort: run.abort,
      done: Promise.resolve(),
    };
    execution.done = run.result.then(
      (output) => {
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output);
      },
      (error: unknown) => {
        if (error instanceof ExecutionTimeoutError) {
          execution.status = 'TIMED_OUT';
          execution.error = 'States.Timeout';
        } else if (error instanceof ExecutionAbortedError) {
          execution.status = 'ABORTED';
        } else {
          const cause = error instanceof ExecutionError ? (error.cause as Error) : (error as Error);
          execution.status = 'FAILED';
          execution.error = cause?.name ?? 'States.Runtime';
          execution.cause = cause?.message ?? String(error);
        }
      },
    ).finally(() => {
      execution.stopDate = new Date();
      for (const task of pending.values()) {
        if (task.executionArn !== executionArn || task.expired) continue;
        task.expired = true;
        // Releases a wait the library has already given up on (timeout or abort).
        task.settle({ error: 'States.Runtime', cause: 'the execution has ended' });
      }
      log(`execution ${name} of ${stateMachineArn.split(':').pop()}: ${execution.status}`);
    });
    executions.set(executionArn, execution);
    return { executionArn, startDate: startDate.getTime() / 1000 };
  };

  const describe = async (input: Record<string, unknown>) => {
    const execution = executions.get(String(input.executionArn ?? ''));
    if (!execution) throw new AwsJsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(input.executionArn)}'`);
    return {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: execution.startDate.getTime() / 1000,
      input: execution.input,
      ...(execution.stopDate ? { stopDate: execution.stopDate.getTime() / 1000 } : {}),
      ...(execution.output === undefined ? {} : { output: execution.output }),
      ...(execution.error === undefined ? {} : { error: execution.error }),
      ...(execution.cause === undefined ? {} : { cause: execution.cause }),
    };
  };

  const stop = async (input: Record<string, unknown>) => {
    const execution = executions.get(String(input.executionArn ?? ''));
    if (!execution) throw new AwsJsonError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(input.executionArn)}'`);
    if (execution.status === 'RUNNING') {
      execution.abort();
      await execution.done;
    }
    return { stopDate: (execution.stopDate ?? new Date()).getTime() / 1000 };
  };

  const pendingTask = (input: Record<string, unknown>): PendingTask => {
    const token = typeof input.taskToken === 'string' ? input.taskToken : '';
    const task = pending.get(token);
    if (!task) throw new AwsJsonError('InvalidToken', 'Invalid token');
    if (task.expired) throw new AwsJsonError('TaskTimedOut', 'Task Timed Out');
    return task;
  };

  const sendSuccess = async (input: Record<string, unknown>) => {
    const task = pendingTask(input);
    let output: Json;
    try {
      output = JSON.parse(String(input.output ?? '')) as Json;
    } catch {
      throw new AwsJsonError('InvalidOutput', 'Invalid Output: the output is not JSON');
    }
    pending.delete(String(input.taskToken));
    task.settle({ output });
    return {};
  };

  const sendFailure = async (input: Record<string, unknown>) => {
    const task = pendingTask(input);
    pending.delete(String(input.taskToken));
    task.settle({ error: typeof input.error === 'string' ? input.error : 'States.TaskFailed', cause: typeof input.cause === 'string' ? input.cause : '' });
    return {};
  };

  const sendHeartbeat = async (input: Record<string, unknown>) => {
    pendingTask(input).heartbeat?.();
    return {};
  };

  const injectFailure = async (input: Record<string, unknown>) => {
    const { stateName, error, cause, count = 1, stateMachineArn } = input;
    if (typeof stateName !== 'string' || typeof error !== 'string' || error === '') {
      throw new AwsJsonError('ValidationException', 'stateName and error are required strings');
    }
    if (cause !== undefined && typeof cause !== 'string') throw new AwsJsonError('ValidationException', 'cause must be a string');
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_INJECTED_FAILURES) {
      throw new AwsJsonError('ValidationException', `count must be an integer from 0 to ${MAX_INJECTED_FAILURES}`);
    }
    if (stateMachineArn !== undefined && (typeof stateMachineArn !== 'string' || !machines.has(stateMachineArn))) {
      throw new AwsJsonError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${String(stateMachineArn)}'`);
    }
    const candidates = stateMachineArn === undefined ? [...machines.values()] : [machines.get(stateMachineArn)!];
    if (!candidates.some((machine) => machine.tasks.has(stateName))) {
      throw new AwsJsonError('ValidationException', `no Task state named ${stateName}${stateMachineArn === undefined ? '' : ` in ${stateMachineArn}`}`);
    }
    const key = `${stateMachineArn ?? '*'} ${stateName}`;
    if (count === 0) injected.delete(key);
    else injected.set(key, { error, cause: cause ?? `injected failure of ${stateName}`, remaining: count });
    return { stateName, remaining: count };
  };

  const server = await startAwsJsonServer({
    targetPrefix: 'AWSStepFunctions',
    contentType: 'application/x-amz-json-1.0',
    operations: {
      StartExecution: start,
      DescribeExecution: describe,
      StopExecution: stop,
      SendTaskSuccess: sendSuccess,
      SendTaskFailure: sendFailure,
      SendTaskHeartbeat: sendHeartbeat,
      [INJECT_TASK_FAILURE]: injectFailure,
    },
    ...(options.port === undefined ? {} : { port: options.port }),
    log,
  });

  return {
    endpoint: server.endpoint,
    stateMachineArn: arnOf,
    close: async () => {
      const running = [...executions.values()].filter((e) => e.status === 'RUNNING');
      running.forEach((e) => e.abort());
      await Promise.all(running.map((e) => e.done));
      await server.close();
    },
  };
}

/**
 * Calls `LocalInjectTaskFailure` on a local Step Functions endpoint (the platform's is `endpoints.sfn` in its
 * `runtime.json`): the next `count` runs of the Task state fail with `error` before its function is called.
 */
export async function injectTaskFailure(endpoint: string, injection: TaskFailureInjection): Promise<void> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AWSStepFunctions.${INJECT_TASK_FAILURE}` },
    body: JSON.stringify(injection),
  });
  const body = (await response.json()) as { __type?: string; message?: string };
  if (!response.ok) throw new Error(`${INJECT_TASK_FAILURE} refused: ${body.__type ?? response.status}: ${body.message ?? ''}`);
}

/** The first string in a task's input that is a token this runner issued. */
function findToken(value: Json, issued: ReadonlySet<string>): string | undefined {
  if (typeof value === 'string') return issued.has(value) ? value : undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findToken(item, issued);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) {
      const found = findToken(item, issued);
      if (found) return found;
    }
  }
  return undefined;
}
