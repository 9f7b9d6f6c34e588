// Content checks on a user's danmaku before it is accepted: banned words
// (matched after NFKC, which folds full-width and compatibility forms, and
// case folding), refused or masked as configured.
import { AppError } from '@bamboo/kit';

export interface BannedWords {
  mode: 'refuse' | 'mask';
  /** Normalised words. */
  words: string[];
}

export function bannedWords(list: string, mode: 'refuse' | 'mask'): BannedWords {
  const words = list
    .split(',')
    .map((w) => normalise(w.trim()))
    .filter((w) => w.length > 0);
  return { mode, words };
}

/** NFKC then lower case: "ＢＡＤ" and "Bad" both become "bad". */
export function normalise(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/**
 * The text with banned words masked, or a 422 `banned_word` in refuse mode.
 * Masking maps each normalised character back to the original character it
 * came from, so the rest of the text is shown as written.
 */
export function applyBannedWords(text: string, banned: BannedWords): string {
  if (banned.words.length === 0) return text;
  const chars = [...text];
  let folded = '';
  const origin: number[] = [];
  chars.forEach((ch, i) => {
    const n = normalise(ch);
    folded += n;
    for (let k = 0; k < n.length; k++) origin.push(i);
  });
  const hit = new Set<number>();
  for (const word of banned.words) {
    for (let at = folded.indexOf(word); at !== -1; at = folded.indexOf(word, at + 1)) {
      if (banned.mode === 'refuse') throw new AppError(422, 'banned_word', 'the text contains a banned word');
      for (let k = at; k < at + word.length; k++) hit.add(origin[k]!);
    }
  }
  return hit.size === 0 ? text : chars.map((ch, i) => (hit.has(i) ? '*' : ch)).join('');
}
