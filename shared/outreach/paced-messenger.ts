import type { Pacer } from '../common/concurrency.ts';
import type { Messenger, OutgoingCall, OutgoingEmail, OutgoingText, OutgoingViberMessage } from './ports/messenger.ts';
import type { WhatsAppMessage } from './whatsapp-messages.ts';

/**
 * Keeps each channel under its provider's rate: SES's send rate for email, the origination
 * identity's messages per second for texts and calls (one pacer for both: they share it), the
 * WhatsApp number's and the Viber bot's configured rates.
 */
export class PacedMessenger implements Messenger {
  constructor(
    private readonly inner: Messenger,
    private readonly pacers: { readonly email: Pacer; readonly phone: Pacer; readonly whatsapp: Pacer; readonly viber: Pacer },
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

  async sendWhatsApp(message: WhatsAppMessage): Promise<string> {
    await this.pacers.whatsapp.wait();
    return this.inner.sendWhatsApp(message);
  }

  async sendViber(message: OutgoingViberMessage): Promise<string> {
    await this.pacers.viber.wait();
    return this.inner.sendViber(message);
  }
}
