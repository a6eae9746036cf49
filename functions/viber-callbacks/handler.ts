import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json, problemResponse } from '../http.ts';
import { appContext, viberCallbacks, type ViberCallbacks } from '../../shared/app.ts';
import { acceptViberCallback, callbackKey, viberSignatureHeader, ViberCallbackRefusedError, type ViberEvent } from '../../shared/outreach/viber-callbacks.ts';
import { recordViberEvent } from '../../shared/outreach/use-cases/messenger-events.ts';

const logger = new Logger({ serviceName: 'viber-callbacks' });
const app = appContext();

/** The body exactly as Viber sent it: the signature is over these bytes. */
const rawBodyOf = (event: APIGatewayProxyEventV2): string | Buffer =>
  event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64') : (event.body ?? '');

/**
 * Viber's webhook (`POST /viber/callback`, public: the signature is the credential). A callback
 * is taken once: unsigned, tampered, stale or replayed ones are refused; a retry of one already
 * taken is answered 200 so Viber stops; one we failed to act on is forgotten again and answered
 * 500, so Viber's retry is taken.
 */
export const viberCallback = async (event: APIGatewayProxyEventV2, use: ViberCallbacks): Promise<APIGatewayProxyStructuredResultV2> => {
  if (event.requestContext.http.method !== 'POST') return json(405, { message: 'Viber calls this webhook with POST' }, { allow: 'POST' });
  let accepted: ViberEvent;
  try {
    accepted = await acceptViberCallback({
      rawBody: rawBodyOf(event),
      signature: event.headers?.[viberSignatureHeader],
      token: use.token,
      now: (use.deps.now ?? (() => new Date()))(),
      seen: use.ledger,
    });
  } catch (error) {
    if (!(error instanceof ViberCallbackRefusedError)) throw error;
    logger.info('viber callback refused', { refusal: error.refusal });
    return error.refusal === 'already-seen' ? json(200, { status: 'already taken' }) : problemResponse(error);
  }
  try {
    const outcome = await recordViberEvent(accepted, use.secrets, use.deps);
    // The event and what came of it: never the user id or what the client wrote.
    logger.info('viber callback', { event: accepted.type, outcome: outcome.kind });
    return json(200, { status: 'ok' });
  } catch (error) {
    await use.ledger.forget(callbackKey(accepted));
    logger.error('viber callback not taken; Viber will retry it', { event: accepted.type, error: (error as Error).name });
    return json(500, { message: 'not taken; try again' });
  }
};

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => viberCallback(event, await viberCallbacks(app));
