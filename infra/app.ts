import { App, Tags, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defaultModelPrices, defaultMonthlyCapUsd } from '../shared/answers/model-budget.ts';
import { isIsoDay } from '../shared/common/dates.ts';
import { isCurrency } from '../shared/common/money.ts';
import { environmentSchema, envNames, type EnvName, type Settings } from '../shared/environment.ts';
import type { AnswerModelSettings } from './constructs/answer-model.ts';
import { isSignInDomainPrefix } from './constructs/console.ts';
import type { MessengerSettings, ViberSettings, WhatsAppSettings } from './constructs/messengers.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack, type ConsoleContext, type OutreachContext } from './stateless-stack.ts';

export interface ComebackApp {
  readonly app: App;
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** The clinic's IANA time zone from CDK context `clinicTimeZone` (`-c clinicTimeZone=Europe/Paris`). */
export const clinicTimeZoneOf = (app: App): string => {
  const zone: unknown = app.node.tryGetContext('clinicTimeZone') ?? 'UTC';
  try {
    // A zone name (Intl would also take an offset such as +01:00, which has no daylight saving).
    if (typeof zone !== 'string' || !/^[A-Za-z]/.test(zone)) throw new RangeError('not a zone name');
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new Error(`CDK context clinicTimeZone=${JSON.stringify(zone)} is not an IANA time zone (e.g. Europe/London)`);
  }
  return zone;
};

/**
 * Outreach settings from CDK context (`-c clinicName=... -c emailFrom=...`), with placeholders
 * that synthesize. Without `replyBaseUrl` the links point at the reply page's own API.
 */
export const outreachSettingsOf = (app: App): OutreachContext => {
  const read = (key: string, fallback: string): string => {
    const value: unknown = app.node.tryGetContext(key) ?? fallback;
    if (typeof value !== 'string' || value === '') throw new Error(`CDK context ${key} must be a non-empty string`);
    return value;
  };
  const positive = (key: string, text: string): number => {
    const value = Number(text);
    if (!(value > 0)) throw new Error(`CDK context ${key}=${text} must be a number above 0`);
    return value;
  };
  // Optional: the reply page's own API unless the clinic puts it behind a domain of its own.
  const replyBaseUrlOf = (): string | undefined => {
    if (app.node.tryGetContext('replyBaseUrl') === undefined) return undefined;
    const text = read('replyBaseUrl', '');
    const url = URL.canParse(text) ? new URL(text) : undefined;
    if (url?.protocol !== 'https:' || url.search !== '' || url.hash !== '')
      throw new Error(`CDK context replyBaseUrl=${text} must be an https URL without query or fragment`);
    return text.replace(/\/+$/, '');
  };
  const replyBaseUrl = replyBaseUrlOf();
  return {
    clinicName: read('clinicName', 'Comeback clinic'),
    emailFrom: read('emailFrom', 'care@clinic.example'),
    smsOriginationIdentity: read('smsOriginationIdentity', '+10000000000'),
    voices: read('outreachVoices', 'en=JOANNA,el=MARIA,ru=TATYANA'),
    ...(replyBaseUrl !== undefined && { replyBaseUrl }),
    replySecretParameter: read('replySecretParameter', '/comeback/reply-secret'),
    defaultLocale: read('clinicLocale', 'en'),
    smsMessagesPerSecond: positive('smsMessagesPerSecond', read('smsMessagesPerSecond', '1')),
  };
};

/**
 * The earliest export day Athena looks for, from CDK context `analyticsFirstDay` (YYYY-MM-DD):
 * a clinic that imports visits older than 2020 sets it to its oldest visit's day.
 */
export const analyticsFirstDayOf = (app: App): string | undefined => {
  const day: unknown = app.node.tryGetContext('analyticsFirstDay');
  if (day === undefined) return undefined;
  if (typeof day !== 'string' || !isIsoDay(day)) throw new Error(`CDK context analyticsFirstDay=${JSON.stringify(day)} must be a date as YYYY-MM-DD`);
  return day;
};

/**
 * The optional Bedrock stage for answers the matcher cannot place, from CDK context:
 * `answerModel` (a foundation model id; absent, the stage is off), `answerModelMonthlyCapUsd`,
 * `answerModelUsdPer1000InputTokens` and `answerModelUsdPer1000OutputTokens` (the defaults
 * are a small model's). The role may invoke that one model, so an inference profile id
 * (`us.…`, `eu.…`, `global.…`), which spans regions, is refused.
 */
export const answerModelOf = (app: App): AnswerModelSettings | undefined => {
  const modelId: unknown = app.node.tryGetContext('answerModel');
  if (modelId === undefined || modelId === '') return undefined;
  if (typeof modelId !== 'string' || !/^[a-z0-9-]+\.[\w.:-]+$/.test(modelId) || /^(us|eu|apac|us-gov|jp|au|ca|global)\./.test(modelId))
    throw new Error(`CDK context answerModel=${JSON.stringify(modelId)} must be a Bedrock foundation model id, e.g. anthropic.claude-3-haiku-20240307-v1:0`);
  const amount = (key: string, fallback: number): number => {
    const value: unknown = app.node.tryGetContext(key) ?? fallback;
    const parsed = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    if (!(parsed >= 0 && Number.isFinite(parsed))) throw new Error(`CDK context ${key}=${JSON.stringify(value)} must be a number of US dollars, 0 or more`);
    return parsed;
  };
  return {
    modelId,
    monthlyCapUsd: amount('answerModelMonthlyCapUsd', defaultMonthlyCapUsd),
    usdPer1000InputTokens: amount('answerModelUsdPer1000InputTokens', defaultModelPrices.inputPer1000Tokens),
    usdPer1000OutputTokens: amount('answerModelUsdPer1000OutputTokens', defaultModelPrices.outputPer1000Tokens),
  };
};

/** A WhatsApp business account as PutWhatsAppBusinessAccountEventDestinations takes it. */
const businessAccountPattern = /^(waba-[0-9a-zA-Z]+|arn:[\w-]+:social-messaging:[\w-]+:\d{12}:waba\/[0-9a-zA-Z]+)$/;

/**
 * WhatsApp and Viber from CDK context, each off unless set up. WhatsApp: `whatsAppPhoneNumberId`
 * (`phone-number-id-…` or its ARN) turns it on; `whatsAppBusinessAccountId` (`waba-…` or its
 * ARN) lets the deployment point the account's events at the topic; `whatsAppTemplate`,
 * `whatsAppTemplateFallbackLanguage`, `whatsAppMessagesPerSecond`. Viber: `viberTokenParameter`
 * (the SSM SecureString with the bot's token) turns it on; `viberBotUri`,
 * `viberMessagesPerSecond`. Each value is checked as the functions will check it.
 */
export const messengerSettingsOf = (app: App): MessengerSettings => {
  const present = (key: string): boolean => {
    const value: unknown = app.node.tryGetContext(key);
    return value !== undefined && value !== '';
  };
  const setting = <N extends EnvName>(key: string, name: N): Settings[N] | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === '') return undefined;
    const parsed = environmentSchema.shape[name].safeParse(typeof value === 'number' ? String(value) : value);
    if (!parsed.success) throw new Error(`CDK context ${key}=${JSON.stringify(value)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return parsed.data as Settings[N];
  };
  const needs = (keys: readonly string[], on: string): void => {
    for (const key of keys.filter(present)) throw new Error(`CDK context ${key} needs ${on}`);
  };

  const phoneNumberId = setting('whatsAppPhoneNumberId', envNames.whatsAppPhoneNumberId);
  const whatsAppKeys = ['whatsAppBusinessAccountId', 'whatsAppTemplate', 'whatsAppTemplateFallbackLanguage', 'whatsAppMessagesPerSecond'];
  if (phoneNumberId === undefined) needs(whatsAppKeys, 'whatsAppPhoneNumberId (the number WhatsApp messages go from)');
  const account: unknown = app.node.tryGetContext('whatsAppBusinessAccountId');
  const businessAccountId = account === undefined || account === '' ? undefined : account;
  if (businessAccountId !== undefined && (typeof businessAccountId !== 'string' || !businessAccountPattern.test(businessAccountId)))
    throw new Error(`CDK context whatsAppBusinessAccountId=${JSON.stringify(businessAccountId)} must be waba-… or its ARN`);
  const template = setting('whatsAppTemplate', envNames.whatsAppTemplate);
  const templateFallbackLanguage = setting('whatsAppTemplateFallbackLanguage', envNames.whatsAppTemplateFallbackLanguage);
  const whatsAppRate = setting('whatsAppMessagesPerSecond', envNames.whatsAppMessagesPerSecond);
  const whatsApp: WhatsAppSettings | undefined =
    phoneNumberId === undefined
      ? undefined
      : {
          phoneNumberId,
          ...(businessAccountId !== undefined && { businessAccountId }),
          ...(template !== undefined && { template }),
          ...(templateFallbackLanguage !== undefined && { templateFallbackLanguage }),
          ...(whatsAppRate !== undefined && { messagesPerSecond: whatsAppRate }),
        };

  const tokenParameter = setting('viberTokenParameter', envNames.viberTokenParameter);
  if (tokenParameter === undefined) needs(['viberBotUri', 'viberMessagesPerSecond'], "viberTokenParameter (the SSM parameter with the bot's token)");
  if (tokenParameter !== undefined && !/^\/?[\w.-]+(\/[\w.-]+)*$/.test(tokenParameter))
    throw new Error(`CDK context viberTokenParameter=${tokenParameter} must be an SSM parameter name, e.g. /comeback/viber-token`);
  const botUri = setting('viberBotUri', envNames.viberBotUri);
  const viberRate = setting('viberMessagesPerSecond', envNames.viberMessagesPerSecond);
  const viber: ViberSettings | undefined =
    tokenParameter === undefined
      ? undefined
      : { tokenParameter, ...(botUri !== undefined && { botUri }), ...(viberRate !== undefined && { messagesPerSecond: viberRate }) };

  return { ...(whatsApp && { whatsApp }), ...(viber && { viber }) };
};

/**
 * The web console's settings from CDK context: `consoleDomainPrefix` (the managed login's
 * `https://<prefix>.auth.<region>.amazoncognito.com`; unique in the region, by default
 * `comeback-<account id>`), `consoleDomainName` with `consoleCertificateArn` (a domain of the
 * clinic's and its ACM certificate in us-east-1; without them the console has the distribution's
 * `*.cloudfront.net` name), and `clinicCurrency` (ISO 4217, default EUR).
 */
export const consoleSettingsOf = (app: App): ConsoleContext => {
  const optional = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`CDK context ${key} must be a string`);
    return value;
  };
  const signInDomainPrefix = optional('consoleDomainPrefix');
  if (signInDomainPrefix !== undefined && !isSignInDomainPrefix(signInDomainPrefix))
    throw new Error(
      `CDK context consoleDomainPrefix=${signInDomainPrefix} must be lower-case letters, digits and inner hyphens (at most 63), without aws, amazon or cognito`,
    );
  const domainName = optional('consoleDomainName');
  const certificateArn = optional('consoleCertificateArn');
  if ((domainName === undefined) !== (certificateArn === undefined))
    throw new Error('CDK context consoleDomainName and consoleCertificateArn go together: a domain of the clinic needs its certificate');
  if (domainName !== undefined && !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName))
    throw new Error(`CDK context consoleDomainName=${domainName} must be a lower-case domain name, e.g. console.clinic.example`);
  if (certificateArn !== undefined && !/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn))
    throw new Error(`CDK context consoleCertificateArn=${certificateArn} must be the ARN of an ACM certificate in us-east-1 (CloudFront takes no other)`);
  const currency = optional('clinicCurrency') ?? 'EUR';
  if (!isCurrency(currency)) throw new Error(`CDK context clinicCurrency=${currency} must be an ISO 4217 currency code, e.g. EUR`);
  return {
    ...(signInDomainPrefix !== undefined && { signInDomainPrefix }),
    ...(domainName !== undefined && certificateArn !== undefined && { customDomain: { domainName, certificateArn } }),
    currency,
  };
};

/** Both stacks, tagged. Without CDK_DEFAULT_ACCOUNT/REGION the stacks are environment-agnostic. */
export const createComebackApp = (app: App = new App()): ComebackApp => {
  const env: Environment = {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  const clinicTimeZone = clinicTimeZoneOf(app);
  const stateful = new StatefulStack(app, 'ComebackStateful', { env });
  const stateless = new StatelessStack(app, 'ComebackStateless', {
    env,
    tables: stateful.tables,
    analyticsBucket: stateful.analyticsBucket,
    queryResultsBucket: stateful.queryResultsBucket,
    analyticsFirstDay: analyticsFirstDayOf(app),
    dataKey: stateful.dataKey,
    clinicTimeZone,
    outreach: outreachSettingsOf(app),
    answerModel: answerModelOf(app),
    staffUserPool: stateful.staffUsers.userPool,
    staffUserPoolClients: [stateful.staffUsers.toolsClient],
    console: consoleSettingsOf(app),
    messengers: messengerSettingsOf(app),
  });
  Tags.of(app).add('app', 'comeback');
  return { app, stateful, stateless };
};

if (import.meta.main) {
  const { app } = createComebackApp();
  // Synthesis fails on any AwsSolutions finding that is not acknowledged where it arises.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
