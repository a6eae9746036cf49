/**
 * What went wrong, as the one who asked can act on it. Every error a user can cause or fix
 * (a bad field, an unknown client, a changed catalogue, a service that is down) extends
 * AppError with its kind; the HTTP functions map the kind to a status and the CLI to a line
 * and an exit code, in one place each. Anything that is not an AppError is a bug.
 */
export type ErrorKind =
  /** The request or input is wrong: a field, a file, an option. */
  | 'invalid'
  /** No verified identity. */
  | 'unauthorized'
  /** Known, but not allowed to do this. */
  | 'forbidden'
  /** What it names does not exist. */
  | 'not-found'
  /** Not a method this resource answers. */
  | 'not-allowed'
  /** Changed by someone else meanwhile, or not a step the thing can take now. */
  | 'conflict'
  /** It existed and has expired. */
  | 'gone'
  | 'too-large'
  | 'unsupported-media'
  /** Well-formed but impossible to carry out (a query the engine refuses, nothing usable). */
  | 'unprocessable'
  /** A service we depend on failed or did not answer: try again later. */
  | 'unavailable'
  /** The deployment or local setup is wrong: an operator must fix it. */
  | 'misconfigured';

/** What a caller is shown: the message, and whatever names the problem (issues, an id). */
export type Problem = { readonly message: string } & Readonly<Record<string, unknown>>;

export abstract class AppError extends Error {
  abstract readonly kind: ErrorKind;

  /** The body an API answers with; override to add detail or to hide what must not leave (an engine's text). */
  shown(): Problem {
    return { message: this.message };
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
