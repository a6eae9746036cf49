import { PinpointSMSVoiceV2Client, SendTextMessageCommand, SendVoiceMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsMessenger } from '../../../shared/aws/aws-messenger.ts';
import { ProviderRejectedError, ProviderThrottledError } from '../../../shared/outreach/ports/messenger.ts';

const ses = mockClient(SESv2Client);
const smsVoice = mockClient(PinpointSMSVoiceV2Client);

const messenger = () =>
  new AwsMessenger(
    {
      fromAddress: 'Harbour Clinic <care@harbour.example>',
      emailConfigurationSet: 'comeback-email',
      originationIdentity: '+18005550100',
      smsConfigurationSet: 'comeback-sms',
      voices: { en: 'JOANNA', el: 'MARIA' },
    },
    new SESv2Client({ region: 'us-east-1' }),
    new PinpointSMSVoiceV2Client({ region: 'us-east-1' }),
  );

const providerError = (name: string): Error => Object.assign(new Error(`${name} from the provider`), { name });

describe('AwsMessenger: the exact requests it makes', () => {
  beforeEach(() => {
    ses.reset();
    smsVoice.reset();
  });

  it('sends email through SES v2 with both parts, one-click unsubscribe headers, the configuration set and the outreach id', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    const id = await messenger().sendEmail({
      outreachId: 'job-1',
      to: 'maria@example.com',
      subject: 'S',
      text: 'T',
      html: '<p>H</p>',
      unsubscribeUrl: 'https://r.example/u/tok',
    });
    expect(id).toBe('ses-1');
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: 'Harbour Clinic <care@harbour.example>',
      Destination: { ToAddresses: ['maria@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'S', Charset: 'UTF-8' },
          Body: { Text: { Data: 'T', Charset: 'UTF-8' }, Html: { Data: '<p>H</p>', Charset: 'UTF-8' } },
          Headers: [
            { Name: 'List-Unsubscribe', Value: '<https://r.example/u/tok>' },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
      ConfigurationSetName: 'comeback-email',
      EmailTags: [{ Name: 'outreachId', Value: 'job-1' }],
    });
  });

  it('sends a transactional text from the origination identity, with the configuration set and the outreach id as context', async () => {
    smsVoice.on(SendTextMessageCommand).resolves({ MessageId: 'sms-1' });
    expect(await messenger().sendText({ outreachId: 'job-2', to: '+306912345678', body: 'Reply 1-6' })).toBe('sms-1');
    expect(smsVoice.commandCalls(SendTextMessageCommand)[0]!.args[0].input).toEqual({
      DestinationPhoneNumber: '+306912345678',
      OriginationIdentity: '+18005550100',
      MessageBody: 'Reply 1-6',
      MessageType: 'TRANSACTIONAL',
      ConfigurationSetName: 'comeback-sms',
      Context: { outreachId: 'job-2' },
    });
  });

  it('places a call in SSML with the voice of the client’s language', async () => {
    smsVoice.on(SendVoiceMessageCommand).resolves({ MessageId: 'voice-1' });
    await messenger().placeCall({ outreachId: 'job-3', to: '+306912345678', ssml: '<speak>Γεια</speak>', locale: 'el-GR' });
    expect(smsVoice.commandCalls(SendVoiceMessageCommand)[0]!.args[0].input).toEqual({
      DestinationPhoneNumber: '+306912345678',
      OriginationIdentity: '+18005550100',
      MessageBody: '<speak>Γεια</speak>',
      MessageBodyTextType: 'SSML',
      VoiceId: 'MARIA',
      ConfigurationSetName: 'comeback-sms',
      Context: { outreachId: 'job-3' },
    });
    await expect(messenger().placeCall({ outreachId: 'job-4', to: '+306912345678', ssml: '<speak/>', locale: 'km' })).rejects.toThrow(ProviderRejectedError);
  });

  it('tells a passing refusal (throttling) from a final one, and leaves other failures as they are', async () => {
    smsVoice
      .on(SendTextMessageCommand)
      .rejectsOnce(providerError('ThrottlingException'))
      .rejectsOnce(providerError('ValidationException'))
      .rejectsOnce(new Error('socket hang up'));
    const text = { outreachId: 'job-5', to: '+306912345678', body: 'x' };
    await expect(messenger().sendText(text)).rejects.toThrow(ProviderThrottledError);
    await expect(messenger().sendText(text)).rejects.toThrow(ProviderRejectedError);
    await expect(messenger().sendText(text)).rejects.toThrow('socket hang up');
    ses.on(SendEmailCommand).rejects(providerError('TooManyRequestsException'));
    await expect(messenger().sendEmail({ outreachId: 'j', to: 'a@b.example', subject: 's', text: 't', html: 'h', unsubscribeUrl: 'u' })).rejects.toThrow(
      ProviderThrottledError,
    );
  });

  it('names why a send was refused with a code, and keeps the provider’s words without the number or the address', async () => {
    const refused = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name, ...extra });
    smsVoice
      .on(SendTextMessageCommand)
      .rejectsOnce(refused('ConflictException', '+306912345678 has opted out', { Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT' }))
      .rejectsOnce(
        refused('ValidationException', 'invalid destination', {
          Reason: 'INVALID_PARAMETER',
          Fields: [{ Name: 'DestinationPhoneNumber', Message: 'not E.164' }],
        }),
      )
      .rejectsOnce(refused('ValidationException', 'blocked', { Reason: 'DESTINATION_COUNTRY_BLOCKED' }))
      .rejectsOnce(refused('ValidationException', 'MessageBody is too long'))
      .rejectsOnce(refused('ResourceNotFoundException', 'configuration set comeback-sms does not exist'));
    ses.on(SendEmailCommand).rejects(refused('MessageRejected', 'Email address is not verified: maria@example.com'));
    const text = { outreachId: 'job-6', to: '+306912345678', body: 'x' };
    const failure = async (sending: Promise<unknown>) => {
      const error = (await sending.catch((caught: unknown) => caught)) as ProviderRejectedError;
      expect(error).toBeInstanceOf(ProviderRejectedError);
      return { code: error.code, message: error.message };
    };

    expect(await failure(messenger().sendText(text))).toEqual({
      code: 'opted-out',
      message: 'ConflictException (DESTINATION_PHONE_NUMBER_OPTED_OUT): <phone> has opted out',
    });
    expect((await failure(messenger().sendText(text))).code).toBe('invalid-number');
    expect((await failure(messenger().sendText(text))).code).toBe('blocked');
    expect((await failure(messenger().sendText(text))).code).toBe('invalid-request');
    expect((await failure(messenger().sendText(text))).code).toBe('not-configured');
    expect(await failure(messenger().sendEmail({ outreachId: 'j', to: 'maria@example.com', subject: 's', text: 't', html: 'h', unsubscribeUrl: 'u' }))).toEqual(
      {
        code: 'rejected',
        message: 'MessageRejected: Email address is not verified: <email>',
      },
    );
    expect(await failure(messenger().placeCall({ outreachId: 'job-7', to: '+306912345678', ssml: '<speak/>', locale: 'km' }))).toEqual({
      code: 'not-configured',
      message: 'no voice configured for km',
    });
    smsVoice.on(SendVoiceMessageCommand).rejects(refused('InternalServerException', 'could not call +306912345678'));
    await expect(messenger().placeCall({ outreachId: 'job-8', to: '+306912345678', ssml: '<speak/>', locale: 'el' })).rejects.toThrow(
      /^could not call <phone>$/,
    );
  });
});
