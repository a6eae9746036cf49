/** Answers: why clients say they left (the reply page, texts, staff), the reasons catalogue, and the follow-ups they call for. */
export {
  receiveSms,
  recordAnswer,
  recordStaffAnswer,
  UnknownClientError,
  UnknownReasonError,
  type AnswerDependencies,
  type AnswerInput,
  type AnswerOutcome,
  type InboundSms,
  type SmsDependencies,
  type SmsOutcome,
} from './use-cases/answers.ts';
export {
  approveCandidate,
  approveGroup,
  mapCandidate,
  mapGroup,
  mergeReasons,
  pendingGroups,
  placeNowKnown,
  reasonCounts,
  renameReasonLabel,
  retireReasonById,
  UnknownCandidateError,
  UnknownGroupError,
  type GroupPlaced,
  type Placed,
  type ReasonCount,
} from './use-cases/catalogue.ts';
export { groupPending, type GroupSuggestion, type PendingGroup, type PendingGroups } from './pending-groups.ts';
export { followUpsWithStatus, moveFollowUp, FollowUpMovedError, UnknownFollowUpError, type FollowUpToDo } from './use-cases/follow-ups.ts';
export {
  checkReply,
  checkUnsubscribe,
  openReplyPage,
  submitReply,
  unsubscribeByToken,
  UnknownRequestError,
  type ReplyForm,
  type ReplyPageData,
  type ReplyPageSettings,
} from './use-cases/reply-page.ts';
export { AnswerModelError, type AnswerModel, type ModelPlacement, type ReasonChoice } from './ports/answer-model.ts';
export type { AnswerStore } from './ports/answer-store.ts';
export { CatalogueConflictError, type Candidate, type CatalogueChange, type CatalogueStore } from './ports/catalogue-store.ts';
export type { FollowUpStore } from './ports/follow-up-store.ts';
export type { ModelSpend } from './ports/model-spend.ts';
export type { Answer, AnswerChannel } from './answer.ts';
export type { FollowUp, FollowUpStatus } from './follow-up.ts';
export type { Catalogue, Reason } from './reasons.ts';
export { ReplyTokenError, type ReplyTokenClaims } from './reply-token.ts';
