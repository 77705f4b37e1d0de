import { fileURLToPath } from 'node:url';
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names.js';
import * as realWiring from '../wiring.js';
import type { FunctionSpec, QueueSpec, RouteSpec, RuleSpec, ScheduleSpec, StateMachineSpec } from '../wiring.js';
import { Api } from './constructs/api.js';
import { AppFunction } from './constructs/app-function.js';
import { DataTable } from './constructs/data-table.js';
import { Identity } from './constructs/identity.js';
import { Messaging } from './constructs/messaging.js';
import { Storage } from './constructs/storage.js';
import { Workflows } from './constructs/workflows.js';
import type { EnvironmentName, EnvironmentSettings } from './environments.js';

/** The parts of `infra/wiring.ts` the stack is built from. */
export interface Wiring {
  functions: readonly FunctionSpec[];
  routes: readonly RouteSpec[];
  queues: readonly QueueSpec[];
  rules: readonly RuleSpec[];
  schedules: readonly ScheduleSpec[];
  stateMachines: readonly StateMachineSpec[];
}

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SmartShelfStackProps extends StackProps {
  environmentName: EnvironmentName;
  settings: EnvironmentSettings;
  /** Defaults to `infra/wiring.ts`; tests pass their own to cover what the real one lacks. */
  wiring?: Wiring;
  /** Where function entries and ASL files are resolved; defaults to the repository root. */
  projectRoot?: string;
}

/**
 * SmartShelf on AWS, derived entirely from the wiring: one table, three buckets and a media CDN,
 * an event bus with queues and rules, one function per wiring function with exactly its grants,
 * the REST API with its authorizer, Cognito for people, and schedules and state machines.
 */
export class SmartShelfStack extends Stack {
  readonly functions = new Map<string, NodejsFunction>();

  constructor(scope: Construct, id: string, props: SmartShelfStackProps) {
    super(scope, id, props);
    const wiring = props.wiring ?? realWiring;
    const projectRoot = props.projectRoot ?? REPOSITORY_ROOT;
    const { settings } = props;
    const stage = props.environmentName;
    const namePrefix = `smartshelf-${stage}`;

    const alarmTopic = new Topic(this, 'Alarms', { displayName: `SmartShelf ${stage} alarms`, enforceSSL: true });
    if (settings.alarmEmail) alarmTopic.addSubscription(new EmailSubscription(settings.alarmEmail));

    const data = new DataTable(this, 'Data', { settings });
    const storage = new Storage(this, 'Storage', { settings });
    const messaging = new Messaging(this, 'Messaging', {
      namePrefix,
      queues: wiring.queues,
      rules: wiring.rules,
      alarmTopic,
    });
    const identity = new Identity(this, 'Identity', { settings });

    for (const spec of wiring.functions) {
      const fn = new AppFunction(this, spec.id, {
        spec,
        projectRoot,
        stage,
        namePrefix,
        settings,
        resources: { table: data.table, buckets: storage.buckets, bus: messaging.bus, queues: messaging.queues },
        environment: {
          [ENV.mediaBaseUrl]: storage.mediaBaseUrl,
          ...(spec.id === realWiring.AUTHORIZER_FN
            ? { [ENV.jwtIssuer]: identity.issuer, [ENV.jwtAudience]: identity.client.userPoolClientId, [ENV.jwksUrl]: identity.jwksUrl }
            : {}),
        },
      });
      this.functions.set(spec.id, fn.function);
    }
    messaging.connectConsumers(this.functions);

    const authorizerFunction = this.functions.get(realWiring.AUTHORIZER_FN);
    if (!authorizerFunction) throw new Error(`wiring: the authorizer ${realWiring.AUTHORIZER_FN} is not among the functions`);
    const api = new Api(this, 'Api', {
      stage,
      namePrefix,
      settings,
      routes: wiring.routes,
      functionsById: this.functions,
      authorizerFunction,
    });

    new Workflows(this, 'Workflows', {
      namePrefix,
      projectRoot,
      settings,
      schedules: wiring.schedules,
      stateMachines: wiring.stateMachines,
      functionsById: this.functions,
      alarmTopic,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.restApi.url, description: 'Base URL of the REST API stage' });
    new CfnOutput(this, 'UserPoolId', { value: identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: identity.client.userPoolClientId });
    new CfnOutput(this, 'EventBusName', { value: messaging.bus.eventBusName });
    new CfnOutput(this, 'TableName', { value: data.table.tableName, description: 'Run `TABLE_NAME=<this> npm run migrate` after a deploy' });
    new CfnOutput(this, 'MediaBaseUrl', { value: storage.mediaBaseUrl });
  }
}
