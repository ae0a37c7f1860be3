/**
 * Text models at serving time: a base model (interpolated modified Kneser-Ney, see ngram.ts) and
 * adapters mixed over it, with evaluation (log-likelihood, perplexity) and seeded generation.
 *
 * Open vocabulary: a word the model never saw takes the `<unk>` path, p(<unk> | h) times a
 * spelling probability: the product of the word's UTF-8 byte probabilities and an end mark, from
 * add-one smoothed byte counts over the base vocabulary. Every model (base, base + adapter, the
 * unigram baseline) prices every word, so perplexities are comparable; the model is slightly
 * deficient (spellings of known words are never produced through <unk>), which can only raise
 * its perplexity, never flatter it.
 *
 * Adapter rule: p(w | h) = lambda * p_A(w | h) + (1 - lambda) * p_B(w | h), with p_B the base and
 * p_A a Kneser-Ney model of the adapter's own data whose lowest order is the base's unigram
 * distribution (so it stores only orders 2..N and its own new words). lambda is fitted by EM on
 * held-out data (text-train.ts).
 */
import { Random } from "../attribution/random.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { countTokens, sequencesOf } from "./corpus.js";
import { detokenizePieces } from "./detokenize.js";
import { BOS, contextEntries, EOS, FIRST_WORD, interpolate, UNK, type NgramTables } from "./ngram.js";

/** Byte probabilities of the spelling model: 256 bytes and the end mark (index 256). */
export function spellingModel(words: readonly string[]): Float64Array {
  const counts = new Float64Array(257);
  const encoder = new TextEncoder();
  for (const word of words) {
    for (const b of encoder.encode(word)) counts[b]!++;
    counts[256]!++;
  }
  let total = 0;
  for (const c of counts) total += c + 1;
  return counts.map((c) => (c + 1) / total);
}

/** log of the spelling probability of `word`. */
export function spellingLogProb(spell: Float64Array, word: string): number {
  let s = Math.log(spell[256]!);
  for (const b of new TextEncoder().encode(word)) s += Math.log(spell[b]!);
  return s;
}

/** Sampling options of `generate`. */
export interface GenerateOptions {
  /** Most tokens to produce (1..4096; default 64). Generation also stops at the end of a paragraph. */
  maxTokens?: number;
  /** 0 = greedy; otherwise probabilities are raised to 1/temperature (0..5; default 1). */
  temperature?: number;
  /** Keep only the k most probable tokens (0 = off, the default). */
  topK?: number;
  /** Keep the smallest set of most probable tokens whose model probability reaches p (0 < p <= 1; default 1 = off). */
  topP?: number;
  /** Seed of the deterministic generator (an unsigned 32-bit integer; default 0). */
  seed?: number;
}

export interface Generation {
  /** The continuation (not including the prompt), detokenised. */
  text: string;
  /** Tokens of the prompt, counted as the fee counts them. */
  tokensIn: number;
  /** Tokens produced (= tokens of `text`, counted the same way). */
  tokensOut: number;
  /** "stop": the model ended the paragraph; "length": maxTokens was reached. */
  finishReason: "stop" | "length";
  /** The produced tokens. */
  tokens: string[];
}

export interface Evaluation {
  /** Tokens scored (words and one end mark per paragraph). */
  tokens: number;
  /** Tokens the model's vocabulary does not hold (scored through <unk>). */
  oov: number;
  /** Sum of natural-log probabilities. */
  logProb: number;
  /** exp(-logProb / tokens). */
  perplexity: number;
}

function checkOptions(options: GenerateOptions): Required<GenerateOptions> {
  const { maxTokens = 64, temperature = 1, topK = 0, topP = 1, seed = 0 } = options;
  const bad = (name: string, value: unknown, rule: string) =>
    new PoaError("INVALID_VALUE", `${name} must be ${rule} (got ${String(value)})`, {
      details: { option: name, value },
    });
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 4096)
    throw bad("maxTokens", maxTokens, "an integer in 1..4096");
  if (!(temperature >= 0 && temperature <= 5)) throw bad("temperature", temperature, "a number in 0..5");
  if (!Number.isInteger(topK) || topK < 0) throw bad("topK", topK, "a non-negative integer");
  if (!(topP > 0 && topP <= 1)) throw bad("topP", topP, "a number in (0, 1]");
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw bad("seed", seed, "an unsigned 32-bit integer");
  return { maxTokens, temperature, topK, topP, seed };
}

