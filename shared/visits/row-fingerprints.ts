import { hash } from 'node:crypto';

/** Where an id was first seen in a file, and whether the row there was the same. */
export interface EarlierRow {
  readonly line: number;
  /** The earlier row had exactly the same content: a harmless repeat. */
  readonly same: boolean;
}

const emptySlot = 0;

/**
 * The ids of a file's rows, each with a fingerprint of its row and its line, in a few dozen
 * bytes per row (an open-addressing table over typed arrays, not a Map of strings): enough to
 * tell, for a file of millions of rows, whether an id comes back, and with the same data or not.
 * Ids and rows are known by 64-bit hashes; two different ids are taken for one only if their
 * SHA-1 agree on 64 bits.
 */
export class RowFingerprints {
  // Per slot: id hash (2 words, never both 0), row hash (2 words), line.
  private slots = new Uint32Array(5 * 1024);
  private capacity = 1024;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Records the row of `id` at `line`; answers where the id was seen before, if it was. */
  see(id: string, content: string, line: number): EarlierRow | undefined {
    const idHash = hash('sha1', id, 'buffer');
    const rowHash = hash('sha1', content, 'buffer');
    const a = idHash.readUInt32LE(0);
    const b = idHash.readUInt32LE(4) | 1;
    const c = rowHash.readUInt32LE(0);
    const d = rowHash.readUInt32LE(4);
    let slot = a & (this.capacity - 1);
    for (;;) {
      const at = slot * 5;
      if (this.slots[at + 1] === emptySlot) break;
      if (this.slots[at] === a >>> 0 && this.slots[at + 1] === b >>> 0) {
        return { line: this.slots[at + 4]!, same: this.slots[at + 2] === c && this.slots[at + 3] === d };
      }
      slot = (slot + 1) & (this.capacity - 1);
    }
    this.put(a, b, c, d, line);
    if (++this.count * 4 > this.capacity * 3) this.grow();
    return undefined;
  }

  private put(a: number, b: number, c: number, d: number, line: number): void {
    let slot = a & (this.capacity - 1);
    while (this.slots[slot * 5 + 1] !== emptySlot) slot = (slot + 1) & (this.capacity - 1);
    this.slots.set([a, b, c, d, line], slot * 5);
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    this.slots = new Uint32Array(5 * this.capacity);
    for (let at = 0; at < old.length; at += 5) {
      if (old[at + 1] !== emptySlot) this.put(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!, old[at + 4]!);
    }
  }
}
