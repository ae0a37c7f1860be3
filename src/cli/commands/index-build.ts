import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

import { prepareOutputFolder } from "../../core/fs.js";
import { defineCommand } from "../define.js";
import { progress, type Progress } from "../output.js";

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `poa index build`: tokenise a corpus, build its suffix array and save both. */
export const indexBuild = defineCommand({
  name: "index build",
  summary: "Index a text corpus (suffix array) for span attribution",
  description: `Tokenises a corpus and builds its suffix array (SA-IS in WebAssembly, linear time, 8 bytes
per token while building), then saves it to the --out folder so that \`poa attribute --index\`
can query it many times. An exact duplicate document (same tokens as an earlier one) is not
indexed again: the first contributor keeps the credit. meta.json records the SHA-256 of every
other file of the index, and loading refuses an index whose files were changed since.

Corpus: JSON Lines, one {"id": string, "contributor": "0x...", "text": string} per line, in
order of acceptance. Tokens: runs of letters/digits/underscore or single punctuation marks,
NFKC-normalised and lower-cased (docs/attribution.md).`,
  options: {
    corpus: { type: "path", required: true, placeholder: "<file.jsonl>", description: "the corpus (JSON Lines)" },
    out: { type: "path", required: true, placeholder: "<dir>", description: "where to write the index" },
  },
  examples: ["npx poa index build --corpus examples/attribution/corpus.jsonl --out /tmp/poa-index"],
  async run(args) {
    const { buildIndex, parseCorpusRow, saveIndex } = await import("../../attribution/index.js");
    const { readRows } = await import("../../core/jsonl.js");
    prepareOutputFolder(args.out, "the index folder");
    // Progress bars are ticked in steps of 0.5% so that a terminal is not redrawn per line.
    let reading: Progress | undefined;
    let pending = 0;
    const rows = await readRows(args.corpus, "corpus", parseCorpusRow, (bytes, total) => {
      reading ??= progress("reading corpus (bytes)", total);
      pending += bytes;
      if (pending >= total / 200) {
        reading.tick(pending);
        pending = 0;
      }
    });
    reading?.done();
    let tokenising: Progress | undefined;
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
    saveIndex(index, args.out, await sha256File(args.corpus));
    const n = index.tokens.length;
    const seconds = (Date.now() - started) / 1000;
    const duplicates = index.documents.length - index.docStarts.length;
    console.log(
      `indexed ${index.documents.length} documents (${duplicates} exact duplicates credited to their first copy), ` +
        `${n} tokens, vocabulary ${index.vocabulary.size}, in ${seconds.toFixed(1)} s ` +
        `(suffix array built in ${(index.buildBytes / 2 ** 20).toFixed(1)} MiB of memory` +
        `${n >= 1_000_000 ? `, ${(index.buildBytes / n).toFixed(2)} bytes/token` : ""}) -> ${args.out}`,
    );
  },
});
