import { pageAnswerId, type Answer } from '../answer.ts';
import { signReplyToken, verifyReplyToken, type ReplyTokenClaims, type TokenPurpose } from '../reply-token.ts';
import { activeReasons, offeredToClients, otherReasonId, reasonLabel, resolveReason, seedCatalogue, type Catalogue, type Reason } from '../reasons.ts';
import { firstNameOf } from '../../outreach/wording.ts';
import { recordAnswer, unsubscribe, type AnswerDependencies, type AnswerOutcome } from './answers.ts';
import { AppError } from '../../common/app-error.ts';
import { viberContextFor, viberDeepLink } from '../../outreach/viber-subscription.ts';

export interface ReplyPageSettings {
  readonly clinicName: string;
  /** The newest signs; all verify. */
  readonly tokenSecrets: readonly string[];
  /** The clinic's Viber bot (its chatURI): the page offers a client who agreed to Viber the deep link to subscribe. */
  readonly viberBotUri?: string;
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
  /** The client agreed to Viber and has not subscribed to the clinic's bot yet. */
  readonly notOnViberYet: boolean;
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
    notOnViberYet: client.profile.consent.viber === true && !client.profile.viberUserId,
    ...(firstName && { firstName }),
  };
};

/** Where each seed reason stands among the seed reasons: the order of choices nobody has given yet. */
const seedOrder: ReadonlyMap<string, number> = new Map(seedCatalogue().reasons.map((reason, index) => [reason.id, index]));

/** Answers given under each reason today: a merged reason's answers count under the reason it went into. */
const givenToday = (catalogue: Catalogue, given: ReadonlyMap<string, number>): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const [id, answers] of given) {
    if (!catalogue.reasons.some((reason) => reason.id === id)) continue;
    const survivor = resolveReason(catalogue, id).id;
    counts.set(survivor, (counts.get(survivor) ?? 0) + answers);
  }
  return counts;
};

/**
 * The reasons a client can pick about themselves (never "passed away": see offeredToClients),
 * in their language (then its base language, then the page's, then English): the ones this
 * clinic's clients give most first, ties in seed order (reasons added later after the seed
 * ones, in the catalogue's order), and "other" last.
 */
export const choicesFor = (catalogue: Catalogue, locale: string, given: ReadonlyMap<string, number>): { id: string; label: string }[] => {
  const counts = givenToday(catalogue, given);
  const offered = activeReasons(catalogue).filter(offeredToClients);
  const tieOrder = (reason: Reason): number => seedOrder.get(reason.id) ?? seedOrder.size + offered.indexOf(reason);
  return [...offered]
    .sort(
      (a, b) =>
        Number(a.id === otherReasonId) - Number(b.id === otherReasonId) || (counts.get(b.id) ?? 0) - (counts.get(a.id) ?? 0) || tieOrder(a) - tieOrder(b),
    )
    .map((reason) => ({ id: reason.id, label: reasonLabel(reason, locale) }));
};

/** At most `limit` of the choices, in order, with "other" kept last when the rest must be cut (a messenger's buttons, a list). */
export const shortChoices = <C extends { readonly id: string }>(choices: readonly C[], limit: number): C[] =>
  choices.length <= limit ? [...choices] : [...choices.slice(0, limit - 1), choices.at(-1)!];

export interface ReplyPageData {
  readonly context: ReplyContext;
  readonly choices: { id: string; label: string }[];
  readonly previous?: Answer;
  /** The token for the page's own unsubscribe button. */
  readonly unsubscribeToken: string;
  /** The clinic's Viber deep link for this client, when they agreed to Viber and have not subscribed yet. */
  readonly viberLink?: string;
}

/** The deep link that makes the client reachable on Viber, offered only to a client who agreed to Viber and is not subscribed yet. */
const viberLinkFor = (context: ReplyContext, settings: ReplyPageSettings, deps: AnswerDependencies): string | undefined => {
  if (!settings.viberBotUri || !context.notOnViberYet) return undefined;
  return viberDeepLink(settings.viberBotUri, viberContextFor(context.clientId, settings.tokenSecrets[0]!, (deps.now ?? (() => new Date()))()));
};

/** What the reply page shows: the reasons, and the earlier answer when the client comes back to it. */
export const openReplyPage = async (token: string, settings: ReplyPageSettings, deps: AnswerDependencies): Promise<ReplyPageData> => {
  const context = await contextOf(token, 'reply', settings, deps);
  const [catalogue, given, stored] = await Promise.all([
    deps.catalogue.load(),
    deps.catalogue.reasonsGiven(),
    deps.answers.get(context.clientId, pageAnswerId(context.claims.outreachId)),
  ]);
  const viberLink = viberLinkFor(context, settings, deps);
  // A reason merged since the answer shows as the reason it now counts under.
  const previous =
    stored?.reasonId && catalogue.reasons.some((reason) => reason.id === stored.reasonId)
      ? { ...stored, reasonId: resolveReason(catalogue, stored.reasonId).id }
      : stored;
  return {
    context,
    choices: choicesFor(catalogue, context.locale, given),
    ...(previous && { previous }),
    unsubscribeToken: signReplyToken({ ...context.claims, purpose: 'unsubscribe' }, settings.tokenSecrets[0]!),
    ...(viberLink && { viberLink }),
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
