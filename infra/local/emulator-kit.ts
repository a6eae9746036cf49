/** What the local stand-ins for providers (SMS and voice, WhatsApp, Viber) share. */
import type { IncomingMessage } from 'node:http';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

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
