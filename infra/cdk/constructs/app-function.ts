import { join } from 'node:path';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { IUserPool } from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal, type AddToPrincipalPolicyResult, type RoleProps } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../../shared/config/env-names.js';
import { grantedVariables, type GrantedResource } from '../../../wiring/environment.js';
import type { BucketId, FunctionSpec, Level, SecretId } from '../../../wiring/index.js';
import { cdkBundlingOptions, nativeModulesOf } from '../bundling.js';
import { integrationsUsagePlanName } from './api.js';
import { logRetentionOf, removalPolicyOf, type EnvironmentSettings } from '../environments.js';
import { XRAY_REASON, acknowledge, wildcardActionFinding, wildcardResourceFinding } from '../nag.js';

/** What a function's `access` in the wiring can point at. */
export interface PlatformResources {
  table: ITableV2;
  buckets: Readonly<Record<BucketId, IBucket>>;
  bus: IEventBus;
  queues: ReadonlyMap<string, IQueue>;
  secrets: Readonly<Record<SecretId, ISecret>>;
  /** The shoppers' user pool, whose users `access.shopperIdentities` lets a function delete. */
  shopperPool: IUserPool;
  /** The staff user pool, whose groups (staff roles) `access.staffIdentities` lets a function read or change. */
  staffPool: IUserPool;
}

export interface AppFunctionProps {
  spec: FunctionSpec;
  /** Repository root; `spec.entry` and the lock file are resolved from it. */
  projectRoot: string;
  stage: string;
  /** Prefix of the physical function name, `smartshelf-<env>`. */
  namePrefix: string;
  settings: EnvironmentSettings;
  resources: PlatformResources;
  /** Configuration that is not a grant: the media URL, the authorizer's JWT settings. */
  environment?: Readonly<Record<string, string>>;
}

/** Lambda's newest Node runtime in this aws-cdk-lib; `cdk-nag` L1 checks that it stays the newest. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;
export const FUNCTION_ARCHITECTURE = Architecture.ARM_64;
const DEFAULT_MEMORY_MB = 512;
/** Under API Gateway's 29 s integration timeout, so a slow handler fails as a problem, not a gateway 504. */
const DEFAULT_TIMEOUT_SECONDS = 25;

const S3_READ_WILDCARDS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*'];
const S3_WRITE_WILDCARDS = [...S3_READ_WILDCARDS, 's3:DeleteObject*', 's3:Abort*'];

/**
 * A function's role that keeps its statements in itself (the role's inline `Policies`) rather than in a default policy
 * of its own (a separate `AWS::IAM::Policy`): every grant, CDK's included, reaches it through `addToPrincipalPolicy`.
 * One resource less per function keeps the stack, which holds every function, under CloudFormation's 500 resources.
 */
class InlinePolicyRole extends Role {
  constructor(
    scope: Construct,
    id: string,
    props: RoleProps,
    private readonly access: PolicyDocument,
  ) {
    super(scope, id, { ...props, inlinePolicies: { access } });
  }

  override addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    this.access.addStatements(statement);
    return { statementAdded: true, policyDependable: this };
  }
}

/**
 * One SmartShelf function as deployed: an ESM, minified, source-mapped ARM64 bundle on the newest
 * Node runtime, traced by X-Ray, logging JSON to its own log group, with exactly the grants and
 * environment variables its wiring `access` declares and nothing else. The role is created here
 * rather than by CDK so it carries no AWS-managed policy: log writes are granted on its own log
 * group only. Its grants are inline in the role (`InlinePolicyRole`).
 */
