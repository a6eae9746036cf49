import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { consoleSettingsOf, createComebackApp } from '../../../infra/app.ts';
import type { StatelessStack } from '../../../infra/stateless-stack.ts';

// Prepare: the whole app with the flags `cdk synth` uses, unbundled (the console is not built),
// for a clinic on London time that counts in pounds; and once more with a domain of the clinic's.
const { context } = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> };
const appContext = { ...context, 'aws:cdk:bundling-stacks': [], clinicTimeZone: 'Europe/London', clinicCurrency: 'GBP' };
const { app, stateful, stateless } = createComebackApp(new App({ context: appContext }));
app.synth();
const template = Template.fromStack(stateless);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;

const customDomain = { consoleDomainName: 'console.clinic.example', consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f' };
const withDomain = createComebackApp(new App({ context: { ...appContext, ...customDomain, consoleDomainPrefix: 'clinic-console' } })).stateless;
const domainTemplate = Template.fromStack(withDomain);

const idIn = (stack: StatelessStack, construct: IConstruct) => stack.getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
const idOf = (construct: IConstruct) => idIn(stateless, construct);
const console_ = stateless.console;
const only = <T>(found: Record<string, T>): [string, T] => {
  const entries = Object.entries(found);
  expect(entries).toHaveLength(1);
  return entries[0]!;
};

/** A CloudFormation string as text: references as `{LogicalId}` or `{LogicalId.Attribute}`. */
const text = (value: unknown): string => {
  if (typeof value === 'string') return value;
  const node = value as Record<string, any>;
  if (node['Fn::Join']) return (node['Fn::Join'][1] as unknown[]).map(text).join(node['Fn::Join'][0]);
  if (node.Ref) return `{${node.Ref}}`;
  if (node['Fn::GetAtt']) return `{${(node['Fn::GetAtt'] as string[]).join('.')}}`;
  if (node['Fn::ImportValue']) return `{import ${text(node['Fn::ImportValue'])}}`;
  return JSON.stringify(value);
};

const distributionId = idOf(console_.distribution);
const distributionDomain = `https://{${distributionId}.DomainName}`;
const distributionConfig = () => resources[distributionId]!.Properties.DistributionConfig;
const clientId = idOf(console_.client);
const signInDomain = `https://{${idOf(console_.signInDomain)}}.auth.{AWS::Region}.amazoncognito.com`;

describe('the console files', () => {
  const bucketId = idOf(console_.bucket);

  it('are in a private, encrypted bucket', () => {
    expect(resources[bucketId]!.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: idOf(console_.accessLogsBucket) } },
    });
  });

  it('that only the distribution may read (origin access control), and never without TLS', () => {
    const [, policy] = only(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } }));
    const statements = policy.Properties.PolicyDocument.Statement as { Effect: string; Principal: unknown; Action: unknown; Condition: any }[];
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toEqual([
      expect.objectContaining({ Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    const allowed = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allowed).toHaveLength(1);
    expect(allowed[0]).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(text(allowed[0]!.Condition.StringEquals['AWS:SourceArn'])).toBe(
      `arn:{AWS::Partition}:cloudfront::{AWS::AccountId}:distribution/{${distributionId}}`,
    );
  });

  it('go with config.json, and the deployment has CloudFront drop its copies of the pages', () => {
    const [, deployment] = only(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployment.Properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId },
      DistributionId: { Ref: distributionId },
      Prune: false,
      RetainOnDelete: false,
    });
    expect(deployment.Properties.DistributionPaths).toEqual(expect.arrayContaining(['/', '/index.html', '/config.json']));
  });

  it('are not built when synthesis skips bundling: the console asset is its source folder', () => {
    const manifest = JSON.parse(readFileSync(path.join(app.outdir, `${stateless.artifactId}.assets.json`), 'utf8')) as {
      files: Record<string, { displayName?: string; source: { path: string } }>;
    };
    const built = Object.values(manifest.files).filter((file) => file.displayName?.startsWith('Console/Deployment/Asset'));
    expect(built.map((file) => file.source.path)).toContain(path.resolve(import.meta.dirname, '../../../console'));
  });
});

