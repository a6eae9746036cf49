import type { Channel } from '../../shared/visits/client.ts';
import type { OutreachJob } from '../../shared/lapse/episode.ts';
import type { OutreachRecord, OutreachStatus } from '../../shared/outreach/outreach-record.ts';
import { redactContacts, type ProviderFailure } from '../../shared/outreach/provider-failure.ts';
import type { OutreachLog } from '../../shared/outreach/ports/outreach-log.ts';
import { ConditionalWriteError, copy } from './conditional-write.ts';

/** A record as the table keeps it: also when the provider's last news came. */
type StoredRecord = { -readonly [K in keyof OutreachRecord]: OutreachRecord[K] } & { deliveryAt?: string };

/** The outreach log in memory, with the DynamoDB adapter's conditions on every write. */
export class InMemoryOutreachLog implements OutreachLog {
  readonly records = new Map<string, StoredRecord>();

  async claim(job: OutreachJob, channel: Channel, locale: string, at: Date): Promise<{ claimed: true } | { claimed: false; record: OutreachRecord }> {
    const existing = this.records.get(job.jobId);
    if (existing && existing.status !== 'retry') return { claimed: false, record: copy(existing) };
    const now = at.toISOString();
    this.records.set(job.jobId, {
      ...existing,
      outreachId: job.jobId,
      clientId: job.clientId,
      episodeId: job.episodeId,
      request: job.request,
      status: 'sending',
      channel,
      locale,
      claimedAt: now,
      updatedAt: now,
      attempts: (existing?.attempts ?? 0) + 1,
    });
    return { claimed: true };
  }

  async sent(outreachId: string, providerMessageId: string, at: Date): Promise<void> {
    const record = this.sending(outreachId);
    record.status = 'sent';
    record.providerMessageId = providerMessageId;
    record.sentAt = record.updatedAt = at.toISOString();
    delete record.reason;
    delete record.reasonDetail;
  }

  async refused(outreachId: string, outcome: 'retry' | 'failed', failure: ProviderFailure, at: Date): Promise<void> {
    const record = this.sending(outreachId);
    record.status = outcome;
    this.keepReason(record, failure);
    record.updatedAt = at.toISOString();
  }

  async skipped(job: OutreachJob, reason: string, at: Date): Promise<void> {
    const existing = this.records.get(job.jobId);
    if (existing && existing.status !== 'retry' && existing.status !== 'skipped') return;
    this.records.set(job.jobId, {
      outreachId: job.jobId,
      clientId: job.clientId,
      episodeId: job.episodeId,
      request: job.request,
      status: 'skipped',
      reason,
      attempts: 0,
      updatedAt: at.toISOString(),
    });
  }

  async delivery(outreachId: string, outcome: OutreachStatus, replaces: readonly OutreachStatus[], at: string, failure?: ProviderFailure): Promise<boolean> {
    const record = this.records.get(outreachId);
    if (!record || !replaces.includes(record.status)) return false;
    record.status = outcome;
    record.deliveryAt = at;
    record.updatedAt = at;
    if (failure) this.keepReason(record, failure);
    return true;
  }

  async get(outreachId: string): Promise<OutreachRecord | undefined> {
    const record = this.records.get(outreachId);
    return record && copy(record);
  }

  async byProviderMessage(providerMessageId: string): Promise<OutreachRecord | undefined> {
    const record = [...this.records.values()].find((candidate) => candidate.providerMessageId === providerMessageId);
    return record && copy(record);
  }

  async *all(): AsyncGenerator<OutreachRecord[]> {
    yield [...this.records.values()].map(copy);
  }

  private sending(outreachId: string): StoredRecord {
    const record = this.records.get(outreachId);
    if (record?.status !== 'sending') throw new ConditionalWriteError(`${outreachId} is not being sent`);
    return record;
  }

  private keepReason(record: StoredRecord, failure: ProviderFailure): void {
    record.reason = failure.code;
    const detail = failure.detail === undefined ? '' : redactContacts(failure.detail);
    if (detail) record.reasonDetail = detail;
    else delete record.reasonDetail;
  }
}
