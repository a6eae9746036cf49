/**
 * What the console reads at start from `/config.json`: written by the CDK deployment in the
 * cloud, by `comeback serve` locally. Nothing about the clinic is compiled into the files.
 */
export type SignInConfig =
  | { readonly kind: 'local' }
  | { readonly kind: 'cognito'; readonly domain: string; readonly clientId: string; readonly scopes?: readonly string[] };

export interface ConsoleConfig {
  readonly auth: SignInConfig;
  /** The staff and managers' API, without a trailing slash; '' when it is this page's own origin. */
  readonly apiUrl: string;
  /** The clinic's IANA time zone: every date and time is shown in it. */
  readonly timeZone: string;
  /** The clinic's language: the console's words, numbers and dates until a person picks another. */
  readonly locale: string;
  /** ISO 4217 code of the clinic's money. */
  readonly currency: string;
}

export class ConfigError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export const loadConfig = async (): Promise<ConsoleConfig> => {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new ConfigError(`/config.json answered ${response.status}: the console is not deployed completely`);
  const raw: unknown = await response.json();
  if (!isObject(raw) || !isObject(raw.auth) || (raw.auth.kind !== 'local' && raw.auth.kind !== 'cognito'))
    throw new ConfigError('/config.json has no sign-in settings (auth.kind: local or cognito)');
  return {
    auth: raw.auth as unknown as SignInConfig,
    apiUrl: typeof raw.apiUrl === 'string' ? raw.apiUrl.replace(/\/+$/, '') : '',
    timeZone: typeof raw.timeZone === 'string' ? raw.timeZone : 'UTC',
    locale: typeof raw.locale === 'string' ? raw.locale : 'en',
    currency: typeof raw.currency === 'string' ? raw.currency : 'EUR',
  };
};
