import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

import { PoaError, UsageError } from "../../core/errors.js";
import type { Command } from "../command.js";
import { progress } from "../progress.js";

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `poa index build`: tokenise a corpus, build its suffix array and save both. */
export const indexBuild: Command = {
  name: "index build",
  summary: "Index a text corpus (suffix array) for span attribution",
  help: `Usage: poa index build --corpus CORPUS.jsonl --out DIR

Tokenises a corpus and builds its suffix array (SA-IS in WebAssembly, linear time, 8 bytes
per token while building), then saves it to DIR so that \`poa attribute --index DIR\` can query
it many times. An exact duplicate document (same tokens as an earlier one) is not indexed again:
the first contributor keeps the credit.

Corpus: JSON Lines, one {"id": string, "contributor": "0x...", "text": string} per line, in
order of acceptance. Tokens: runs of letters/digits/underscore or single punctuation marks,
NFKC-normalised and lower-cased (docs/attribution.md).

Options:
  --corpus FILE   the corpus (JSON Lines)
  --out DIR       where to write the index (meta.json, vocab.json, docs.json, tokens.bin, sa.bin)

Example:
  npx poa index build --corpus examples/attribution/corpus.jsonl --out /tmp/poa-index`,
  options: { corpus: { type: "string" }, out: { type: "string" } },
  async run({ values }) {
    const corpus = values.corpus;
    const out = values.out;
    if (typeof corpus !== "string") throw new UsageError("--corpus is required", "Run `npx poa index build --help`.");
    if (typeof out !== "string") throw new UsageError("--out is required", "Run `npx poa index build --help`.");
    const { buildIndex, parseCorpusRow, prepareOutputFolder, readRows, saveIndex } =
      await import("../../attribution/index.js");
    prepareOutputFolder(out);
    // Progress bars are ticked in steps of 0.5% so that a terminal is not redrawn per line.
    let reading: ReturnType<typeof progress> | undefined;
    let pending = 0;
    const rows = await readRows(corpus, "corpus", parseCorpusRow, (bytes, total) => {
      reading ??= progress("reading corpus (bytes)", total);
      pending += bytes;
      if (pending >= total / 200) {
        reading.tick(pending);
        pending = 0;
      }
    });
    reading?.done();
    let tokenising: ReturnType<typeof progress> | undefined;
    let last = 0;
    const started = Date.now();
    const index = buildIndex(rows, {
      onDocument: (done, total) => {
        tokenising ??= progress("tokenising documents", total);
        if (done === total) tokenising.done();
        else if (done - last >= total / 200) {
          tokenising.tick(done - last);
          last = done;
        }
      },
      onStage: (stage) => {
        if (stage === "suffix array") process.stderr.write("building the suffix array...\n");
      },
    });
    try {
      saveIndex(index, out, await sha256File(corpus));
    } catch (error) {
      throw new PoaError(
        `cannot write the index to ${out}: ${(error as Error).message}`,
        "Check that the path is writable.",
      );
    }
    const n = index.tokens.length;
    const seconds = (Date.now() - started) / 1000;
    const duplicates = index.documents.length - index.docStarts.length;
    console.log(
      `indexed ${index.documents.length} documents (${duplicates} exact duplicates credited to their first copy), ` +
        `${n} tokens, vocabulary ${index.vocabulary.size}, in ${seconds.toFixed(1)} s ` +
        `(suffix array built in ${(index.buildBytes / 2 ** 20).toFixed(1)} MiB of memory` +
        `${n >= 1_000_000 ? `, ${(index.buildBytes / n).toFixed(2)} bytes/token` : ""}) -> ${out}`,
    );
  },
};