export class AppFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    const { spec, settings } = props;
    const entry = join(props.projectRoot, spec.entry);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: logRetentionOf(settings),
      removalPolicy: removalPolicyOf(settings),
    });
    const role = new InlinePolicyRole(
      this,
      'Role',
      { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `SmartShelf ${spec.id}: least privilege from wiring/index.ts` },
      new PolicyDocument(),
    );
    this.logGroup.grantWrite(role);

    // Resolving the import graph costs an esbuild pass, only worth it when this stack is really bundled.
    const nodeModules = Stack.of(this).bundlingRequired ? nativeModulesOf(entry) : [];

    this.function = new NodejsFunction(this, 'Function', {
      functionName: `${props.namePrefix}-${spec.id}`,
      entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      timeout: Duration.seconds(spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS),
      tracing: Tracing.ACTIVE,
      role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[settings.logLevel],
      systemLogLevelV2: SystemLogLevel.WARN,
      description: `SmartShelf ${spec.id} (${spec.entry})`,
      bundling: cdkBundlingOptions(nodeModules),
      environment: {
        [ENV.stage]: props.stage,
        POWERTOOLS_SERVICE_NAME: serviceOf(spec.id),
        POWERTOOLS_METRICS_NAMESPACE: 'SmartShelf',
        LOG_LEVEL: settings.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
    acknowledge(this, 'AwsSolutions-IAM5[Resource::*]', XRAY_REASON);

    this.applyAccess(props);
  }

  private applyAccess(props: AppFunctionProps): void {
    const { spec, resources } = props;
    const fn = this.function;
    const { table, buckets, bus, secrets } = resources;
    if (spec.access.table && spec.access.tablePartitions) {
      if (spec.access.table !== 'read') throw new Error(`${spec.id}: tablePartitions narrows reads only`);
      // Item reads by key in the named partitions, and nothing through the indexes, whose keys LeadingKeys does not see.
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...spec.access.tablePartitions] } },
        }),
      );
    } else if (spec.access.table) {
      if (spec.access.table === 'write') table.grantReadWriteData(fn);
      else table.grantReadData(fn);
      acknowledge(
        this,
        wildcardResourceFinding(table, '/index/*', 'Arn', this),
        'Queries go through the gsi1/gsi2 indexes of the one table; index/* names exactly those indexes of this table.',
      );
    }
    for (const [bucketId, level] of Object.entries(spec.access.buckets ?? {}) as [BucketId, Level][]) {
      const bucket = buckets[bucketId];
      if (level === 'write') bucket.grantReadWrite(fn);
      else bucket.grantRead(fn);
      acknowledge(
        this,
        wildcardResourceFinding(bucket, '/*', 'Arn', this),
        `Objects are keyed by entity id at run time; the grant is limited to the ${bucketId} bucket, which holds nothing else.`,
      );
      for (const action of level === 'write' ? S3_WRITE_WILDCARDS : S3_READ_WILDCARDS) {
        acknowledge(
          this,
          wildcardActionFinding(action),
          `CDK's bucket.grant${level === 'write' ? 'ReadWrite' : 'Read'} action group (object reads, multipart and versions), scoped to the ${bucketId} bucket declared in the wiring.`,
        );
      }
    }
    if (spec.access.events) bus.grantPutEventsTo(fn);
    for (const queueId of spec.access.sendTo ?? []) queueOf(props, queueId).grantSendMessages(fn);
    if (spec.access.deadLetters) this.applyDeadLetterAccess(props, spec.access.deadLetters);
    for (const secretId of spec.access.secrets ?? []) secrets[secretId].grantRead(fn);
    if (spec.access.shopperIdentities === 'delete') {
      // Deleting a user by its sub needs no lookup (see shared/accounts/identity.ts), so nothing but the delete, on this pool.
      resources.shopperPool.grant(fn, 'cognito-idp:AdminDeleteUser');
    }
    if (spec.access.staffIdentities) {
      // Exactly the calls of shared/staff/cognito-directory.ts: listing reads, giving and taking roles writes groups.
      const read = ['cognito-idp:AdminListGroupsForUser', 'cognito-idp:ListUsers', 'cognito-idp:ListUsersInGroup'];
      const manage = ['cognito-idp:AdminAddUserToGroup', 'cognito-idp:AdminRemoveUserFromGroup', 'cognito-idp:CreateGroup'];
      resources.staffPool.grant(fn, ...read, ...(spec.access.staffIdentities === 'manage' ? manage : []));
    }
    if (spec.access.usagePlanKeys) this.applyUsagePlanKeyAccess();
    this.applyWorkflowAccess(props);
    // The variables come from the one list the local runtime reads too, so a function has the same names in both.
    for (const { name, resource } of grantedVariables(spec.access, 'aws')) fn.addEnvironment(name, this.variableValue(resource, props));
  }

  /** A granted variable's value on AWS. */
  private variableValue(resource: GrantedResource, props: AppFunctionProps): string {
    const { resources, namePrefix } = props;
    switch (resource.kind) {
      case 'table':
        return resources.table.tableName;
      case 'event-bus':
        return resources.bus.eventBusName;
      case 'bucket':
        return resources.buckets[resource.bucket].bucketName;
      case 'queue-url':
        return queueOf(props, resource.queue).queueUrl;
      case 'dead-letter-queue-ids':
        return [...resources.queues.keys()].sort().join(',');
      case 'queue-url-prefix': {
        const stack = Stack.of(this);
        return `https://sqs.${stack.region}.${stack.urlSuffix}/${stack.account}/${namePrefix}-`;
      }
      case 'secret-arn':
        return resources.secrets[resource.secret].secretArn;
      case 'secret-value':
        throw new Error(`${props.spec.id}: on AWS a secret is given by its ARN, never by value (${resource.variable})`);
      case 'state-machine-arn':
        return stateMachineArn(Stack.of(this), `${namePrefix}-${resource.machine}`);
      case 'shopper-user-pool':
        return resources.shopperPool.userPoolId;
      case 'staff-user-pool':
        return resources.staffPool.userPoolId;
      case 'integrations-usage-plan':
        return integrationsUsagePlanName(namePrefix);
    }
  }

  /**
   * Exactly the calls of shared/staff/usage-plan-keys-api-gateway.ts, on this region's API Gateway paths: find the plan
   * and keys (GET), make a key and add it to a plan (POST), delete a key (DELETE). The plan is found by its name, since
   * the API's stack that makes it is deployed after this function's (see `integrationsUsagePlanName`), so the plan's
   * keys are granted by pattern rather than by its id.
   */
  private applyUsagePlanKeyAccess(): void {
    const stack = Stack.of(this);
    const path = (p: string) => `arn:${stack.partition}:apigateway:${stack.region}::${p}`;
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['apigateway:GET'], resources: [path('/usageplans'), path('/apikeys')] }));
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['apigateway:POST'], resources: [path('/apikeys'), path('/usageplans/*/keys')] }));
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['apigateway:DELETE'], resources: [path('/apikeys/*')] }));
    acknowledge(
      this,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/usageplans/*/keys]',
      "The integrations plan's id is made by the API's stack, deployed after this function's; the function finds the plan by its name and adds keys to it only.",
    );
    acknowledge(
      this,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/apikeys/*]',
      'API keys get their ids from API Gateway when they are made; the function deletes only the keys named for a revoked or replaced SmartShelf key.',
    );
  }

  /**
   * Every wiring queue and its DLQ by name rather than by reference: a reference costs the function's nested stack
   * CloudFormation parameters for each queue (four with the DLQ's URL and ARN), past the 60 a stack may have as queues
   * are added. One statement on the queues' name pattern covers them all; the ids and the URL prefix go in the environment.
   */
  private applyDeadLetterAccess({ namePrefix }: AppFunctionProps, use: 'read' | 'redrive'): void {
    const stack = Stack.of(this);
    const pattern = stack.formatArn({ service: 'sqs', resource: `${namePrefix}-*`, arnFormat: ArnFormat.NO_RESOURCE_NAME });
    // SendMessageBatch and DeleteMessageBatch are authorized as SendMessage and DeleteMessage.
    const redrive = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:SendMessage'];
    this.function.addToRolePolicy(new PolicyStatement({ actions: ['sqs:GetQueueAttributes', ...(use === 'redrive' ? redrive : [])], resources: [pattern] }));
    acknowledge(
      this,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:${namePrefix}-*]`,
      `The wiring's queues and their DLQs are named ${namePrefix}-<queue-id>[-dlq]; the pattern names only this stage's queues, so that a new queue needs no new grant.`,
    );
  }

  /**
   * State machine ARNs are built from their names rather than referenced: the machines reference the task functions,
   * so a reference back from a function's role or environment would make a dependency cycle.
   */
  private applyWorkflowAccess({ spec, namePrefix }: AppFunctionProps): void {
    const stack = Stack.of(this);
    for (const [machineId, use] of Object.entries(spec.access.workflows ?? {})) {
      const machineName = `${namePrefix}-${machineId}`;
      if (use === 'start') {
        const machineArn = stateMachineArn(stack, machineName);
        const executions = stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${machineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
        this.function.addToRolePolicy(new PolicyStatement({ actions: ['states:StartExecution'], resources: [machineArn] }));
        this.function.addToRolePolicy(new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }));
        acknowledge(this, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${machineName}:*]`, `Executions are named by order id at run time; the grant covers only the ${machineId} state machine's executions.`);
      } else {
        this.function.addToRolePolicy(new PolicyStatement({ actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'], resources: ['*'] }));
        acknowledge(this, 'AwsSolutions-IAM5[Resource::*]', 'IAM cannot scope the task tokens of a .waitForTaskToken state to a state machine: SendTask* only takes Resource *.');
      }
    }
  }
}

/** A queue a function's grant names, failing loudly on an id the stack has no queue for. */
function queueOf({ spec, resources }: AppFunctionProps, queueId: string): IQueue {
  const queue = resources.queues.get(queueId);
  if (!queue) throw new Error(`wiring: ${spec.id} sends to unknown queue ${queueId}`);
  return queue;
}

/** A state machine's ARN built from its name (see `applyWorkflowAccess` for why not a reference). */
function stateMachineArn(stack: Stack, machineName: string): string {
  return stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: machineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** `catalog-create-product` → `catalog`: metrics and logs group by bounded context. */
function serviceOf(functionId: string): string {
  return functionId.split('-')[0] ?? functionId;
}