describe('config.json', () => {
  /** The file the deployment writes, with each deploy-time value shown as its reference. */
  const config = () => {
    const [, deployment] = only(template.findResources('Custom::CDKBucketDeployment'));
    const index = (deployment.Properties.SourceMarkers as Record<string, unknown>[]).findIndex((markers) => Object.keys(markers).length > 0);
    const key = (deployment.Properties.SourceObjectKeys[index] as string).replace(/\.zip$/, '');
    let raw = readFileSync(path.join(app.outdir, `asset.${key}`, 'config.json'), 'utf8');
    for (const [marker, value] of Object.entries(deployment.Properties.SourceMarkers[index] as Record<string, unknown>))
      raw = raw.replaceAll(marker, text(value));
    return JSON.parse(raw) as unknown;
  };

  it('names the managed login, the console client, the staff API and the clinic’s time zone, language and money', () => {
    expect(config()).toEqual({
      auth: { kind: 'cognito', domain: signInDomain, clientId: `{${clientId}}`, scopes: ['openid', 'email', 'profile'] },
      apiUrl: `{${idOf(stateless.staffApi.httpApi)}.ApiEndpoint}`,
      timeZone: 'Europe/London',
      locale: 'en',
      currency: 'GBP',
    });
  });
});

describe('the distribution', () => {
  it('reads the bucket through origin access control', () => {
    const [oacId] = only(template.findResources('AWS::CloudFront::OriginAccessControl'));
    expect(distributionConfig().Origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [idOf(console_.bucket), 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
  });

  it('answers HTTPS only (HTTP is redirected), over HTTP/2 and 3, from the cheapest price class, index.html at the root', () => {
    const behaviors = [distributionConfig().DefaultCacheBehavior, ...distributionConfig().CacheBehaviors];
    for (const behavior of behaviors) expect(behavior).toMatchObject({ ViewerProtocolPolicy: 'redirect-to-https', AllowedMethods: ['GET', 'HEAD'] });
    expect(distributionConfig()).toMatchObject({ DefaultRootObject: 'index.html', HttpVersion: 'http2and3', PriceClass: 'PriceClass_100' });
  });

  it('logs every request to an encrypted log bucket that keeps logs 90 days', () => {
    const logsId = idOf(console_.accessLogsBucket);
    expect(distributionConfig().Logging).toEqual({ Bucket: { 'Fn::GetAtt': [logsId, 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
    expect(resources[logsId]!.Properties).toMatchObject({
      // CloudFront standard logging writes with ACLs.
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90, Status: 'Enabled' })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('keeps hashed assets for a long time, and has browsers check index.html and config.json on every load', () => {
    const { DefaultCacheBehavior, CacheBehaviors } = distributionConfig();
    const cacheControl = (policyId: unknown) =>
      resources[(policyId as { Ref: string }).Ref]!.Properties.ResponseHeadersPolicyConfig.CustomHeadersConfig.Items.find(
        (header: { Header: string }) => header.Header === 'Cache-Control',
      );
    expect(CacheBehaviors).toEqual([expect.objectContaining({ PathPattern: '/assets/*', CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' })]);
    expect(cacheControl(CacheBehaviors[0].ResponseHeadersPolicyId)).toEqual({
      Header: 'Cache-Control',
      Value: 'public, max-age=31536000, immutable',
      Override: true,
    });
    expect(cacheControl(DefaultCacheBehavior.ResponseHeadersPolicyId)).toEqual({ Header: 'Cache-Control', Value: 'no-cache', Override: true });
    const pageCaching = resources[DefaultCacheBehavior.CachePolicyId.Ref]!.Properties.CachePolicyConfig;
    expect(pageCaching.MaxTTL).toBeLessThanOrEqual(300);
  });

  it('uses the CloudFront name and certificate unless the clinic names a domain of its own', () => {
    expect(distributionConfig().ViewerCertificate).toBeUndefined();
    expect(distributionConfig().Aliases).toBeUndefined();
  });

  it('with a domain of the clinic’s, answers on it with its certificate, TLS 1.2 (2021 policy) at least, by SNI', () => {
    domainTemplate.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Aliases: ['console.clinic.example'],
        ViewerCertificate: { AcmCertificateArn: customDomain.consoleCertificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      },
    });
  });
});

describe('the security headers', () => {
  const policies = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy')).map(
    (policy) => policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig,
  );
  const behaviorPolicies = () =>
    [distributionConfig().DefaultCacheBehavior, ...distributionConfig().CacheBehaviors].map((behavior) => behavior.ResponseHeadersPolicyId.Ref);

  it('are on every behavior', () => {
    expect(policies).toHaveLength(2);
    expect(new Set(behaviorPolicies()).size).toBe(2);
    for (const id of behaviorPolicies()) expect(resources[id]!.Type).toBe('AWS::CloudFront::ResponseHeadersPolicy');
  });

  it('allow only the console’s own scripts and styles, no framing, no plug-ins, calls to the staff API and the managed login only', () => {
    for (const headers of policies) {
      expect(headers.ContentSecurityPolicy.Override).toBe(true);
      const directives = Object.fromEntries(
        text(headers.ContentSecurityPolicy.ContentSecurityPolicy)
          .split(';')
          .map((directive) => directive.trim().split(/\s+/))
          .map(([name, ...sources]) => [name, sources]),
      );
      expect(directives).toEqual({
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'", 'https://*.execute-api.{AWS::Region}.{AWS::URLSuffix}', signInDomain],
        'form-action': ["'self'", 'https://*.execute-api.{AWS::Region}.{AWS::URLSuffix}', signInDomain],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
        'object-src': ["'none'"],
      });
    }
    expect(JSON.stringify(template.toJSON())).not.toMatch(/unsafe-inline|unsafe-eval/);
  });

  it('make browsers keep to HTTPS for two years, sniff no content types, refuse framing and send no referrer', () => {
    for (const headers of policies) {
      expect(headers).toMatchObject({
        StrictTransportSecurity: { AccessControlMaxAgeSec: 2 * 365 * 24 * 60 * 60, IncludeSubdomains: true, Preload: true, Override: true },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
      });
    }
  });
});

describe('sign-in', () => {
  const client = () => resources[clientId]!.Properties;
  const staffPool = () => text(stateless.resolve(stateful.staffUsers.userPool.userPoolId));

  it('is the staff user pool’s managed login (the newer version) on a Cognito domain, styled for the console client', () => {
    const [, domain] = only(template.findResources('AWS::Cognito::UserPoolDomain'));
    expect(domain.Properties).toMatchObject({ ManagedLoginVersion: 2 });
    expect(text(domain.Properties.UserPoolId)).toBe(staffPool());
    expect(text(domain.Properties.Domain)).toBe('comeback-{AWS::AccountId}');
    const [, style] = only(template.findResources('AWS::Cognito::ManagedLoginBranding'));
    expect(style.Properties).toEqual({ UserPoolId: domain.Properties.UserPoolId, ClientId: { Ref: clientId }, UseCognitoProvidedValues: true });
  });

  it('takes its domain prefix from CDK context consoleDomainPrefix', () => {
    domainTemplate.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'clinic-console' });
  });

  it('has a public console client (no secret) with the code flow only, back to the console’s own address', () => {
    expect(text(client().UserPoolId)).toBe(staffPool());
    expect(client()).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
    expect(client().CallbackURLs.map(text)).toEqual([`${distributionDomain}/`]);
    expect(client().LogoutURLs.map(text)).toEqual([`${distributionDomain}/`]);
  });

  it('gives tokens that last 15 minutes, renewed for one working day', () => {
    expect(client()).toMatchObject({
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      IdTokenValidity: 15,
      AccessTokenValidity: 15,
      RefreshTokenValidity: 12 * 60,
    });
  });

  it('returns to the clinic’s domain when it has one', () => {
    const [, domainClient] = only(domainTemplate.findResources('AWS::Cognito::UserPoolClient'));
    expect(domainClient.Properties.CallbackURLs).toEqual(['https://console.clinic.example/']);
    expect(domainClient.Properties.LogoutURLs).toEqual(['https://console.clinic.example/']);
  });
});

describe('the staff API for the console', () => {
  const apiId = idOf(stateless.staffApi.httpApi);

  it('allows cross-origin calls from the console’s origin only', () => {
    const cors = resources[apiId]!.Properties.CorsConfiguration;
    expect(cors.AllowOrigins.map(text)).toEqual([distributionDomain]);
    expect(cors).toMatchObject({
      AllowMethods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
      AllowHeaders: ['authorization', 'content-type', 'accept'],
      ExposeHeaders: ['location', 'retry-after', 'content-disposition'],
      MaxAge: 3600,
    });
    expect(cors.AllowCredentials).toBeUndefined();
    const domainApi = domainTemplate.toJSON().Resources[idIn(withDomain, withDomain.staffApi.httpApi)];
    expect(domainApi.Properties.CorsConfiguration.AllowOrigins).toEqual(['https://console.clinic.example']);
  });

  it('takes the console client’s tokens as well as the tools’', () => {
    const [, authorizer] = only(template.findResources('AWS::ApiGatewayV2::Authorizer', { Properties: { ApiId: { Ref: apiId } } }));
    const toolsClient = stateful.getLogicalId(stateful.staffUsers.toolsClient.node.defaultChild as CfnElement);
    expect(authorizer.Properties.JwtConfiguration.Audience.map(text)).toEqual([expect.stringContaining(`ExportsOutputRef${toolsClient}`), `{${clientId}}`]);
  });
});

describe('outputs', () => {
  it('name the console’s address and its sign-in domain', () => {
    expect(text(template.findOutputs('ConsoleUrl').ConsoleUrl!.Value)).toBe(`${distributionDomain}/`);
    expect(text(template.findOutputs('ConsoleSignInDomain').ConsoleSignInDomain!.Value)).toBe(signInDomain);
    expect(text(Template.fromStack(withDomain).findOutputs('ConsoleUrl').ConsoleUrl!.Value)).toBe('https://console.clinic.example/');
  });
});

describe('CDK context', () => {
  const settings = (extra: Record<string, unknown>) => consoleSettingsOf(new App({ context: extra }));

  it('defaults to the Cognito prefix comeback-<account>, the distribution’s own name and euros', () => {
    expect(settings({})).toEqual({ currency: 'EUR' });
  });

  it('refuses a prefix Cognito would refuse, a domain without its certificate, a certificate outside us-east-1, and an unknown currency', () => {
    expect(() => settings({ consoleDomainPrefix: 'Clinic' })).toThrow(/consoleDomainPrefix/);
    expect(() => settings({ consoleDomainPrefix: 'my-aws-console' })).toThrow(/consoleDomainPrefix/);
    expect(() => settings({ consoleDomainPrefix: 'clinic-' })).toThrow(/consoleDomainPrefix/);
    expect(() => settings({ consoleDomainName: 'console.clinic.example' })).toThrow(/go together/);
    expect(() => settings({ ...customDomain, consoleCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b' })).toThrow(/us-east-1/);
    expect(() => settings({ clinicCurrency: 'EURO' })).toThrow(/clinicCurrency/);
  });
});

describe('cdk-nag', () => {
  it.each([
    ['the CloudFront name', stateless],
    ['a domain of the clinic’s', withDomain],
  ])('finds nothing unacknowledged in the console with %s', (_, stack) => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations
      .flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`))
      .filter((finding) => /\/Console\/|CDKBucketDeployment/.test(finding));
    expect(findings).toEqual([]);
  });
});
