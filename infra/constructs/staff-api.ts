import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnUserPoolRiskConfigurationAttachment,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type IUserPool,
  type IUserPoolClient,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { methodsAnswering } from '../../functions/http.ts';
import { staffRoutes, type StaffGroup } from '../../functions/staff-api/routes.ts';
import { episodesTable } from '../resources.ts';
import { useAnswerTables } from './answer-tables.ts';
import { accessLogFields, addLoggedDefaultStage } from './clinic-api.ts';
import { ComebackFunction } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';

/** The Cognito groups the staff API's routes name (see `staffRoutes`), with what each may do. */
export const staffGroups: Readonly<Record<StaffGroup, { description: string; precedence: number }>> = {
  managers: { description: 'Managers: everything staff do, and the reason catalogue (candidates, merge, rename, retire)', precedence: 0 },
  staff: { description: 'Front desk and care staff: client cards, answers taken by phone, follow-ups', precedence: 10 },
};

/**
 * The people who sign in to the staff and managers' tools. A user pool with no self sign-up
 * (an administrator invites each person), email as the user name, a strong password policy,
 * TOTP as an optional second factor, and the Plus feature plan's threat protection enforced:
 * sign-ins with leaked credentials are blocked, high-risk ones must pass MFA. It is retained (and
 * protected from deletion) because it holds the staff's accounts, so it lives in the stateful stack.
 */
export class StaffUserPool extends Construct {
  readonly userPool: UserPool;
  /** The app client of the managers' tools: public (no secret), SRP sign-in and refresh tokens. */
  readonly toolsClient: UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // A changed address counts only once its owner has confirmed it.
      keepOriginal: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      userInvitation: {
        emailSubject: 'Your Comeback account',
        emailBody:
          "You have been invited to Comeback, the clinic's tool for following up with clients. Sign in as {username} with the temporary password {####} within three days, then choose your own.",
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional (TOTP) so a clinic can roll it out to shared front-desk staff over time; threat protection is enforced: sign-ins with leaked credentials are blocked, high-risk sign-ins require MFA and medium-risk ones use it when the user has it.',
    });

    // Threat protection's answers: block leaked passwords, make risky sign-ins prove themselves.
    new CfnUserPoolRiskConfigurationAttachment(this, 'RiskConfiguration', {
      userPoolId: this.userPool.userPoolId,
      clientId: 'ALL',
      compromisedCredentialsRiskConfiguration: {
        eventFilter: ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'],
        actions: { eventAction: 'BLOCK' },
      },
      accountTakeoverRiskConfiguration: {
        actions: {
          lowAction: { eventAction: 'NO_ACTION', notify: false },
          mediumAction: { eventAction: 'MFA_IF_CONFIGURED', notify: false },
          highAction: { eventAction: 'MFA_REQUIRED', notify: false },
        },
      },
    });

    for (const [groupName, group] of Object.entries(staffGroups)) {
      this.userPool.addGroup(groupName, { groupName, ...group });
    }

    this.toolsClient = this.userPool.addClient('ManagersTools', {
      generateSecret: false,
      authFlows: { userSrp: true },
      // The tools sign in with SRP, not through the hosted pages.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.minutes(15),
      accessTokenValidity: Duration.minutes(15),
      // One working day; then the person signs in again.
      refreshTokenValidity: Duration.hours(12),
    });
  }
}

/** Requests per second across the whole API: a clinic's staff, a few people at a time. */
const throttle: ThrottleSettings = { rateLimit: 10, burstLimit: 20 };

export interface StaffApiProps {
  readonly tables: DataTables;
  readonly userPool: IUserPool;
  /** The app clients whose tokens the API accepts. */
  readonly userPoolClients: readonly IUserPoolClient[];
  /** The web console's origin (`https://<domain>`, no path): the one origin whose pages may call the API. */
  readonly consoleOrigin: string;
}

/**
 * The staff and managers' API: an HTTP API whose every route needs a token from the staff
 * user pool (the JWT authorizer is the API's default, so routes added later have it too), one
 * route per entry of `staffRoutes` to the staff function, which checks the caller's groups.
 * Browsers may call it from the web console's origin only (CORS).
 */
export class StaffApi extends Construct {
  readonly function: ComebackFunction;
  readonly httpApi: HttpApi;
  readonly authorizer: HttpUserPoolAuthorizer;

  constructor(scope: Construct, id: string, props: StaffApiProps) {
    super(scope, id);
    const { tables } = props;

    this.function = new ComebackFunction(this, 'Function', {
      entry: 'functions/staff-api/handler.ts',
      description: 'Comeback: client cards, answers taken by staff, the reason catalogue and follow-ups',
      // HTTP APIs give up at 30 seconds.
      timeout: Duration.seconds(25),
    });
    const fn = this.function;
    // The client card also shows visits and lapse episodes.
    useAnswerTables(fn, tables, 'read');
    fn.useTable(episodesTable, tables.table(episodesTable), 'read');

    this.authorizer = new HttpUserPoolAuthorizer('StaffUserPool', props.userPool, { userPoolClients: [...props.userPoolClients] });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Comeback: staff and managers (Cognito sign-in)',
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer,
      // API Gateway answers the preflight itself, before the authorizer (a preflight carries no token).
      corsPreflight: {
        allowOrigins: [props.consoleOrigin],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.HEAD, CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization', 'content-type', 'accept'],
        // What the reports send back about a query still running and a CSV download.
        exposeHeaders: ['location', 'retry-after', 'content-disposition'],
        maxAge: Duration.hours(1),
      },
    });
    addLoggedDefaultStage(this, this.httpApi, { throttle, accessLogFields: accessLogFields('$context.authorizer.claims.sub') });

    const integration = new HttpLambdaIntegration('StaffFunction', fn);
    for (const route of Object.values(staffRoutes)) this.addRoute(HttpMethod[route.method], route.path, integration);
  }

  /**
   * Adds a route behind the user pool authorizer, to `handler` (a function or an integration
   * already made for one). A GET route comes with its HEAD: an HTTP API's routes are per method,
   * and the functions answer HEAD wherever they answer GET.
   */
  addRoute(method: HttpMethod, path: string, handler: IFunction | HttpLambdaIntegration): void {
    const integration = handler instanceof HttpLambdaIntegration ? handler : new HttpLambdaIntegration(`${method}${path}`, handler);
    this.httpApi.addRoutes({ path, methods: methodsAnswering(method).map((each) => HttpMethod[each]), integration, authorizer: this.authorizer });
  }

  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
