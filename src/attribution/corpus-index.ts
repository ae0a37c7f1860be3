/**
 * The span index of a corpus: its token ids (documents joined by the separator id 0), their
 * suffix array, the vocabulary with unigram counts, and the document table. An exact duplicate
 * document (the same token sequence as an earlier one) is not indexed again: it is listed as an
 * alias of the first document, which keeps the credit with the first contributor and stops
 * copies from inflating occurrence counts (and so from pushing spans over --max-count).
 *
 * On disk (a directory): meta.json, vocab.json, docs.json, tokens.bin and sa.bin (little-endian
 * int32). Loading checks sizes and the format version.
 */
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";

import { PoaError } from "../core/errors.js";
import { canonicalJson, type Json } from "../core/canonical-json.js";
import type { Located } from "../core/jsonl.js";
import type { CorpusRow } from "./rows.js";
import { SuffixArrayBuilder } from "./sais.js";
import { bucketStartsOf } from "./spans.js";
import { SEPARATOR_ID, tokenize, Vocabulary } from "./tokenize.js";

export const INDEX_FORMAT = "poa-span-index";
/** 2: meta.json holds the SHA-256 of every other file, checked on load. */
export const INDEX_VERSION = 2;

/** The files of an index besides meta.json, each covered by its SHA-256 in meta.json. */
export const INDEX_FILES = ["tokens.bin", "sa.bin", "vocab.json", "docs.json"] as const;

function sha256OfFile(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

export interface IndexedDocument {
  id: string;
  contributor: string;
  /** Line in the corpus file (acceptance order). */
  line: number;
  /** First token in `tokens`, or -1 for a duplicate. */
  start: number;
  /** Number of tokens. */
  length: number;
  /** Index (into `documents`) of the document credited for this one: itself, or the first copy. */
  owner: number;
}

export interface CorpusIndex {
  tokens: Int32Array;
  sa: Int32Array;
  vocabulary: Vocabulary;
  documents: IndexedDocument[];
  /** Token start of each indexed (non-duplicate) document, ascending. */
  docStarts: Int32Array;
  /** documents[] position of the document starting at docStarts[k]. */
  docOf: Int32Array;
  /** First-token table for the span search (see spans.ts). */
  bucketStarts: Int32Array;
  /** Bytes of memory the suffix array construction used (text + suffix array + buckets). */
  buildBytes: number;
}

export interface BuildObserver {
  /** Called per document during tokenisation. */
  onDocument?: (done: number, total: number) => void;
  /** Called when a stage starts ("tokenise", "suffix array"). */
  onStage?: (stage: string) => void;
}

/** Builds the index of corpus rows (in acceptance order). */
export function buildIndex(rows: readonly Located<CorpusRow>[], observer: BuildObserver = {}): CorpusIndex {
  observer.onStage?.("tokenise");
  const vocabulary = new Vocabulary();
  const documents: IndexedDocument[] = [];
  const seen = new Map<string, number>();
  // Token ids go straight into WASM memory: no second copy of the text while building.
  const builder = new SuffixArrayBuilder();
  const separator = Int32Array.of(SEPARATOR_ID);
  let n = 0;
  const starts: number[] = [];
  const docOf: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const { line, value } = rows[r] as Located<CorpusRow>;
    const { words } = tokenize(value.text);
    const ids = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) ids[i] = vocabulary.add(words[i] as string);
    const digest = createHash("sha256").update(new Uint8Array(ids.buffer)).digest("hex");
    const first = seen.get(digest);
    if (first !== undefined) {
      documents.push({
        id: value.id,
        contributor: value.contributor,
        line,
        start: -1,
        length: ids.length,
        owner: first,
      });
    } else {
      seen.set(digest, documents.length);
      starts.push(n);
      docOf.push(documents.length);
      documents.push({
        id: value.id,
        contributor: value.contributor,
        line,
        start: n,
        length: ids.length,
        owner: documents.length,
      });
      builder.append(ids);
      builder.append(separator);
      for (const id of ids) (vocabulary.counts[id] as number)++;
      n += ids.length + 1;
      vocabulary.counts[0] = (vocabulary.counts[0] as number) + 1;
    }
    observer.onDocument?.(r + 1, rows.length);
  }
  if (vocabulary.size <= 1) {
    throw new PoaError("ATTRIBUTION_INPUT_INVALID", "the corpus contains no tokens (every text is empty)", {
      action: "Add documents with text.",
    });
  }
  observer.onStage?.("suffix array");
  const { sa, peakBytes } = builder.build(vocabulary.size);
  return {
    tokens: builder.text,
    sa,
    bucketStarts: bucketStartsOf(builder.text, vocabulary.size),
    vocabulary,
    documents,
    docStarts: Int32Array.from(starts),
    docOf: Int32Array.from(docOf),
    buildBytes: peakBytes,
  };
}

