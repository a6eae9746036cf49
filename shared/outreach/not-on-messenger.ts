import type { Messenger } from '../visits/client.ts';
import { ProviderRejectedError } from './ports/messenger.ts';

/**
 * The messenger says this client is not on it, or not reachable by us on it (Viber: not a
 * Viber user, or not subscribed to the clinic's account). Unlike other refusals it says nothing
 * against the client or the number, so the channel policy tries the next channel.
 */
export class NotOnMessengerError extends ProviderRejectedError {
  constructor(
    readonly messenger: Messenger,
    message: string,
  ) {
    super(message, 'not-on-messenger');
  }
}

export const isNotOnMessenger = (error: unknown): error is NotOnMessengerError => error instanceof NotOnMessengerError;
