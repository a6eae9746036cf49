/**
 * Identical rows counted once: a model's log-likelihood is a sum over clients, and clients with
 * the same numbers add the same term, so a weighted sum over the distinct rows is exact. Columns
 * of numbers, no object per row; rows keep the order they were first added in.
 */
export class RowTally {
  private capacity = 1024;
  private firsts = new Float64Array(this.capacity);
  private seconds = new Float64Array(this.capacity);
  private thirds = new Float64Array(this.capacity);
  private counts = new Float64Array(this.capacity);
  /** Open addressing: the index of a distinct row, or -1 for an empty slot. */
  private slots = new Int32Array(2 * this.capacity).fill(-1);
  private distinct = 0;
  private added = 0;
  private readonly bits = new Float64Array(3);
  private readonly words = new Int32Array(this.bits.buffer);

  /** How many distinct rows. */
  get size(): number {
    return this.distinct;
  }

  /** How many rows were added, repeats included. */
  get total(): number {
    return this.added;
  }

  /** Adds one row (a, b, c); a two-number row leaves c at 0. -0 counts as 0. */
  add(a: number, b: number, c = 0): void {
    a += 0;
    b += 0;
    c += 0;
    this.added++;
    if (this.distinct === this.capacity) this.grow();
    const mask = this.slots.length - 1;
    let slot = this.hash(a, b, c) & mask;
    for (;;) {
      const row = this.slots[slot]!;
      if (row < 0) break;
      if (this.firsts[row] === a && this.seconds[row] === b && this.thirds[row] === c) {
        this.counts[row]!++;
        return;
      }
      slot = (slot + 1) & mask;
    }
    const row = this.distinct++;
    this.slots[slot] = row;
    this.firsts[row] = a;
    this.seconds[row] = b;
    this.thirds[row] = c;
    this.counts[row] = 1;
  }

  /** The distinct rows' numbers and how many times each was added, as views (valid until the next add). */
  columns(): { readonly first: Float64Array; readonly second: Float64Array; readonly third: Float64Array; readonly count: Float64Array } {
    const n = this.distinct;
    return { first: this.firsts.subarray(0, n), second: this.seconds.subarray(0, n), third: this.thirds.subarray(0, n), count: this.counts.subarray(0, n) };
  }

  private hash(a: number, b: number, c: number): number {
    const { bits, words } = this;
    bits[0] = a;
    bits[1] = b;
    bits[2] = c;
    let h = 0x811c9dc5;
    for (let i = 0; i < 6; i++) h = Math.imul(h ^ words[i]!, 0x01000193) ^ (h >>> 15);
    return Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ (h >>> 13);
  }

  private grow(): void {
    const capacity = 2 * this.capacity;
    const widen = (column: Float64Array): Float64Array<ArrayBuffer> => {
      const wider = new Float64Array(capacity);
      wider.set(column);
      return wider;
    };
    this.firsts = widen(this.firsts);
    this.seconds = widen(this.seconds);
    this.thirds = widen(this.thirds);
    this.counts = widen(this.counts);
    this.capacity = capacity;
    // The slots stay at most half full: short probes.
    this.slots = new Int32Array(2 * capacity).fill(-1);
    const mask = this.slots.length - 1;
    for (let row = 0; row < this.distinct; row++) {
      let slot = this.hash(this.firsts[row]!, this.seconds[row]!, this.thirds[row]!) & mask;
      while (this.slots[slot]! >= 0) slot = (slot + 1) & mask;
      this.slots[slot] = row;
    }
  }
}
