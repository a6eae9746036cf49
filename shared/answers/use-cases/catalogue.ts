import { addReason, learnAlias, mergeReason, renameReason, resolveReason, retireReason, type Catalogue, type ChurnType, type Reason } from '../reasons.ts';
import type { Candidate } from '../ports/catalogue-store.ts';
import { changeCatalogue as change } from './catalogue-change.ts';
import { clusterPending, groupPending, mostGroupedTexts, type PendingGroups } from '../pending-groups.ts';
import { matchAnswer } from '../reason-matching.ts';
import { actOnAnswer, type AnswerDependencies } from './answers.ts';
import { AppError } from '../../common/app-error.ts';

export class UnknownCandidateError extends AppError {
  override readonly name = 'UnknownCandidateError';
  readonly kind = 'not-found';
}

/** A group id that is not among the groups of the pending answers now. */
export class UnknownGroupError extends AppError {
  override readonly name = 'UnknownGroupError';
  readonly kind = 'not-found';
}

export interface ReasonCount {
  readonly reason: Reason;
  /** Answers counted under it today: merged reasons' answers count under the reason they went into. */
  readonly answers: number;
}

/** Every reason with how many answers count under it now, and the answers still pending. */
export const reasonCounts = async (deps: AnswerDependencies): Promise<{ catalogue: Catalogue; counts: ReasonCount[]; pending: number }> => {
  const catalogue = await deps.catalogue.load();
  const counts = new Map<string, number>();
  let pending = 0;
  for await (const page of deps.answers.all()) {
    for (const answer of page) {
      if (answer.reasonId) {
        const id = resolveReason(catalogue, answer.reasonId).id;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      } else if (answer.candidate) pending++;
    }
  }
  return { catalogue, counts: catalogue.reasons.map((reason) => ({ reason, answers: counts.get(reason.id) ?? 0 })), pending };
};

/** The answers that waited on a candidate now have a reason: placed, acted on, and the candidate is gone. */
const placeWaiting = async (text: string, reasonId: string, catalogue: Catalogue, deps: AnswerDependencies): Promise<number> => {
  const waiting = await deps.answers.waitingOn(text);
  for (const answer of waiting) {
    await deps.answers.place(answer, reasonId, catalogue.version);
    await deps.catalogue.countReasonGiven(reasonId);
    await actOnAnswer({ ...answer, reasonId }, catalogue, deps);
  }
  await deps.catalogue.dropCandidate(text);
  return waiting.length;
};

/** The reason `addReason` made: the one `after` has that `before` had not. */
const addedReason = (before: Catalogue, after: Catalogue): Reason => after.reasons.find((reason) => !before.reasons.some((old) => old.id === reason.id))!;

/** What one mapping placed: the answers that waited on what was mapped, and those the catalogue now places by itself. */
export interface Placed {
  readonly placed: number;
  /** Other pending answers the catalogue places now that it learned more (`placeNowKnown`). */
  readonly alsoPlaced: number;
}

/** The one reason a pending text now gets in each language it was written in; none if truncated (only its beginning is kept) or unsure. */
const nowKnownReason = (catalogue: Catalogue, candidate: Candidate): string | undefined => {
  if (candidate.truncated) return undefined;
  const locales = candidate.locales.length > 0 ? candidate.locales : [undefined];
  const reasons = new Set(locales.map((locale) => matchAnswer(catalogue, candidate.text, locale).reasonId));
  const [only] = reasons;
  return reasons.size === 1 ? only : undefined;
};

/**
 * After a mapping the catalogue knows more: every pending text (the most answered first, as many
 * as are grouped) is matched again, and the answers that waited on those it now places with
 * confidence are placed. Returns how many answers.
 */
export const placeNowKnown = async (catalogue: Catalogue, deps: AnswerDependencies): Promise<number> => {
  const pending = (await deps.catalogue.candidates()).sort((a, b) => b.answers - a.answers).slice(0, mostGroupedTexts);
  let placed = 0;
  for (const candidate of pending) {
    const reasonId = nowKnownReason(catalogue, candidate);
    if (reasonId !== undefined) placed += await placeWaiting(candidate.text, reasonId, catalogue, deps);
  }
  return placed;
};

const knownCandidate = async (text: string, deps: AnswerDependencies): Promise<void> => {
  if (!(await deps.catalogue.candidates()).some((candidate) => candidate.text === text)) {
    throw new UnknownCandidateError(`there is no pending answer "${text}"; see \`comeback reasons candidates\``);
  }
};

/** "ακριβό" means price: learned, so the next "ακριβό" maps by itself; the answers that waited are placed. */
export const mapCandidate = async (text: string, reasonId: string, locale: string | undefined, by: string, deps: AnswerDependencies): Promise<Placed> => {
  await knownCandidate(text, deps);
  const catalogue = await change(deps, (current, at) => learnAlias(current, text, reasonId, locale, at), {
    kind: 'learn',
    text,
    reasonId,
    by,
    ...(locale && { locale }),
  });
  const placed = await placeWaiting(text, resolveReason(catalogue, reasonId).id, catalogue, deps);
  return { placed, alsoPlaced: await placeNowKnown(catalogue, deps) };
};

