import { describe, expect, it } from 'vitest';
import { describeViber, describeWhatsApp, outboxCounts } from '../../../cli/outreach-command.ts';
import { whatsAppFirstMessage, whatsAppReasonList, whatsAppText } from '../../../shared/outreach/whatsapp-messages.ts';
import { seedCatalogue } from '../../../shared/answers/reasons.ts';

describe('the outbox, one line per message', () => {
  it('shows a WhatsApp template with what fills it, a reasons list by its rows, and a text as it is', () => {
    const template = whatsAppFirstMessage({
      outreachId: 'job-1',
      to: '+306912345678',
      locale: 'el',
      values: { clinic: 'Harbour Clinic', firstName: 'Maria', replyLink: 'https://reply.example/r/abc.def' },
      template: { name: 'comeback_feedback', fallbackLanguage: 'en' },
    });
    expect(describeWhatsApp({ type: template.type, message: template as unknown as Record<string, unknown> })).toBe(
      'template comeback_feedback (el): Harbour Clinic, Maria',
    );
    const list = whatsAppReasonList({ outreachId: 'job-1', to: '+306912345678', locale: 'en', catalogue: seedCatalogue() });
    expect(describeWhatsApp({ type: list.type, message: list as unknown as Record<string, unknown> })).toMatch(
      /^Which of these comes closest\?.* \[list: price, .*other\]$/,
    );
    const text = whatsAppText('job-1', '+306912345678', 'Thank you');
    expect(describeWhatsApp({ type: text.type, message: text as unknown as Record<string, unknown> })).toBe('Thank you');
  });

  it('shows a Viber message with the buttons under it', () => {
    const keyboard = {
      Type: 'keyboard',
      Buttons: [
        { ActionType: 'reply', ActionBody: 'reason:price', Text: 'Price' },
        { ActionType: 'open-url', ActionBody: 'https://reply.example/r/abc.def', Text: 'Tell us more' },
      ],
    };
    expect(describeViber({ text: 'Why did you stop coming?', keyboard })).toBe('Why did you stop coming? [Price, Tell us more (link)]');
    expect(describeViber({ text: 'Thank you' })).toBe('Thank you');
  });

  it('counts each channel, one or many', () => {
    expect(outboxCounts([{ channel: 'email' }, { channel: 'whatsapp' }, { channel: 'whatsapp' }, { channel: 'viber' }])).toBe(
      '1 email, 0 texts, 0 calls, 2 WhatsApp messages, 1 Viber message',
    );
  });
});
