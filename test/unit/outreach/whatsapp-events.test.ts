import { describe, expect, it } from 'vitest';
import { parseWhatsAppNotification, WhatsAppEventError } from '../../../shared/outreach/whatsapp-events.ts';

/** The message End User Messaging Social publishes (managing-event-destination-dlrs.html), around one Meta entry. */
const published = (value: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    context: {
      MetaWabaIds: [{ wabaId: '1234567890abcde', arn: 'arn:aws:social-messaging:us-east-1:123456789012:waba/fb2594b8a7974770b128a409e2example' }],
      MetaPhoneNumberIds: [
        { metaPhoneNumberId: 'abcde1234567890', arn: 'arn:aws:social-messaging:us-east-1:123456789012:phone-number-id/976c72a700aac43eaf573ae050example' },
      ],
    },
    whatsAppWebhookEntry: JSON.stringify({
      id: '1234567890abcde',
      changes: [
        {
          field: 'messages',
          value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550100000', phone_number_id: 'abcde1234567890' }, ...value },
        },
      ],
    }),
    aws_account_id: '123456789012',
    message_timestamp: '2025-01-08T23:30:43.271279391Z',
    ...extra,
  });

/** The same message as an SQS queue without raw delivery holds it: inside SNS's envelope. */
const inSnsEnvelope = (message: string): string =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: 'b1946ac9-2a3d-4d0e-9d5a-6a84078419ec',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:whatsapp-events',
    Message: message,
    Timestamp: '2025-01-08T23:30:43.300Z',
    SignatureVersion: '1',
  });

/** Meta's status, as in the AWS example (with the echo of our id). */
const status = (state: string, extra: Record<string, unknown> = {}) => ({
  id: 'wamid.HBgLMzA2OTEyMzQ1Njc4FQIAERgSMDE=',
  status: state,
  timestamp: '1736379042',
  recipient_id: '306912345678',
  biz_opaque_callback_data: 'job-1',
  ...extra,
});

const failed = (code: number) =>
  status('failed', { errors: [{ code, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'x' } }] });

describe('WhatsApp status events', () => {
  it('reads sent, delivered and read with our outreach id, Meta’s id, the number in E.164 and the time', () => {
    // Prepare
    const body = published({
      statuses: [
        status('sent', { conversation: { id: 'c1', origin: { type: 'utility' } }, pricing: { billable: true, pricing_model: 'CBP', category: 'utility' } }),
      ],
    });

    // Act
    const events = ['sent', 'delivered', 'read'].flatMap((state) => parseWhatsAppNotification(published({ statuses: [status(state)] })));

    // Assess
    expect(parseWhatsAppNotification(body)).toEqual([
      {
        kind: 'status',
        outreachId: 'job-1',
        wamid: 'wamid.HBgLMzA2OTEyMzQ1Njc4FQIAERgSMDE=',
        recipient: '+306912345678',
        status: 'sent',
        at: '2025-01-08T23:30:42.000Z',
      },
    ]);
    expect(events.map((event) => event.kind === 'status' && event.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('says what a failure means for the request: not on WhatsApp, window closed, stopped marketing, or something else', () => {
    // Act
    const failures = [131026, 131047, 131050, 131049].map((code) => {
      const [event] = parseWhatsAppNotification(published({ statuses: [failed(code)] }));
      return event?.kind === 'status' ? event.failure : undefined;
    });

    // Assess
    expect(failures).toEqual([
      { code: 131026, meaning: 'not-on-whatsapp' },
      { code: 131047, meaning: 'window-closed' },
      { code: 131050, meaning: 'stopped-marketing' },
      { code: 131049, meaning: 'other' },
    ]);
  });

  it('reads the message inside SNS’s envelope as well as raw', () => {
    // Prepare
    const raw = published({ statuses: [status('delivered')] }, { messageId: '6d69f07a-c317-4278-9d5c-6a84078419ec' });

    // Act
    const fromEnvelope = parseWhatsAppNotification(inSnsEnvelope(raw));

    // Assess
    expect(fromEnvelope).toEqual(parseWhatsAppNotification(raw));
    expect(fromEnvelope).toHaveLength(1);
  });

  it('leaves out statuses it has no use for and changes of other fields, such as a template review', () => {
    // Prepare
    const review = JSON.stringify({
      whatsAppWebhookEntry: JSON.stringify({
        id: '1',
        changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_name: 'comeback_feedback' } }],
      }),
    });

    // Act
    const events = [...parseWhatsAppNotification(published({ statuses: [status('deleted')] })), ...parseWhatsAppNotification(review)];

    // Assess
    expect(events).toEqual([]);
  });

  it('has no outreach id when Meta echoes none', () => {
    // Act
    const [event] = parseWhatsAppNotification(published({ statuses: [status('sent', { biz_opaque_callback_data: undefined })] }));

    // Assess
    expect(event).not.toHaveProperty('outreachId');
  });
});

describe('WhatsApp messages from clients', () => {
  const inbound = (message: Record<string, unknown>) =>
    published({
      contacts: [{ profile: { name: 'Maria' }, wa_id: '306912345678' }],
      messages: [{ from: '306912345678', id: 'wamid.IN1', timestamp: '1758171394', ...message }],
    });

  it('reads free text (the documented capture from eu-west-1)', () => {
    // Act
    const events = parseWhatsAppNotification(inbound({ type: 'text', text: { body: 'Prva' } }));

    // Assess
    expect(events).toEqual([{ kind: 'message', wamid: 'wamid.IN1', from: '+306912345678', at: '2025-09-18T04:56:34.000Z', type: 'text', text: 'Prva' }]);
  });

  it('reads a row picked from the list of reasons, and which of our messages it answered', () => {
    // Act
    const [event] = parseWhatsAppNotification(
      inbound({
        type: 'interactive',
        interactive: { type: 'list_reply', list_reply: { id: 'waiting-time', title: 'Waiting time', description: '' } },
        context: { from: '15550100000', id: 'wamid.OUT1' },
      }),
    );

    // Assess
    expect(event).toMatchObject({ kind: 'message', type: 'interactive', choice: { id: 'waiting-time', title: 'Waiting time' }, inReplyTo: 'wamid.OUT1' });
  });

  it('reads a reply button and a template’s quick-reply button', () => {
    // Act
    const [reply] = parseWhatsAppNotification(
      inbound({ type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'price', title: 'Price' } } }),
    );
    const [quick] = parseWhatsAppNotification(inbound({ type: 'button', button: { payload: 'moved-away', text: 'I moved' }, context: { id: 'wamid.T1' } }));
    const [unnamed] = parseWhatsAppNotification(inbound({ type: 'button', button: { text: 'Price' } }));

    // Assess
    expect(reply).toMatchObject({ choice: { id: 'price', title: 'Price' } });
    expect(quick).toMatchObject({ type: 'button', choice: { id: 'moved-away', title: 'I moved' }, inReplyTo: 'wamid.T1' });
    expect(unnamed).toMatchObject({ choice: { id: 'Price', title: 'Price' } });
  });

  it('keeps a message with neither words nor a choice (a photo): it still opens the 24-hour window', () => {
    // Act
    const [event] = parseWhatsAppNotification(inbound({ type: 'image', image: { id: 'media-1', mime_type: 'image/jpeg' } }));

    // Assess
    expect(event).toEqual({ kind: 'message', wamid: 'wamid.IN1', from: '+306912345678', at: '2025-09-18T04:56:34.000Z', type: 'image' });
  });
});

