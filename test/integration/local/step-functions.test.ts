import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/engines/credentials.js';
import { createInvoker } from '../../../infra/local/functions.js';
import { REPO_ROOT } from '../../../infra/local/platform.js';
import { injectTaskFailure, startStepFunctions, type StepFunctions } from '../../../infra/local/step-functions.js';

const FIXTURES = 'test/integration/local/fixtures';
const fixtureFunctions = [
  { id: 'fixture-prepare-order', entry: `${FIXTURES}/prepare-order.ts`, access: {} },
  { id: 'fixture-request-approval', entry: `${FIXTURES}/request-approval.ts`, access: {} },
];
const invoker = createInvoker({ root: REPO_ROOT, functions: fixtureFunctions, stage: 'test' });
const calls: { fn: string; event: Record<string, unknown> }[] = [];

let sfn: StepFunctions;
let client: SFNClient;

beforeAll(async () => {
  sfn = await startStepFunctions({
    machines: [
      { id: 'order-approval', definition: `${FIXTURES}/order-approval.asl.json` },
      { id: 'quick-approval', definition: `${FIXTURES}/quick-approval.asl.json` },
      { id: 'heartbeat', definition: `${FIXTURES}/heartbeat.asl.json` },
      { id: 'slow', definition: `${FIXTURES}/slow.asl.json` },
      { id: 'plain-invoke', definition: `${FIXTURES}/plain-invoke.asl.json` },
      { id: 'retry-prepare', definition: `${FIXTURES}/retry-prepare.asl.json` },
    ],
    root: REPO_ROOT,
    namePrefix: 'smartshelf-test',
    invoke: async (fn, event) => {
      calls.push({ fn, event: event as Record<string, unknown> });
      return invoker.invoke(fn, event);
    },
  });
  client = new SFNClient({ endpoint: sfn.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  client.destroy();
  await sfn.close();
});

async function startExecution(machine: string, input: Record<string, unknown>) {
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn(machine), input: JSON.stringify(input) }));
  return executionArn!;
}

async function finished(executionArn: string, timeoutMs = 15_000): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    if (Date.now() > deadline) throw new Error(`${executionArn} still running`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The token the approval function received for an order, once it has been invoked. */
async function tokenFor(orderId: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const call = calls.find((c) => c.fn === 'fixture-request-approval' && c.event.orderId === orderId);
    if (call) return String(call.event.token);
    if (Date.now() > deadline) throw new Error(`approval for ${orderId} never requested`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const orderId = () => `order-${Math.random().toString(36).slice(2, 10)}`;

describe('local Step Functions', () => {
  it('really runs Task states: the function result is the output, not the Catch fallback', async () => {
    expect(typeof (Promise as { withResolvers?: unknown }).withResolvers).toBe('function');
    const id = orderId();
    const arn = await startExecution('order-approval', { orderId: id });
    const token = await tokenFor(id);
    await client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approvedBy: 'manager' }) }));
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({
      orderId: id,
      prepared: { orderId: id, preparedBy: 'fixture-prepare-order' },
      approval: { approvedBy: 'manager' },
    });
    expect(calls.filter((c) => c.fn === 'fixture-prepare-order' && c.event.orderId === id)).toHaveLength(1);
  });

  it('takes the Catch path when a Task function throws', async () => {
    const id = orderId();
    const done = await finished(await startExecution('order-approval', { orderId: id, failPrepare: true }));
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ prepared: 'fallback', prepareError: { Error: 'Error', Cause: 'cannot prepare' } });
  });

  it('routes SendTaskFailure to the Catch for its error', async () => {
    const id = orderId();
    const arn = await startExecution('order-approval', { orderId: id });
    await client.send(new SendTaskFailureCommand({ taskToken: await tokenFor(id), error: 'Rejected', cause: 'out of stock' }));
    const done = await finished(arn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ outcome: 'rejected', rejection: { Error: 'Rejected', Cause: 'out of stock' } });
  });

  it('fails a token task with States.Timeout after its TimeoutSeconds, and then refuses the stale token', async () => {
    const id = orderId();
    const arn = await startExecution('quick-approval', { orderId: id });
    const token = await tokenFor(id);
    const done = await finished(arn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('fails a token task whose worker stops sending heartbeats', async () => {
    const id = orderId();
    const arn = await startExecution('heartbeat', { orderId: id });
    const token = await tokenFor(id);
    await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    const done = await finished(arn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
  });

  it('times out a whole execution after the machine’s TimeoutSeconds', async () => {
    const done = await finished(await startExecution('slow', { orderId: orderId() }));
    expect(done.status).toBe('TIMED_OUT');
  });

  it('wraps a lambda:invoke result in Payload, as the optimised integration does', async () => {
    const id = orderId();
    const done = await finished(await startExecution('plain-invoke', { orderId: id }));
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ orderId: id, preparedBy: 'fixture-prepare-order' });
  });

  it('answers unknown machines, executions and tokens with the SFN errors', async () => {
    await expect(
      client.send(new StartExecutionCommand({ stateMachineArn: sfn.stateMachineArn('nope'), input: '{}' })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(client.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:x:y' }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    await expect(client.send(new SendTaskSuccessCommand({ taskToken: 'bogus', output: '{}' }))).rejects.toMatchObject({ name: 'InvalidToken' });
  });

  it('starts a named execution once: the same name and input return it, another input is refused', async () => {
    const name = orderId();
    const input = JSON.stringify({ orderId: name, failPrepare: true });
    const stateMachineArn = sfn.stateMachineArn('order-approval');
    const first = await client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
    const again = await client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
    expect(again.executionArn).toBe(first.executionArn);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn, name, input: '{}' }))).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });
});

