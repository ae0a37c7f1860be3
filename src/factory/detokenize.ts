/**
 * Tokens back to readable text. The tokens are the project tokenizer's (src/attribution/
 * tokenize.ts: lower-cased words and single punctuation characters), and the one promise that
 * matters is the round trip: `tokenize(detokenize(tokens)).words` equals `tokens`, so the gateway
 * meters, the fee is computed and span attribution matches on the very tokens the model produced.
 *
 * Rules: a space between tokens, except before closing punctuation (. , ; : ! ? ) ] } % and
 * closing quotes), after opening brackets and currency signs, around an apostrophe inside a word
 * (don ' t -> don't), and around - and / between two words (well - known -> well-known), and around . , : between two numbers (3 . 5 -> 3.5). Double
 * quotes alternate between opening and closing. Two word tokens are always separated by a space
 * (otherwise they would merge into one). ASCII letters are capitalised at a sentence start and
 * the word "i" is written "I" (the tokenizer lower-cases, so this does not change the tokens).
 */
const WORD = /^[\p{L}\p{M}\p{N}_]+$/u;
const NO_SPACE_BEFORE = new Set([".", ",", ";", ":", "!", "?", ")", "]", "}", "%", "”", "»", "…"]);
const NO_SPACE_AFTER = new Set(["(", "[", "{", "$", "£", "€", "#", "“", "«"]);
const JOINERS = new Set(["-", "/", "'", "’"]);
const NUMBER_JOINERS = new Set([".", ",", ":"]);
const DIGITS = /^[0-9]+$/;
const SENTENCE_END = new Set([".", "!", "?"]);
const APOSTROPHE_SUFFIXES = new Set(["s", "t", "re", "ve", "ll", "d", "m"]);

export interface DetokenizeOptions {
  /** The tokens continue a text: no capital at the start unless it ended a sentence; `previous` is its last token. */
  previous?: string;
}

function capitalise(word: string): string {
  return /^[a-z]/.test(word) ? word[0]!.toUpperCase() + word.slice(1) : word;
}

/** Joins `tokens` into text (see the module comment for the rules). */
export function detokenize(tokens: readonly string[], options: DetokenizeOptions = {}): string {
  return detokenizePieces(tokens, options).join("");
}

/**
 * The text of each token with the space before it: `detokenize` is their concatenation. Piece k
 * depends only on tokens 0..k+1, so a stream can emit piece k once token k+1 is known.
 */
export function detokenizePieces(tokens: readonly string[], options: DetokenizeOptions = {}): string[] {
  // Joiners between two words attach on both sides (an apostrophe only before a clitic).
  const join = new Uint8Array(tokens.length + 1);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const before = i === 0 ? options.previous : tokens[i - 1];
    const after = tokens[i + 1];
    if (before === undefined || after === undefined) continue;
    if (NUMBER_JOINERS.has(token) && DIGITS.test(before) && DIGITS.test(after)) {
      join[i] = 1; // 3 . 5 -> 3.5, 10 : 30 -> 10:30
      join[i + 1] = 1;
      continue;
    }
    if (!JOINERS.has(token)) continue;
    if (!WORD.test(before) || !WORD.test(after)) continue;
    if ((token === "'" || token === "’") && !APOSTROPHE_SUFFIXES.has(after)) continue;
    join[i] = 1;
    join[i + 1] = 1;
  }
  const out: string[] = [];
  let openQuote = false;
  let previous = options.previous;
  let sentenceStart = previous === undefined || SENTENCE_END.has(previous);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const isWord = WORD.test(token);
    let space = previous !== undefined;
    if (previous !== undefined && !(isWord && WORD.test(previous))) {
      if (join[i]) space = false;
      else if (token === '"') space = !openQuote;
      else if (NO_SPACE_BEFORE.has(token)) space = false;
      else if (previous === '"' && openQuote) space = false;
      else if (NO_SPACE_AFTER.has(previous)) space = false;
    }
    if (token === '"') openQuote = !openQuote;
    let written = token;
    if (isWord) {
      if (token === "i") written = "I";
      else if (sentenceStart) written = capitalise(token);
      sentenceStart = false;
    } else if (SENTENCE_END.has(token) && !join[i]) sentenceStart = true;
    out.push((space ? " " : "") + written);
    previous = token;
  }
  return out;
}