describe('a client’s marketing preference', () => {
  it('reads user_preferences stop and resume, and the system message Meta also sends, as preferences, not as answers', () => {
    // Act
    const events = parseWhatsAppNotification(
      published({
        user_preferences: [
          { wa_id: '306912345678', detail: 'User requested to stop marketing messages', category: 'marketing_messages', value: 'stop', timestamp: 1758171394 },
          { wa_id: '306900000000', category: 'marketing_messages', value: 'resume', timestamp: 1758171395 },
        ],
        messages: [
          {
            from: '306911111111',
            id: 'wamid.SYS',
            timestamp: '1758171396',
            type: 'system',
            system: { type: 'user_preference_changed', marketing: 'stop', body: 'stopped' },
          },
        ],
      }),
    );

    // Assess
    expect(events).toEqual([
      { kind: 'preference', from: '+306912345678', marketing: 'stop', at: '2025-09-18T04:56:34.000Z' },
      { kind: 'preference', from: '+306900000000', marketing: 'resume', at: '2025-09-18T04:56:35.000Z' },
      { kind: 'preference', from: '+306911111111', marketing: 'stop', at: '2025-09-18T04:56:36.000Z' },
    ]);
  });
});

describe('malformed notifications', () => {
  const problem = (body: string): string => {
    try {
      parseWhatsAppNotification(body);
      return 'no error';
    } catch (error) {
      expect(error).toBeInstanceOf(WhatsAppEventError);
      return (error as Error).message;
    }
  };

  it('names what is wrong', () => {
    expect(problem('not json')).toBe('the queue message is not JSON');
    expect(problem(JSON.stringify({ Type: 'Notification' }))).toBe('the SNS notification has no Message');
    expect(problem(JSON.stringify({ context: {} }))).toMatch(/whatsAppWebhookEntry/);
    expect(problem(JSON.stringify({ whatsAppWebhookEntry: { id: '1', changes: [] } }))).toMatch(/whatsAppWebhookEntry/);
    expect(problem(JSON.stringify({ whatsAppWebhookEntry: '{"id":' }))).toBe('whatsAppWebhookEntry is not JSON');
    expect(problem(published({ statuses: [status('sent', { recipient_id: 'nobody' })] }))).toMatch(/statuses\.0\.recipient_id/);
    expect(problem(published({ messages: [{ from: '306912345678', type: 'text' }] }))).toMatch(/messages\.0\.(id|timestamp)/);
  });

  it('is an AppError of the invalid kind', () => {
    // Act
    const error = (() => {
      try {
        parseWhatsAppNotification('[]');
      } catch (caught) {
        return caught as WhatsAppEventError;
      }
    })();

    // Assess
    expect(error?.kind).toBe('invalid');
  });
});
