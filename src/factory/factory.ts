/**
 * The Model Factory's entry points: train a model on verified Datanet versions into a
 * deterministic, hashed artifact, and load an artifact back into a servable model.
 *
 * Training order is canonical, so the artifact depends only on the versions' content and the
 * options: versions by (Datanet id, version), contributions by id; a contribution whose content
 * hash already appeared (the same bytes in an earlier version or another Datanet) is trained on
 * once. The manifest still lists every version with all its contributions.
 */
import type { Json } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { decodeArtifact, encodeArtifact, section, type DecodedArtifact } from "./artifact.js";
import { decodeText } from "./corpus.js";
import type { Level, NgramTables } from "./ngram.js";
import { parseRows, TabularModel, trainTabular, type Row } from "./tabular.js";
import { TextAdapterModel, TextBaseModel } from "./text-model.js";
import { DEFAULT_ORDER, trainTextAdapter, trainTextBase } from "./text-train.js";
import type { VerifiedContribution, VerifiedVersion } from "./verify.js";

/** Names the training code; it changes whenever the same inputs would give different artifacts. */
export const FACTORY_CODE_VERSION = "poa-factory/1";
/** The tokenizer the text models count with (src/attribution/tokenize.ts). */
export const TOKENIZER = "poa-words/1";

export type ModelKind = "text-base" | "text-adapter" | "tabular";
export type LoadedModel = TextBaseModel | TextAdapterModel | TabularModel;

export interface TrainOptions {
  /** Text: n-gram order of a base (2..6, default 3; an adapter takes its base's). */
  order?: number;
  /** Tabular: L2 penalty (default 1). */
  lambda?: number;
}

export interface TrainRequest {
  kind: ModelKind;
  /** Versions checked by verifyTrainingInputs. */
  versions: readonly VerifiedVersion[];
  /** For an adapter: the loaded base model (its artifact hash goes into the manifest). */
  base?: TextBaseModel;
  options?: TrainOptions;
}

export interface TrainedArtifact {
  /** The artifact file: store it content-addressed, register `hash` on-chain. */
  bytes: Uint8Array;
  /** keccak256(bytes): the on-chain artifact hash. */
  hash: Hex;
  manifest: Record<string, unknown>;
  /** The model, loaded from `bytes` (exactly what a server will load). */
  model: LoadedModel;
}

const label = (v: VerifiedVersion, c: VerifiedContribution) =>
  `contribution ${c.id} of Datanet ${v.datanetId} version ${v.version}`;

/** Distinct contributions in canonical order (first occurrence of each content hash wins). */
function distinctContributions(
  versions: readonly VerifiedVersion[],
): { version: VerifiedVersion; c: VerifiedContribution }[] {
  const sorted = [...versions].sort((a, b) =>
    a.datanetId !== b.datanetId
      ? a.datanetId < b.datanetId
        ? -1
        : 1
      : a.version < b.version
        ? -1
        : a.version > b.version
          ? 1
          : 0,
  );
  const seen = new Set<string>();
  const out: { version: VerifiedVersion; c: VerifiedContribution }[] = [];
  for (const version of sorted) {
    const contributions = [...version.contributions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const c of contributions) {
      if (seen.has(c.contentHash)) continue;
      seen.add(c.contentHash);
      out.push({ version, c });
    }
  }
  return out;
}

function trainedOn(versions: readonly VerifiedVersion[]): Json {
  return [...versions]
    .sort((a, b) =>
      a.datanetId !== b.datanetId ? (a.datanetId < b.datanetId ? -1 : 1) : a.version < b.version ? -1 : 1,
    )
    .map((v) => ({
      datanetId: String(v.datanetId),
      version: String(v.version),
      root: v.root,
      count: String(v.count),
      contributions: [...v.contributions]
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map((c) => ({ id: String(c.id), contentHash: c.contentHash, contributor: c.contributor })),
    }));
}

function header(
  kind: ModelKind,
  versions: readonly VerifiedVersion[],
  options: Json,
  model: Json,
  base: Json,
): Record<string, Json> {
  return {
    format: "poa-model",
    formatVersion: 1,
    kind,
    code: FACTORY_CODE_VERSION,
    attribution: kind === "tabular" ? "influence" : "spans",
    tokenizer: kind === "tabular" ? null : TOKENIZER,
    base,
    options,
    model,
    trainedOn: trainedOn(versions),
  };
}