/** One component of a mixture: n-gram tables with a weight. */
interface Component {
  tables: NgramTables;
  weight: number;
  ctx: Int32Array;
}

/** Per-base scratch for one generation step (steps are synchronous, so one is enough). */
class Scratch {
  acc = new Float64Array(0);
  stamp = new Uint32Array(0);
  touched = new Int32Array(1024);
  count = 0;
  current = 0;
  ensure(size: number): void {
    if (this.acc.length < size) {
      this.acc = new Float64Array(size);
      this.stamp = new Uint32Array(size);
      this.current = 0;
    }
  }
  begin(): void {
    this.count = 0;
    this.current = (this.current + 1) >>> 0;
    if (this.current === 0) {
      this.stamp.fill(0);
      this.current = 1;
    }
  }
  add(word: number, value: number): void {
    if (this.stamp[word] !== this.current) {
      this.stamp[word] = this.current;
      this.acc[word] = 0;
      if (this.count === this.touched.length) {
        const grown = new Int32Array(this.touched.length * 2);
        grown.set(this.touched);
        this.touched = grown;
      }
      this.touched[this.count++] = word;
    }
    this.acc[word] = this.acc[word]! + value;
  }
}

/** What a text model is: the interface the gateway serves. */
export interface TextModel {
  readonly kind: "text-base" | "text-adapter";
  readonly artifactHash: Hex;
  readonly manifest: Record<string, unknown>;
  /** Generates a continuation of `prompt`. Deterministic for a given seed. */
  generate(prompt: string, options?: GenerateOptions): Generation;
  /** Like generate, yielding each token's text as it is produced (for streaming). */
  stream(prompt: string, options?: GenerateOptions): Generator<string, Generation, void>;
  /** Log-likelihood and perplexity of texts (split into paragraphs as in training). */
  evaluate(texts: Iterable<string>): Evaluation;
  /** Bytes of memory the loaded model holds beyond what it shares with its base. */
  readonly memoryBytes: number;
}

function tablesBytes(t: NgramTables): number {
  let s = 0;
  for (const l of t.levels)
    s += l.words.byteLength + l.probs.byteLength + l.backoffs.byteLength + l.children.byteLength;
  return s;
}

/** A base model: tables, vocabulary and spelling model. */
export class TextBaseModel implements TextModel {
  readonly kind = "text-base" as const;
  readonly order: number;
  readonly words: readonly string[];
  private readonly index: Map<string, number>;
  /** p_1 (order-1 probabilities, indexed by id). */
  readonly p1: Float32Array;
  /** Emittable ids (</s> and words) by decreasing p_1, ties by id. */
  readonly unigramOrder: Uint32Array;
  /** Sum of p_1 over unigramOrder. */
  private readonly emitMass: number;
  private readonly tempered = new Map<number, number>();
  readonly scratch = new Scratch();
  readonly memoryBytes: number;

  constructor(
    readonly tables: NgramTables,
    words: readonly string[],
    readonly spell: Float64Array,
    unigramOrder: Uint32Array,
    readonly artifactHash: Hex,
    readonly manifest: Record<string, unknown>,
  ) {
    this.order = tables.order;
    this.words = words;
    this.index = new Map(words.map((w, i) => [w, i]));
    this.p1 = tables.levels[0]!.probs;
    this.unigramOrder = unigramOrder;
    let mass = 0;
    for (const id of unigramOrder) mass += this.p1[id]!;
    this.emitMass = mass;
    this.scratch.ensure(words.length);
    let strings = 0;
    for (const w of words) strings += 2 * w.length + 48; // string + map entry, roughly
    this.memoryBytes = tablesBytes(tables) + unigramOrder.byteLength + spell.byteLength + strings;
  }

  get vocabSize(): number {
    return this.words.length;
  }

  /** The id of `word` in the base vocabulary, or UNK. */
  lookup(word: string): number {
    return this.index.get(word) ?? UNK;
  }

