import { PinpointSMSVoiceV2Client, SendTextMessageCommand, SendVoiceMessageCommand, type VoiceId } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { redactContacts, type FailureReason } from '../outreach/provider-failure.ts';
import {
  ProviderRejectedError,
  ProviderThrottledError,
  type Messenger,
  type OutgoingCall,
  type OutgoingEmail,
  type OutgoingText,
  type OutgoingViberMessage,
} from '../outreach/ports/messenger.ts';
import type { WhatsAppMessage } from '../outreach/whatsapp-messages.ts';
import type { ViberBotClient } from '../viber/viber-bot-client.ts';
import type { WhatsAppSender } from './whatsapp-sender.ts';

/** The messengers the clinic has set up; a channel without one refuses as not configured. */
export interface MessengerAccounts {
  readonly whatsApp?: WhatsAppSender;
  readonly viber?: ViberBotClient;
}

export interface AwsMessengerConfig {
  readonly fromAddress: string;
  /** SES configuration set: its event destination carries bounces, complaints and clicks back. */
  readonly emailConfigurationSet?: string;
  /** Phone number, sender id or pool the texts and calls come from. */
  readonly originationIdentity: string;
  readonly smsConfigurationSet?: string;
  /** End User Messaging voice per locale (language or full tag), e.g. { en: 'JOANNA', el: ... }. */
  readonly voices: Readonly<Record<string, string>>;
}

const throttling = new Set(['ThrottlingException', 'TooManyRequestsException', 'LimitExceededException', 'SendingPausedException']);
const rejected: Readonly<Record<string, FailureReason>> = {
  ValidationException: 'invalid-request',
  BadRequestException: 'invalid-request',
  MessageRejected: 'rejected',
  MailFromDomainNotVerifiedException: 'not-configured',
  ResourceNotFoundException: 'not-configured',
  AccessDeniedException: 'not-configured',
  ConflictException: 'invalid-request',
};
const conflictReasons: Readonly<Record<string, FailureReason>> = {
  DESTINATION_PHONE_NUMBER_OPTED_OUT: 'opted-out',
  DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE: 'blocked',
  DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION: 'blocked',
  DESTINATION_PHONE_NUMBER_NOT_VERIFIED: 'not-configured',
};
const validationReasons: Readonly<Record<string, FailureReason>> = {
  DESTINATION_COUNTRY_BLOCKED: 'blocked',
  CANNOT_ADD_OPTED_OUT_NUMBER: 'opted-out',
  COUNTRY_NOT_ENABLED: 'not-configured',
  CHANNEL_NOT_ENABLED: 'not-configured',
  INVALID_IDENTITY_FOR_DESTINATION_COUNTRY: 'not-configured',
  INTERNATIONAL_SENDING_NOT_SUPPORTED: 'not-configured',
  SENDER_ID_NOT_REGISTERED: 'not-configured',
  SENDER_ID_REQUIRES_REGISTRATION: 'not-configured',
  VOICE_CAPABILITY_NOT_AVAILABLE: 'not-configured',
  PRICE_OVER_THRESHOLD: 'not-configured',
};

interface ProviderError {
  name?: string;
  message?: string;
  Reason?: string;
  Fields?: { Name?: string }[];
}

/** Why the provider refused it, as a code: by the error, then the reason End User Messaging gives. */
const refusalCode = (error: ProviderError): FailureReason => {
  const name = error.name ?? '';
  if (name === 'ConflictException') return (Object.hasOwn(conflictReasons, error.Reason ?? '') && conflictReasons[error.Reason!]) || 'invalid-request';
  if (name === 'ValidationException') {
    const byReason = Object.hasOwn(validationReasons, error.Reason ?? '') && validationReasons[error.Reason!];
    if (byReason) return byReason;
    const aboutNumber = error.Fields?.some((field) => field.Name === 'DestinationPhoneNumber') || /DestinationPhoneNumber/.test(error.message ?? '');
    return aboutNumber ? 'invalid-number' : 'invalid-request';
  }
  return Object.hasOwn(rejected, name) ? rejected[name]! : 'unknown';
};

/**
 * Provider errors in our two kinds, with a code and the message redacted (a refusal quotes
 * the number or address); anything else (network, 5xx after the SDK's retries) stays as it is.
 */
const classify = (error: unknown): unknown => {
  const known = error as ProviderError;
  const name = known.name ?? '';
  if (throttling.has(name)) return new ProviderThrottledError(name);
  if (Object.hasOwn(rejected, name))
    return new ProviderRejectedError(`${name}${known.Reason ? ` (${known.Reason})` : ''}: ${known.message ?? ''}`, refusalCode(known));
  // Left as it is for the caller (the claim stays), but whatever logs it never sees a number or an address.
  if (error instanceof Error) error.message = redactContacts(error.message);
  return error;
};

