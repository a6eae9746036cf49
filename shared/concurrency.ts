/** Runs `work` on every item with at most `limit` in flight; rejects on the first failure. */
export const eachLimited = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>): Promise<void> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};
