/**
 * The reply page's HTTP edges through the local API Gateway: HEAD wherever GET, and paths no
 * link ever has (malformed escapes, over-long tokens, a raw request target the URL parser would
 * misread) get the friendly error page, never a 500.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveReplyWeb, type ServedReplyWeb } from '../../support/reply-web.ts';

let served: ServedReplyWeb;

beforeAll(async () => {
  served = await serveReplyWeb();
});

afterAll(async () => {
  await served?.stop();
});

const send = async (method: string, path: string) => {
  const response = await fetch(`${served.origin}${path}`, { method, redirect: 'manual' });
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => !['date', 'content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)),
  );
  return { status: response.status, headers, body: await response.text() };
};

/** A request whose target is sent exactly as written (fetch would normalise it). */
const sendRaw = (method: string, target: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const { port } = new URL(served.origin);
    const request = httpRequest({ host: '127.0.0.1', port, method, path: target }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end();
  });

describe('the reply page at its HTTP edges', () => {
  it('answers HEAD as GET (same status and headers), without the page', async () => {
    for (const path of [`/r/${served.token('reply')}`, `/u/${served.token('unsubscribe')}`, '/r/forged.token', '/r/', '/x/nothing']) {
      const [get, head] = [await send('GET', path), await send('HEAD', path)];
      expect([path, head.status, head.headers]).toEqual([path, get.status, get.headers]);
      expect(head.body).toBe('');
    }
    expect((await send('GET', `/r/${served.token('reply')}`)).status).toBe(200);
  });

  it('answers a malformed escape or a 3,000-character token with the invalid-link page, never a 500', async () => {
    for (const path of [
      '/r/%E0',
      '/r/%ZZ',
      '/u/%E0%A4%A',
      `/r/${'a'.repeat(3000)}`,
      `/r/${'a'.repeat(1500)}.${'b'.repeat(1500)}`,
      `/r/${served.token('reply')}%00`,
    ]) {
      const reply = await send('GET', path);
      expect([path.slice(0, 40), reply.status, reply.headers['content-type']]).toEqual([path.slice(0, 40), 400, 'text/html; charset=utf-8']);
      expect(reply.body).not.toMatch(/URIError|Internal Server Error/);
      expect((await send('POST', path)).status).toBe(400);
    }
  });

  it('takes the raw request target as the path: "//host/..." is a path, a target that is no path is a 400', async () => {
    expect((await sendRaw('GET', `//r/${served.token('reply')}`)).status).toBe(404);
    expect((await sendRaw('GET', `/r/${served.token('reply')}?x=%E0`)).status).toBe(200);
    expect((await sendRaw('GET', 'http://[::1')).status).toBe(400);
  });
});
