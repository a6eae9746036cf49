import type { Pacer } from '../common/concurrency.ts';
import type { Messenger, OutgoingCall, OutgoingEmail, OutgoingText } from './ports/messenger.ts';

/**
 * Keeps each channel under its provider's rate: SES's send rate for email, the origination
 * identity's messages per second for texts and calls (one pacer for both: they share it).
 */
export class PacedMessenger implements Messenger {
  constructor(
    private readonly inner: Messenger,
    private readonly pacers: { readonly email: Pacer; readonly phone: Pacer },
  ) {}

  async sendEmail(email: OutgoingEmail): Promise<string> {
    await this.pacers.email.wait();
    return this.inner.sendEmail(email);
  }

  async sendText(text: OutgoingText): Promise<string> {
    await this.pacers.phone.wait();
    return this.inner.sendText(text);
  }

  async placeCall(call: OutgoingCall): Promise<string> {
    await this.pacers.phone.wait();
    return this.inner.placeCall(call);
  }
}
