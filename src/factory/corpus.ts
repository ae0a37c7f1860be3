/**
 * From contribution bytes to training sequences, one rule for training and evaluation alike:
 * a text contribution is UTF-8; it is split into paragraphs at blank lines (a line holding only
 * whitespace counts as blank); each paragraph is one sequence of the project tokenizer's tokens
 * (src/attribution/tokenize.ts), so that the language model, the fees (tokens in and out) and
 * span attribution all count the same tokens. Empty paragraphs are dropped.
 */
import { tokenize } from "../attribution/tokenize.js";
import { PoaError } from "../core/errors.js";

/** Decodes UTF-8, refusing invalid bytes; `label` names the content in the error. */
export function decodeText(bytes: Uint8Array, label: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (error) {
    throw new PoaError("TRAINING_INPUT_INVALID", `${label} is not valid UTF-8 text`, {
      details: { label },
      cause: error,
      action: "Text Datanets take UTF-8 text; re-encode the file or contribute it to a Datanet of another kind.",
    });
  }
}

/** The paragraphs of `text` (split at blank lines), each as its list of tokens; empty ones dropped. */
export function sequencesOf(text: string): string[][] {
  const out: string[][] = [];
  for (const paragraph of text.split(/\r?\n[ \t\f\v\r]*\n/)) {
    const words = tokenize(paragraph).words;
    if (words.length > 0) out.push(words);
  }
  return out;
}

/** Number of tokens the fee counts for `text` (the tokenizer's tokens). */
export function countTokens(text: string): number {
  return tokenize(text).words.length;
}
