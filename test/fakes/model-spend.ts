import type { ModelSpend } from '../../shared/answers/ports/model-spend.ts';

/** The answer model's monthly spend in memory. */
export class InMemoryModelSpend implements ModelSpend {
  readonly months = new Map<string, number>();

  async spentIn(month: string): Promise<number> {
    return this.months.get(month) ?? 0;
  }

  async add(month: string, usd: number): Promise<void> {
    this.months.set(month, (this.months.get(month) ?? 0) + usd);
  }
}