  /** Sum over emittable words of p_1(w)^(1/T), cached per temperature. */
  temperedMass(invT: number): number {
    let s = this.tempered.get(invT);
    if (s === undefined) {
      s = 0;
      for (const id of this.unigramOrder) s += Math.pow(this.p1[id]!, invT);
      if (this.tempered.size > 64) this.tempered.clear();
      this.tempered.set(invT, s);
    }
    return s;
  }

  get emittableMass(): number {
    return this.emitMass;
  }

  generate(prompt: string, options: GenerateOptions = {}): Generation {
    return runToEnd(this.stream(prompt, options));
  }

  stream(prompt: string, options: GenerateOptions = {}): Generator<string, Generation, void> {
    return generateWith(this, [], prompt, options);
  }

  evaluate(texts: Iterable<string>): Evaluation {
    return evaluateWith(this, undefined, texts);
  }
}

/** An adapter over a base: its own orders 2..N, new words, and the mixing weight. */
export class TextAdapterModel implements TextModel {
  readonly kind = "text-adapter" as const;
  private readonly newIndex: Map<string, number>;
  readonly memoryBytes: number;

  constructor(
    readonly base: TextBaseModel,
    readonly tables: NgramTables,
    readonly newWords: readonly string[],
    readonly lambda: number,
    readonly artifactHash: Hex,
    readonly manifest: Record<string, unknown>,
  ) {
    this.newIndex = new Map(newWords.map((w, i) => [w, base.vocabSize + i]));
    let strings = 0;
    for (const w of newWords) strings += 2 * w.length + 48;
    this.memoryBytes = tablesBytes(tables) + strings;
    base.scratch.ensure(base.vocabSize + newWords.length);
  }

  /** The id of `word`: a base id, an id of the adapter's new words, or UNK. */
  lookup(word: string): number {
    const id = this.base.lookup(word);
    return id !== UNK ? id : (this.newIndex.get(word) ?? UNK);
  }

  wordOf(id: number): string {
    return id < this.base.vocabSize ? this.base.words[id]! : this.newWords[id - this.base.vocabSize]!;
  }

  generate(prompt: string, options: GenerateOptions = {}): Generation {
    return runToEnd(this.stream(prompt, options));
  }

  stream(prompt: string, options: GenerateOptions = {}): Generator<string, Generation, void> {
    return generateWith(this.base, [this], prompt, options);
  }

  evaluate(texts: Iterable<string>): Evaluation {
    return evaluateWith(this.base, this, texts);
  }
}

