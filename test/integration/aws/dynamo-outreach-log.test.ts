import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoOutreachLog } from '../../../shared/aws/dynamo-outreach-log.ts';
import { outreachJobId, type OutreachJob } from '../../../shared/lapse/episode.ts';
import { freshTables } from '../../support/tables.ts';

const job = (request = 1): OutreachJob => ({
  jobId: outreachJobId('c-1', '2026-05-11', request),
  clientId: 'c-1',
  episodeId: '2026-05-11',
  request,
  requestedOn: '2026-05-11',
  channels: ['email', 'sms'],
});
const at = (minute: number) => new Date(Date.UTC(2026, 4, 11, 9, minute));

describe('DynamoOutreachLog on DynamoDB Local', () => {
  let log: DynamoOutreachLog;
  beforeEach(async () => {
    const { tables, db } = await freshTables();
    log = new DynamoOutreachLog(tables.outreach, db);
  });

  it('lets one delivery of a job claim it, and shows the others what happened', async () => {
    expect(await log.claim(job(), 'email', 'el', at(0))).toEqual({ claimed: true });
    const second = await log.claim(job(), 'email', 'el', at(1));
    expect(second).toMatchObject({ claimed: false, record: { status: 'sending', channel: 'email', attempts: 1 } });

    await log.sent(job().jobId, 'ses-message-1', at(2));
    const third = await log.claim(job(), 'sms', 'el', at(3));
    expect(third).toMatchObject({ claimed: false, record: { status: 'sent', providerMessageId: 'ses-message-1', sentAt: at(2).toISOString() } });
  });

  it('lets a job refused for a passing reason be claimed again, and not one refused for good', async () => {
    await log.claim(job(1), 'sms', 'en', at(0));
    await log.refused(job(1).jobId, 'retry', { code: 'throttled', detail: 'ThrottlingException' }, at(1));
    expect(await log.claim(job(1), 'sms', 'en', at(2))).toEqual({ claimed: true });
    expect((await log.get(job(1).jobId))?.attempts).toBe(2);

    await log.claim(job(2), 'sms', 'en', at(0));
    await log.refused(job(2).jobId, 'failed', { code: 'invalid-request', detail: 'ValidationException' }, at(1));
    expect(await log.claim(job(2), 'sms', 'en', at(2))).toMatchObject({
      claimed: false,
      record: { status: 'failed', reason: 'invalid-request', reasonDetail: 'ValidationException' },
    });
  });

  it('keeps a refusal’s code and the provider’s words without the number, and drops a passing refusal once sent', async () => {
    await log.claim(job(1), 'sms', 'en', at(0));
    // Even words that were not redacted before they got here are stored redacted.
    await log.refused(job(1).jobId, 'failed', { code: 'opted-out', detail: 'ConflictException: +306912345678 has opted out' }, at(1));
    const refused = await log.get(job(1).jobId);
    expect(refused).toMatchObject({ status: 'failed', reason: 'opted-out', reasonDetail: 'ConflictException: <phone> has opted out' });
    expect(JSON.stringify(refused)).not.toContain('6912345678');

    await log.claim(job(2), 'sms', 'en', at(0));
    await log.refused(job(2).jobId, 'retry', { code: 'throttled', detail: 'ThrottlingException' }, at(1));
    await log.claim(job(2), 'sms', 'en', at(2));
    await log.sent(job(2).jobId, 'sms-2', at(3));
    const sent = await log.get(job(2).jobId);
    expect(sent).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sent?.reason).toBeUndefined();
    expect(sent?.reasonDetail).toBeUndefined();
  });

  it('keeps the reason a delivery receipt failed a request with, only when the receipt applies', async () => {
    await log.claim(job(1), 'sms', 'en', at(0));
    await log.sent(job(1).jobId, 'sms-1', at(1));
    expect(
      await log.delivery(job(1).jobId, 'failed', ['sending', 'sent', 'delivered', 'clicked'], at(2).toISOString(), {
        code: 'invalid-number',
        detail: 'INVALID: to +306912345678',
      }),
    ).toBe(true);
    expect(await log.get(job(1).jobId)).toMatchObject({ status: 'failed', reason: 'invalid-number', reasonDetail: 'INVALID: to <phone>' });

    expect(await log.delivery(job(1).jobId, 'failed', ['sending', 'sent'], at(3).toISOString(), { code: 'unreachable' })).toBe(false);
    expect(await log.get(job(1).jobId)).toMatchObject({ reason: 'invalid-number' });

    await log.claim(job(2), 'sms', 'en', at(0));
    await log.sent(job(2).jobId, 'sms-2', at(1));
    expect(await log.delivery(job(2).jobId, 'failed', ['sent'], at(2).toISOString(), { code: 'busy' })).toBe(true);
    const busy = await log.get(job(2).jobId);
    expect(busy).toMatchObject({ status: 'failed', reason: 'busy' });
    expect(busy?.reasonDetail).toBeUndefined();
  });

  it('records a skip without ever overwriting a send', async () => {
    await log.skipped(job(1), 'suppressed', at(0));
    expect(await log.get(job(1).jobId)).toMatchObject({ status: 'skipped', reason: 'suppressed' });

    await log.claim(job(2), 'email', 'en', at(0));
    await log.sent(job(2).jobId, 'ses-2', at(1));
    await log.skipped(job(2), 'visited-since', at(2));
    expect(await log.get(job(2).jobId)).toMatchObject({ status: 'sent', providerMessageId: 'ses-2' });
  });

  it('finds a request by the provider’s message id', async () => {
    await log.claim(job(), 'email', 'en', at(0));
    await log.sent(job().jobId, 'ses-77', at(1));
    expect(await log.byProviderMessage('ses-77')).toMatchObject({ outreachId: job().jobId, clientId: 'c-1' });
    expect(await log.byProviderMessage('nope')).toBeUndefined();
  });

  it('refuses to mark sent what was never claimed', async () => {
    await expect(log.sent('job-unknown', 'x', at(0))).rejects.toThrow();
  });
});
