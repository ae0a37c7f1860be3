import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import { main } from "../../src/cli/main.js";
import { tempDir } from "../support/temp.js";

/**
 * |actual - expected| <= delta. Not chai's closeTo: hardhat-ethers-chai-matchers (loaded when a
 * suite imports "hardhat" in the same run) replaces it with a BigInt version that rejects floats.
 */
function expectClose(actual: number | undefined, expected: number, delta: number): void {
  expect(actual).to.be.a("number");
  expect(Math.abs((actual as number) - expected) <= delta, `${actual} is not within ${delta} of ${expected}`).to.equal(
    true,
  );
}

/** Runs the CLI in-process and returns its exit code and what it printed. */
async function poa(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}

const dir = tempDir("poa-attr-cli-");
function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

const ADDR = "0x1111111111111111111111111111111111111111";
const EX = "examples/attribution";

describe("poa attribute / poa index build", function () {
  this.timeout(60_000);

  it("gives byte-identical results for identical inputs, with or without a saved index", async function () {
    const args = ["--method", "spans", "--outputs", `${EX}/outputs.jsonl`, "--min-span", "3", "--pool", "1000000"];
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    const c = join(dir, "c.json");
    expect((await poa("attribute", ...args, "--corpus", `${EX}/corpus.jsonl`, "--out", a)).code).to.equal(0);
    expect((await poa("attribute", ...args, "--corpus", `${EX}/corpus.jsonl`, "--out", b)).code).to.equal(0);
    const built = await poa("index", "build", "--corpus", `${EX}/corpus.jsonl`, "--out", join(dir, "index"));
    expect(built.code).to.equal(0);
    expect(built.out).to.match(/indexed 5 documents \(1 exact duplicates/);
    expect((await poa("attribute", ...args, "--index", join(dir, "index"), "--out", c)).code).to.equal(0);
    expect(readFileSync(b)).to.deep.equal(readFileSync(a));
    expect(readFileSync(c)).to.deep.equal(readFileSync(a));
    const result = JSON.parse(readFileSync(a, "utf8"));
    expect(result.method).to.equal("spans");
    const total = Object.values(result.payouts as Record<string, string>).reduce((s, v) => s + BigInt(v), 0n);
    expect(total).to.equal(1000000n);
    // Keys are sorted and numbers use at most 12 significant digits.
    const text = readFileSync(a, "utf8");
    expect(text).to.equal(JSON.stringify(JSON.parse(text), null, 2) + "\n");
  });

  it("influence results are byte-identical across runs and shares sum to 1", async function () {
    const args = [
      "--method",
      "influence",
      "--train",
      `${EX}/train.jsonl`,
      "--test",
      `${EX}/test.jsonl`,
      "--pool",
      "999",
    ];
    const a = join(dir, "ia.json");
    const b = join(dir, "ib.json");
    expect((await poa("attribute", ...args, "--out", a)).code).to.equal(0);
    expect((await poa("attribute", ...args, "--out", b)).code).to.equal(0);
    expect(readFileSync(b)).to.deep.equal(readFileSync(a));
    const result = JSON.parse(readFileSync(a, "utf8"));
    expect(result.lambda).to.equal(0.1);
    expect(result.scores).to.have.length(4);
    const shares = Object.values(result.contributors as Record<string, number>).reduce((s, v) => s + v, 0);
    expectClose(shares, 1, 1e-9);
    const total = Object.values(result.payouts as Record<string, string>).reduce((s, v) => s + BigInt(v), 0n);
    expect(total).to.equal(999n);
  });

  it("has --help for both commands", async function () {
    expect((await poa("attribute", "--help")).out).to.contain("--method spans");
    expect((await poa("index", "build", "--help")).out).to.contain("--corpus <file.jsonl>");
  });

  describe("bad input: the file, the line and what is wrong", function () {
    const outputs = file("outputs.jsonl", ['{"id": "o", "text": "hello world"}']);
    const spans = (corpus: string) =>
      poa("attribute", "--method", "spans", "--corpus", corpus, "--outputs", outputs, "--out", join(dir, "x.json"));

    it("malformed JSON", async function () {
      const corpus = file("malformed.jsonl", [`{"id": "a", "contributor": "${ADDR}", "text": "ok"}`, '{"id": "b", ']);
      const r = await spans(corpus);
      expect(r.code).to.equal(1);
      expect(r.err).to.contain(`${corpus}:2: malformed JSON`);
    });

    it("missing field", async function () {
      const corpus = file("missing.jsonl", [`{"id": "a", "text": "ok"}`]);
      const r = await spans(corpus);
      expect(r.code).to.equal(1);
      expect(r.err).to.contain(`${corpus}:1: missing field "contributor"`);
    });

    it("bad address (not hex, wrong length, bad checksum)", async function () {
      for (const [bad, what] of [
        ["0x123", 'bad address "0x123"'],
        ["0xZZ11111111111111111111111111111111111111", "bad address"],
        [
          "0x52908400098527886E0F7030069857D2E4169Ee7",
          'bad address "0x52908400098527886E0F7030069857D2E4169Ee7" in field "contributor" (EIP-55 checksum mismatch)',
        ],
      ] as const) {
        const corpus = file("address.jsonl", [
          `{"id": "a", "contributor": "${ADDR}", "text": "ok"}`,
          `{"id": "b", "contributor": "${bad}", "text": "ok"}`,
        ]);
        const r = await spans(corpus);
        expect(r.code).to.equal(1);
        expect(r.err, r.err).to.contain(`${corpus}:2: ${what}`);
      }
    });

    it("dimension mismatch (within the training set and between train and test)", async function () {
      const train = file("train.jsonl", [
        `{"id": "a", "contributor": "${ADDR}", "x": [1, 2], "y": 1}`,
        `{"id": "b", "contributor": "${ADDR}", "x": [1, 2, 3], "y": 0}`,
      ]);
      const test = file("test.jsonl", ['{"id": "t", "x": [1, 2], "y": 1}']);
      const r = await poa(
        "attribute",
        "--method",
        "influence",
        "--train",
        train,
        "--test",
        test,
        "--out",
        join(dir, "x.json"),
      );
      expect(r.code).to.equal(1);
      expect(r.err).to.contain(`${train}:2: dimension mismatch: "x" has 3 numbers, expected 2`);
      const train2 = file("train2.jsonl", [`{"id": "a", "contributor": "${ADDR}", "x": [1, 2], "y": 1}`]);
      const test2 = file("test2.jsonl", ['{"id": "t", "x": [1, 2], "y": 1}', '{"id": "u", "x": [1], "y": 0}']);
      const r2 = await poa(
        "attribute",
        "--method",
        "influence",
        "--train",
        train2,
        "--test",
        test2,
        "--out",
        join(dir, "x.json"),
      );
      expect(r2.err).to.contain(`${test2}:2: dimension mismatch: "x" has 1 numbers, expected 2`);
    });

    it("empty corpus (no rows, or no tokens)", async function () {
      const empty = file("empty.jsonl", [""]);
      const r = await spans(empty);
      expect(r.code).to.equal(1);
      expect(r.err).to.contain(`${empty}: empty corpus (no rows)`);
      const blank = file("blank.jsonl", [`{"id": "a", "contributor": "${ADDR}", "text": "   "}`]);
      const r2 = await spans(blank);
      expect(r2.err).to.contain("the corpus contains no tokens");
    });

    it("wrong types, bad labels, duplicate ids, a missing file, a missing index", async function () {
      const corpus = file("types.jsonl", [`{"id": 5, "contributor": "${ADDR}", "text": "ok"}`]);
      expect((await spans(corpus)).err).to.contain(`${corpus}:1: field "id" must be a string`);
      const dup = file("dup.jsonl", [
        `{"id": "a", "contributor": "${ADDR}", "text": "x"}`,
        `{"id": "a", "contributor": "${ADDR}", "text": "y"}`,
      ]);
      expect((await spans(dup)).err).to.contain(`${dup}:2: duplicate id "a" (first on line 1)`);
      const label = file("label.jsonl", [`{"id": "a", "contributor": "${ADDR}", "x": [1], "y": 2}`]);
      const r = await poa(
        "attribute",
        "--method",
        "influence",
        "--train",
        label,
        "--test",
        label,
        "--out",
        join(dir, "x.json"),
      );
      expect(r.err).to.contain(`${label}:1: field "y" must be 0 or 1 (got 2)`);
      expect((await spans(join(dir, "nope.jsonl"))).err).to.contain("cannot read");
      const r3 = await poa(
        "attribute",
        "--method",
        "spans",
        "--index",
        join(dir, "no-index"),
        "--outputs",
        outputs,
        "--out",
        join(dir, "x.json"),
      );
      expect(r3.err).to.contain("meta.json is missing");
    });

    it("features that overflow the training", async function () {
      const train = file("huge.jsonl", [
        `{"id": "a", "contributor": "${ADDR}", "x": [1e200], "y": 1}`,
        `{"id": "b", "contributor": "${ADDR}", "x": [-1e200], "y": 0}`,
      ]);
      const test = file("huge-test.jsonl", ['{"id": "t", "x": [1], "y": 1}']);
      const r = await poa(
        "attribute",
        "--method",
        "influence",
        "--train",
        train,
        "--test",
        test,
        "--out",
        join(dir, "x.json"),
      );
      expect(r.code).to.equal(1);
      expect(r.err).to.contain("training failed");
      expect(r.err).to.contain("Scale the features");
    });

    it("an output path that cannot be written is refused before any input is read", async function () {
      // A missing folder is created.
      const fresh = join(dir, "no-such-folder", "deeper", "x.json");
      const ok = await poa(
        "attribute",
        "--method",
        "spans",
        "--corpus",
        `${EX}/corpus.jsonl`,
        "--outputs",
        outputs,
        "--out",
        fresh,
      );
      expect(ok.code, ok.err).to.equal(0);
      expect(existsSync(fresh)).to.equal(true);
      // The inputs below do not exist: the output problem must be reported first, not "cannot read".
      const missing = join(dir, "never.jsonl");
      const blocker = file("blocker", ["not a folder"]);
      const r1 = await poa("attribute", "--method", "spans", "--corpus", missing, "--outputs", missing, "--out", dir);
      expect(r1.code).to.equal(1);
      expect(r1.err).to.contain(`the result file ${dir} is a folder, not a file`);
      const r2 = await poa(
        "attribute",
        "--method",
        "influence",
        "--train",
        missing,
        "--test",
        missing,
        "--out",
        join(blocker, "x.json"),
      );
      expect(r2.code).to.equal(1);
      expect(r2.err).to.contain(`${blocker} is a file, but the folder of the result file`);
      const r3 = await poa("index", "build", "--corpus", missing, "--out", blocker);
      expect(r3.code).to.equal(1);
      expect(r3.err).to.contain(`${blocker} is a file, but the index folder ${blocker} needs a folder there`);
      const r4 = await poa("index", "build", "--corpus", missing, "--out", join(blocker, "index"));
      expect(r4.code).to.equal(1);
      expect(r4.err).to.contain(
        `${blocker} is a file, but the index folder ${join(blocker, "index")} needs a folder there`,
      );
      // An index folder that does not exist yet is created.
      const r5 = await poa("index", "build", "--corpus", `${EX}/corpus.jsonl`, "--out", join(dir, "new", "idx"));
      expect(r5.code, r5.err).to.equal(0);
    });

    it("a corpus whose first line starts with a byte order mark", async function () {
      const corpus = join(dir, "bom.jsonl");
      writeFileSync(corpus, `\uFEFF{"id": "a", "contributor": "${ADDR}", "text": "hello world again"}\n`);
      const r = await spans(corpus);
      expect(r.code, r.err).to.equal(0);
      // Only line 1 may carry one: elsewhere it is still an error.
      writeFileSync(corpus, `{"id": "a", "contributor": "${ADDR}", "text": "x"}\n\uFEFF{"id": "b"}\n`);
      expect((await spans(corpus)).err).to.contain(`${corpus}:2: malformed JSON`);
    });

    describe("a damaged index: the file and what is wrong, never a stack trace", function () {
      const corpusFile = `${EX}/corpus.jsonl`;
      /**
       * Builds an index, damages it and attributes with it. With `restamp`, meta.json's SHA-256
       * of each damaged file is rewritten too (a consistent forgery), so that the structural
       * checks behind the hash check are reached.
       */
      async function damagedIndex(name: string, damage: (index: string) => void, restamp = true): Promise<string> {
        const index = join(dir, `damaged-${name}`);
        const built = await poa("index", "build", "--corpus", corpusFile, "--out", index);
        expect(built.code, built.err).to.equal(0);
        damage(index);
        const meta0 = existsSync(join(index, "meta.json"))
          ? (JSON.parse(readFileSync(join(index, "meta.json"), "utf8")) as unknown)
          : null;
        if (restamp && meta0 !== null) {
          const meta = meta0 as { files?: Record<string, string> };
          for (const file of Object.keys(meta.files ?? {}))
            if (existsSync(join(index, file)))
              meta.files![file] = createHash("sha256")
                .update(readFileSync(join(index, file)))
                .digest("hex");
          writeFileSync(join(index, "meta.json"), JSON.stringify(meta));
        }
        const r = await poa(
          "attribute",
          "--method",
          "spans",
          "--index",
          index,
          "--outputs",
          outputs,
          "--out",
          join(dir, "x.json"),
        );
        expect(r.code).to.equal(1);
        expect(r.err).to.not.match(/\n\s+at /);
        expect(r.err).to.contain("npx poa index build");
        return r.err;
      }
      const edit = (path: string, f: (v: Record<string, unknown>) => unknown) =>
        writeFileSync(path, JSON.stringify(f(JSON.parse(readFileSync(path, "utf8")))));

      it("an edited contributor in docs.json: refused, credit never moves", async function () {
        const err = await damagedIndex(
          "tampered",
          (i) => {
            const docs = readFileSync(join(i, "docs.json"), "utf8");
            writeFileSync(
              join(i, "docs.json"),
              docs.replace(/"contributor":"0x[0-9a-fA-F]{40}"/, `"contributor":"0x${"ab".repeat(20)}"`),
            );
          },
          false,
        );
        expect(err).to.contain("docs.json was changed after the index was built");
      });
      it("a missing tokens.bin", async function () {
        const err = await damagedIndex("tokens", (i) => rmSync(join(i, "tokens.bin")));
        expect(err).to.contain(`${join(dir, "damaged-tokens", "tokens.bin")}: missing`);
      });
      it("docs.json that is not an array, or has the wrong count", async function () {
        expect(await damagedIndex("docs", (i) => writeFileSync(join(i, "docs.json"), "{}"))).to.contain(
          "docs.json: expected a JSON array of documents",
        );
        const err = await damagedIndex("docs2", (i) =>
          edit(join(i, "docs.json"), (d) => (d as unknown as unknown[]).slice(1)),
        );
        expect(err).to.contain("docs.json: has 4 documents, but meta.json says 5");
      });
      it("meta.json that is null", async function () {
        expect(await damagedIndex("meta", (i) => writeFileSync(join(i, "meta.json"), "null"))).to.contain(
          "meta.json: expected a JSON object, got null",
        );
      });
      it("vocab.json inconsistent with meta.json", async function () {
        const err = await damagedIndex("vocab", (i) =>
          edit(join(i, "vocab.json"), (v) => ({ ...v, words: (v.words as string[]).slice(1) })),
        );
        expect(err).to.match(/vocab\.json: has \d+ words and \d+ counts, but meta\.json says the vocabulary has \d+/);
      });
      it("sa.bin of the wrong size, or pointing outside the text", async function () {
        expect(
          await damagedIndex("sa", (i) =>
            writeFileSync(join(i, "sa.bin"), readFileSync(join(i, "sa.bin")).subarray(4)),
          ),
        ).to.match(/sa\.bin: has \d+ bytes, expected \d+/);
        const err = await damagedIndex("sa2", (i) => {
          const bytes = readFileSync(join(i, "sa.bin"));
          bytes.writeInt32LE(1 << 30, 0);
          writeFileSync(join(i, "sa.bin"), bytes);
        });
        expect(err).to.match(/sa\.bin: entry 0 is 1073741824, not a position below \d+/);
      });
      it("a rebuild removes meta.json first, so an interrupted one is never taken as complete", async function () {
        const index = join(dir, "damaged-rebuild");
        expect((await poa("index", "build", "--corpus", corpusFile, "--out", index)).code).to.equal(0);
        // Make the write of docs.json fail: a folder in its place.
        rmSync(join(index, "docs.json"));
        mkdirSync(join(index, "docs.json.tmp"));
        const r = await poa("index", "build", "--corpus", corpusFile, "--out", index);
        expect(r.code).to.equal(1);
        expect(r.err).to.contain("cannot write the index");
        expect(existsSync(join(index, "meta.json"))).to.equal(false);
      });
    });

    it("bad options", async function () {
      expect((await poa("attribute", "--method", "magic", "--out", "x")).code).to.equal(2);
      expect((await poa("attribute", "--method", "spans", "--outputs", outputs, "--out", "x")).err).to.contain(
        "exactly one of --corpus and --index",
      );
      const r = await poa(
        "attribute",
        "--method",
        "spans",
        "--corpus",
        outputs,
        "--outputs",
        outputs,
        "--out",
        "x",
        "--min-span",
        "0",
      );
      expect(r.err).to.contain('--min-span must be positive (got "0")');
    });
  });
});
