import { applyEnvironment, configuredPorts, runningStack, stackEnvironment, startLocalStack } from '../infra/local/stack.ts';
import { applyLocalOutreachSettings } from '../infra/local/outreach-settings.ts';
import { UsageError } from './output.ts';

/** Whether the CLI works on the local stack (its emulators play the clients' phones), not on AWS (COMEBACK_STACK=aws). */
export const onLocalStack = (): boolean => process.env.COMEBACK_STACK !== 'aws';

/**
 * Runs `work` against Comeback's data: the stack started by `comeback stack up` when one is
 * running, otherwise a local stack started for this command and stopped after it (its data
 * stays under .comeback/). With COMEBACK_STACK=aws the command uses the AWS account the SDK's
 * usual configuration points at, and the table names in the environment.
 */
export const withStack = async <T>(work: () => Promise<T>, log: (message: string) => void = (m) => console.error(m)): Promise<T> => {
  if (!onLocalStack()) return work();
  await applyLocalOutreachSettings();
  const running = await runningStack();
  if (running?.services.every((service) => service.up)) {
    applyEnvironment(stackEnvironment(running.state.ports));
    return work();
  }
  log('Starting the local stack for this command (keep one running with `comeback stack up` to skip this)…');
  const stack = await startLocalStack({ ports: configuredPorts() });
  const stopOnSignal = (): void => {
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    return await work();
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await stack.stop();
  }
};

/**
 * Runs `work` against the stack `comeback stack up` keeps running, for what only lives as long
 * as that process (a fate told to an emulator); refuses, saying why, when none runs.
 */
export const withRunningStack = async <T>(why: string, work: () => Promise<T>): Promise<T> => {
  if (!onLocalStack()) throw new UsageError(`${why}: there is none with COMEBACK_STACK=aws`);
  const running = await runningStack();
  if (!running?.services.every((service) => service.up)) {
    throw new UsageError(`${why}, and no local stack is running: start one with \`comeback stack up\` (--detach for the background)`);
  }
  await applyLocalOutreachSettings();
  applyEnvironment(stackEnvironment(running.state.ports));
  return work();
};
