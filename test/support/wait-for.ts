/**
 * Waits until `check` holds, asking again every `intervalMs`, and fails naming `what` after
 * `timeoutMs`: tests wait on what they need, never on a fixed sleep that a busy machine outruns.
 */
export const waitFor = async (
  what: string,
  check: () => Promise<boolean> | boolean,
  { timeoutMs = 60_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
};
