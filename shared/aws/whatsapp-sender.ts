import { SendWhatsAppMessageCommand, SocialMessagingClient } from '@aws-sdk/client-socialmessaging';
import { logger } from '../common/logger.ts';
import { redactContacts, type FailureReason } from '../outreach/provider-failure.ts';
import { ProviderRejectedError, ProviderThrottledError } from '../outreach/ports/messenger.ts';
import type { WhatsAppMessage } from '../outreach/whatsapp-messages.ts';

export interface WhatsAppSenderConfig {
  /** End User Messaging Social's id of the clinic's WhatsApp number (`phone-number-id-…`) or its ARN. */
  readonly originationPhoneNumberId: string;
  /** The Meta Graph API version the message object is written for. */
  readonly metaApiVersion?: string;
}

export const defaultMetaApiVersion = 'v20.0';

const throttling = new Set(['ThrottledRequestException', 'ThrottlingException', 'TooManyRequestsException']);
const refusals: Readonly<Record<string, FailureReason>> = {
  ValidationException: 'invalid-request',
  InvalidParametersException: 'invalid-request',
  AccessDeniedException: 'not-configured',
  AccessDeniedByMetaException: 'not-configured',
  ResourceNotFoundException: 'not-configured',
};

interface ServiceError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Social Messaging's errors in the outreach feature's kinds: over the rate is throttled (the job
 * is tried again), a refused message fails for good, and anything else (5xx, Meta unavailable
 * after the SDK's retries) stays as it is, so the claim stays and nothing is sent twice.
 */
const classify = (error: unknown): unknown => {
  const known = error as ServiceError;
  const name = known.name ?? '';
  if (throttling.has(name) || known.$metadata?.httpStatusCode === 429) return new ProviderThrottledError(name || 'HTTP 429');
  if (Object.hasOwn(refusals, name)) return new ProviderRejectedError(`${name}: ${known.message ?? ''}`, refusals[name]);
  if (error instanceof Error) error.message = redactContacts(error.message);
  return error;
};

/** WhatsApp through AWS End User Messaging Social: one Meta Cloud API message a call, answering AWS's message id. */
export class WhatsAppSender {
  constructor(
    private readonly config: WhatsAppSenderConfig,
    private readonly client: SocialMessagingClient = new SocialMessagingClient({}),
  ) {}

  async send(message: WhatsAppMessage): Promise<string> {
    const outreachId = message.biz_opaque_callback_data;
    try {
      const { messageId } = await this.client.send(
        new SendWhatsAppMessageCommand({
          originationPhoneNumberId: this.config.originationPhoneNumberId,
          metaApiVersion: this.config.metaApiVersion ?? defaultMetaApiVersion,
          message: new TextEncoder().encode(JSON.stringify(message)),
        }),
      );
      if (!messageId) throw new ProviderRejectedError('End User Messaging Social answered without a message id');
      logger.debug('whatsapp message sent', { outreachId, messageId, type: message.type });
      return messageId;
    } catch (error) {
      const classified = classify(error);
      logger.warn('whatsapp message not sent', { outreachId, error: (classified as Error).name, code: (classified as { code?: string }).code });
      throw classified;
    }
  }
}
