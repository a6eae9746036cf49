/** Where the local stack keeps its data, and the secrets it makes once and keeps there. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Where the local stack keeps its data: `.comeback/` in the project, or COMEBACK_DATA_DIR. */
export const dataDir = (): string => resolve(process.env.COMEBACK_DATA_DIR ?? '.comeback');

/**
 * A secret of at least 32 characters made once and kept in `file` (only its owner may read it;
 * never in git), so every command and the stack process agree on it; a fresh one each call
 * when there is no file (a stack kept in memory).
 */
export const keptSecret = async (file: string | undefined): Promise<string> => {
  if (file === undefined) return randomBytes(36).toString('base64url');
  const kept = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (kept.length >= 32) return kept;
  const secret = randomBytes(36).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
};
