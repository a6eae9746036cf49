import { addReason, learnAlias, mergeReason, renameReason, resolveReason, retireReason, type Catalogue, type ChurnType, type Reason } from '../reasons.ts';
import { CatalogueConflictError, type CatalogueChange } from '../ports/catalogue-store.ts';
import { actOnAnswer, type AnswerDependencies } from './answers.ts';
import { AppError } from '../../common/app-error.ts';

export class UnknownCandidateError extends AppError {
  override readonly name = 'UnknownCandidateError';
  readonly kind = 'not-found';
}

/**
 * Applies one manager's change on the newest catalogue: loads it, changes it, saves it with a
 * check that nobody changed it meanwhile, and tries again (a few times) if somebody did.
 */
const change = async (
  deps: AnswerDependencies,
  apply: (catalogue: Catalogue, at: string) => Catalogue,
  what: Omit<CatalogueChange, 'version' | 'at'>,
): Promise<Catalogue> => {
  for (let attempt = 1; ; attempt++) {
    const previous = await deps.catalogue.load();
    const at = (deps.now ?? (() => new Date()))().toISOString();
    const next = apply(previous, at);
    try {
      await deps.catalogue.save(previous, next, { ...what, at });
      return next;
    } catch (error) {
      if (!(error instanceof CatalogueConflictError) || attempt >= 3) throw error;
    }
  }
};

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
    await actOnAnswer({ ...answer, reasonId }, catalogue, deps);
  }
  await deps.catalogue.dropCandidate(text);
  return waiting.length;
};

const knownCandidate = async (text: string, deps: AnswerDependencies): Promise<void> => {
  if (!(await deps.catalogue.candidates()).some((candidate) => candidate.text === text)) {
    throw new UnknownCandidateError(`there is no pending answer "${text}"; see \`comeback reasons candidates\``);
  }
};

/** "ακριβό" means price: learned, so the next "ακριβό" maps by itself; the answers that waited are placed. */
export const mapCandidate = async (
  text: string,
  reasonId: string,
  locale: string | undefined,
  by: string,
  deps: AnswerDependencies,
): Promise<{ placed: number }> => {
  await knownCandidate(text, deps);
  const catalogue = await change(deps, (current, at) => learnAlias(current, text, reasonId, locale, at), {
    kind: 'learn',
    text,
    reasonId,
    by,
    ...(locale && { locale }),
  });
  return { placed: await placeWaiting(text, resolveReason(catalogue, reasonId).id, catalogue, deps) };
};

/** A candidate that names something new becomes a reason of its own, with the candidate as its first alias. */
export const approveCandidate = async (
  text: string,
  reason: { label: string; locale: string; churnType: ChurnType },
  by: string,
  deps: AnswerDependencies,
): Promise<{ reason: Reason; placed: number }> => {
  await knownCandidate(text, deps);
  let created: Reason | undefined;
  const catalogue = await change(
    deps,
    (current, at) => {
      const withReason = addReason(current, reason, at);
      created = withReason.reasons.find((candidate) => !current.reasons.some((old) => old.id === candidate.id))!;
      return learnAlias(withReason, text, created.id, reason.locale, at);
    },
    { kind: 'add', text, label: reason.label, locale: reason.locale, by },
  );
  return { reason: created!, placed: await placeWaiting(text, created!.id, catalogue, deps) };
};

export const mergeReasons = (fromId: string, intoId: string, by: string, deps: AnswerDependencies): Promise<Catalogue> =>
  change(deps, (current, at) => mergeReason(current, fromId, intoId, at), { kind: 'merge', reasonId: fromId, into: intoId, by });

export const renameReasonLabel = (reasonId: string, locale: string, label: string, by: string, deps: AnswerDependencies): Promise<Catalogue> =>
  change(deps, (current) => renameReason(current, reasonId, locale, label), { kind: 'rename', reasonId, locale, label, by });

export const retireReasonById = (reasonId: string, by: string, deps: AnswerDependencies): Promise<Catalogue> =>
  change(deps, (current) => retireReason(current, reasonId), { kind: 'retire', reasonId, by });
