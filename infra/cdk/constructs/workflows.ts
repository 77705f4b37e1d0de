import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ScheduleSpec, StateMachineSpec } from '../../../wiring/index.js';
import { alarmOnDeadLetters } from './messaging.js';
import { logRetentionOf, removalPolicyOf, type EnvironmentSettings } from '../environments.js';
import { XRAY_REASON, acknowledge } from '../nag.js';

export interface WorkflowsProps {
  namePrefix: string;
  projectRoot: string;
  settings: EnvironmentSettings;
  schedules: readonly ScheduleSpec[];
  stateMachines: readonly StateMachineSpec[];
  functionsById: ReadonlyMap<string, IFunction>;
  alarmTopic: ITopic;
}

const FUNCTION_PLACEHOLDER = /\$\{fn:([a-z0-9-]+)\}/g;

/**
 * Rewrites an ASL document's `${fn:<id>}` placeholders into Step Functions definition
 * substitutions (`${fn_<id>}`, since substitution keys are plain identifiers) and returns the
 * function ids it references.
 */
export function substituteFunctions(asl: string): { body: string; functionIds: string[] } {
  const functionIds = new Set<string>();
  const body = asl.replace(FUNCTION_PLACEHOLDER, (_, id: string) => {
    functionIds.add(id);
    return `\${${substitutionKey(id)}}`;
  });
  return { body, functionIds: [...functionIds] };
}

function substitutionKey(functionId: string): string {
  return `fn_${functionId.replace(/-/g, '_')}`;
}

/**
 * EventBridge Scheduler schedules that invoke functions (with a role allowed to invoke exactly
 * those functions and a DLQ for invocations that keep failing) and Step Functions state
 * machines built from their ASL files, each allowed to invoke exactly the functions it names.
 */
export class Workflows extends Construct {
  readonly schedules = new Map<string, CfnSchedule>();
  readonly stateMachines = new Map<string, StateMachine>();
  readonly scheduleDeadLetterQueue: Queue | undefined;

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const fnOf = (fnId: string, user: string) => {
      const fn = props.functionsById.get(fnId);
      if (!fn) throw new Error(`wiring: ${user} names unknown function ${fnId}`);
      return fn;
    };

    if (props.schedules.length > 0) {
      const dlq = new Queue(this, 'schedules-dlq', {
        queueName: `${props.namePrefix}-schedules-dlq`,
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      alarmOnDeadLetters(this, 'schedules-dlq', dlq, 'A scheduled invocation failed all its retries.', props.alarmTopic);
      acknowledge(dlq, 'AwsSolutions-SQS3', "This queue is EventBridge Scheduler's dead-letter queue; a DLQ needs no DLQ of its own.");
      const role = new Role(this, 'SchedulerRole', {
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
        description: 'Lets EventBridge Scheduler invoke the scheduled SmartShelf functions',
      });
      dlq.grantSendMessages(role);
      for (const spec of props.schedules) {
        const fn = fnOf(spec.target.fn, `schedule ${spec.id}`);
        role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
        this.schedules.set(
          spec.id,
          new CfnSchedule(this, spec.id, {
            name: `${props.namePrefix}-${spec.id}`,
            scheduleExpression: spec.expression,
            scheduleExpressionTimezone: spec.timezone,
            flexibleTimeWindow: { mode: 'OFF' },
            target: {
              arn: fn.functionArn,
              roleArn: role.roleArn,
              input: JSON.stringify(spec.target.input),
              deadLetterConfig: { arn: dlq.queueArn },
              retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
            },
          }),
        );
      }
      this.scheduleDeadLetterQueue = dlq;
    }

    for (const spec of props.stateMachines) {
      const { body, functionIds } = substituteFunctions(readFileSync(join(props.projectRoot, spec.definition), 'utf8'));
      const functions = functionIds.map((fnId) => [fnId, fnOf(fnId, `state machine ${spec.id}`)] as const);
      const logs = new LogGroup(this, `${spec.id}-logs`, {
        // The vendedlogs prefix keeps Step Functions from growing the account's log resource policy.
        logGroupName: `/aws/vendedlogs/states/${props.namePrefix}-${spec.id}`,
        retention: logRetentionOf(props.settings),
        removalPolicy: removalPolicyOf(props.settings),
      });
      const machine = new StateMachine(this, spec.id, {
        stateMachineName: `${props.namePrefix}-${spec.id}`,
        stateMachineType: StateMachineType.STANDARD,
        definitionBody: DefinitionBody.fromString(body),
        definitionSubstitutions: Object.fromEntries(functions.map(([fnId, fn]) => [substitutionKey(fnId), fn.functionArn])),
        // Execution data can hold customer details; the state transitions are enough to follow a run.
        logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
      });
      for (const [, fn] of functions) {
        machine.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
      }
      acknowledge(
        machine,
        'AwsSolutions-IAM5[Resource::*]',
        `${XRAY_REASON} Likewise the CloudWatch Logs delivery actions Step Functions needs for logging (logs:CreateLogDelivery and friends) only accept Resource *.`,
      );
      this.stateMachines.set(spec.id, machine);
    }
  }
}
