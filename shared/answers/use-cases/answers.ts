import { endsOutreach, followUpsFor, keptAnswerText, smsAnswerId, staffAnswerId, unmatchedClientId, type Answer, type AnswerChannel } from '../answer.ts';
import { followUpId } from '../follow-up.ts';
import { addressKeys } from '../../outreach/eligibility.ts';
import { defaultMatchThreshold, matchAnswer } from '../reason-matching.ts';
import { activeReasons, learnAlias, offeredToClients, otherReasonId, reasonLabel, resolveReason, type Catalogue } from '../reasons.ts';
import { changeCatalogue } from './catalogue-change.ts';
import { isOptOutText, smsHelpText, smsIntent } from '../sms-keywords.ts';
import type { AnswerModel, ReasonChoice } from '../ports/answer-model.ts';
import type { AnswerStore } from '../ports/answer-store.ts';
import type { CatalogueStore } from '../ports/catalogue-store.ts';
import type { ClientStore } from '../../visits/ports/client-store.ts';
import type { FollowUpStore } from '../ports/follow-up-store.ts';
import type { Messenger } from '../../outreach/ports/messenger.ts';
import type { OutreachLog } from '../../outreach/ports/outreach-log.ts';
import type { SuppressionList } from '../../outreach/ports/suppression-list.ts';
import { AppError } from '../../common/app-error.ts';
import { logger } from '../../common/logger.ts';

export interface AnswerDependencies {
  readonly answers: AnswerStore;
  readonly catalogue: CatalogueStore;
  readonly followUps: FollowUpStore;
  readonly clients: ClientStore;
  readonly suppression: SuppressionList;
  readonly log: OutreachLog;
  /** The optional cloud stage for text the matcher cannot place (off unless configured). */
  readonly answerModel?: AnswerModel;
  readonly now?: () => Date;
}

export class UnknownReasonError extends AppError {
  override readonly name = 'UnknownReasonError';
  readonly kind = 'invalid';
}

export class UnknownClientError extends AppError {
  override readonly name = 'UnknownClientError';
  readonly kind = 'not-found';
}

export interface AnswerInput {
  readonly clientId: string;
  readonly answerId: string;
  readonly channel: AnswerChannel;
  /** `once` drops a second delivery of the same message; `upsert` lets a second submit replace the first. */
  readonly mode: 'once' | 'upsert';
  readonly receivedAt?: string;
  readonly outreachId?: string;
  readonly episodeId?: string;
  /** A reason the client (a button) or staff picked; otherwise the text is matched. */
  readonly chosenReasonId?: string;
  readonly text?: string;
  readonly locale?: string;
  readonly callMe?: boolean;
  readonly book?: boolean;
  readonly by?: string;
  readonly from?: string;
  /** The unsubscribe button or an opt-out keyword; free text that asks us to stop (isOptOutText) counts too. */
  readonly optedOut?: boolean;
}

export interface AnswerOutcome {
  readonly outcome: 'created' | 'updated' | 'duplicate';
  readonly answer: Answer;
  /** Follow-ups this answer opened for staff (none when it was a duplicate). */
  readonly followUps: readonly string[];
  readonly outreachEnded: boolean;
}

const activeReason = (catalogue: Catalogue, reasonId: string) => {
  const reason = catalogue.reasons.find((candidate) => candidate.id === reasonId);
  if (!reason) throw new UnknownReasonError(`there is no reason "${reasonId}"; see \`comeback reasons list\``);
  return resolveReason(catalogue, reasonId);
};

/**
 * What follows from an answer once its reason is known: an involuntary reason (moved away,
 * died, insurance) ends outreach to the client, and a call-back request or a complaint opens
 * a follow-up for staff (once, however often the answer is updated).
 */
export const actOnAnswer = async (answer: Answer, catalogue: Catalogue, deps: AnswerDependencies): Promise<{ followUps: string[]; outreachEnded: boolean }> => {
  const reason = answer.reasonId ? resolveReason(catalogue, answer.reasonId) : undefined;
  let outreachEnded = false;
  if (reason && endsOutreach(reason.churnType) && answer.clientId !== unmatchedClientId) {
    await deps.clients.endOutreach(answer.clientId, reason.id);
    outreachEnded = true;
  }
  const opened: string[] = [];
  if (answer.clientId === unmatchedClientId) return { followUps: opened, outreachEnded };
  const at = (deps.now ?? (() => new Date()))().toISOString();
  for (const kind of followUpsFor(answer, reason?.id)) {
    const id = followUpId(answer.clientId, answer.answerId, kind);
    const result = await deps.followUps.open({
      followUpId: id,
      clientId: answer.clientId,
      answerId: answer.answerId,
      kind,
      status: 'open',
      openedAt: at,
      history: [{ status: 'open', at }],
      ...(reason && { reasonId: reason.id }),
    });
    if (result === 'opened') opened.push(id);
  }
  return { followUps: opened, outreachEnded };
};

