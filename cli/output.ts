import { buildApp } from '../shared/app.ts';
import { dayInZone, isIsoDay } from '../shared/common/dates.ts';
import { AppError, type ErrorKind } from '../shared/common/app-error.ts';

/** The user asked for something that cannot work: shown as one line, without a stack trace. */
export class UsageError extends AppError {
  override readonly name: string = 'UsageError';
  readonly kind: ErrorKind = 'invalid';
}

/** An `--as-of` flag: a real day, or the clinic's today (in COMEBACK_TIMEZONE) when absent. */
export const parseAsOf = (flag: string | undefined): string => {
  const day = flag ?? dayInZone(Date.now(), buildApp().clinicDefaults().timeZone);
  if (!isIsoDay(day)) throw new UsageError(`--as-of ${flag}: a date as YYYY-MM-DD`);
  return day;
};

const counts = new Intl.NumberFormat('en');
export const formatCount = (n: number): string => counts.format(n);

const width = (text: string): number => [...text].length;

/** Plain aligned columns for a terminal. */
export const table = (
  rows: readonly (readonly string[])[],
  options: { indent?: number; alignRight?: readonly number[]; header?: readonly string[] } = {},
): string => {
  const all = options.header ? [options.header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  const pad = ' '.repeat(options.indent ?? 0);
  return all
    .map(
      (row) =>
        pad +
        row
          .map((cell, i) => {
            const gap = ' '.repeat(widths[i]! - width(cell));
            return options.alignRight?.includes(i) ? gap + cell : i === row.length - 1 ? cell : cell + gap;
          })
          .join('  '),
    )
    .join('\n');
};

/** What a user can act on when something unforeseen stops a command: one line, never a stack (COMEBACK_DEBUG=1 shows it). */
export const unexpectedErrorLine = (error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code = (error as { code?: unknown })?.code ?? (cause as { code?: unknown } | undefined)?.code;
  const name = error instanceof Error ? error.name : 'Error';
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || name === 'TimeoutError') {
    return `a service stopped answering (${code ?? name}: ${message}): check the local stack with \`comeback stack status\` (or your AWS connection), then run the command again; whatever it finished is kept and a rerun skips it`;
  }
  return `stopped by an unexpected error (${name}: ${message}); whatever it finished is kept and a rerun skips it. COMEBACK_DEBUG=1 shows the details`;
};

// C0 and C1 controls (but newline and tab), DEL, and the bidirectional overrides and isolates
// that can make a terminal show text other than what is stored.
const unprintable = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as a terminal may show it: stored names, reasons and answers come from clients and
 * other systems, and an ESC among them could move the cursor or retitle the window. Each such
 * character is shown as a visible escape (`\x1b`, `\u202e`) instead.
 */
export const terminalSafe = (text: string): string =>
  text.replace(unprintable, (character) => {
    const code = character.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });

/** Everything the CLI prints goes through terminalSafe: console's methods and the raw writes alike. */
export const printSafely = (): void => {
  for (const method of ['log', 'error', 'warn', 'info'] as const) {
    const original = console[method].bind(console);
    console[method] = (...values: unknown[]) => original(...values.map((value) => (typeof value === 'string' ? terminalSafe(value) : value)));
  }
};

export const writeOut = (text: string): void => void process.stdout.write(terminalSafe(text));
