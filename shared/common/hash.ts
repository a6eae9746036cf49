/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of a text: a short, stable fingerprint (not for
 * security), the same on every machine and every run.
 */
export const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
};
