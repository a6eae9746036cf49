import { currentAnswerRows, type PartitionedRow } from '../../shared/analytics/export-rows.ts';
import type { ExportRow } from '../../shared/analytics/export-tables.ts';
import type { Answer, AnswerChannel } from '../../shared/answers/answer.ts';

/**
 * The current_answers rows the export would write for these replies rows: each row read back as
 * the answer it came from (its id as the answer's, the instant in `received_at`, ISO or
 * `YYYY-MM-DD hh:mm:ss` in UTC), then shaped by the export's own currentAnswerRows.
 */
export const currentAnswersOf = (replies: readonly ExportRow[]): PartitionedRow[] =>
  currentAnswerRows(
    replies.map(
      (reply): Answer => ({
        clientId: String(reply.client_id),
        answerId: String(reply.answer_id),
        channel: reply.channel as AnswerChannel,
        receivedAt: new Date(`${String(reply.received_at).replace(' ', 'T').replace(/Z?$/, 'Z')}`).toISOString(),
        ...(reply.episode_id !== null && reply.episode_id !== undefined && { episodeId: String(reply.episode_id) }),
        ...(reply.reason_id !== null && reply.reason_id !== undefined && { reasonId: String(reply.reason_id) }),
        ...(reply.also_reason_id !== null && reply.also_reason_id !== undefined && { alsoReasonId: String(reply.also_reason_id) }),
        confidence: 1,
        method: 'chosen',
        callMe: false,
        book: false,
        catalogueVersion: 1,
      }),
    ),
  );
