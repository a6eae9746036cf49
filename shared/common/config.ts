import { AppError } from './app-error.ts';
/** A setting is missing or wrong: named, with what was expected. */
export class ConfigError extends AppError {
  override readonly name: string = 'ConfigError';
  readonly kind = 'misconfigured';
}

/** Environment read once per process; a missing variable is a named error, not `undefined`. */
export class MissingConfigError extends ConfigError {
  override readonly name = 'MissingConfigError';
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set`);
  }
}
