import { CfnResource, Duration, Stack } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolOperation,
  VerificationEmailStyle,
  type UserPoolClient,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { scopesForRoles, STAFF_ROLES } from '../../../shared/auth/roles.js';
import { SCOPES } from '../../../shared/auth/scopes.js';
import { logRetentionOf, removalPolicyOf, type EnvironmentSettings } from '../environments.js';
import { acknowledge } from '../nag.js';

/** Prefix of every scope in a Cognito access token: `smartshelf/catalog:write`. */
export const RESOURCE_SERVER_IDENTIFIER = 'smartshelf';

/**
 * Minutes the console's access and ID tokens live. The console never holds them: the session function exchanges the
 * code, reads who signed in and keeps nothing, so nothing needs them for longer than that exchange.
 */
const CONSOLE_TOKEN_MINUTES = 15;
/** Cognito's shortest refresh token; the session function never uses it, and revocation is on. */
const CONSOLE_REFRESH_TOKEN_MINUTES = 60;
/** Until the distribution exists: a redirect nobody can be sent to with a code (see {@link Identity.allowConsoleAt}). */
const CONSOLE_CALLBACK_PLACEHOLDER = 'https://localhost/admin/';

/**
 * Two user pools, because staff and shoppers are trusted differently: staff accounts are made by an admin, carry
 * roles (groups) and must use MFA; shoppers sign themselves up, so nothing they can set on their account may make them
 * more than a shopper. The authorizer accepts both issuers, each with its own keys and its own rule for roles
 * (`shared/auth/authenticate.ts`): a token of the shoppers' pool is a shopper whatever it claims.
 *
 * The user pool for staff (integrations use API keys instead). Groups mirror the staff roles in
 * `shared/auth/roles.ts` and arrive as `cognito:groups`, beside the `store:<id>` groups an operator
 * creates for each store (see docs/security.md); the OAuth2 scopes of the resource server mirror
 * `shared/auth/scopes.ts`. The staff app client may ask only for scopes some staff role confers, and
 * a scope in a token only ever narrows what its groups allow. The authorizer checks tokens against
 * the issuer and JWKS exposed here.
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The `iss` of this pool's tokens. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** The shoppers' pool: self sign-up with a verified email, MFA optional. */
  readonly shopperPool: UserPool;
  /** The shoppers' apps (web and mobile): public (no secret), SRP sign-in. */
  readonly shopperClient: UserPoolClient;
  /** The `iss` of the shoppers' pool's tokens. */
  readonly shopperIssuer: string;
  readonly shopperJwksUrl: string;
  /** The staff pool's hosted UI, where staff sign in to the console (a Cognito domain from the environment's prefix). */
  readonly hostedUi: UserPoolDomain;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`: what the session functions receive as CONSOLE_COGNITO_DOMAIN. */
  readonly hostedUiUrl: string;
  /** The console's app client of the staff pool: authorization code with PKCE, public (no secret). */
  readonly consoleClient: CfnResource;
  /** Its id, what the session functions receive as CONSOLE_CLIENT_ID. */
  readonly consoleClientId: string;
  /**
   * The console client's settings as both CloudFormation and Cognito's UpdateUserPoolClient spell them: the client is
   * created from them and {@link allowConsoleAt} repeats them whole, since that call resets whatever it leaves out.
   */
  private readonly consoleClientSettings: Readonly<Record<string, unknown>>;

  constructor(scope: Construct, id: string, props: { settings: EnvironmentSettings }) {
    super(scope, id);
    const { settings } = props;
    const plus = settings.cognitoFeaturePlan === 'plus';
    this.userPool = new UserPool(this, 'UserPool', {
      // Staff accounts are created by an admin, never by sign-up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: plus ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(plus ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: settings.deletionProtection,
      removalPolicy: removalPolicyOf(settings),
    });
    if (!plus) {
      acknowledge(
        this.userPool,
        'AwsSolutions-COG8',
        'Threat protection (Plus tier, billed per active user) is enabled in prod through cognitoFeaturePlan; dev and staging pools hold test staff accounts only, and MFA is required everywhere.',
      );
    }

    for (const role of STAFF_ROLES) {
      this.userPool.addGroup(`Group-${role}`, { groupName: role, description: `SmartShelf role ${role}` });
    }

    const resourceServer = this.userPool.addResourceServer('Api', {
      identifier: RESOURCE_SERVER_IDENTIFIER,
      userPoolResourceServerName: 'SmartShelf API',
      scopes: SCOPES.map((s) => new ResourceServerScope({ scopeName: s, scopeDescription: `SmartShelf ${s}` })),
    });

    this.client = this.userPool.addClient('StaffConsole', {
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [
          OAuthScope.OPENID,
          OAuthScope.EMAIL,
          ...scopesForRoles(STAFF_ROLES).map((s) => OAuthScope.custom(`${RESOURCE_SERVER_IDENTIFIER}/${s}`)),
        ],
        callbackUrls: settings.callbackUrls,
      },
    });

    // Scopes are named literally above, so the client must wait for the server that defines them.
    this.client.node.addDependency(resourceServer);

    this.issuer = this.userPool.userPoolProviderUrl;
    this.jwksUrl = `${this.issuer}/.well-known/jwks.json`;

    // Managed login's classic hosted UI: it needs no branding resource, and MFA (required in this pool) works there.
    this.hostedUi = this.userPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix: settings.cognitoDomainPrefix } });
    this.hostedUiUrl = this.hostedUi.baseUrl();
    this.consoleClientSettings = {
      ClientName: 'smartshelf-console',
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', ...scopesForRoles(STAFF_ROLES).map((s) => `${RESOURCE_SERVER_IDENTIFIER}/${s}`)],
      SupportedIdentityProviders: ['COGNITO'],
      // Sign-in happens only in the hosted UI; the one API flow left is the refresh, which Cognito always allows.
      ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
      AccessTokenValidity: CONSOLE_TOKEN_MINUTES,
      IdTokenValidity: CONSOLE_TOKEN_MINUTES,
      RefreshTokenValidity: CONSOLE_REFRESH_TOKEN_MINUTES,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
      AuthSessionValidity: 3,
    };
    // A plain CloudFormation resource, so that its properties are exactly the settings UpdateUserPoolClient repeats.
    this.consoleClient = new CfnResource(this, 'ConsoleClient', {
      type: 'AWS::Cognito::UserPoolClient',
      properties: {
        UserPoolId: this.userPool.userPoolId,
        // A public client: the browser's code is exchanged with PKCE, and UpdateUserPoolClient cannot change this.
        GenerateSecret: false,
        ...this.consoleClientSettings,
        CallbackURLs: [CONSOLE_CALLBACK_PLACEHOLDER],
        LogoutURLs: [CONSOLE_CALLBACK_PLACEHOLDER],
      },
    });
    this.consoleClient.node.addDependency(resourceServer);
    this.consoleClientId = this.consoleClient.ref;

    this.shopperPool = new UserPool(this, 'ShopperPool', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      // A shopper proves the email is theirs with a code before they can sign in; the code is the verification message.
      autoVerify: { email: true },
      keepOriginal: { email: true },
      userVerification: {
        emailStyle: VerificationEmailStyle.CODE,
        emailSubject: 'Your SmartShelf verification code',
        emailBody: 'Welcome to SmartShelf. Your verification code is {####}.',
      },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 10,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      // Offered, not forced: a shopper who turns it on gets TOTP; forcing it would turn away people who just want groceries.
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: plus ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      ...(plus ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION } : {}),
      deletionProtection: settings.deletionProtection,
      removalPolicy: removalPolicyOf(settings),
    });
    acknowledge(
      this.shopperPool,
      'AwsSolutions-COG2',
      'Shoppers sign themselves up and MFA is offered to them (TOTP), not forced: a shopper holds only their own account, never staff roles, which stay in the staff pool where MFA is required.',
    );
    if (!plus) {
      acknowledge(
        this.shopperPool,
        'AwsSolutions-COG8',
        'Threat protection (Plus tier, billed per active user) is enabled in prod through cognitoFeaturePlan; dev and staging shopper pools hold test sign-ups only.',
      );
    }

    // The same identifier as the staff pool's, so scopes read the same in both pools' tokens; only shoppers' scopes.
    const shopperScopes = scopesForRoles(['shopper']);
    const shopperServer = this.shopperPool.addResourceServer('Api', {
      identifier: RESOURCE_SERVER_IDENTIFIER,
      userPoolResourceServerName: 'SmartShelf API',
      scopes: shopperScopes.map((s) => new ResourceServerScope({ scopeName: s, scopeDescription: `SmartShelf ${s}` })),
    });
    this.shopperClient = this.shopperPool.addClient('ShopperApp', {
      generateSecret: false,
      authFlows: { userSrp: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, ...shopperScopes.map((s) => OAuthScope.custom(`${RESOURCE_SERVER_IDENTIFIER}/${s}`))],
        callbackUrls: settings.callbackUrls,
      },
    });
    this.shopperClient.node.addDependency(shopperServer);

    this.shopperIssuer = this.shopperPool.userPoolProviderUrl;
    this.shopperJwksUrl = `${this.shopperIssuer}/.well-known/jwks.json`;
  }

  /**
   * Lets the hosted UI send staff back to the console at `consoleUrl` (`https://<distribution domain>/admin/`) after
   * sign-in and sign-out, by updating the console client once the distribution exists.
   *
   * The client cannot name the distribution itself: the session functions need the client's id, the API needs the
   * session functions (its stack waits for theirs), and the distribution needs the API, so a client naming the
   * distribution would close a dependency cycle. The client is therefore created with a placeholder redirect, and
   * this custom resource, which waits for both, calls UpdateUserPoolClient with every setting the client was
   * created with and the real redirect. Any change to those settings changes this call too, so it runs again after
   * CloudFormation has updated the client.
   */
  allowConsoleAt(consoleUrl: string, settings: EnvironmentSettings): AwsCustomResource {
    const call = {
      service: '@aws-sdk/client-cognito-identity-provider',
      action: 'UpdateUserPoolClient',
      parameters: {
        UserPoolId: this.userPool.userPoolId,
        ClientId: this.consoleClientId,
        ...this.consoleClientSettings,
        CallbackURLs: [consoleUrl],
        LogoutURLs: [consoleUrl],
      },
      physicalResourceId: PhysicalResourceId.of(`${this.node.path}/ConsoleClientRedirect`),
    };
    const redirect = new AwsCustomResource(this, 'ConsoleClientRedirect', {
      onCreate: call,
      onUpdate: call,
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: [this.userPool.userPoolArn] }),
      installLatestAwsSdk: false,
      // Kept like every function's logs rather than forever.
      logGroup: new LogGroup(this, 'ConsoleClientRedirectLogs', { retention: logRetentionOf(settings), removalPolicy: removalPolicyOf(settings) }),
    });
    redirect.node.addDependency(this.consoleClient);
    const provider = Stack.of(this).node.tryFindChild(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (!provider) throw new Error('no AwsCustomResource provider in the stack');
    acknowledge(
      provider,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "CDK's AwsCustomResource provider role uses AWSLambdaBasicExecutionRole for its own CloudWatch Logs; its one call is UpdateUserPoolClient on the staff pool.",
    );
    return redirect;
  }

  /**
   * Makes `fn` the shoppers' pool's pre-token-generation trigger, with the V2_0 event: the only version that can add
   * claims to the access token (our API's token), which the pool's feature plan (Essentials or Plus, never Lite)
   * allows. Cognito's invoke permission is made in the pool's scope, here, naming the function by its ARN: the function
   * lives in a nested stack, which must not reference the pool back.
   */
  addShopperTokenClaims(fn: IFunction): void {
    this.shopperPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG, fn, LambdaVersion.V2_0);
  }
}
