/**
 * The one place that makes a DynamoDB key out of text people wrote (a candidate answer, an
 * alias a manager learned). DynamoDB refuses a sort key over 1,024 bytes and a partition key
 * over 2,048, and text has no such bound: 600 Greek or Russian characters are already over
 * 1,024 bytes in UTF-8. So a key is never the text itself once it is long: it is a digest of
 * it, and the text is kept as an ordinary attribute beside it.
 */
import { createHash } from 'node:crypto';

/** Text up to this many UTF-8 bytes is its own key (readable, and the keys written before stay valid). */
export const longestTextKeyBytes = 512;

const digestPrefix = 'sha256:';

/**
 * A key for `text` that DynamoDB always accepts: the text itself when it is at most
 * `longestTextKeyBytes` bytes, else `sha256:<hex>` of it (71 bytes). Text that merely looks
 * like a digest is digested too, so two different texts never share a key.
 */
export const textKey = (text: string): string =>
  Buffer.byteLength(text, 'utf8') <= longestTextKeyBytes && !text.startsWith(digestPrefix)
    ? text
    : `${digestPrefix}${createHash('sha256').update(text, 'utf8').digest('hex')}`;

/** Whether `textKey(text)` is a digest, so the text must be stored beside it. */
export const isDigestKey = (key: string): boolean => key.startsWith(digestPrefix);
