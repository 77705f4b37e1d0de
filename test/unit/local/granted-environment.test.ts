import { afterEach, describe, expect, it } from 'vitest';
import { grantedVariableView } from '../../../infra/local/granted-environment.js';
import { ConfigError, makeConfig } from '../../../shared/config/config.js';
import { limitGrantedVariables } from '../../../shared/config/granted-view.js';
import { grantedVariables, isGrantVariable } from '../../../wiring/environment.js';
import { functions, secrets, type FunctionSpec } from '../../../wiring/index.js';

const spec = (id: string, access: FunctionSpec['access']): FunctionSpec => ({ id, entry: `functions/test/${id}.ts`, access });

/** The process environment of the local platform, abridged: every granted variable of every function is in it. */
const processEnv = {
  STAGE: 'local',
  TABLE_NAME: 'smartshelf-local',
  EVENT_BUS_NAME: 'smartshelf-local-events',
  EXPORTS_BUCKET: 'smartshelf-local-exports',
  QUEUE_URL_BILLING_SYNC: 'http://127.0.0.1:1/000000000000/smartshelf-local-billing-sync',
  STATE_MACHINE_ARN_CHECKOUT: 'arn:aws:states:eu-west-2:000000000000:stateMachine:smartshelf-local-checkout',
  STRIPE_SECRET_KEY: 'sk_test_local',
  HANDOVER_CODE_KEY: 'k'.repeat(40),
  JWT_ISSUER: 'http://127.0.0.1:1',
  JWT_AUDIENCE: 'smartshelf',
  JWKS_URL: 'http://127.0.0.1:1/jwks.json',
};

let running: string | undefined;
const reader = spec('orders-read', { table: 'read' });
const relay = spec('events-relay', { events: true });
const payer = spec('orders-pay', { table: 'write', secrets: ['payment-api'], sendTo: ['billing-sync'], workflows: { checkout: 'start' } });

afterEach(() => {
  limitGrantedVariables(undefined);
  running = undefined;
});

describe('grants as environment variables', () => {
  it('names the same variables for AWS and locally, but secrets: their ARN on AWS, their values locally', () => {
    expect(grantedVariables(payer.access, 'aws').map((v) => v.name)).toEqual([
      'TABLE_NAME',
      'QUEUE_URL_BILLING_SYNC',
      'PAYMENT_API_SECRET_ARN',
      'STATE_MACHINE_ARN_CHECKOUT',
    ]);
    expect(grantedVariables(payer.access, 'local').map((v) => v.name)).toEqual([
      'TABLE_NAME',
      'QUEUE_URL_BILLING_SYNC',
      'STRIPE_SECRET_KEY',
      'STRIPE_API_BASE',
      'STATE_MACHINE_ARN_CHECKOUT',
    ]);
    expect(grantedVariables({ workflows: { checkout: 'callback' } }, 'aws')).toEqual([]);
  });

  it('knows every variable a grant of the wiring can give, and no configuration that is not a grant', () => {
    for (const fn of functions) {
      for (const where of ['aws', 'local'] as const) {
        for (const v of grantedVariables(fn.access, where)) expect(isGrantVariable(v.name), `${fn.id}: ${v.name}`).toBe(true);
      }
    }
    for (const s of secrets) for (const name of [s.arnVariable, ...s.localVariables]) expect(isGrantVariable(name), name).toBe(true);
    for (const name of ['STAGE', 'JWT_ISSUER', 'MEDIA_BASE_URL', 'CONSOLE_SIGN_IN', 'AWS_REGION']) expect(isGrantVariable(name), name).toBe(false);
  });
});

describe('the local view of granted variables', () => {
  const view = grantedVariableView([reader, relay, payer], () => running);

  it('fails a function without the grant as on AWS, with the variable it lacks, while a granted one reads it', () => {
    limitGrantedVariables(view);
    const config = makeConfig(processEnv);
    running = relay.id;
    expect(() => config.tableName).toThrow(ConfigError);
    expect(() => config.tableName).toThrow(/TABLE_NAME is not set: the function's wiring does not grant this resource/);
    expect(() => config.queueUrl('billing-sync')).toThrow(/QUEUE_URL_BILLING_SYNC is not set/);
    expect(() => config.stateMachineArn('checkout')).toThrow(/STATE_MACHINE_ARN_CHECKOUT is not set/);
    // Without the payment-api grant the key is not there, so config falls back to the secret's ARN, which is not either.
    expect(() => config.paymentApi).toThrow(/PAYMENT_API_SECRET_ARN is not set/);
    expect(() => config.handoverCodeKey).toThrow(/HANDOVER_CODES_SECRET_ARN is not set/);
    expect(config.eventBusName).toBe('smartshelf-local-events');

    running = payer.id;
    expect(config.tableName).toBe('smartshelf-local');
    expect(config.queueUrl('billing-sync')).toBe(processEnv.QUEUE_URL_BILLING_SYNC);
    expect(config.stateMachineArn('checkout')).toBe(processEnv.STATE_MACHINE_ARN_CHECKOUT);
    expect(config.paymentApi).toEqual({ secretKey: 'sk_test_local' });
    expect(() => config.eventBusName).toThrow(/EVENT_BUS_NAME is not set/);
  });

  it('leaves configuration that no grant gives to every function', () => {
    limitGrantedVariables(view);
    const config = makeConfig(processEnv);
    running = reader.id;
    expect(config.stage).toBe('local');
    expect(config.jwt.issuer).toBe('http://127.0.0.1:1');
  });

  it('leaves everything to code that is no wiring function (the runtime seeding), and to all once lifted', () => {
    limitGrantedVariables(view);
    const config = makeConfig(processEnv);
    running = undefined;
    expect(config.eventBusName).toBe('smartshelf-local-events');
    running = 'seed';
    expect(config.tableName).toBe('smartshelf-local');
    running = relay.id;
    limitGrantedVariables(undefined);
    expect(config.tableName).toBe('smartshelf-local');
  });
});
