import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

/**
 * The only places outside shared/app.ts that may touch `process.env`, and why. The local stack
 * (infra/local) and bin/ set the environment the functions then read; the rest are the CDK's
 * and the CLI's own process flags, never a setting of the product.
 */
const allowed: readonly { readonly file: string; readonly reads: RegExp; readonly why: string }[] = [
  { file: 'shared/app.ts', reads: /env: Environment = process\.env/, why: 'the one composition root' },
  { file: 'shared/environment.ts', reads: /^\/\*\*.*`process\.env`/, why: 'a comment' },
  { file: 'infra/app.ts', reads: /process\.env\.CDK_DEFAULT_(ACCOUNT|REGION)/, why: "the CDK CLI's own account and region" },
  { file: 'cli/main.ts', reads: /process\.env\.COMEBACK_DEBUG/, why: 'a stack trace for the developer' },
  { file: 'cli/stack-session.ts', reads: /process\.env\.COMEBACK_STACK/, why: 'the CLI runs on the local stack or on AWS' },
  { file: 'cli/answers-command.ts', reads: /process\.env\.COMEBACK_USER/, why: 'who is acting, when --by is not given' },
  { file: 'cli/serve-command.ts', reads: /process\.env\.COMEBACK_USER/, why: 'who signs in, when --user is not given' },
  {
    file: 'shared/aws/dynamo-client-store.ts',
    reads: /process\.env\.AWS_ENDPOINT_URL_DYNAMODB \?\? process\.env\.AWS_ENDPOINT_URL \?\? ''/,
    why: "the SDK's own endpoint variables, only to keep one document client per endpoint",
  },
];

const sourceFiles = async (folder: string): Promise<string[]> => {
  const entries = await readdir(join(root, folder), { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && /\.(ts|js)$/.test(entry.name)).map((entry) => relative(root, join(entry.parentPath, entry.name)));
};

describe('reading the environment', () => {
  it('happens in shared/app.ts only (and the few process flags listed here)', async () => {
    const files = (await Promise.all(['shared', 'functions', 'cli', 'infra'].map(sourceFiles))).flat().filter((file) => !file.startsWith('infra/local/'));
    const unexpected: string[] = [];
    for (const file of files) {
      const lines = (await readFile(join(root, file), 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (!line.includes('process.env')) return;
        if (allowed.some((allow) => allow.file === file && allow.reads.test(line.trim()))) return;
        unexpected.push(`${file}:${index + 1}: ${line.trim()}`);
      });
    }
    expect(unexpected).toEqual([]);
  });
});
