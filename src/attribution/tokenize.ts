/**
 * Tokenisation for span attribution. A token is a maximal run of letters, combining marks,
 * digits and underscores, or any other single non-space character (punctuation, symbols);
 * whitespace separates tokens and is never a token. Each token is normalised with Unicode NFKC
 * and lower-cased, so "Hello," and "hello ," give the same tokens. Offsets are UTF-16 code unit
 * indexes into the original string (what JavaScript's `String.prototype.slice` takes).
 */
export const TOKEN_PATTERN = /[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_]/gu;

export interface Tokens {
  /** Normalised token strings. */
  words: string[];
  /** Start offset of each token in the input (inclusive). */
  starts: number[];
  /** End offset of each token in the input (exclusive). */
  ends: number[];
}

const NON_ASCII = /[^\x00-\x7f]/;

export function normaliseToken(token: string): string {
  // NFKC leaves ASCII unchanged, so only other text pays for it.
  return (NON_ASCII.test(token) ? token.normalize("NFKC") : token).toLowerCase();
}

export function tokenize(text: string): Tokens {
  const words: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    words.push(normaliseToken(match[0]));
    starts.push(match.index);
    ends.push(match.index + match[0].length);
  }
  return { words, starts, ends };
}

/** Id 0 is the document separator; words get ids 1, 2, ... in order of first appearance. */
export const SEPARATOR_ID = 0;
/** The id of a word the corpus never contains (it matches nothing). */
export const UNKNOWN_ID = -1;

export class Vocabulary {
  private readonly ids = new Map<string, number>();
  /** words[id]; words[0] is "" (the separator). */
  readonly words: string[] = [""];
  /** counts[id]: occurrences in the indexed text (counts[0] = number of documents). */
  readonly counts: number[] = [0];

  static from(words: readonly string[], counts: readonly number[]): Vocabulary {
    const v = new Vocabulary();
    for (let id = 1; id < words.length; id++) {
      v.ids.set(words[id] as string, id);
      v.words.push(words[id] as string);
      v.counts.push(counts[id] ?? 0);
    }
    v.counts[0] = counts[0] ?? 0;
    return v;
  }

  get size(): number {
    return this.words.length;
  }

  /** The id of `word`, adding it when new. */
  add(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.ids.set(word, id);
      this.words.push(word);
      this.counts.push(0);
    }
    return id;
  }

  /** The id of `word`, or UNKNOWN_ID. */
  lookup(word: string): number {
    return this.ids.get(word) ?? UNKNOWN_ID;
  }
}
