import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Requests per second across the whole API; a clinic system sends visits in modest batches. */
const throttle = { rateLimit: 20, burstLimit: 40 };

/** HTTP API context variables logged per request; identifiers only, never request bodies. */
const accessLogFields = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  caller: '$context.identity.userArn',
  sourceIp: '$context.identity.sourceIp',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage',
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

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
    });
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
