/**
 * What the answer model cost, per calendar month (UTC, `YYYY-MM`), in US dollars: the spending
 * cap is checked against it before each call, and each call adds its cost.
 */
export interface ModelSpend {
  /** Dollars spent in `month` so far; 0 for a month with no calls. */
  spentIn(month: string): Promise<number>;
  /** Adds `usd` to `month`'s spend (an atomic increment: concurrent calls all count). */
  add(month: string, usd: number): Promise<void>;
}
