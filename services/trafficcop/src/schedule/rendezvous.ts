// Weighted rendezvous (highest random weight) hashing: each viewer ranks
// every line by a pseudo-random score seeded by (viewer, line). The same
// viewer always ranks the lines the same way (sticky), a line leaving moves
// only its own viewers, and with score = weight / -ln(u) a line wins for a
// share of viewers proportional to its weight.

/** FNV-1a over UTF-16 code units, then murmur3's finaliser for avalanche. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

export function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The viewer's score for a line; `viewerHash` and `lineHash` from hash32. */
export function rendezvousScore(viewerHash: number, lineHash: number, weight: number): number {
  if (weight <= 0) return 0;
  // (0, 1): never 0 or 1, so the logarithm is finite and negative.
  const u = (fmix32(viewerHash ^ fmix32(lineHash + 0x9e3779b9)) + 0.5) / 4294967296;
  return weight / -Math.log(u);
}