/** A candidate that names something new becomes a reason of its own, with the candidate as its first alias. */
export const approveCandidate = async (
  text: string,
  reason: { label: string; locale: string; churnType: ChurnType },
  by: string,
  deps: AnswerDependencies,
): Promise<Placed & { reason: Reason }> => {
  await knownCandidate(text, deps);
  let created: Reason | undefined;
  const catalogue = await change(
    deps,
    (current, at) => {
      const withReason = addReason(current, reason, at);
      created = addedReason(current, withReason);
      return learnAlias(withReason, text, created.id, reason.locale, at);
    },
    { kind: 'add', text, label: reason.label, locale: reason.locale, by },
  );
  const placed = await placeWaiting(text, created!.id, catalogue, deps);
  return { reason: created!, placed, alsoPlaced: await placeNowKnown(catalogue, deps) };
};

/** The pending answers in groups of one meaning across languages, each with what the catalogue suggests. */
export const pendingGroups = async (deps: AnswerDependencies): Promise<PendingGroups> => {
  const [catalogue, candidates] = await Promise.all([deps.catalogue.load(), deps.catalogue.candidates()]);
  return groupPending(catalogue, candidates);
};

/** The pending texts a group id stands for now; groups change as answers come and are placed. */
const groupMembers = async (groupId: string, deps: AnswerDependencies): Promise<readonly Candidate[]> => {
  const found = clusterPending(await deps.catalogue.candidates()).clusters.find((cluster) => cluster.groupId === groupId);
  if (!found) {
    throw new UnknownGroupError(
      `there is no group ${groupId} of pending answers now (groups change as answers come and are placed): list them again with \`comeback reasons groups\``,
    );
  }
  return found.members;
};

/** Texts learned per catalogue change: a store writes one change at once (DynamoDB: 100 items a transaction). */
const textsPerChange = 90;

const inChunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/** Learns each text as meaning `reasonId`, in the language it was written in when only one. */
const learnTexts = (catalogue: Catalogue, texts: readonly Candidate[], reasonId: string, at: string): Catalogue => {
  const soleLocale = (candidate: Candidate) => (candidate.locales.length === 1 ? candidate.locales[0] : undefined);
  return texts.reduce((current, candidate) => learnAlias(current, candidate.text, reasonId, soleLocale(candidate), at), catalogue);
};

export interface GroupPlaced extends Placed {
  /** The group's texts, now aliases of the reason. */
  readonly texts: number;
}

const placeGroup = async (texts: readonly Candidate[], reasonId: string, catalogue: Catalogue, deps: AnswerDependencies): Promise<GroupPlaced> => {
  let placed = 0;
  for (const candidate of texts) placed += await placeWaiting(candidate.text, reasonId, catalogue, deps);
  return { texts: texts.length, placed, alsoPlaced: await placeNowKnown(catalogue, deps) };
};

/** A whole group means a reason: every text learned in one change, the answers that waited placed, then whatever that teaches. */
export const mapGroup = async (groupId: string, reasonId: string, by: string, deps: AnswerDependencies): Promise<GroupPlaced> => {
  const texts = await groupMembers(groupId, deps);
  let catalogue: Catalogue | undefined;
  for (const chunk of inChunks(texts, textsPerChange)) {
    catalogue = await change(deps, (current, at) => learnTexts(current, chunk, reasonId, at), {
      kind: 'learn',
      reasonId,
      text: chunk[0]!.text,
      group: groupId,
      texts: chunk.length,
      by,
    });
  }
  return placeGroup(texts, resolveReason(catalogue!, reasonId).id, catalogue!, deps);
};

/** A group that names something new becomes a reason, with every text of the group as its aliases. */
export const approveGroup = async (
  groupId: string,
  reason: { label: string; locale: string; churnType: ChurnType },
  by: string,
  deps: AnswerDependencies,
): Promise<GroupPlaced & { reason: Reason }> => {
  const texts = await groupMembers(groupId, deps);
  const [first, ...rest] = inChunks(texts, textsPerChange) as [Candidate[], ...Candidate[][]];
  let created: Reason | undefined;
  let catalogue = await change(
    deps,
    (current, at) => {
      const withReason = addReason(current, reason, at);
      created = addedReason(current, withReason);
      return learnTexts(withReason, first, created.id, at);
    },
    { kind: 'add', text: first[0]!.text, label: reason.label, locale: reason.locale, group: groupId, texts: first.length, by },
  );
  for (const chunk of rest) {
    const what = { kind: 'learn', reasonId: created!.id, text: chunk[0]!.text, group: groupId, texts: chunk.length, by } as const;
    catalogue = await change(deps, (current, at) => learnTexts(current, chunk, created!.id, at), what);
  }
  return { reason: created!, ...(await placeGroup(texts, created!.id, catalogue, deps)) };
};

export const mergeReasons = (fromId: string, intoId: string, by: string, deps: AnswerDependencies): Promise<Catalogue> =>
  change(deps, (current, at) => mergeReason(current, fromId, intoId, at), { kind: 'merge', reasonId: fromId, into: intoId, by });

export const renameReasonLabel = (reasonId: string, locale: string, label: string, by: string, deps: AnswerDependencies): Promise<Catalogue> =>
  change(deps, (current) => renameReason(current, reasonId, locale, label), { kind: 'rename', reasonId, locale, label, by });

export const retireReasonById = (reasonId: string, by: string, deps: AnswerDependencies): Promise<Catalogue> =>
  change(deps, (current) => retireReason(current, reasonId), { kind: 'retire', reasonId, by });
