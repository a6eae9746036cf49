import { pageAnswerId, type Answer } from '../answer.ts';
import { signReplyToken, verifyReplyToken, type ReplyTokenClaims, type TokenPurpose } from '../reply-token.ts';
import { reasonLabel, resolveReason, type Catalogue } from '../reasons.ts';
import { firstNameOf } from '../../outreach/wording.ts';
import { recordAnswer, unsubscribe, type AnswerDependencies, type AnswerOutcome } from './answers.ts';
import { AppError } from '../../common/app-error.ts';

export interface ReplyPageSettings {
  readonly clinicName: string;
  /** The newest signs; all verify. */
  readonly tokenSecrets: readonly string[];
}

/** The link names a request we have no record of (deleted, or from another installation). */
export class UnknownRequestError extends AppError {
  override readonly name = 'UnknownRequestError';
  readonly kind = 'not-found';
}

export interface ReplyContext {
  readonly claims: ReplyTokenClaims;
  readonly clientId: string;
  readonly episodeId: string;
  readonly locale: string;
  readonly firstName?: string;
  readonly clinicName: string;
}

const contextOf = async (token: string, purpose: TokenPurpose, settings: ReplyPageSettings, deps: AnswerDependencies): Promise<ReplyContext> => {
  const now = (deps.now ?? (() => new Date()))();
  const claims = verifyReplyToken(token, settings.tokenSecrets, purpose, Math.floor(now.getTime() / 1000));
  const request = await deps.log.get(claims.outreachId);
  if (!request) throw new UnknownRequestError(`no request ${claims.outreachId}`);
  const client = await deps.clients.getClient(request.clientId);
  if (!client) throw new UnknownRequestError(`no client for request ${claims.outreachId}`);
  const firstName = client.profile.name ? firstNameOf(client.profile.name) : undefined;
  return {
    claims,
    clientId: request.clientId,
    episodeId: request.episodeId,
    locale: request.locale ?? client.profile.locale,
    clinicName: settings.clinicName,
    ...(firstName && { firstName }),
  };
};

/** The reasons a client can pick, in their language (then its base language, then the page's, then English). */
export const choicesFor = (catalogue: Catalogue, locale: string): { id: string; label: string }[] =>
  catalogue.reasons.filter((reason) => reason.status === 'active').map((reason) => ({ id: reason.id, label: reasonLabel(reason, locale) }));

export interface ReplyPageData {
  readonly context: ReplyContext;
  readonly choices: { id: string; label: string }[];
  readonly previous?: Answer;
  /** The token for the page's own unsubscribe button. */
  readonly unsubscribeToken: string;
}

/** What the reply page shows: the reasons, and the earlier answer when the client comes back to it. */
export const openReplyPage = async (token: string, settings: ReplyPageSettings, deps: AnswerDependencies): Promise<ReplyPageData> => {
  const context = await contextOf(token, 'reply', settings, deps);
  const [catalogue, stored] = await Promise.all([deps.catalogue.load(), deps.answers.get(context.clientId, pageAnswerId(context.claims.outreachId))]);
  // A reason merged since the answer shows as the reason it now counts under.
  const previous =
    stored?.reasonId && catalogue.reasons.some((reason) => reason.id === stored.reasonId)
      ? { ...stored, reasonId: resolveReason(catalogue, stored.reasonId).id }
      : stored;
  return {
    context,
    choices: choicesFor(catalogue, context.locale),
    ...(previous && { previous }),
    unsubscribeToken: signReplyToken({ ...context.claims, purpose: 'unsubscribe' }, settings.tokenSecrets[0]!),
  };
};

/** The page's answer: a second submit replaces the first (one answer per request, never two). */
/** What a client sent from the reply page: a reason button, free text, or both, and two wishes. */
export interface ReplyForm {
  readonly reasonId?: string;
  readonly text?: string;
  readonly callMe: boolean;
  readonly book: boolean;
}

export const submitReply = async (
  token: string,
  form: ReplyForm,
  settings: ReplyPageSettings,
  deps: AnswerDependencies,
): Promise<{ context: ReplyContext; result: AnswerOutcome }> => {
  const context = await contextOf(token, 'reply', settings, deps);
  const result = await recordAnswer(
    {
      clientId: context.clientId,
      answerId: pageAnswerId(context.claims.outreachId),
      channel: 'page',
      mode: 'upsert',
      outreachId: context.claims.outreachId,
      episodeId: context.episodeId,
      locale: context.locale,
      callMe: form.callMe,
      book: form.book,
      ...(form.reasonId && { chosenReasonId: form.reasonId }),
      ...(form.text && { text: form.text }),
    },
    deps,
  );
  return { context, result };
};

/** Checks a reply link without acting on it (a form sent with nothing in it). */
export const checkReply = (token: string, settings: ReplyPageSettings, deps: AnswerDependencies): Promise<ReplyContext> =>
  contextOf(token, 'reply', settings, deps);

/** Checks an unsubscribe link (the confirm page) without acting on it. */
export const checkUnsubscribe = (token: string, settings: ReplyPageSettings, deps: AnswerDependencies): Promise<ReplyContext> =>
  contextOf(token, 'unsubscribe', settings, deps);

/** The unsubscribe button, or the mail client's one-click POST (RFC 8058). */
export const unsubscribeByToken = async (token: string, settings: ReplyPageSettings, deps: AnswerDependencies): Promise<ReplyContext> => {
  const context = await contextOf(token, 'unsubscribe', settings, deps);
  await unsubscribe(context.clientId, context.claims.outreachId, deps);
  return context;
};
