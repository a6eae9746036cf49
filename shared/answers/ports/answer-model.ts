import { AppError } from '../../common/app-error.ts';

/** One reason the model may choose: its id and a label in words. */
export interface ReasonChoice {
  readonly id: string;
  readonly label: string;
}

/** What the model made of an answer: one of the reasons it was given, or none; and how sure it is (0..1). */
export interface ModelPlacement {
  readonly reasonId?: string;
  readonly confidence: number;
}

/**
 * The optional second stage for answers the offline matcher cannot place: a model in the cloud
 * chooses among the catalogue's reasons. It is given the answer's text and the reasons, never
 * who wrote it.
 */
export interface AnswerModel {
  /**
   * The reason `text` gives, among `reasons`; no `reasonId` when it gives none of them.
   * Undefined when the model was not asked (this month's spending cap is reached).
   * A model that fails throws (AnswerModelError or the SDK's own error): the caller keeps the answer.
   */
  place(text: string, reasons: readonly ReasonChoice[]): Promise<ModelPlacement | undefined>;
}

/** The model answered with something that is not the structured output it was asked for, or did not answer. */
export class AnswerModelError extends AppError {
  override readonly name = 'AnswerModelError';
  readonly kind = 'unavailable';
}