function writeInt32File(path: string, data: Int32Array): void {
  const fd = openSync(path, "w");
  try {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const chunk = 1 << 26;
    for (let off = 0; off < bytes.length; off += chunk) writeSync(fd, bytes.subarray(off, off + chunk));
  } finally {
    closeSync(fd);
  }
}

const REBUILD = "The index is damaged or incomplete: rebuild it with `poa index build --corpus C --out DIR`.";

/** A PoaError about one file of the index. */
function damaged(path: string, what: string): PoaError {
  return new PoaError("INDEX_INVALID", `${path}: ${what}`, { action: REBUILD });
}

function readInt32File(path: string, expected: number): Int32Array {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw damaged(path, code === "ENOENT" ? "missing" : `cannot be read (${code ?? (error as Error).message})`);
  }
  if (buffer.byteLength !== expected * 4) {
    throw damaged(path, `has ${buffer.byteLength} bytes, expected ${expected * 4} (${expected} int32 values)`);
  }
  if (buffer.byteOffset % 4 === 0) return new Int32Array(buffer.buffer, buffer.byteOffset, expected);
  return new Int32Array(new Uint8Array(buffer).buffer);
}

/** Writes the index into `dir` (created if needed); files are written then renamed into place. */
export function saveIndex(index: CorpusIndex, dir: string, corpusSha256: string): void {
  try {
    writeIndexFiles(index, dir, corpusSha256);
  } catch (error) {
    if (error instanceof PoaError) throw error;
    throw new PoaError("FILE_NOT_WRITABLE", `cannot write the index to ${dir}: ${(error as Error).message}`, {
      details: { path: dir },
      cause: error,
      action: "Check that the folder is writable and the disk has room.",
    });
  }
}

