/**
 * Model Factory benchmark (`npm run bench -- factory`, or `node --import tsx bench/run.ts factory`).
 *
 * Real data (docs/factory.md, "Data"): a base text model on WordNet 3.1 glosses and the
 * SpamAssassin ham messages (train splits), adapters on the spam messages and on the hard ham,
 * tabular models on Iris and on features of the SpamAssassin messages. Every quality figure is
 * on a held-out split (every 10th item in id order; every 5th for Iris) beside its baseline.
 * Serving: cold adapter load p50, memory per loaded adapter with 1,000 adapters loaded over one
 * base, and generation speed, measured in the same run.
 */
import { cpus, loadavg } from "node:os";
import v8 from "node:v8";
import vm from "node:vm";

import { computeCid } from "../src/content/index.js";
import { keccakHex } from "../src/core/hash.js";
import {
  classificationScores,
  loadIrisBinary,
  loadModel,
  loadSpamAssassin,
  loadWordnetGlosses,
  mailFeatureRows,
  majorityBaseline,
  split,
  trainModel,
  unigramBaseline,
  verifyTrainingInputs,
  type LabelledRow,
  type TabularModel,
  type TextAdapterModel,
  type TextBaseModel,
  type VerifiedVersion,
} from "../src/factory/index.js";
import { chunks, versionOf } from "../test/factory/fixtures.js";
import type { BenchSection } from "./run.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

function log(message: string): void {
  console.error(`[factory] ${message}`);
}