/**
 * A client who asked us to stop hears nothing more on any channel: the client, their email and
 * their phone are suppressed, and any number the request came from (an SMS's sender). Applied
 * again on a repeat too: suppression is idempotent, and a lost first try must not leave them
 * reachable.
 */
export const optOutEverywhere = async (clientId: string | undefined, phones: readonly string[], at: string, deps: AnswerDependencies): Promise<void> => {
  const known = clientId !== undefined && clientId !== unmatchedClientId ? clientId : undefined;
  const profile = known === undefined ? undefined : (await deps.clients.getClient(known))?.profile;
  const keys = new Set([
    ...(known === undefined ? [] : [`client:${known}`]),
    ...(profile ? addressKeys(profile) : []),
    ...phones.map((phone) => `phone:${phone}`),
  ]);
  for (const key of keys) await deps.suppression.add({ key, reason: 'opt-out', at });
};

type Placement = Pick<Answer, 'reasonId' | 'alsoReasonId' | 'confidence' | 'method' | 'candidate'>;

/**
 * The reasons the model may choose among: those a client can give about themselves, but not
 * "other", which says nothing a manager could act on: an answer the model can only call
 * "other" waits as a candidate, and may become a reason of its own.
 */
const modelChoices = (catalogue: Catalogue): ReasonChoice[] =>
  activeReasons(catalogue)
    .filter((reason) => offeredToClients(reason) && reason.id !== otherReasonId)
    .map((reason) => ({ id: reason.id, label: reasonLabel(reason, 'en') }));

/**
 * The model's reason for text the matcher could not place, when it is as sure as the matcher
 * must be; else undefined. It is given the text only. A model that fails (throttled, down)
 * never costs the answer: it waits as a candidate, as it would without the model.
 */
const askModel = async (model: AnswerModel, text: string, catalogue: Catalogue, answerId: string): Promise<Placement | undefined> => {
  const choices = modelChoices(catalogue);
  try {
    const placed = await model.place(text, choices);
    if (placed?.reasonId === undefined || placed.confidence < defaultMatchThreshold) return undefined;
    if (!choices.some((choice) => choice.id === placed.reasonId)) return undefined;
    return { reasonId: placed.reasonId, confidence: placed.confidence, method: 'model' };
  } catch (error) {
    logger.warn('answer model failed; the answer waits as a candidate', { answerId, error: (error as Error).name });
    return undefined;
  }
};

/** A chosen reason as it is; free text through the matcher, then the model (when there is one) for what the matcher leaves. */
const placeAnswer = async (
  input: AnswerInput,
  text: string | undefined,
  optedOut: boolean,
  catalogue: Catalogue,
  deps: AnswerDependencies,
): Promise<Placement> => {
  if (input.chosenReasonId) return { reasonId: activeReason(catalogue, input.chosenReasonId).id, confidence: 1, method: 'chosen' };
  if (!text || optedOut) return { confidence: 0, method: 'none' };
  const match = matchAnswer(catalogue, text, input.locale);
  if (match.reasonId) {
    return { reasonId: match.reasonId, ...(match.alsoReasonId && { alsoReasonId: match.alsoReasonId }), confidence: match.confidence, method: match.method };
  }
  const byModel = deps.answerModel && (await askModel(deps.answerModel, text, catalogue, input.answerId));
  return byModel ?? { confidence: match.confidence, method: 'none', ...(match.normalized && { candidate: match.normalized }) };
};

/**
 * Records one answer: a chosen reason is taken as it is; free text is matched against the
 * catalogue, then (when one is configured) offered to the answer model, and text neither can
 * place with confidence becomes a candidate for a manager, never a new reason on its own.
 * Text longer than `longestAnswerText` is cut first, and the answer says so. Text that asks us
 * to stop ("please remove me") opts the client out on every channel, whichever channel it came by.
 */
