/**
 * What the optional answer model may spend: a cap per calendar month (UTC) in US dollars, and
 * the model's prices to turn the tokens each call used into dollars. Plain data and arithmetic:
 * the adapter, the composition root and the CDK all read the defaults from here.
 */

/** What the model costs, in US dollars per 1,000 tokens (Bedrock bills input and output tokens apart). */
export interface ModelPrices {
  readonly inputPer1000Tokens: number;
  readonly outputPer1000Tokens: number;
}

/** A small monthly budget: at a small model's prices, tens of thousands of answers. */
export const defaultMonthlyCapUsd = 10;

/** A small model's on-demand prices (about Claude 3 Haiku's, dearer than Amazon Nova Micro's, so the cap errs on the safe side). */
export const defaultModelPrices: ModelPrices = { inputPer1000Tokens: 0.00025, outputPer1000Tokens: 0.00125 };

/** What one call cost, in dollars, from the tokens it used; to a billionth of a dollar, so the counter stays a short decimal. */
export const costOf = (
  tokens: { readonly inputTokens?: number | undefined; readonly outputTokens?: number | undefined } | undefined,
  prices: ModelPrices,
): number => {
  const usd = ((tokens?.inputTokens ?? 0) * prices.inputPer1000Tokens + (tokens?.outputTokens ?? 0) * prices.outputPer1000Tokens) / 1000;
  return Math.round(usd * 1e9) / 1e9;
};

/** The month a spend counts in: `YYYY-MM`, UTC. */
export const spendMonthOf = (at: Date): string => at.toISOString().slice(0, 7);
