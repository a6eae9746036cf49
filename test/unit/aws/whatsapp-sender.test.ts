import { SendWhatsAppMessageCommand, SocialMessagingClient } from '@aws-sdk/client-socialmessaging';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { WhatsAppSender } from '../../../shared/aws/whatsapp-sender.ts';
import { ProviderRejectedError, ProviderThrottledError } from '../../../shared/outreach/ports/messenger.ts';
import { whatsAppText } from '../../../shared/outreach/whatsapp-messages.ts';

const socialMessaging = mockClient(SocialMessagingClient);

const phoneNumberId = 'phone-number-id-01234567890123456789012345678901';
const sender = (metaApiVersion?: string) =>
  new WhatsAppSender(
    { originationPhoneNumberId: phoneNumberId, ...(metaApiVersion && { metaApiVersion }) },
    new SocialMessagingClient({ region: 'us-east-1' }),
  );

const thanks = whatsAppText('job-1', '+306912345678', 'Thank you for telling us.');

const serviceError = (name: string, message: string, httpStatusCode?: number): Error =>
  Object.assign(new Error(message), { name, ...(httpStatusCode && { $metadata: { httpStatusCode } }) });

const failureOf = async (sending: Promise<unknown>): Promise<unknown> => sending.then(() => 'no error').catch((error: unknown) => error);

describe('WhatsAppSender: the request it makes', () => {
  beforeEach(() => {
    socialMessaging.reset();
  });

  it('sends the Meta message object as UTF-8 JSON bytes from the clinic’s number, with Meta API v20.0 by default, and answers AWS’s message id', async () => {
    // Prepare
    socialMessaging.on(SendWhatsAppMessageCommand).resolves({ messageId: '2abadc50-b548-4045-82d1-f5bdd677ea8d' });

    // Act
    const messageId = await sender().send(thanks);

    // Assess
    expect(messageId).toBe('2abadc50-b548-4045-82d1-f5bdd677ea8d');
    const input = socialMessaging.commandCalls(SendWhatsAppMessageCommand)[0]!.args[0].input;
    expect(input.originationPhoneNumberId).toBe(phoneNumberId);
    expect(input.metaApiVersion).toBe('v20.0');
    // The SDK base64-encodes the bytes on the wire; what we hand it is the message itself.
    expect(input.message).toBeInstanceOf(Uint8Array);
    expect(JSON.parse(new TextDecoder().decode(input.message))).toEqual(thanks);
  });

  it('uses the configured Meta API version', async () => {
    // Prepare
    socialMessaging.on(SendWhatsAppMessageCommand).resolves({ messageId: 'm-2' });

    // Act
    await sender('v21.0').send(thanks);

    // Assess
    expect(socialMessaging.commandCalls(SendWhatsAppMessageCommand)[0]!.args[0].input.metaApiVersion).toBe('v21.0');
  });

  it('treats an answer without a message id as a refusal', async () => {
    // Prepare
    socialMessaging.on(SendWhatsAppMessageCommand).resolves({});

    // Act
    const error = await failureOf(sender().send(thanks));

    // Assess
    expect(error).toBeInstanceOf(ProviderRejectedError);
  });
});

describe('WhatsAppSender: what a failure means for the request', () => {
  beforeEach(() => {
    socialMessaging.reset();
  });

  it('is throttled, to be tried again, when the service throttles or answers 429', async () => {
    // Prepare
    socialMessaging
      .on(SendWhatsAppMessageCommand)
      .rejectsOnce(serviceError('ThrottledRequestException', 'Rate exceeded', 429))
      .rejectsOnce(serviceError('SomethingNew', 'Too many requests', 429));

    // Act
    const first = await failureOf(sender().send(thanks));
    const second = await failureOf(sender().send(thanks));

    // Assess
    expect(first).toBeInstanceOf(ProviderThrottledError);
    expect(second).toBeInstanceOf(ProviderThrottledError);
  });

  it('fails the message for good when the service refuses it, with a code and the words without the number', async () => {
    // Prepare
    socialMessaging
      .on(SendWhatsAppMessageCommand)
      .rejectsOnce(serviceError('ValidationException', 'message.to +306912345678 is not valid', 400))
      .rejectsOnce(serviceError('InvalidParametersException', 'bad template', 400))
      .rejectsOnce(serviceError('AccessDeniedException', 'not allowed', 403))
      .rejectsOnce(serviceError('ResourceNotFoundException', 'no such phone number id', 404));

    // Act
    const errors = [];
    for (let attempt = 0; attempt < 4; attempt++) errors.push((await failureOf(sender().send(thanks))) as ProviderRejectedError);

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(ProviderRejectedError);
    expect(errors.map((error) => error.code)).toEqual(['invalid-request', 'invalid-request', 'not-configured', 'not-configured']);
    expect(errors[0]!.message).toBe('ValidationException: message.to <phone> is not valid');
  });

  it('leaves a failure of the service or of Meta as it is (the claim stays: never sent twice), without the number', async () => {
    // Prepare
    socialMessaging
      .on(SendWhatsAppMessageCommand)
      .rejectsOnce(serviceError('DependencyException', 'Meta did not answer for +306912345678', 502))
      .rejectsOnce(serviceError('InternalServiceException', 'internal', 500));

    // Act
    const dependency = (await failureOf(sender().send(thanks))) as Error;
    const internal = (await failureOf(sender().send(thanks))) as Error;

    // Assess
    expect(dependency.name).toBe('DependencyException');
    expect(dependency.message).toBe('Meta did not answer for <phone>');
    expect(dependency).not.toBeInstanceOf(ProviderRejectedError);
    expect(internal.name).toBe('InternalServiceException');
  });
});