function runToEnd(g: Generator<string, Generation, void>): Generation {
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** log(A + B e^lx), without underflow when e^lx is tiny. */
function logLinear(a: number, b: number, lx: number): number {
  if (a > 0) return Math.log(a) + Math.log1p((b * Math.exp(lx)) / a);
  return Math.log(b) + lx;
}

/** log(w e^x + (1 - w) e^y). */
export function logMix(w: number, x: number, y: number): number {
  const m = Math.max(x, y);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(w * Math.exp(x - m) + (1 - w) * Math.exp(y - m));
}

/**
 * Natural-log probability of word `id` (spelled `word`) after `history` under `tables`, whose
 * lowest order is the base's. A word outside the base vocabulary takes the <unk> path; the
 * result is linear in that tiny value, so it is computed in log space.
 */
export function tokenLogProb(
  base: TextBaseModel,
  tables: NgramTables,
  history: ArrayLike<number>,
  id: number,
  word: string,
  ctx: Int32Array,
): number {
  contextEntries(tables, history, ctx);
  if (id !== UNK && id < base.vocabSize) return Math.log(interpolate(tables, ctx, id, base.p1[id]!));
  const lx = Math.log(base.p1[UNK]!) + spellingLogProb(base.spell, word);
  const a = interpolate(tables, ctx, id, 0);
  const b = interpolate(tables, ctx, id, 1) - a;
  return logLinear(a, b, lx);
}

function evaluateWith(base: TextBaseModel, adapter: TextAdapterModel | undefined, texts: Iterable<string>): Evaluation {
  const order = base.order;
  const ctxB = new Int32Array(order);
  const ctxA = new Int32Array(order);
  let tokens = 0;
  let oov = 0;
  let logProb = 0;
  for (const text of texts) {
    for (const sequence of sequencesOf(text)) {
      const history: number[] = new Array<number>(order - 1).fill(BOS);
      const items = [...sequence, "</s>"];
      items.forEach((word, i) => {
        const id = i === items.length - 1 ? EOS : adapter ? adapter.lookup(word) : base.lookup(word);
        if (id === UNK) oov++;
        const h = history.slice(-(order - 1));
        const lb = tokenLogProb(base, base.tables, h, id, word, ctxB);
        logProb += adapter ? logMix(adapter.lambda, tokenLogProb(base, adapter.tables, h, id, word, ctxA), lb) : lb;
        tokens++;
        history.push(id);
      });
    }
  }
  return { tokens, oov, logProb, perplexity: Math.exp(-logProb / Math.max(1, tokens)) };
}

// ---------------------------------------------------------------------------------------------
// Generation

function* generateWith(
  base: TextBaseModel,
  adapters: readonly TextAdapterModel[],
  prompt: string,
  options: GenerateOptions,
): Generator<string, Generation, void> {
  const { maxTokens, temperature, topK, topP, seed } = checkOptions(options);
  const adapter = adapters[0];
  const order = base.order;
  const lookup = (w: string) => (adapter ? adapter.lookup(w) : base.lookup(w));
  const wordOf = (id: number) => (adapter ? adapter.wordOf(id) : base.words[id]!);
  const promptSequences = sequencesOf(prompt);
  const promptTokens = countTokens(prompt);
  // The prompt's last paragraph is the one being continued (a blank line at its end starts a new one).
  const endsParagraph = /\n[ \t\f\v\r]*\n\s*$/.test(prompt);
  const lastParagraph = endsParagraph ? [] : (promptSequences[promptSequences.length - 1] ?? []);
  const history: number[] = [...new Array<number>(order - 1).fill(BOS), ...lastParagraph.map(lookup)];
  const components: Component[] = adapter
    ? [
        { tables: adapter.tables, weight: adapter.lambda, ctx: new Int32Array(order) },
        { tables: base.tables, weight: 1 - adapter.lambda, ctx: new Int32Array(order) },
      ]
    : [{ tables: base.tables, weight: 1, ctx: new Int32Array(order) }];
  const random = new Random(seed);
  const produced: string[] = [];
  const detokenizeOptions = lastParagraph.length > 0 ? { previous: lastParagraph[lastParagraph.length - 1]! } : {};
  const strip = /\s$/.test(prompt); // the prompt already ends with a space or a line break
  const piecesOf = () => {
    const pieces = detokenizePieces(produced, detokenizeOptions);
    if (strip && pieces.length > 0) pieces[0] = pieces[0]!.replace(/^ /, "");
    return pieces;
  };
  let finishReason: "stop" | "length" = "length";
  for (let step = 0; step < maxTokens; step++) {
    const id = nextToken(base, components, history.slice(-(order - 1)), temperature, topK, topP, random);
    if (id === EOS) {
      finishReason = "stop";
      break;
    }
    produced.push(wordOf(id));
    history.push(id);
    // A piece is final once the next token is known (spacing looks one token ahead).
    if (produced.length >= 2) yield piecesOf()[produced.length - 2]!;
  }
  const pieces = piecesOf();
  if (pieces.length > 0) yield pieces[pieces.length - 1]!;
  const text = pieces.join("");
  return { text, tokensIn: promptTokens, tokensOut: produced.length, finishReason, tokens: produced };
}

/**
 * Draws the next token id. The distribution over emittable tokens (never <unk> or <s>) is
 * explicit for the words some context has seen (the "touched" set E) and, for every other base
 * word, coef * p_1(w): those are visited in the precomputed order of p_1, so no step costs
 * O(vocabulary) except the first use of a new temperature.
 */
function nextToken(
  base: TextBaseModel,
  components: readonly Component[],
  history: number[],
  temperature: number,
  topK: number,
  topP: number,
  random: Random,
): number {
  const s = base.scratch;
  s.begin();
  let coef = 0;
  for (const c of components) {
    const t = c.tables;
    contextEntries(t, history, c.ctx);
    let weight = c.weight;
    for (let n = t.order; n >= 2; n--) {
      const e = c.ctx[n - 1]!;
      if (e < 0) continue;
      const parent = t.levels[n - 2]!;
      const level = t.levels[n - 1]!;
      const from = parent.children[e]!;
      const to = parent.children[e + 1]!;
      for (let k = from; k < to; k++) {
        const word = level.words[k]!;
        if (word === BOS || word === UNK) continue;
        s.add(word, weight * level.probs[k]!);
      }
      weight *= parent.backoffs[e]!;
    }
    coef += weight;
  }
  const p1 = base.p1;
  const vocab = base.vocabSize;
  const ids = s.touched.subarray(0, s.count);
  const probs = new Float64Array(s.count);
  let explicitMass = 0;
  let explicitP1 = 0;
  for (let i = 0; i < ids.length; i++) {
    const w = ids[i]!;
    const q = w < vocab ? p1[w]! : 0;
    probs[i] = s.acc[w]! + coef * q;
    explicitMass += probs[i]!;
    explicitP1 += q;
  }
  const isTouched = (w: number) => s.stamp[w] === s.current;
  const order = base.unigramOrder;

  const truncate = temperature === 0 || topK > 0 || topP < 1;
  if (truncate) {
    // Merge E (sorted by probability, ties by id) with the rest in p_1 order.
    const sorted = Array.from(ids.keys()).sort((a, b) => probs[b]! - probs[a]! || ids[a]! - ids[b]!);
    const mass = explicitMass + coef * Math.max(0, base.emittableMass - explicitP1);
    const limit = temperature === 0 ? 1 : topK > 0 ? topK : Infinity;
    const chosenIds: number[] = [];
    const chosenP: number[] = [];
    let cumulative = 0;
    let i = 0;
    let r = 0;
    while (chosenIds.length < limit) {
      while (r < order.length && isTouched(order[r]!)) r++;
      const restP = r < order.length ? coef * p1[order[r]!]! : -1;
      const exP = i < sorted.length ? probs[sorted[i]!]! : -1;
      if (restP < 0 && exP < 0) break;
      if (exP >= restP) {
        chosenIds.push(ids[sorted[i]!]!);
        chosenP.push(exP);
        cumulative += exP;
        i++;
      } else {
        chosenIds.push(order[r]!);
        chosenP.push(restP);
        cumulative += restP;
        r++;
      }
      if (topP < 1 && cumulative >= topP * mass) break;
    }
    if (temperature === 0 || chosenIds.length === 1) return chosenIds[0]!;
    const invT = 1 / temperature;
    let z = 0;
    for (const p of chosenP) z += Math.pow(p, invT);
    let u = random.next() * z;
    for (let k = 0; k < chosenIds.length; k++) {
      u -= Math.pow(chosenP[k]!, invT);
      if (u < 0) return chosenIds[k]!;
    }
    return chosenIds[chosenIds.length - 1]!;
  }

  // The whole distribution, tempered: Z from the explicit part plus the cached tempered p_1 mass.
  const invT = 1 / temperature;
  let z: number;
  if (invT === 1) z = explicitMass + coef * Math.max(0, base.emittableMass - explicitP1);
  else {
    let explicitTempered = 0;
    let explicitP1Tempered = 0;
    for (let i = 0; i < ids.length; i++) {
      explicitTempered += Math.pow(probs[i]!, invT);
      const w = ids[i]!;
      if (w < vocab) explicitP1Tempered += Math.pow(p1[w]!, invT);
    }
    z = explicitTempered + Math.pow(coef, invT) * Math.max(0, base.temperedMass(invT) - explicitP1Tempered);
  }
  let u = random.next() * z;
  for (let i = 0; i < ids.length; i++) {
    u -= invT === 1 ? probs[i]! : Math.pow(probs[i]!, invT);
    if (u < 0) return ids[i]!;
  }
  let lastSeen = EOS;
  for (let r = 0; r < order.length; r++) {
    const w = order[r]!;
    if (isTouched(w)) continue;
    const p = coef * p1[w]!;
    u -= invT === 1 ? p : Math.pow(p, invT);
    lastSeen = w;
    if (u < 0) return w;
  }
  return lastSeen; // rounding left a sliver of mass: the least probable word visited
}

export { FIRST_WORD };
