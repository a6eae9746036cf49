import { Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, HttpNoneAuthorizer, type HttpStage, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { methodsAnswering } from '../../functions/http.ts';
import { replyRoutes } from '../../functions/reply-web/routes.ts';
import { useAnswerTables } from './answer-tables.ts';
import { accessLogFields, addLoggedDefaultStage } from './clinic-api.ts';
import { ComebackFunction } from './comeback-function.ts';
import type { DataTables } from './data-tables.ts';
import { envNames } from '../../shared/environment.ts';

/**
 * Requests per second across the whole page. Clients open links one by one over days after a
 * wave of requests; this is far above that and still caps what a flood of forged links costs.
 */
const throttle: ThrottleSettings = { rateLimit: 10, burstLimit: 25 };

export interface ReplyPageSettings {
  readonly clinicName: string;
  /** SSM SecureString with the reply-link signing secret(s), as the send function reads it. */
  readonly replySecretParameter: string;
  /** Language of the pages for clients without one. */
  readonly defaultLocale: string;
}

/** A provider's webhook on the page's API: public, its body's signature the only credential. */
export interface SignedCallbackRoute {
  /** Names the integration. */
  readonly id: string;
  /** `POST` on this path. */
  readonly path: string;
  readonly handler: IFunction;
  /** The route's own rate, apart from the page's. */
  readonly throttle: ThrottleSettings;
  /** How the function tells a genuine call from a forged one (the cdk-nag acknowledgement's reason). */
  readonly credential: string;
}

export interface ReplyWebProps {
  readonly tables: DataTables;
  readonly settings: ReplyPageSettings;
}

/**
 * The reply page: the links in feedback requests open it. A public HTTP API (a client opens
 * the link from an email or a text, signed in to nothing); the signed token in the path is the
 * only credential, and the function checks it. Answers go to the client's card, unknown words
 * become candidates in the reason catalogue, a call-back opens a follow-up, an involuntary
 * reason ends outreach, and the unsubscribe link adds the client to the suppression list.
 */
export class ReplyWeb extends Construct {
  readonly function: ComebackFunction;
  readonly httpApi: HttpApi;
  private readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ReplyWebProps) {
    super(scope, id);
    const { settings, tables } = props;

    this.function = new ComebackFunction(this, 'Function', {
      entry: 'functions/reply-web/handler.ts',
      description: 'Comeback: the reply page, where clients say why they stopped coming or unsubscribe',
      environment: {
        [envNames.clinicName]: settings.clinicName,
        [envNames.clinicLocale]: settings.defaultLocale,
      },
    });
    const fn = this.function;
    useAnswerTables(fn, tables, 'name only');
    fn.useParameter(envNames.replySecretParameter, settings.replySecretParameter);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Comeback: the reply page behind the links in feedback requests (public)',
      createDefaultStage: false,
    });
    this.stage = addLoggedDefaultStage(this, this.httpApi, { throttle, accessLogFields: accessLogFields() });

    const integration = new HttpLambdaIntegration('ReplyPage', fn);
    // A GET route comes with its HEAD (routes are per method; the function answers HEAD as GET).
    for (const route of Object.values(replyRoutes)) {
      const created = this.httpApi.addRoutes({
        path: route.path,
        methods: methodsAnswering(route.method).map((method) => HttpMethod[method]),
        integration,
        authorizer: new HttpNoneAuthorizer(),
      });
      for (const each of created) {
        Validations.of(each).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'The reply page is opened from links in emails and texts by clients who have no account; the signed, expiring token in the path is the credential, and the function verifies it before reading anything.',
        });
      }
    }
  }

  /**
   * Adds `POST path` for a provider's signed callbacks (Viber's webhook), with no authorizer and
   * a rate of its own, and returns its URL. The stage names the route in its settings, so it
   * waits for the route.
   */
  addSignedCallback(route: SignedCallbackRoute): string {
    const [created] = this.httpApi.addRoutes({
      path: route.path,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration(route.id, route.handler),
      authorizer: new HttpNoneAuthorizer(),
    });
    if (!created) throw new Error(`No route was added for POST ${route.path}`);
    Validations.of(created).acknowledge({ id: 'AwsSolutions-APIG4', reason: route.credential });
    const stage = this.stage.node.defaultChild as CfnStage;
    stage.addPropertyOverride(`RouteSettings.POST ${route.path}`, {
      ThrottlingRateLimit: route.throttle.rateLimit,
      ThrottlingBurstLimit: route.throttle.burstLimit,
    });
    stage.node.addDependency(created);
    return `${this.url}${route.path}`;
  }

  /** Where the page lives: `${url}/r/<token>`. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
