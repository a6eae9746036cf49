/** What the local stand-ins for providers (SMS and voice, WhatsApp, Viber) share. */
import type { IncomingMessage } from 'node:http';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../shared/common/app-error.ts';

export const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

export const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char]!);

export interface Outbox<M> {
  /** Every message, oldest first: those kept from earlier runs, then this run's. */
  readonly messages: M[];
  readonly keep: (message: M) => Promise<void>;
}

/** The messages an emulator sent, kept in `<dataDir>/outbox.jsonl` across restarts; in memory only without a folder. */
export const openOutbox = async <M>(dataDir: string | undefined): Promise<Outbox<M>> => {
  const messages: M[] = [];
  const file = dataDir ? join(dataDir, 'outbox.jsonl') : undefined;
  if (dataDir && file) {
    await mkdir(dataDir, { recursive: true });
    const kept = await readFile(file, 'utf8').catch(() => '');
    for (const line of kept.split('\n')) if (line.trim()) messages.push(JSON.parse(line) as M);
  }
  return {
    messages,
    keep: async (message) => {
      messages.push(message);
      if (file) await appendFile(file, `${JSON.stringify(message)}\n`);
    },
  };
};

/** What an emulator's JSON route answers (its outbox, its messages), for the CLI and the demo. */
export const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

/** An emulator (or the local webhook) refused what was posted: its own `message`, else its text or status. */
export class EmulatorRefusedError extends AppError {
  override readonly name = 'EmulatorRefusedError';
  readonly kind = 'invalid';
}

/** POSTs JSON to a local emulator's route; a refusal throws EmulatorRefusedError naming `who` and what it said. */
export const postJson = async (url: string, body: unknown, who: string = url): Promise<void> => {
  const response = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  const text = await response.text();
  if (response.ok) return;
  let said: string | undefined;
  try {
    said = (JSON.parse(text) as { message?: string }).message;
  } catch {
    said = text.trim() || undefined;
  }
  throw new EmulatorRefusedError(`${who} refused: ${said ?? `HTTP ${response.status}`}`);
};