function finish(
  manifest: Record<string, Json>,
  sections: Parameters<typeof encodeArtifact>[1],
  base?: TextBaseModel,
): TrainedArtifact {
  const bytes = encodeArtifact(manifest, sections);
  const model = loadModel(bytes, base === undefined ? {} : { base });
  return { bytes, hash: model.artifactHash, manifest, model };
}

/** Trains a model of `request.kind` on the verified versions; deterministic to the byte. */
export function trainModel(request: TrainRequest): TrainedArtifact {
  const { kind, versions } = request;
  const options = request.options ?? {};
  if (versions.length === 0) {
    throw new PoaError("TRAINING_INPUT_INVALID", "no Datanet version to train on", {
      action: "Name at least one published version.",
    });
  }
  const items = distinctContributions(versions);
  if (kind === "tabular") {
    let dimension: number | undefined;
    const rows: Row[] = [];
    for (const { version, c } of items) {
      const parsed = parseRows(decodeText(c.bytes, label(version, c)), label(version, c), dimension);
      if (parsed.length > 0) dimension = parsed[0]!.x.length;
      rows.push(...parsed);
    }
    const lambda = options.lambda ?? 1;
    const trained = trainTabular(rows, { lambda });
    const manifest = header("tabular", versions, { lambda }, { ...trained.stats, standardised: true }, null);
    return finish(manifest, trained.sections);
  }
  const texts = items.map(({ version, c }) => decodeText(c.bytes, label(version, c)));
  if (kind === "text-base") {
    const order = options.order ?? DEFAULT_ORDER;
    const trained = trainTextBase(texts, { order });
    const { stats } = trained;
    const model = {
      order,
      vocabulary: stats.vocabulary,
      entries: stats.entries,
      discounts: stats.discounts,
      tokens: stats.tokens,
      sequences: stats.sequences,
    };
    return finish(header("text-base", versions, { order }, model, null), trained.sections);
  }
  if (kind === "text-adapter") {
    const base = request.base;
    if (base === undefined) {
      throw new PoaError("ADAPTER_BASE_MISMATCH", "an adapter is trained over a base model, and none was given", {
        action: "Load the base model's artifact and pass it.",
      });
    }
    if (options.order !== undefined && options.order !== base.order) {
      throw new PoaError("INVALID_VALUE", `an adapter has its base's order (${base.order}), not ${options.order}`, {
        details: { order: options.order, baseOrder: base.order },
      });
    }
    const trained = trainTextAdapter(base, texts);
    const { stats } = trained;
    const model = {
      order: base.order,
      lambda: trained.lambda,
      newWords: stats.newWords,
      entries: stats.entries,
      tokens: stats.tokens,
      sequences: stats.sequences,
      tuning: trained.tuning,
    };
    const baseRef = { artifactHash: base.artifactHash, order: base.order, vocabulary: base.vocabSize };
    return finish(header("text-adapter", versions, { order: base.order }, model, baseRef), trained.sections, base);
  }
  throw new PoaError("INVALID_VALUE", `unknown model kind ${JSON.stringify(kind)}`, {
    details: { kind },
    action: "Use text-base, text-adapter or tabular.",
  });
}

// ---------------------------------------------------------------------------------------------
// Loading

function invalid(message: string): PoaError {
  return new PoaError("ARTIFACT_INVALID", `not a valid model artifact: ${message}`, {
    action: "Load the artifact bytes the Model Factory wrote (check the CID and the on-chain artifact hash).",
  });
}

function words(bytes: Uint8Array): string[] {
  const text = new TextDecoder().decode(bytes);
  return text === "" ? [] : text.split("\n");
}

