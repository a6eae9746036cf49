import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { configuredPorts, dataDir, runningStack, startLocalStack, stopRunningStack } from '../infra/local/stack.ts';
import { UsageError, table } from './output.ts';
import { viberTokenFile } from '../infra/local/outreach-settings.ts';
import { envNames } from '../shared/environment.ts';

const printEndpoints = (environment: Record<string, string>): void => {
  console.log('\nPoint the AWS CLI or your own scripts at it with:');
  for (const [name, value] of Object.entries(environment)) {
    // A token is not printed: it is kept in the data folder.
    console.log(`  export ${name}=${name === envNames.viberToken ? `$(cat ${viberTokenFile()})` : value}`);
  }
};

/** `comeback stack up`: runs until Ctrl-C, then stops everything it started (Java included). */
export const stackUp = async (options: { detach?: boolean }): Promise<void> => {
  const running = await runningStack();
  if (running) {
    console.log(`The local stack is already running (pid ${running.state.pid}). \`comeback stack status\` shows it.`);
    return;
  }
  if (options.detach) return detach();
  const started = Date.now();
  const stack = await startLocalStack({ ports: configuredPorts(), register: true, onStep: (step) => console.log(`  ${step}…`) });
  console.log(`\nLocal stack up in ${((Date.now() - started) / 1000).toFixed(1)} s, data in ${dataDir()}`);
  console.log(`  DynamoDB Local   ${stack.environment.AWS_ENDPOINT_URL_DYNAMODB}`);
  console.log(`  SQS, SNS, S3     ${stack.environment.AWS_ENDPOINT_URL_SQS} (fauxqs)`);
  console.log(`  SES v2           ${stack.environment.AWS_ENDPOINT_URL_SESV2} (inbox in a browser at that address)`);
  console.log(`  SMS and voice    ${stack.environment.AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2} (outbox in a browser at that address)`);
  console.log(`  WhatsApp         ${stack.environment.AWS_ENDPOINT_URL_SOCIALMESSAGING} (End User Messaging Social; outbox in a browser at that address)`);
  console.log(
    `  Viber bot API    ${stack.environment[envNames.viberApiUrl]} (outbox in a browser at ${stack.environment[envNames.viberApiUrl]!.replace(/\/pa$/, '/')})`,
  );
  console.log(`  Viber webhook    ${stack.viberWebhook} (the bot's callbacks: subscriptions, delivered, seen, replies)`);
  printEndpoints(stack.environment);
  console.log('\nOther comeback commands use this stack while it runs. Ctrl-C stops it.');
  await new Promise<void>((resolve) => {
    const shutdown = (): void => {
      console.log('\nStopping the local stack…');
      void stack.stop().then(resolve);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
};

/** Starts `stack up` in the background, its output in .comeback/stack.log, and waits until it answers. */
const detach = async (): Promise<void> => {
  await mkdir(dataDir(), { recursive: true });
  const logPath = join(dataDir(), 'stack.log');
  const log = openSync(logPath, 'a');
  const child = spawn(process.execPath, [process.argv[1]!, 'stack', 'up'], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const running = await runningStack();
    if (running?.services.every((s) => s.up)) {
      console.log(`Local stack running in the background (pid ${running.state.pid}); log in ${logPath}. \`comeback stack down\` stops it.`);
      return;
    }
    if (child.exitCode !== null) throw new UsageError(`the stack did not start; see ${logPath}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new UsageError(`the stack did not answer within 90 s; see ${logPath}`);
};

export const stackDown = async (): Promise<void> => {
  const outcome = await stopRunningStack();
  console.log(outcome === 'stopped' ? 'Local stack stopped.' : 'No local stack is running.');
};

export const stackStatus = async (): Promise<boolean> => {
  const running = await runningStack();
  if (!running) {
    console.log(`No local stack is running (data in ${dataDir()}). Start one with \`comeback stack up\`.`);
    return false;
  }
  console.log(`Local stack (pid ${running.state.pid}, since ${running.state.startedAt}), data in ${dataDir()}`);
  console.log(
    table(
      running.services.map((s) => [s.service, s.endpoint, s.up ? 'up' : 'DOWN']),
      { indent: 2 },
    ),
  );
  return running.services.every((s) => s.up);
};
