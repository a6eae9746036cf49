import { PinpointSMSVoiceV2Client, SendTextMessageCommand, SendVoiceMessageCommand, type VoiceId } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ProviderRejectedError, ProviderThrottledError, type Messenger, type OutgoingCall, type OutgoingEmail, type OutgoingText } from '../ports/messenger.ts';

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
const rejected = new Set(['ValidationException', 'BadRequestException', 'MessageRejected', 'MailFromDomainNotVerifiedException', 'ResourceNotFoundException', 'AccessDeniedException', 'ConflictException']);

/** Provider errors in our two kinds; anything else (network, 5xx after the SDK's retries) stays as it is. */
const classify = (error: unknown): unknown => {
  const name = (error as Error).name;
  if (throttling.has(name)) return new ProviderThrottledError(name);
  if (rejected.has(name)) return new ProviderRejectedError(`${name}: ${(error as Error).message}`);
  return error;
};

/** SES v2 for email, End User Messaging SMS and voice v2 for texts and calls. */
export class AwsMessenger implements Messenger {
  constructor(
    private readonly config: AwsMessengerConfig,
    private readonly ses: SESv2Client = new SESv2Client({}),
    private readonly smsVoice: PinpointSMSVoiceV2Client = new PinpointSMSVoiceV2Client({}),
  ) {}

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
      if (!MessageId) throw new ProviderRejectedError('SES answered without a message id');
      return MessageId;
    } catch (error) {
      throw classify(error);
    }
  }

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
    if (!voice) throw new ProviderRejectedError(`no voice configured for ${call.locale}`);
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
