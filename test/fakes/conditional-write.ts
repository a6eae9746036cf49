/** A write whose condition no longer held: what DynamoDB's ConditionalCheckFailedException says. */
export class ConditionalWriteError extends Error {
  override readonly name = 'ConditionalWriteError';
}

/** A copy, so nothing a caller does to what it got changes what is stored (as with a database). */
export const copy = <T>(value: T): T => structuredClone(value);