/** Rebuilds the n-gram tables from sections, checking every range so no lookup can leave an array. */
function tablesOf(a: DecodedArtifact, order: number, dense1: boolean, vocabSize: number): NgramTables {
  const levels: Level[] = [];
  for (let n = 1; n <= order; n++) {
    const probs = n > 1 || dense1 ? section(a, `o${n}.probs`, Float32Array) : new Float32Array(0);
    const wordsArr = n > 1 || !dense1 ? section(a, `o${n}.words`, Uint32Array) : new Uint32Array(0);
    const m = n === 1 && dense1 ? probs.length : wordsArr.length;
    if (n === 1 && !dense1 && probs.length !== 0) throw invalid("order 1 of an adapter has probabilities");
    if ((n > 1 || dense1) && probs.length !== m)
      throw invalid(`order ${n}: ${probs.length} probabilities for ${m} entries`);
    for (const w of wordsArr) if (w >= vocabSize) throw invalid(`order ${n}: word id ${w} is outside the vocabulary`);
    const backoffs = n < order ? section(a, `o${n}.backoffs`, Float32Array) : new Float32Array(0);
    const children = n < order ? section(a, `o${n}.children`, Uint32Array) : new Uint32Array(0);
    if (n < order && (backoffs.length !== m || children.length !== m + 1))
      throw invalid(`order ${n}: table sizes disagree`);
    levels.push({ words: n === 1 && dense1 ? new Uint32Array(0) : wordsArr, probs, backoffs, children });
  }
  for (let n = 1; n < order; n++) {
    const children = levels[n - 1]!.children;
    const next = levels[n]!.words.length;
    if (children[0] !== 0 || children[children.length - 1] !== next)
      throw invalid(`order ${n}: child ranges do not cover order ${n + 1}`);
    for (let i = 1; i < children.length; i++)
      if (children[i]! < children[i - 1]!) throw invalid(`order ${n}: child ranges out of order`);
  }
  if (dense1 && levels[0]!.probs.length !== vocabSize) throw invalid("the unigram table does not match the vocabulary");
  return { order, levels, dense1 };
}

export interface LoadOptions {
  /** The loaded base model, required to load an adapter (checked against the adapter's manifest). */
  base?: TextBaseModel;
}

/**
 * Loads artifact bytes into a servable model. An adapter needs its base (`options.base`), whose
 * artifact hash must be the one the adapter's manifest names. The typed arrays are views into
 * `bytes` (keep them unmodified).
 */
export function loadModel(bytes: Uint8Array, options: LoadOptions = {}): LoadedModel {
  const a = decodeArtifact(bytes);
  const m = a.manifest;
  if (m.format !== "poa-model" || m.formatVersion !== 1) throw invalid("unknown format in the manifest");
  const model = (m.model ?? {}) as Record<string, unknown>;
  if (m.kind === "tabular") {
    const mean = section(a, "mean", Float64Array);
    const scale = section(a, "scale", Float64Array);
    const weights = section(a, "weights", Float64Array);
    if (scale.length !== mean.length || weights.length !== mean.length + 1)
      throw invalid("tabular section sizes disagree");
    return new TabularModel(mean, scale, weights, a.hash, m);
  }
  const order = model.order;
  if (typeof order !== "number" || !Number.isInteger(order) || order < 2 || order > 6)
    throw invalid("the manifest has no valid order");
  if (m.kind === "text-base") {
    const vocab = words(section(a, "vocab", Uint8Array));
    const tables = tablesOf(a, order, true, vocab.length);
    const spell = section(a, "spell", Float64Array);
    const unigramOrder = section(a, "unigramOrder", Uint32Array);
    if (spell.length !== 257 || unigramOrder.length !== vocab.length - 2) throw invalid("vocabulary sections disagree");
    return new TextBaseModel(tables, vocab, spell, unigramOrder, a.hash, m);
  }
  if (m.kind === "text-adapter") {
    const ref = (m.base ?? {}) as Record<string, unknown>;
    const base = options.base;
    if (base === undefined) {
      throw new PoaError(
        "ADAPTER_BASE_MISMATCH",
        `this adapter runs over base ${String(ref.artifactHash)}, and no base was given`,
        {
          details: { expected: ref.artifactHash },
          action: "Load the base model named in the adapter's manifest first and pass it.",
        },
      );
    }
    if (ref.artifactHash !== base.artifactHash) {
      throw new PoaError(
        "ADAPTER_BASE_MISMATCH",
        `this adapter was trained over base ${String(ref.artifactHash)}, not ${base.artifactHash}`,
        {
          details: { expected: ref.artifactHash, actual: base.artifactHash },
          action: "Load the adapter over the base it names.",
        },
      );
    }
    if (order !== base.order) throw invalid("the adapter's order differs from its base's");
    const newWords = words(section(a, "newWords", Uint8Array));
    const tables = tablesOf(a, order, false, base.vocabSize + newWords.length);
    const lambda = model.lambda;
    if (typeof lambda !== "number" || !(lambda >= 0 && lambda <= 1))
      throw invalid("the adapter has no mixing weight in [0, 1]");
    return new TextAdapterModel(base, tables, newWords, lambda, a.hash, m);
  }
  throw invalid(`unknown model kind ${JSON.stringify(m.kind)}`);
}