export const recordAnswer = async (input: AnswerInput, deps: AnswerDependencies): Promise<AnswerOutcome> => {
  const now = (deps.now ?? (() => new Date()))();
  const catalogue = await deps.catalogue.load();
  const written = input.text?.trim() || undefined;
  const kept = written === undefined ? undefined : keptAnswerText(written);
  const text = kept?.text;
  const optedOut = input.optedOut === true || (written !== undefined && isOptOutText(written));
  const placed = await placeAnswer(input, text, optedOut, catalogue, deps);
  // A second submit of the page with the same words waits on the candidate once, not twice, and teaches nothing new.
  const before = input.mode === 'upsert' ? await deps.answers.get(input.clientId, input.answerId) : undefined;
  const taught =
    placed.method === 'chosen' && text && !optedOut && text !== before?.text ? await learnChosenWords(text, placed.reasonId!, input, deps) : undefined;
  const answer: Answer = {
    clientId: input.clientId,
    answerId: input.answerId,
    channel: input.channel,
    receivedAt: input.receivedAt ?? now.toISOString(),
    ...(input.mode === 'upsert' && { updatedAt: now.toISOString() }),
    ...(input.outreachId && { outreachId: input.outreachId }),
    ...(input.episodeId && { episodeId: input.episodeId }),
    ...placed,
    ...kept,
    callMe: input.callMe === true,
    book: input.book === true,
    ...(optedOut && { optedOut: true }),
    ...(input.by && { by: input.by }),
    ...(input.from && { from: input.from }),
    catalogueVersion: (taught ?? catalogue).version,
  };
  const outcome = await deps.answers.save(answer, input.mode);
  if (optedOut) await optOutEverywhere(answer.clientId, [], now.toISOString(), deps);
  if (outcome === 'duplicate') return { outcome, answer, followUps: [], outreachEnded: false };
  if (answer.candidate && answer.candidate !== before?.candidate) {
    await deps.catalogue.noteCandidate(answer.candidate, input.locale, answer.receivedAt, { ...(answer.truncated && { truncated: true }) });
  }
  // Counted once per answer: a redelivery returned above, and a second submit counts only a changed reason.
  if (answer.reasonId && answer.reasonId !== before?.reasonId) await deps.catalogue.countReasonGiven(answer.reasonId);
  return { outcome, answer, ...(await actOnAnswer(answer, catalogue, deps)) };
};

/**
 * A reason chosen with words beside it (a reply-page button and the text box, staff's reason and
 * note) teaches the matcher those words, as a manager's mapping does but weaker and never over
 * one. Learning is a bonus: if the catalogue cannot be changed now, the answer still stands.
 */
const learnChosenWords = async (text: string, reasonId: string, input: AnswerInput, deps: AnswerDependencies): Promise<Catalogue | undefined> => {
  const source = input.channel === 'staff' ? 'staff' : 'client';
  try {
    return await changeCatalogue(deps, (current, at) => learnAlias(current, text, reasonId, input.locale, at, source), {
      kind: 'learn',
      reasonId,
      by: input.by ?? `${source} answer`,
      ...(input.locale && { locale: input.locale }),
    });
  } catch (error) {
    logger.warn('the words of a chosen answer were not learned', { answerId: input.answerId, error: (error as Error).name });
    return undefined;
  }
};

/** The two-way SMS payload End User Messaging publishes to SNS. */
export interface InboundSms {
  readonly originationNumber: string;
  readonly destinationNumber: string;
  readonly messageKeyword?: string;
  readonly messageBody: string;
  readonly inboundMessageId: string;
  readonly previousPublishedMessageId?: string;
}

export type SmsOutcome =
  | { readonly kind: 'answer'; readonly result: AnswerOutcome }
  | { readonly kind: 'opted-out'; readonly clientId?: string; readonly duplicate: boolean }
  | { readonly kind: 'help'; readonly duplicate: boolean }
  /** From a number that is no client's, or several clients': kept for review. */
  | { readonly kind: 'unmatched'; readonly duplicate: boolean };

export interface SmsDependencies extends AnswerDependencies {
  /** Answers HELP. */
  readonly messenger: Pick<Messenger, 'sendText'>;
  readonly clinicName: string;
}

/**
 * One inbound SMS: tied to the request it answers (`previousPublishedMessageId`), else to the
 * one client with that number; an opt-out keyword, or words that ask us to stop in any of the
 * clients' languages ("please stop texting me", "не пишите мне больше"), suppress the number
 * and the client on every channel; HELP is answered; a second delivery of the same message
 * changes nothing. Text of any length lands, cut at `longestAnswerText` characters.
 */
