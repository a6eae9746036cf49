import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
  type ResponseSecurityHeadersBehavior,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  CfnManagedLoginBranding,
  ManagedLoginVersion,
  OAuthScope,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolDomain,
  type IUserPool,
} from 'aws-cdk-lib/aws-cognito';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { consoleContentSecurityPolicy } from '../../console/security-headers.ts';
import type { ConsoleConfig } from '../../console/src/config.ts';
import { acknowledgeWildcardResource } from './acknowledge.ts';

const projectRoot = path.resolve(import.meta.dirname, '../..');
const consoleSources = path.join(projectRoot, 'console');
/** Writes index.html and assets/ into the directory after `--out`. */
const consoleBuild = path.join(consoleSources, 'build.ts');

/** A Cognito domain prefix: lower-case letters, digits and inner hyphens, without AWS's reserved words. */
export const isSignInDomainPrefix = (prefix: string): boolean => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix) && !/aws|amazon|cognito/.test(prefix);

/** The clinic's settings the console shows its pages in. */
export interface ConsoleClinicSettings {
  /** The staff and managers' API, without a trailing slash. */
  readonly apiUrl: string;
  /** IANA time zone: every date and time is shown in it. */
  readonly timeZone: string;
  /** The console's language until a person picks another. */
  readonly locale: string;
  /** ISO 4217 code of the clinic's money. */
  readonly currency: string;
}

/** A domain of the clinic's for the console, instead of the distribution's `*.cloudfront.net` name. */
export interface ConsoleCustomDomain {
  readonly domainName: string;
  /** An ACM certificate for `domainName`, in us-east-1 (CloudFront takes certificates from there only). */
  readonly certificateArn: string;
}

export interface ClinicConsoleProps {
  /** The staff user pool: people sign in to the console through its managed login. */
  readonly userPool: IUserPool;
  /** The managed login's address is `https://<prefix>.auth.<region>.amazoncognito.com`. @default comeback-<account id> */
  readonly signInDomainPrefix?: string;
  /** @default the distribution's own `*.cloudfront.net` name and certificate */
  readonly customDomain?: ConsoleCustomDomain;
}

const tokenValidity = { id: Duration.minutes(15), access: Duration.minutes(15), refresh: Duration.hours(12) };
const signInScopes = [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE];
const accessLogRetention = Duration.days(90);

/**
 * The clinic web console: its static files in a private bucket that only the CloudFront
 * distribution reads (origin access control), served over HTTPS with strict security headers, and
 * its sign-in through the staff user pool's managed login (authorization code with PKCE, public
 * client). `publish` adds the files and the runtime `/config.json`, once the staff API exists:
 * the API's CORS names the console's origin, so the distribution cannot name the API in turn.
 */
export class ClinicConsole extends Construct {
  readonly bucket: Bucket;
  /** CloudFront's standard logs and the file bucket's server access logs. */
  readonly accessLogsBucket: Bucket;
  readonly distribution: Distribution;
  readonly signInDomain: UserPoolDomain;
  /** The console's app client: public (no secret), code flow only, back to the console's own address. */
  readonly client: UserPoolClient;
  /** `https://<console domain>`, as browsers send it in `Origin`. */
  readonly origin: string;
  private deployment?: BucketDeployment;