/**
 * The clinic's messenger accounts alone (End User Messaging Social for WhatsApp, the Viber bot):
 * what a conversation on a messenger answers with. It holds no email or SMS client, so a
 * function that only answers on messengers does not bundle them.
 */
export class AccountMessenger implements Pick<Messenger, 'sendWhatsApp' | 'sendViber'> {
  constructor(private readonly accounts: MessengerAccounts = {}) {}

  sendWhatsApp(message: WhatsAppMessage): Promise<string> {
    if (!this.accounts.whatsApp) return Promise.reject(new ProviderRejectedError('no WhatsApp number is set up', 'not-configured'));
    return this.accounts.whatsApp.send(message);
  }

  sendViber(message: OutgoingViberMessage): Promise<string> {
    if (!this.accounts.viber) return Promise.reject(new ProviderRejectedError('no Viber bot is set up', 'not-configured'));
    return this.accounts.viber.sendMessage(message);
  }
}

/**
 * End User Messaging SMS and voice v2 alone: texts and calls. What the inbound SMS path answers
 * HELP with, without the email client or the messengers.
 */
export class SmsVoiceMessenger implements Pick<Messenger, 'sendText' | 'placeCall'> {
  constructor(
    private readonly config: Pick<AwsMessengerConfig, 'originationIdentity' | 'smsConfigurationSet' | 'voices'>,
    private readonly smsVoice: PinpointSMSVoiceV2Client = new PinpointSMSVoiceV2Client({}),
  ) {}

  async sendText(text: OutgoingText): Promise<string> {
    try {
      const { MessageId } = await this.smsVoice.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: text.to,
          OriginationIdentity: this.config.originationIdentity,
          MessageBody: text.body,
          MessageType: 'TRANSACTIONAL',
          ...(this.config.smsConfigurationSet && { ConfigurationSetName: this.config.smsConfigurationSet }),
          Context: { outreachId: text.outreachId },
        }),
      );
      if (!MessageId) throw new ProviderRejectedError('End User Messaging answered without a message id');
      return MessageId;
    } catch (error) {
      throw classify(error);
    }
  }

  async placeCall(call: OutgoingCall): Promise<string> {
    const voice = this.config.voices[call.locale] ?? this.config.voices[call.locale.split('-')[0]!];
    if (!voice) throw new ProviderRejectedError(`no voice configured for ${call.locale}`, 'not-configured');
    try {
      const { MessageId } = await this.smsVoice.send(
        new SendVoiceMessageCommand({
          DestinationPhoneNumber: call.to,
          OriginationIdentity: this.config.originationIdentity,
          MessageBody: call.ssml,
          MessageBodyTextType: 'SSML',
          VoiceId: voice as VoiceId,
          ...(this.config.smsConfigurationSet && { ConfigurationSetName: this.config.smsConfigurationSet }),
          Context: { outreachId: call.outreachId },
        }),
      );
      if (!MessageId) throw new ProviderRejectedError('End User Messaging answered without a message id');
      return MessageId;
    } catch (error) {
      throw classify(error);
    }
  }
}

/**
 * SES v2 for email, End User Messaging SMS and voice v2 for texts and calls, End User Messaging
 * Social for WhatsApp, and the clinic's Viber bot.
 */
export class AwsMessenger implements Messenger {
  private readonly texts: SmsVoiceMessenger;
  private readonly messengers: AccountMessenger;

  constructor(
    private readonly config: AwsMessengerConfig,
    private readonly ses: SESv2Client = new SESv2Client({}),
    smsVoice: PinpointSMSVoiceV2Client = new PinpointSMSVoiceV2Client({}),
    accounts: MessengerAccounts = {},
  ) {
    this.texts = new SmsVoiceMessenger(config, smsVoice);
    this.messengers = new AccountMessenger(accounts);
  }

  sendWhatsApp(message: WhatsAppMessage): Promise<string> {
    return this.messengers.sendWhatsApp(message);
  }

  sendViber(message: OutgoingViberMessage): Promise<string> {
    return this.messengers.sendViber(message);
  }

  async sendEmail(email: OutgoingEmail): Promise<string> {
    try {
      const { MessageId } = await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.config.fromAddress,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
              Headers: [
                { Name: 'List-Unsubscribe', Value: `<${email.unsubscribeUrl}>` },
                { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
              ],
            },
          },
          ...(this.config.emailConfigurationSet && { ConfigurationSetName: this.config.emailConfigurationSet }),
          EmailTags: [{ Name: 'outreachId', Value: email.outreachId }],
        }),
      );
      if (!MessageId) throw new ProviderRejectedError('SES answered without a message id', 'unknown');
      return MessageId;
    } catch (error) {
      throw classify(error);
    }
  }

  sendText(text: OutgoingText): Promise<string> {
    return this.texts.sendText(text);
  }

  placeCall(call: OutgoingCall): Promise<string> {
    return this.texts.placeCall(call);
  }
}
