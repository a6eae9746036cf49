import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, type HttpMethod, LogGroupLogDestination, type HttpStage, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Requests per second across the whole API; a clinic system sends visits in modest batches. */
const throttle: ThrottleSettings = { rateLimit: 20, burstLimit: 40 };

/**
 * HTTP API context variables logged per request: identifiers only, never request bodies,
 * and the route's template (`$context.routeKey`), never the raw path, whose parameters may
 * be secrets (a reply link's token). `caller` is the context variable that names who called,
 * when the API has an authorizer: the IAM principal, or the JWT's subject.
 */
export const accessLogFields = (caller?: string): Record<string, string> => ({
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  ...(caller !== undefined && { caller }),
  sourceIp: '$context.identity.sourceIp',
  ...(caller !== undefined && { authorizerError: '$context.authorizer.error' }),
  integrationError: '$context.integrationErrorMessage',
});

export interface LoggedStageProps {
  /** Requests per second across the whole API. */
  readonly throttle: ThrottleSettings;
  /** What each access-log line holds, e.g. `accessLogFields('$context.authorizer.claims.sub')`. */
  readonly accessLogFields: Readonly<Record<string, string>>;
}

/**
 * The one stage every Comeback HTTP API has: `$default`, deployed on every change, throttled,
 * writing one JSON access-log line per request to a log group kept for a month (`AccessLogs`
 * beside the API, in `scope`).
 */
export const addLoggedDefaultStage = (scope: Construct, httpApi: HttpApi, props: LoggedStageProps): HttpStage => {
  const accessLogs = new LogGroup(scope, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
  return httpApi.addStage('DefaultStage', {
    stageName: '$default',
    autoDeploy: true,
    throttle: props.throttle,
    accessLogSettings: {
      destination: new LogGroupLogDestination(accessLogs),
      format: AccessLogFormat.custom(JSON.stringify(props.accessLogFields)),
    },
  });
};

/**
 * The machine-to-machine API that a clinic's own system calls. Every route requires a
 * SigV4-signed request from an IAM principal allowed to invoke it.
 */
export class ClinicApi extends Construct {
  readonly httpApi: HttpApi;
  private readonly authorizer = new HttpIamAuthorizer();

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Comeback: clinic systems record visits',
      createDefaultStage: false,
    });
    addLoggedDefaultStage(this, this.httpApi, { throttle, accessLogFields: accessLogFields('$context.identity.userArn') });
  }

  addRoute(id: string, method: HttpMethod, path: string, handler: IFunction): void {
    this.httpApi.addRoutes({
      path,
      methods: [method],
      integration: new HttpLambdaIntegration(id, handler),
      authorizer: this.authorizer,
    });
  }

  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