function timed<T>(f: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  return { value, wall: (performance.now() - t0) / 1000, cpu: process.cpuUsage(c0).user / 1e6 };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function memory(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const fmt = (x: number, digits = 1) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 2)} MiB`;
const kib = (bytes: number) => `${fmt(bytes / 1024, 1)} KiB`;
const distinct = (texts: readonly string[]) => [...new Set(texts)];
const version = (id: bigint, texts: readonly string[]): VerifiedVersion[] =>
  verifyTrainingInputs([versionOf(id, 1n, texts)]);

export default async function factoryBench(): Promise<BenchSection> {
  const load0 = loadavg()[0]!;
  // ---- data ----
  const glosses = split(loadWordnetGlosses().map((d) => d.text));
  const mail = loadSpamAssassin();
  const byGroup = (groups: string[]) =>
    split(distinct(mail.filter((d) => groups.includes(d.group)).map((d) => d.text)));
  const ham = byGroup(["easy-ham-1", "easy-ham-2"]);
  const spam = byGroup(["spam-1", "spam-2"]);
  const hardHam = byGroup(["hard-ham-1"]);

  // ---- base ----
  log("training the base (WordNet glosses + easy ham)");
  const baseTexts = [...chunks(glosses.train, 200), ...ham.train];
  const baseVersions = verifyTrainingInputs([
    versionOf(1n, 1n, chunks(glosses.train, 200)),
    versionOf(2n, 1n, ham.train),
  ]);
  const baseRun = timed(() => trainModel({ kind: "text-base", versions: baseVersions, options: { order: 3 } }));
  const base = baseRun.value.model as TextBaseModel;
  const baseStats = baseRun.value.manifest.model as { tokens: number; vocabulary: number; entries: number[] };
  log(`base: ${fmt(baseRun.wall)} s, ${mib(baseRun.value.bytes.length)}`);

  // ---- adapters ----
  log("training the adapters (spam, hard ham)");
  const spamRun = timed(() => trainModel({ kind: "text-adapter", versions: version(3n, spam.train), base }));
  const hardRun = timed(() => trainModel({ kind: "text-adapter", versions: version(4n, hardHam.train), base }));
  const spamAdapter = spamRun.value.model as TextAdapterModel;
  const hardAdapter = hardRun.value.model as TextAdapterModel;

  // ---- perplexity ----
  log("perplexity on held-out splits");
  const unigramBase = unigramBaseline(baseTexts);
  const rows: string[] = [];
  const evalSet = (name: string, texts: string[], domainUnigram: ReturnType<typeof unigramBaseline> | undefined) => {
    const u = unigramBase.evaluate(texts);
    const b = base.evaluate(texts);
    const s = spamAdapter.evaluate(texts);
    const h = hardAdapter.evaluate(texts);
    const d = domainUnigram?.evaluate(texts);
    rows.push(
      `| ${name} | ${fmt(b.tokens, 0)} | ${fmt(u.perplexity)} | ${d ? fmt(d.perplexity) : "-"} | ${fmt(b.perplexity)} | ${fmt(s.perplexity)} | ${fmt(h.perplexity)} | ${fmt((100 * b.oov) / b.tokens)}% |`,
    );
  };
  evalSet("WordNet glosses", glosses.heldOut, undefined);
  evalSet("easy ham", ham.heldOut, undefined);
  evalSet("spam", spam.heldOut, unigramBaseline(spam.train));
  evalSet("hard ham", hardHam.heldOut, unigramBaseline(hardHam.train));

  // ---- tabular ----
  log("tabular models");
  const tabular = (name: string, data: LabelledRow[], every: number, per: number) => {
    const { train, heldOut } = split(data, every);
    const files: string[] = [];
    for (let i = 0; i < train.length; i += per) {
      files.push(
        train
          .slice(i, i + per)
          .map((r) => JSON.stringify({ x: r.x, y: r.y }))
          .join("\n"),
      );
    }
    const run = timed(() => trainModel({ kind: "tabular", versions: version(9n, files), options: { lambda: 1 } }));
    const model = run.value.model as TabularModel;
    const labels = heldOut.map((r) => r.y);
    const m = classificationScores(model.predict(heldOut.map((r) => r.x)), labels);
    const b = majorityBaseline(
      train.map((r) => r.y),
      labels,
    );
    return `| ${name} | ${train.length} / ${heldOut.length} | ${data[0]!.x.length} | ${fmt(100 * m.accuracy)}% | ${fmt(m.logLoss, 3)} | ${fmt(100 * b.accuracy)}% | ${fmt(b.logLoss, 3)} | ${fmt(run.wall * 1000, 0)} ms | ${run.value.bytes.length} B |`;
  };
  const tabularRows = [
    tabular("Iris, versicolor vs virginica", loadIrisBinary(), 5, 10),
    tabular("SpamAssassin features, spam vs ham", mailFeatureRows(mail), 10, 500),
  ];

  // ---- serving: 1,000 small adapters over the base ----
  log("training 100 small adapters (20 spam or ham messages each)");
  const pool = distinct([...spam.train, ...ham.train]);
  const small: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    const texts = Array.from({ length: 20 }, (_, k) => pool[(i * 37 + k * 101) % pool.length]!);
    small.push(trainModel({ kind: "text-adapter", versions: version(BigInt(100 + i), distinct(texts)), base }).bytes);
  }
  log("cold loads and memory of 1,000 loaded adapters");
  const coldLoads: number[] = [];
  const coldFull: number[] = [];
  for (let i = 0; i < 300; i++) {
    const bytes = small[i % small.length]!.slice();
    const t0 = performance.now();
    loadModel(bytes, { base });
    coldLoads.push(performance.now() - t0);
    const t1 = performance.now();
    const hash = keccakHex(bytes); // what a gateway checks against the chain before loading
    loadModel(bytes, { base });
    coldFull.push(performance.now() - t1);
    void hash;
  }
  coldLoads.sort((a, b) => a - b);
  coldFull.sort((a, b) => a - b);
  const sizes = small.map((b) => b.length).sort((a, b) => a - b);
  const before = memory();
  const loaded: TextAdapterModel[] = [];
  for (let i = 0; i < 1000; i++) loaded.push(loadModel(small[i % small.length]!.slice(), { base }) as TextAdapterModel);
  const perAdapter = (memory() - before) / loaded.length;
  const baseMemory = (() => {
    const m0 = memory();
    const copy = loadModel(baseRun.value.bytes.slice()) as TextBaseModel;
    const m1 = memory();
    void copy.vocabSize;
    return m1 - m0;
  })();
  const baseLoad = timed(() => loadModel(baseRun.value.bytes.slice()));
  const cid = await computeCid(spamRun.value.bytes);

  // ---- generation speed ----
  log("generation speed");
  const speed = (model: TextBaseModel | TextAdapterModel, options: object) => {
    let tokens = 0;
    const t = timed(() => {
      for (let seed = 0; seed < 200; seed++)
        tokens += model.generate("The", { ...options, seed, maxTokens: 64 }).tokensOut;
    });
    return tokens / t.cpu;
  };
  const speeds = [
    ["base, temperature 1", speed(base, {})],
    ["base, temperature 0.7", speed(base, { temperature: 0.7 })],
    ["base, top-k 40", speed(base, { topK: 40 })],
    ["base, temperature 0.7, top-p 0.9", speed(base, { temperature: 0.7, topP: 0.9 })],
    ["base + spam adapter, temperature 1", speed(spamAdapter, {})],
    ["base + spam adapter, temperature 0.7, top-p 0.9", speed(spamAdapter, { temperature: 0.7, topP: 0.9 })],
    ["base + small adapter (1 of the 1,000), temperature 1", speed(loaded[0]!, {})],
  ] as const;
  const sample = spamAdapter.generate("Dear friend,", { seed: 1, maxTokens: 40, temperature: 0.8, topP: 0.95 }).text;
  const sampleBase = base.generate("A", { seed: 1, maxTokens: 30, temperature: 0.8, topP: 0.95 }).text;
  const load1 = loadavg()[0]!;

  return {
    title: "Model Factory (real data: WordNet, SpamAssassin, Iris)",
    markdown: `\`npm run bench -- factory\`. ${cpus().length} cores shared with other work (1-minute load average ${fmt(load0)} at the start,
${fmt(load1)} at the end), so wall times include waiting for a core. Held-out split: every 10th item in id
order (every 5th for Iris). Perplexity counts every token (words and one end mark per paragraph);
words outside a model's vocabulary are priced through \`<unk>\` times the spelling model (OOV column:
share of tokens outside the base vocabulary).

**Training** (order-3 interpolated modified Kneser-Ney):

| model | data | tokens | time (wall / CPU) | artifact |
|---|---|---|---|---|
| base | WordNet glosses + easy ham (train) | ${fmt(baseStats.tokens, 0)} (vocabulary ${fmt(baseStats.vocabulary, 0)}; n-grams ${baseStats.entries.map((e) => fmt(e, 0)).join(" / ")}) | ${fmt(baseRun.wall)} s / ${fmt(baseRun.cpu)} s | ${mib(baseRun.value.bytes.length)} |
| adapter "spam" | spam-1 + spam-2 (train), lambda ${spamAdapter.lambda} | ${fmt((spamRun.value.manifest.model as { tokens: number }).tokens, 0)} | ${fmt(spamRun.wall)} s / ${fmt(spamRun.cpu)} s | ${mib(spamRun.value.bytes.length)} (${fmt((100 * spamRun.value.bytes.length) / baseRun.value.bytes.length)}% of the base) |
| adapter "hard ham" | hard-ham-1 (train), lambda ${hardAdapter.lambda} | ${fmt((hardRun.value.manifest.model as { tokens: number }).tokens, 0)} | ${fmt(hardRun.wall)} s / ${fmt(hardRun.cpu)} s | ${mib(hardRun.value.bytes.length)} (${fmt((100 * hardRun.value.bytes.length) / baseRun.value.bytes.length)}% of the base) |
| 100 small adapters | 20 messages each | - | - | median ${kib(percentile(sizes, 50))}, max ${kib(sizes[sizes.length - 1]!)} |

The spam adapter's artifact is stored as \`${cid}\` (CIDv1) with hash \`${spamRun.value.hash}\`.

**Perplexity on held-out text** (lower is better):

| held-out set | tokens | unigram (base data) | unigram (domain data) | base | base + spam adapter | base + hard-ham adapter | OOV |
|---|---|---|---|---|---|---|---|
${rows.join("\n")}

**Tabular** (L2 logistic regression, lambda 1, standardised features):

| data | train / held-out rows | features | accuracy | log-loss | majority accuracy | majority log-loss | training | artifact |
|---|---|---|---|---|---|---|---|---|
${tabularRows.join("\n")}

**Serving** (the gateway's numbers):

| figure | value | goal |
|---|---|---|
| cold adapter load, p50 / p95 (\`loadModel\` on bytes in memory, 300 loads of 100 small adapters) | ${fmt(percentile(coldLoads, 50), 2)} ms / ${fmt(percentile(coldLoads, 95), 2)} ms | <= 50 ms |
| same with the keccak256 check of the bytes, p50 / p95 | ${fmt(percentile(coldFull, 50), 2)} ms / ${fmt(percentile(coldFull, 95), 2)} ms | |
| base load (\`loadModel\`, once) | ${fmt(baseLoad.wall * 1000, 0)} ms | |
| memory per loaded adapter (1,000 loaded over one base, heap + array buffers after GC) | ${kib(perAdapter)} | small fraction of the base |
| memory of the loaded base | ${mib(baseMemory)} (adapter / base = ${fmt((100 * perAdapter) / baseMemory, 2)}%) | |
${speeds.map(([name, s]) => `| generation, ${name} (64-token completions, CPU time) | ${fmt(s, 0)} tokens/s | |`).join("\n")}

Samples (seed 1, temperature 0.8, top-p 0.95): base after "A": "A${sampleBase.replace(/\n/g, " ")}"; spam adapter after
"Dear friend,": "Dear friend,${sample.replace(/\n/g, " ")}".`,
  };
}