  constructor(scope: Construct, id: string, props: ClinicConsoleProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const prefix = props.signInDomainPrefix ?? `comeback-${stack.account}`;
    if (!Token.isUnresolved(prefix) && !isSignInDomainPrefix(prefix))
      throw new Error(`ClinicConsole: ${JSON.stringify(prefix)} is no Cognito domain prefix (a-z, 0-9, inner hyphens, at most 63, no aws/amazon/cognito)`);
    this.signInDomain = new UserPoolDomain(this, 'SignInDomain', {
      userPool: props.userPool,
      cognitoDomain: { domainPrefix: prefix },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    // CloudFront standard logging writes with ACLs, so this bucket keeps them (object writer).
    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      enforceSSL: true,
      lifecycleRules: [{ expiration: accessLogRetention }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the access log target; logging its own access would write a log record for every log delivery.',
    });

    this.bucket = new Bucket(this, 'Files', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'console-files/',
      // Only built files, made again by every deployment: the deployment empties the bucket when it
      // is removed (retainOnDelete false), so CloudFormation can delete it without an auto-delete function.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const customDomain = props.customDomain;
    if (customDomain && !Token.isUnresolved(customDomain.certificateArn) && !/^arn:aws[a-z-]*:acm:us-east-1:/.test(customDomain.certificateArn))
      throw new Error(`ClinicConsole: the certificate of ${customDomain.domainName} must be an ACM certificate in us-east-1 (CloudFront takes no other)`);

    const origin = S3BucketOrigin.withOriginAccessControl(this.bucket);
    const viewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS;
    const securityHeaders = this.securityHeaders();
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Comeback: the clinic web console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin,
        viewerProtocolPolicy,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        compress: true,
        // index.html and config.json: fresh within a minute, at once after a deployment's invalidation.
        cachePolicy: new CachePolicy(this, 'PageCaching', {
          comment: 'Comeback console: index.html and config.json',
          defaultTtl: Duration.minutes(1),
          maxTtl: Duration.minutes(5),
          minTtl: Duration.seconds(0),
          enableAcceptEncodingGzip: true,
          enableAcceptEncodingBrotli: true,
        }),
        responseHeadersPolicy: new ResponseHeadersPolicy(this, 'PageHeaders', {
          comment: 'Comeback console: security headers; browsers check the page again on every load',
          securityHeadersBehavior: securityHeaders,
          customHeadersBehavior: { customHeaders: [{ header: 'Cache-Control', value: 'no-cache', override: true }] },
        }),
      },
      additionalBehaviors: {
        // The build names these files by their content hash, so a copy never goes stale.
        '/assets/*': {
          origin,
          viewerProtocolPolicy,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          compress: true,
          cachePolicy: CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: new ResponseHeadersPolicy(this, 'AssetHeaders', {
            comment: 'Comeback console: security headers; content-hashed files are kept a year',
            securityHeadersBehavior: securityHeaders,
            customHeadersBehavior: { customHeaders: [{ header: 'Cache-Control', value: 'public, max-age=31536000, immutable', override: true }] },
          }),
        },
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.accessLogsBucket,
      logFilePrefix: 'cloudfront/',
      ...(customDomain && {
        domainNames: [customDomain.domainName],
        certificate: Certificate.fromCertificateArn(this, 'Certificate', customDomain.certificateArn),
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
    });
    this.acknowledgeDistributionFindings(customDomain !== undefined);

    this.origin = `https://${customDomain?.domainName ?? this.distribution.distributionDomainName}`;
    // A public client: a browser keeps no secret. Cognito does not insist on PKCE for such a
    // client, but the console sends an S256 challenge with every sign-in (console/src/auth.ts),
    // after which Cognito trades the code only for its verifier; codes go back to this address only.
    this.client = new UserPoolClient(this, 'Client', {
      userPool: props.userPool,
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: signInScopes,
        callbackUrls: [`${this.origin}/`],
        logoutUrls: [`${this.origin}/`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: tokenValidity.id,
      accessTokenValidity: tokenValidity.access,
      // One working day; then the person signs in again.
      refreshTokenValidity: tokenValidity.refresh,
    });
    // The newer managed login shows an error page to a client without a style.
    new CfnManagedLoginBranding(this, 'SignInStyle', {
      userPoolId: props.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
  }

  /** `https://<console domain>/`: where people open the console, and where sign-in returns. */
  get url(): string {
    return `${this.origin}/`;
  }

  /** The managed login's base URL, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  get signInUrl(): string {
    return this.signInDomain.baseUrl();
  }

  /**
   * Deploys the built console and its `/config.json`, and has CloudFront drop its copies of the
   * pages that name the new files. When synthesis skips bundling (`aws:cdk:bundling-stacks`
   * leaves this stack out, as the unit tests do), the CDK does not run the build: the asset is
   * then the unbuilt folder, and such an assembly is not deployed.
   */
  publish(settings: ConsoleClinicSettings): BucketDeployment {
    if (this.deployment) throw new Error('ClinicConsole: the console is published once');
    const config: ConsoleConfig = {
      auth: { kind: 'cognito', domain: this.signInUrl, clientId: this.client.userPoolClientId, scopes: signInScopes.map((scope) => scope.scopeName) },
      apiUrl: settings.apiUrl,
      timeZone: settings.timeZone,
      locale: settings.locale,
      currency: settings.currency,
    };
    this.deployment = new BucketDeployment(this, 'Deployment', {
      sources: [builtConsole(), Source.jsonData('config.json', config)],
      destinationBucket: this.bucket,
      // A page loaded before a deployment still finds the hashed files it asks for later.
      prune: false,
      retainOnDelete: false,
      distribution: this.distribution,
      distributionPaths: ['/', '/index.html', '/config.json'],
      logGroup: new LogGroup(this, 'DeploymentLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
    });
    this.acknowledgeDeploymentFindings(this.deployment);
    return this.deployment;
  }

  /**
   * Nothing runs but the console's own files: no inline script or style, no framing, no plug-ins;
   * it calls only the staff API (an API Gateway address in this region: the API's CORS names the
   * console, so the exact address would make a cycle) and the managed login.
   */
  private securityHeaders(): ResponseSecurityHeadersBehavior {
    const stack = Stack.of(this);
    const apiOrigins = `https://*.execute-api.${stack.region}.${stack.urlSuffix}`;
    const signIn = this.signInDomain.baseUrl();
    const contentSecurityPolicy = consoleContentSecurityPolicy([apiOrigins, signIn]);
    return {
      contentSecurityPolicy: { contentSecurityPolicy, override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(2 * 365), includeSubdomains: true, preload: true, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
    };
  }

  private acknowledgeDistributionFindings(hasCustomDomain: boolean): void {
    const findings = [
      {
        id: 'AwsSolutions-CFR1',
        reason: "The console serves only its static files; who may use it is decided by the staff user pool's sign-in, not by the viewer's country.",
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The distribution serves static files from a private bucket and no API: there is nothing for WAF rules to inspect; sign-in is protected by the user pool threat protection and the staff API by its JWT authorizer and throttling.',
      },
    ];
    if (!hasCustomDomain)
      findings.push({
        id: 'AwsSolutions-CFR4',
        reason:
          "Without a custom domain the distribution uses CloudFront's *.cloudfront.net certificate, whose security policy CloudFront fixes itself; set consoleDomainName and consoleCertificateArn to enforce TLSv1.2_2021.",
      });
    for (const finding of findings) Validations.of(this.distribution).acknowledge(finding);
  }

  /** The BucketDeployment's copying function and its role are the CDK's own (a Python handler with the AWS CLI). */
  private acknowledgeDeploymentFindings(deployment: BucketDeployment): void {
    const role = deployment.handlerRole;
    const handler = role.node.scope;
    if (handler)
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason: "The BucketDeployment's handler is the CDK's own; its runtime is the one aws-cdk-lib pins and moves forward on upgrade.",
      });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "The CDK makes the BucketDeployment handler's role with the basic execution managed policy: writing its own logs to CloudWatch Logs.",
    });
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'])
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason:
          "The CDK's grants for reading the deployment's asset archives and replacing the console's files; each statement names only the asset bucket or the console bucket.",
      });
    const assets = deployment.node.findAll().filter((each): each is Asset => each instanceof Asset);
    for (const bucket of new Set(assets.map((asset) => asset.bucket.arnForObjects('*'))))
      acknowledgeWildcardResource(
        role,
        bucket,
        "The deployment's source archives, in the CDK's asset bucket: object names are content hashes fixed at synthesis.",
      );
    acknowledgeWildcardResource(
      role,
      this.bucket.arnForObjects('*'),
      'The console bucket holds only the built console; the deployment copies every file into it.',
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "The CDK grants cloudfront:CreateInvalidation and GetInvalidation on every distribution; the handler invalidates only the console's, whose id the deployment passes it.",
    });
  }
}

/**
 * The console built by `node console/build.ts --out DIR`, on this machine (never in Docker).
 * Hashed by the build's output, so a change anywhere the console imports from redeploys it.
 */
const builtConsole = () =>
  Source.asset(consoleSources, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('node:24'),
      command: ['bash', '-c', 'echo the console is built locally && exit 1'],
      local: {
        tryBundle(outputDir: string): boolean {
          if (!existsSync(consoleBuild)) throw new Error(`The console cannot be built: ${consoleBuild} is missing (node console/build.ts --out DIR builds it)`);
          execFileSync(process.execPath, [consoleBuild, '--out', outputDir], { cwd: projectRoot, stdio: ['ignore', process.stderr, 'inherit'] });
          return true;
        },
      },
    },
  });
