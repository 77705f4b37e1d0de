import { fileURLToPath } from 'node:url';
import { ArnFormat, CfnOutput, type CfnResource, NestedStack, Stack, type StackProps } from 'aws-cdk-lib';
import { Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names.js';
import { AUTHORIZER_FN, SHOPPER_TOKEN_CLAIMS_FN, wiring as realWiring, type FunctionSpec, type SecretId, type SecretSpec, type Wiring } from '../../wiring/index.js';
import { Api } from './constructs/api.js';
import { AppFunction } from './constructs/app-function.js';
import { ConsoleSite } from './constructs/console-site.js';
import { DataTable } from './constructs/data-table.js';
import { Identity } from './constructs/identity.js';
import { Messaging } from './constructs/messaging.js';
import { Storage } from './constructs/storage.js';
import { StreamConsumers } from './constructs/stream-consumers.js';
import { ObservabilityStack } from './constructs/observability.js';
import { Workflows } from './constructs/workflows.js';
import { acknowledge } from './nag.js';
import type { EnvironmentName, EnvironmentSettings } from './environments.js';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface SmartShelfStackProps extends StackProps {
  environmentName: EnvironmentName;
  settings: EnvironmentSettings;
  /** Defaults to `wiring/index.ts`; tests pass their own to cover what the real one lacks. */
  wiring?: Wiring;
  /** Where function entries and ASL files are resolved; defaults to the repository root. */
  projectRoot?: string;
  /**
   * The built staff console (`buildConsole` of `console/build.ts`: `index.html`, `assets/`), deployed to its bucket.
   * The app builds it before making the stack, since a construct cannot wait for esbuild.
   */
  consoleAssetsDir: string;
}

/**
 * The functions of the console's sign-in (`functions/auth/*-session.ts`, `functions/auth/get-sign-in-options.ts`):
 * on AWS staff sign in through the staff pool's hosted UI, so these get its address and the console's client.
 */
export function isConsoleSignInFunction(spec: FunctionSpec): boolean {
  return /^functions\/auth\/([a-z-]+-session|get-sign-in-options)\.ts$/.test(spec.entry);
}

/**
 * SmartShelf on AWS, derived entirely from the wiring: one table, three buckets and a media CDN,
 * an event bus with queues and rules, one function per wiring function with exactly its grants,
 * the table stream's consumers (the outbox relay), the REST API with its authorizer, Cognito for
 * people, and schedules and state machines.
 */
export class SmartShelfStack extends Stack {
  readonly functions = new Map<string, NodejsFunction>();
  readonly data: DataTable;
  readonly storage: Storage;
  readonly messaging: Messaging;
  readonly streamConsumers: StreamConsumers;
  readonly identity: Identity;
  readonly api: Api;
  /** The nested stack that holds the API (its own CloudFormation template). */
  readonly apiStack: NestedStack;
  readonly workflows: Workflows;
  /** The dashboard and the alarms (a nested stack of their own), on `alarmTopic`. */
  readonly observability: ObservabilityStack;
  readonly alarmTopic: Topic;
  /** The staff console's bucket and the distribution that serves it beside the API. */
  readonly console: ConsoleSite;
  /**
   * The nested stacks holding the functions, one per bounded context (`Functions<Context>`): each function brings a
   * Lambda, its role and its log group, so with every function in this stack it would pass CloudFormation's 500
   * resources. Keyed by context, the function id's part before its first `-`.
   */
  readonly functionStacks = new Map<string, NestedStack>();

  constructor(scope: Construct, id: string, props: SmartShelfStackProps) {
    // Deletion protection covers the stack too: in prod, deleting it must be a deliberate two-step act.
    super(scope, id, { terminationProtection: props.settings.deletionProtection, ...props });
    const wiring = props.wiring ?? realWiring;
    const secretOf = (id: SecretId): SecretSpec => {
      const spec = wiring.secrets.find((s) => s.id === id);
      if (!spec) throw new Error(`wiring: the secret ${id} is not declared`);
      return spec;
    };
    const projectRoot = props.projectRoot ?? REPOSITORY_ROOT;
    const { settings } = props;
    const stage = props.environmentName;
    const namePrefix = `smartshelf-${stage}`;

    // Unencrypted on purpose: CloudWatch alarms cannot publish to a topic under the AWS-managed
    // SNS key, and alarm messages carry only alarm names and metrics.
    this.alarmTopic = new Topic(this, 'Alarms', { displayName: `SmartShelf ${stage} alarms`, enforceSSL: true });
    if (settings.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(settings.alarmEmail));

    this.data = new DataTable(this, 'Data', { settings });
    this.storage = new Storage(this, 'Storage', { settings });
    this.messaging = new Messaging(this, 'Messaging', {
      namePrefix,
      queues: wiring.queues,
      rules: wiring.rules,
      alarmTopic: this.alarmTopic,
    });
    this.identity = new Identity(this, 'Identity', { settings });

    // People authenticate with bearer tokens, not API keys, yet API Gateway meters a usage plan by
    // API key: the authorizer returns this shared key for them (integrations get their own).
    const peopleUsageKey = new Secret(this, 'PeopleUsageKey', {
      description: 'API key value that meters bearer-token callers in the People usage plan',
      generateSecretString: { excludePunctuation: true, passwordLength: 40 },
    });
    acknowledge(
      peopleUsageKey,
      'AwsSolutions-SMG4',
      'The value is an API Gateway usage-plan key, not a credential: it only selects a throttling plan, and rotating it means replacing the API key (see infra/cdk/README.md).',
    );

    // Stripe shows an endpoint's signing secret once; an operator stores it here as
    // {"current": "whsec_...", "previous": "whsec_..."} (previous only while rolling it). The generated value is a placeholder.
    const paymentWebhookSecrets = new Secret(this, 'PaymentWebhookSecrets', {
      description: secretOf('payment-webhooks').description,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'placeholder', excludePunctuation: true },
    });
    acknowledge(
      paymentWebhookSecrets,
      'AwsSolutions-SMG4',
      'Stripe issues and rolls webhook signing secrets (Dashboard, "Roll secret"); Secrets Manager cannot rotate them, so the operator writes the new one as current and the old as previous (see docs/payments.md).',
    );

    // The Stripe secret API key the payment gateway calls with; an operator stores it as
    // {"secretKey": "sk_..."}. The generated value is a placeholder.
    const paymentApiSecret = new Secret(this, 'PaymentApiSecret', {
      description: secretOf('payment-api').description,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'placeholder', excludePunctuation: true },
    });
    acknowledge(
      paymentApiSecret,
      'AwsSolutions-SMG4',
      'Stripe issues and rolls API keys (Dashboard, "Roll key", with an expiry for the old one); Secrets Manager cannot rotate them, so the operator writes the new key here (see docs/payments.md).',
    );
    // The billing system's address, bearer token and our request-signing key, stored by an operator as {"baseUrl", "token", "signingSecret"}.
    const billingApiSecret = new Secret(this, 'BillingApiSecret', { description: secretOf('billing-api').description, generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'placeholder', excludePunctuation: true } });
    acknowledge(billingApiSecret, 'AwsSolutions-SMG4', 'The billing provider issues the token and signing key; Secrets Manager cannot rotate them, so the operator writes new ones here.');
    // The billing system's webhook signing keys, stored by an operator as {"current", "previous"?} (previous only while rotating).
    const billingWebhookSecrets = new Secret(this, 'BillingWebhookSecrets', { description: secretOf('billing-webhooks').description, generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'placeholder', excludePunctuation: true } });
    acknowledge(billingWebhookSecrets, 'AwsSolutions-SMG4', 'The billing provider issues webhook signing keys; Secrets Manager cannot rotate them, so the operator adds the new one as current with the old as previous, then retires the old (see docs/billing.md).');
    // The key click-and-collect handover codes are derived with (an HMAC of the order and a salt), generated here: {"key"}.
    const handoverCodes = new Secret(this, 'HandoverCodes', {
      description: secretOf('handover-codes').description,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'key', excludePunctuation: true, passwordLength: 64 },
    });
    acknowledge(
      handoverCodes,
      'AwsSolutions-SMG4',
      'A new key changes every outstanding handover code, which shoppers already hold; it is replaced by hand when needed, and staff issue new codes for orders waiting at the desk (see docs/fulfillment.md).',
    );
    // The master key webhook endpoints' signing secrets are derived from (an HMAC of the endpoint and its secret's version), generated here: {"key"}.
    const webhookSigning = new Secret(this, 'WebhookSigning', {
      description: secretOf('webhook-signing').description,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'key', excludePunctuation: true, passwordLength: 64 },
    });
    acknowledge(
      webhookSigning,
      'AwsSolutions-SMG4',
      'A new master key changes every endpoint\'s signing secret at once, which integrators already hold; endpoints rotate their own secrets (POST /webhook-endpoints/{id}/rotate-secret, with an overlap), and this key is replaced by hand only if it leaked (see docs/webhooks.md).',
    );
    // The courier shipments are booked with: its carrier id, address and bearer token, stored by an operator as {"courierId", "baseUrl", "token"}.
    const courierApiSecret = new Secret(this, 'CourierApiSecret', { description: secretOf('courier-api').description, generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'placeholder', excludePunctuation: true } });
    acknowledge(courierApiSecret, 'AwsSolutions-SMG4', 'The courier issues the API token; Secrets Manager cannot rotate it, so the operator writes a new one here.');
    // The courier's webhook signing keys, stored by an operator as {"current", "previous"?} (previous only while rotating).
    const courierWebhookSecrets = new Secret(this, 'CourierWebhookSecrets', { description: secretOf('courier-webhooks').description, generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'placeholder', excludePunctuation: true } });
    acknowledge(courierWebhookSecrets, 'AwsSolutions-SMG4', 'The courier issues webhook signing keys; Secrets Manager cannot rotate them, so the operator adds the new one as current with the old as previous, then retires the old (see docs/fulfillment.md).');

    for (const spec of wiring.functions) {
      const fn = new AppFunction(this.functionStackOf(spec.id), spec.id, {
        spec,
        projectRoot,
        stage,
        namePrefix,
        settings,
        resources: {
          table: this.data.table,
          buckets: this.storage.buckets,
          bus: this.messaging.bus,
          queues: this.messaging.queues,
          secrets: {
            'payment-webhooks': paymentWebhookSecrets,
            'payment-api': paymentApiSecret,
            'billing-api': billingApiSecret,
            'billing-webhooks': billingWebhookSecrets,
            'handover-codes': handoverCodes,
            'courier-api': courierApiSecret,
            'courier-webhooks': courierWebhookSecrets,
            'webhook-signing': webhookSigning,
          },
          shopperPool: this.identity.shopperPool,
          staffPool: this.identity.userPool,
        },
        environment: {
          [ENV.mediaBaseUrl]: this.storage.mediaBaseUrl,
          ...(spec.id === AUTHORIZER_FN
            ? {
                [ENV.jwtIssuer]: this.identity.issuer,
                [ENV.jwtAudience]: this.identity.client.userPoolClientId,
                [ENV.jwksUrl]: this.identity.jwksUrl,
                [ENV.shopperJwtIssuer]: this.identity.shopperIssuer,
                [ENV.shopperJwtAudience]: this.identity.shopperClient.userPoolClientId,
                [ENV.shopperJwksUrl]: this.identity.shopperJwksUrl,
                [ENV.peopleUsageKeySecretArn]: peopleUsageKey.secretArn,
              }
            : {}),
          ...(isConsoleSignInFunction(spec)
            ? {
                // The code's exchange ends with the access token verified like a bearer token: the staff pool's issuer and keys.
                [ENV.jwtIssuer]: this.identity.issuer,
                [ENV.jwtAudience]: this.identity.client.userPoolClientId,
                [ENV.jwksUrl]: this.identity.jwksUrl,
                [ENV.consoleSignIn]: 'cognito',
                [ENV.consoleCognitoDomain]: this.identity.hostedUiUrl,
                [ENV.consoleClientId]: this.identity.consoleClientId,
              }
            : {}),
        },
      });
      this.functions.set(spec.id, fn.function);
    }
    this.messaging.connectConsumers(this.functions);
    // A wiring without it (the tests' synthetic ones) leaves the shoppers' tokens as Cognito makes them.
    const tokenClaims = this.functions.get(SHOPPER_TOKEN_CLAIMS_FN);
    if (tokenClaims) this.identity.addShopperTokenClaims(tokenClaims);
    this.streamConsumers = new StreamConsumers(this, 'StreamConsumers', {
      namePrefix,
      table: this.data.table,
      streams: wiring.streams,
      functionsById: this.functions,
      alarmTopic: this.alarmTopic,
    });

    const authorizerFunction = this.functions.get(AUTHORIZER_FN);
    if (!authorizerFunction) throw new Error(`wiring: the authorizer ${AUTHORIZER_FN} is not among the functions`);
    peopleUsageKey.grantRead(authorizerFunction);
    // The REST API (resources, methods, gateway responses, WAF, usage plans and the functions' invoke permissions) is a
    // nested stack of its own: with every function in this one, a single stack would pass CloudFormation's 500 resources.
    this.apiStack = new NestedStack(this, 'ApiStack', { description: 'SmartShelf REST API: routes, authorizer, WAF, usage plans' });
    const apiFunctions = this.functionHandles(this.apiStack, namePrefix);
    this.api = new Api(this.apiStack, 'Api', {
      stage,
      namePrefix,
      settings,
      routes: wiring.routes,
      functionsById: apiFunctions,
      authorizerFunction: apiFunctions.get(AUTHORIZER_FN) ?? authorizerFunction,
      peopleUsageKey,
    });

    this.console = new ConsoleSite(this, 'Console', {
      settings,
      logsBucket: this.storage.logsBucket,
      restApi: this.api.restApi,
      routes: wiring.routes,
      assetsDir: props.consoleAssetsDir,
    });
    this.identity.allowConsoleAt(this.console.consoleUrl, settings);

    this.workflows = new Workflows(this, 'Workflows', {
      namePrefix,
      projectRoot,
      settings,
      schedules: wiring.schedules,
      stateMachines: wiring.stateMachines,
      functionsById: this.functions,
      alarmTopic: this.alarmTopic,
    });
    this.observability = new ObservabilityStack(this, 'ObservabilityStack', {
      namePrefix,
      stage,
      settings,
      wiring,
      apiName: this.api.restApi.restApiName,
      alarmTopic: this.alarmTopic,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.restApi.url, description: 'Base URL of the REST API stage' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.identity.client.userPoolClientId });
    new CfnOutput(this, 'ShopperUserPoolId', { value: this.identity.shopperPool.userPoolId });
    new CfnOutput(this, 'ShopperUserPoolClientId', { value: this.identity.shopperClient.userPoolClientId });
    new CfnOutput(this, 'EventBusName', { value: this.messaging.bus.eventBusName });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName, description: 'Run `TABLE_NAME=<this> npm run migrate` after a deploy' });
    new CfnOutput(this, 'MediaBaseUrl', { value: this.storage.mediaBaseUrl });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.consoleUrl, description: 'The staff console (and the API beside it, on the same origin)' });
    new CfnOutput(this, 'ConsoleSignInUrl', { value: this.identity.hostedUiUrl, description: "The staff pool's hosted UI" });
  }

  /**
   * Every function as seen from another nested stack, by its ARN built from its fixed name rather than referenced,
   * and that stack made to wait for the function stacks. A reference would cost the API's stack one CloudFormation
   * parameter per function, past the 60 a stack may have; and the authorizer, which adds API Gateway's invoke
   * permission in its handler's scope, would put that permission in the authorizer's stack, referencing the API that
   * references the authorizer: a cycle. A handle made in the API's stack keeps every permission there.
   */
  private functionHandles(consumer: NestedStack, namePrefix: string): Map<string, IFunction> {
    for (const nested of this.functionStacks.values()) consumer.nestedStackResource?.addResourceDependency(nested.nestedStackResource as CfnResource);
    const handles = new Map<string, IFunction>();
    for (const id of this.functions.keys()) {
      const functionArn = this.formatArn({ service: 'lambda', resource: 'function', resourceName: `${namePrefix}-${id}`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      handles.set(id, LambdaFunction.fromFunctionAttributes(consumer, `Function-${id}`, { functionArn, sameEnvironment: true }));
    }
    return handles;
  }

  /**
   * The nested stack of a function's bounded context, created with its first function. The context is the id's part
   * before its first `-` (the `functions/<context>/` directory, or its first word), never the entry path: the
   * functions have fixed physical names, so moving one to another nested stack means creating it under a name its
   * old stack still holds, which CloudFormation refuses; a function's id, hence its name and its stack, never moves.
   */
  private functionStackOf(functionId: string): NestedStack {
    const context = functionId.split('-')[0] ?? functionId;
    let nested = this.functionStacks.get(context);
    if (!nested) {
      const name = context.charAt(0).toUpperCase() + context.slice(1);
      nested = new NestedStack(this, `Functions${name}`, { description: `SmartShelf ${context} functions: Lambda functions, roles, log groups, triggers` });
      this.functionStacks.set(context, nested);
    }
    return nested;
  }
}
