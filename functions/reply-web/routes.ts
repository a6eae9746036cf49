/**
 * The reply page as a contract: the links in emails and texts open these. No groups: the signed,
 * expiring token in the path is the credential. The handler, the CDK construct and the OpenAPI
 * document read it.
 */
import type { RouteContract } from '../http.ts';

export const replyRoutes = {
  replyPage: { method: 'GET', path: '/r/{token}', summary: 'The reply page: the reasons as buttons, free text, call me back, book again' },
  submitReply: { method: 'POST', path: '/r/{token}', summary: 'Records the answer; a second submit replaces it' },
  unsubscribePage: { method: 'GET', path: '/u/{token}', summary: 'Asks the client to confirm unsubscribing' },
  unsubscribe: { method: 'POST', path: '/u/{token}', summary: 'Unsubscribes from every channel (also the RFC 8058 one-click POST)' },
} as const satisfies Readonly<Record<string, RouteContract>>;