/** Who sent the text: the request it answers (when the provider says), else the one client with that number. */
const senderOf = async (sms: InboundSms, deps: SmsDependencies) => {
  const request = sms.previousPublishedMessageId ? await deps.log.byProviderMessage(sms.previousPublishedMessageId) : undefined;
  let clientId = request?.clientId;
  if (!clientId) {
    const owners = await deps.clients.clientsWithPhone(sms.originationNumber);
    if (owners.length === 1) clientId = owners[0];
  }
  return { request, client: clientId ? await deps.clients.getClient(clientId) : undefined };
};

/** A message that is no answer (STOP, HELP, or from someone we do not know): kept as it came, with no reason. True when it was already kept. */
export const keepWithoutReason = async (answer: AnswerInput & { readonly from?: string }, deps: AnswerDependencies, optedOut = false): Promise<boolean> => {
  const recorded = await deps.answers.save(
    {
      clientId: answer.clientId,
      answerId: answer.answerId,
      channel: answer.channel,
      receivedAt: answer.receivedAt!,
      ...keptAnswerText(answer.text ?? ''),
      confidence: 0,
      method: 'none',
      callMe: false,
      book: false,
      ...(optedOut && { optedOut: true }),
      catalogueVersion: 0,
      ...(answer.from && { from: answer.from }),
    },
    'once',
  );
  return recorded === 'duplicate';
};

export const receiveSms = async (sms: InboundSms, deps: SmsDependencies): Promise<SmsOutcome> => {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const { request, client } = await senderOf(sms, deps);
  const intent = smsIntent(sms.messageBody);
  const base = {
    clientId: client ? client.profile.clientId : unmatchedClientId,
    answerId: smsAnswerId(sms.inboundMessageId),
    channel: 'sms' as const,
    mode: 'once' as const,
    receivedAt: now,
    text: sms.messageBody,
    ...(request && { outreachId: request.outreachId, episodeId: request.episodeId }),
    ...(client && { locale: client.profile.locale }),
    ...(!client && { from: sms.originationNumber }),
  };
  if (intent === 'opt-out') {
    const duplicate = await keepWithoutReason(base, deps, true);
    // Applied again on a redelivery too (see optOutEverywhere).
    await optOutEverywhere(client?.profile.clientId, [sms.originationNumber], now, deps);
    return { kind: 'opted-out', ...(client && { clientId: client.profile.clientId }), duplicate };
  }
  if (intent === 'help') {
    const duplicate = await keepWithoutReason(base, deps);
    if (!duplicate) {
      await deps.messenger.sendText({
        outreachId: `help-${sms.inboundMessageId}`,
        to: sms.originationNumber,
        body: smsHelpText(client?.profile.locale, deps.clinicName),
      });
    }
    return { kind: 'help', duplicate };
  }
  if (!client) return { kind: 'unmatched', duplicate: await keepWithoutReason(base, deps) };
  return { kind: 'answer', result: await recordAnswer(base, deps) };
};

/** The unsubscribe button or the one-click List-Unsubscribe POST: nothing more on any channel. */
export const unsubscribe = async (clientId: string, outreachId: string, deps: AnswerDependencies): Promise<void> => {
  const at = (deps.now ?? (() => new Date()))().toISOString();
  await optOutEverywhere(clientId, [], at, deps);
  await deps.answers.save(
    {
      clientId,
      answerId: `unsubscribe#${outreachId}`,
      channel: 'page',
      receivedAt: at,
      outreachId,
      confidence: 0,
      method: 'none',
      callMe: false,
      book: false,
      optedOut: true,
      catalogueVersion: 0,
    },
    'upsert',
  );
};

/** Staff recording what a client said on the phone. */
export const recordStaffAnswer = async (
  input: { clientId: string; reasonId: string; on?: string; note?: string; by: string; callMe?: boolean },
  deps: AnswerDependencies,
): Promise<AnswerOutcome> => {
  const client = await deps.clients.getClient(input.clientId);
  if (!client) throw new UnknownClientError(`there is no client "${input.clientId}"`);
  const now = (deps.now ?? (() => new Date()))();
  const receivedAt = input.on ? `${input.on}T12:00:00.000Z` : now.toISOString();
  return recordAnswer(
    {
      clientId: input.clientId,
      answerId: staffAnswerId(now),
      channel: 'staff',
      mode: 'once',
      receivedAt,
      chosenReasonId: input.reasonId,
      ...(input.note && { text: input.note }),
      by: input.by,
      locale: client.profile.locale,
      ...(input.callMe && { callMe: true }),
      ...(client.lapse?.status === 'open' && { episodeId: client.lapse.episodeId }),
    },
    deps,
  );
};