function writeIndexFiles(index: CorpusIndex, dir: string, corpusSha256: string): void {
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1)
    throw new PoaError("INVALID_VALUE", "big-endian hosts are not supported");
  mkdirSync(dir, { recursive: true });
  // meta.json marks a complete index: remove it first, so that a write interrupted below leaves
  // a directory `loadIndex` refuses instead of new files under an old, matching meta.json.
  rmSync(join(dir, "meta.json"), { force: true });
  const put = (name: string, write: (path: string) => void) => {
    const tmp = join(dir, `${name}.tmp`);
    write(tmp);
    renameSync(tmp, join(dir, name));
  };
  put("tokens.bin", (p) => writeInt32File(p, index.tokens));
  put("sa.bin", (p) => writeInt32File(p, index.sa));
  put("vocab.json", (p) =>
    writeFileSync(p, canonicalJson({ counts: index.vocabulary.counts, words: index.vocabulary.words }, 0) + "\n"),
  );
  put("docs.json", (p) => writeFileSync(p, canonicalJson(index.documents as unknown as Json, 0) + "\n"));
  const files = Object.fromEntries(INDEX_FILES.map((name) => [name, sha256OfFile(join(dir, name))]));
  // meta.json last: its presence marks a complete index.
  put("meta.json", (p) =>
    writeFileSync(
      p,
      canonicalJson({
        corpusSha256,
        files,
        documents: index.documents.length,
        format: INDEX_FORMAT,
        indexedDocuments: index.docStarts.length,
        tokens: index.tokens.length,
        version: INDEX_VERSION,
        vocabulary: index.vocabulary.size,
      }) + "\n",
    ),
  );
}

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new PoaError("INDEX_INVALID", `${path} is missing`, {
        details: { path },
        action: "Build the index first.",
      });
    }
    throw damaged(path, `cannot be read (${code ?? (error as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw damaged(path, `malformed JSON (${(error as Error).message})`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** meta.json: the format, the version and the counts the other files must match. */
interface IndexMeta {
  corpusSha256: string;
  files: Record<(typeof INDEX_FILES)[number], string>;
  documents: number;
  indexedDocuments: number;
  tokens: number;
  vocabulary: number;
}

function checkMeta(path: string, dir: string, meta: unknown): IndexMeta {
  if (!isObject(meta)) throw damaged(path, `expected a JSON object, got ${meta === null ? "null" : typeof meta}`);
  if (meta.format !== INDEX_FORMAT || meta.version !== INDEX_VERSION) {
    throw new PoaError("INDEX_INVALID", `${dir} is not a ${INDEX_FORMAT} version ${INDEX_VERSION} directory`, {
      details: { path: dir },
      action: "Rebuild the index.",
    });
  }
  for (const key of ["documents", "indexedDocuments", "tokens", "vocabulary"] as const) {
    if (!isCount(meta[key])) throw damaged(path, `"${key}" must be a non-negative integer, got ${String(meta[key])}`);
  }
  if (typeof meta.corpusSha256 !== "string") {
    throw damaged(path, `"corpusSha256" must be a string, got ${String(meta.corpusSha256)}`);
  }
  const files = meta.files;
  if (!isObject(files) || !INDEX_FILES.every((name) => typeof files[name] === "string"))
    throw damaged(path, `"files" must hold the SHA-256 of ${INDEX_FILES.join(", ")}`);
  return meta as unknown as IndexMeta;
}

/** Every file of the index must be the one written with it: an edited file (say, a contributor in docs.json) is refused. */
function checkFileHashes(dir: string, meta: IndexMeta): void {
  for (const name of INDEX_FILES) {
    const path = join(dir, name);
    let actual: string;
    try {
      actual = sha256OfFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw damaged(path, code === "ENOENT" ? "missing" : `cannot be read (${code ?? (error as Error).message})`);
    }
    if (actual !== meta.files[name])
      throw new PoaError(
        "INDEX_TAMPERED",
        `${path} was changed after the index was built (its SHA-256 is not the one in meta.json)`,
        {
          details: { path, expected: meta.files[name], actual },
          action: "Rebuild the index from its corpus; never edit an index's files.",
        },
      );
  }
}

function checkVocabulary(path: string, vocab: unknown, meta: IndexMeta): { words: string[]; counts: number[] } {
  if (!isObject(vocab) || !Array.isArray(vocab.words) || !Array.isArray(vocab.counts)) {
    throw damaged(path, `expected {"words": [strings], "counts": [integers]}`);
  }
  const { words, counts } = vocab;
  if (words.length !== meta.vocabulary || counts.length !== meta.vocabulary) {
    throw damaged(
      path,
      `has ${words.length} words and ${counts.length} counts, but meta.json says the vocabulary has ${meta.vocabulary}`,
    );
  }
  for (let i = 0; i < words.length; i++) {
    if (typeof words[i] !== "string") throw damaged(path, `words[${i}] is not a string`);
    if (!isCount(counts[i])) throw damaged(path, `counts[${i}] is not a non-negative integer`);
  }
  return { words: words as string[], counts: counts as number[] };
}

function checkDocuments(path: string, documents: unknown, meta: IndexMeta): IndexedDocument[] {
  if (!Array.isArray(documents)) throw damaged(path, "expected a JSON array of documents");
  if (documents.length !== meta.documents) {
    throw damaged(path, `has ${documents.length} documents, but meta.json says ${meta.documents}`);
  }
  let indexed = 0;
  for (let i = 0; i < documents.length; i++) {
    const d: unknown = documents[i];
    const ok =
      isObject(d) &&
      typeof d.id === "string" &&
      typeof d.contributor === "string" &&
      isCount(d.line) &&
      isCount(d.length) &&
      isCount(d.owner) &&
      d.owner < documents.length &&
      Number.isSafeInteger(d.start) &&
      ((d.start as number) === -1 || ((d.start as number) >= 0 && (d.start as number) + d.length <= meta.tokens));
    if (!ok) {
      throw damaged(
        path,
        `document ${i} is not {"id", "contributor", "line", "start", "length", "owner"} with counts inside the index`,
      );
    }
    if ((d.start as number) >= 0) indexed++;
  }
  if (indexed !== meta.indexedDocuments) {
    throw damaged(path, `has ${indexed} indexed documents, but meta.json says ${meta.indexedDocuments}`);
  }
  return documents as IndexedDocument[];
}

/** Loads an index written by saveIndex; every file is checked against meta.json. */
export function loadIndex(dir: string): CorpusIndex & { corpusSha256: string } {
  const metaPath = join(dir, "meta.json");
  const meta = checkMeta(metaPath, dir, readJsonFile(metaPath));
  checkFileHashes(dir, meta);
  const vocabPath = join(dir, "vocab.json");
  const vocab = checkVocabulary(vocabPath, readJsonFile(vocabPath), meta);
  const docsPath = join(dir, "docs.json");
  const documents = checkDocuments(docsPath, readJsonFile(docsPath), meta);
  const n = meta.tokens;
  const tokens = readInt32File(join(dir, "tokens.bin"), n);
  const sa = readInt32File(join(dir, "sa.bin"), n);
  for (let i = 0; i < n; i++) {
    const t = tokens[i]!;
    if (t < 0 || t >= meta.vocabulary) {
      throw damaged(join(dir, "tokens.bin"), `token ${i} has id ${t}, outside the vocabulary of ${meta.vocabulary}`);
    }
    const p = sa[i]!;
    if (p < 0 || p >= n) throw damaged(join(dir, "sa.bin"), `entry ${i} is ${p}, not a position below ${n}`);
  }
  const starts: number[] = [];
  const docOf: number[] = [];
  documents.forEach((d, i) => {
    if (d.start >= 0) {
      starts.push(d.start);
      docOf.push(i);
    }
  });
  return {
    tokens,
    sa,
    bucketStarts: bucketStartsOf(tokens, vocab.words.length),
    vocabulary: Vocabulary.from(vocab.words, vocab.counts),
    documents,
    docStarts: Int32Array.from(starts),
    docOf: Int32Array.from(docOf),
    buildBytes: 0,
    corpusSha256: meta.corpusSha256,
  };
}