describe('LocalInjectTaskFailure', () => {
  const callsOf = (fn: string, id: string) => calls.filter((c) => c.fn === fn && c.event.orderId === id);

  it('fails the next run of a Task state with the injected error before calling its function, then runs it again', async () => {
    await injectTaskFailure(sfn.endpoint, { stateMachineArn: sfn.stateMachineArn('order-approval'), stateName: 'Prepare', error: 'InjectedFault', cause: 'prepare is down' });
    const failed = orderId();
    const caught = await finished(await startExecution('order-approval', { orderId: failed }));
    expect(JSON.parse(caught.output!)).toMatchObject({ prepared: 'fallback', prepareError: { Error: 'InjectedFault', Cause: 'prepare is down' } });
    expect(callsOf('fixture-prepare-order', failed)).toHaveLength(0);

    const next = orderId();
    const arn = await startExecution('order-approval', { orderId: next });
    await client.send(new SendTaskSuccessCommand({ taskToken: await tokenFor(next), output: '{}' }));
    expect(JSON.parse((await finished(arn)).output!)).toMatchObject({ prepared: { orderId: next } });
    expect(callsOf('fixture-prepare-order', next)).toHaveLength(1);
  });

  it('fails a .waitForTaskToken state without invoking its function or handing out a token', async () => {
    await injectTaskFailure(sfn.endpoint, { stateName: 'AwaitApproval', error: 'Rejected', cause: 'injected' });
    const id = orderId();
    const done = await finished(await startExecution('order-approval', { orderId: id }));
    expect(JSON.parse(done.output!)).toMatchObject({ outcome: 'rejected', rejection: { Error: 'Rejected', Cause: 'injected' } });
    expect(callsOf('fixture-request-approval', id)).toHaveLength(0);
  });

  it('lets the state’s Retry handle an error it names, failing only `count` runs', async () => {
    await injectTaskFailure(sfn.endpoint, { stateMachineArn: sfn.stateMachineArn('retry-prepare'), stateName: 'Prepare', error: 'Transient', count: 2 });
    const id = orderId();
    const done = await finished(await startExecution('retry-prepare', { orderId: id }));
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ orderId: id, prepared: { orderId: id, preparedBy: 'fixture-prepare-order' } });
    expect(callsOf('fixture-prepare-order', id)).toHaveLength(1);
  });

  it('goes to the Catch once the injected failures outlast the Retry', async () => {
    await injectTaskFailure(sfn.endpoint, { stateMachineArn: sfn.stateMachineArn('retry-prepare'), stateName: 'Prepare', error: 'Transient', count: 4 });
    const id = orderId();
    const done = await finished(await startExecution('retry-prepare', { orderId: id }));
    expect(JSON.parse(done.output!)).toMatchObject({ prepared: 'fallback', prepareError: { Error: 'Transient' } });
    expect(callsOf('fixture-prepare-order', id)).toHaveLength(0);
  });

  it('withdraws a pending injection with count 0', async () => {
    const scope = { stateMachineArn: sfn.stateMachineArn('plain-invoke'), stateName: 'Invoke' };
    await injectTaskFailure(sfn.endpoint, { ...scope, error: 'InjectedFault', count: 3 });
    await injectTaskFailure(sfn.endpoint, { ...scope, error: 'InjectedFault', count: 0 });
    const done = await finished(await startExecution('plain-invoke', { orderId: orderId() }));
    expect(done.status).toBe('SUCCEEDED');
  });

  it('refuses a state no machine has, an unknown machine and a bad count', async () => {
    await expect(injectTaskFailure(sfn.endpoint, { stateName: 'Nope', error: 'InjectedFault' })).rejects.toThrow(/ValidationException.*no Task state named Nope/);
    await expect(injectTaskFailure(sfn.endpoint, { stateName: 'Approved', error: 'InjectedFault' })).rejects.toThrow(/ValidationException/);
    await expect(injectTaskFailure(sfn.endpoint, { stateMachineArn: sfn.stateMachineArn('nope'), stateName: 'Prepare', error: 'X' })).rejects.toThrow(/StateMachineDoesNotExist/);
    await expect(injectTaskFailure(sfn.endpoint, { stateName: 'Prepare', error: 'X', count: -1 })).rejects.toThrow(/count/);
    await expect(injectTaskFailure(sfn.endpoint, { stateName: 'Prepare', error: '' })).rejects.toThrow(/ValidationException/);
  });
});
