/**
 * `poa report` with bad input, against the real `poa` binary: for every row, the exit code, a
 * first stderr line that says what is wrong, no stack frame anywhere, and no page written. The
 * settlement folder the rows damage is computed by the settlement's own code (attribution,
 * payouts, tree, report) from a small corpus: the refusals are about the folder's files, so no
 * chain is needed (test/settlement/html-report.test.ts renders a folder settled on a devnet).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

import type { Address } from "../../src/core/address.js";
import { keccakHex, type Hex } from "../../src/core/hash.js";
import { buildRewardTree } from "../../src/merkle/index.js";
import { computeSettlement } from "../../src/settlement/compute.js";
import { recordHash, recordLine, type InferenceRecord } from "../../src/settlement/record.js";
import { breakdownFile, buildReport, encodeReport } from "../../src/settlement/report.js";
import { tempDir } from "../support/temp.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const STACK_FRAME = /^\s+at\s.+[(:]/m;
const OPEN = 10n ** 18n;
const ALICE = "0x1111111111111111111111111111111111111111" as Address;
const BOB = "0x2222222222222222222222222222222222222222" as Address;
const PAYER = "0x5555555555555555555555555555555555555555" as Address;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function poa(args: readonly string[]): Result {
  const r = spawnSync(process.execPath, [join(root, "bin/poa.mjs"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, POA_DEBUG: "" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A settled epoch 0 of one text model: two contributors, three paid outputs, written as the pipeline writes it. */
function writeSettlementFolder(folder: string): void {
  const texts = {
    alice: "the quick brown fox jumps over the lazy dog near the river bank",
    bob: "a stitch in time saves nine and an apple a day keeps the doctor away",
  };
  const outputs = [
    "they said the quick brown fox jumps over the fence",
    "remember that a stitch in time saves nine, always",
    "nothing here matches anything at all",
  ];
  const records = outputs.map((output, i): InferenceRecord => ({
    chainId: 901,
    modelId: 1n,
    payer: PAYER,
    tokensIn: 2,
    tokensOut: output.split(/\s+/).length,
    prompt: "tell me",
    output,
    nonce: `0x${(i + 1).toString(16).padStart(64, "0")}` as Hex,
  }));
  const payments = records.map((r) => ({
    requestHash: recordHash(r),
    modelId: 1n,
    payer: PAYER,
    epoch: 0n,
    tokensIn: r.tokensIn,
    tokensOut: r.tokensOut,
    fee: 10n * OPEN,
    stakers: 2n * OPEN,
    contributors: 5n * OPEN,
  }));
  const result = computeSettlement({
    chainId: 901,
    payments,
    records: new Map(records.map((r) => [recordHash(r), r])),
    models: new Map([
      [
        "1",
        {
          model: { id: 1n, baseModelId: 0n, method: "spans" },
          documents: [
            { contributionId: 1n, datanetId: 1n, contributor: ALICE, text: texts.alice, bondedStake: 10n * OPEN },
            { contributionId: 2n, datanetId: 1n, contributor: BOB, text: texts.bob, bondedStake: 30n * OPEN },
          ],
          curators: [],
        },
      ],
    ]),
    carryIn: new Map(),
    previous: new Map(),
    span: { minSpan: 4, maxCount: 10, value: "length" },
  });
  const tree = buildRewardTree(
    [...result.cumulative]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([account, cumulativeAmount]) => ({ account, cumulativeAmount })),
  );
  const treeJson = JSON.stringify(tree.dump());
  const recordsFile = records.map(recordLine).sort().join("");
  const breakdown = breakdownFile(result.requests);
  const hash = (text: string) => keccakHex(new TextEncoder().encode(text));
  const zero = "0x0000000000000000000000000000000000000000";
  const report = buildReport({
    manifest: {
      network: "devnet",
      chainId: 901,
      contracts: { feeRouter: zero, modelRegistry: zero, datanetRegistry: zero, rewardDistributor: zero },
      epochs: { from: "0", to: "0", endsAt: "1700000000" },
      blocks: { from: "0", to: "10", toHash: "", confirmations: 1 },
      events: {},
      parameters: { minSpan: 4, maxCount: 10, value: "length" },
      code: { version: "poa-settlement/1", reportVersion: 1 },
      previous: null,
      content: { used: [], missing: [] },
    },
    result,
    previous: new Map(),
    root: tree.root,
    files: {
      records: { hash: hash(recordsFile), count: records.length },
      breakdown: { hash: hash(breakdown), count: result.requests.length },
      tree: { hash: hash(treeJson), accounts: result.cumulative.size },
    },
    escrowed: 21n * OPEN,
    flags: { nearCopies: [], sizeMismatches: [] },
    fees: {
      requests: 3,
      fee: 30n * OPEN,
      platform: 3n * OPEN,
      owner: 6n * OPEN,
      stakers: 6n * OPEN,
      contributors: 15n * OPEN,
    },
    contributions: new Map([
      ["1", { contributor: ALICE, datanetId: 1n }],
      ["2", { contributor: BOB, datanetId: 1n }],
    ]),
  });
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, "records.jsonl"), recordsFile);
  writeFileSync(join(folder, "breakdown.jsonl"), breakdown);
  writeFileSync(join(folder, "tree.json"), treeJson);
  writeFileSync(join(folder, "report.json"), encodeReport(report).bytes);
}

describe("poa report with bad input: clear errors, right exit codes, no stack traces, no page written", function () {
  this.timeout(120_000);
  const scratch = tempDir("poa-report-bad-input-");
  const good = join(scratch, "epoch-0");
  before(function () {
    writeSettlementFolder(good);
  });
  after(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A copy of the good folder, changed by `edit`. */
  let copies = 0;
  const damaged = (edit: (folder: string) => void) => () => {
    const folder = join(scratch, `damaged-${++copies}`);
    cpSync(good, folder, { recursive: true });
    edit(folder);
    return folder;
  };
  /** Rewrites report.json so that it names `file`'s current hash (the damage is then inside the file). */
  const rehash = (folder: string, key: "records" | "breakdown") => {
    const report = JSON.parse(readFileSync(join(folder, "report.json"), "utf8"));
    report.files[key].hash = keccakHex(readFileSync(join(folder, `${key}.jsonl`)));
    writeFileSync(join(folder, "report.json"), JSON.stringify(report));
  };
  const append = (folder: string, file: string, text: string) =>
    writeFileSync(join(folder, file), readFileSync(join(folder, file), "utf8") + text);

  it("writes the page for the good folder (exit 0, the path on stdout): the rows below fail for their own reason", function () {
    const out = join(scratch, "good.html");
    const r = poa(["report", "--epoch", "0", "--folder", good, "--out", out]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(out);
    expect(readFileSync(out, "utf8")).to.contain(`id="root"`);
    const byDefault = poa(["report", "--epoch", "0", "--folder", good]);
    expect(byDefault.code, byDefault.stderr).to.equal(0);
    expect(byDefault.stdout.trim()).to.equal(join(good, "report.html"));
    expect(readFileSync(join(good, "report.html"), "utf8")).to.equal(readFileSync(out, "utf8"));
    rmSync(join(good, "report.html"));
  });

  const rows: {
    name: string;
    folder: () => string;
    extra?: () => string[];
    epoch?: string;
    code: number;
    what: RegExp;
  }[] = [
    {
      name: "a folder that does not exist",
      folder: () => join(scratch, "nowhere"),
      code: 1,
      what: /the settlement folder .*nowhere does not exist/,
    },
    {
      name: "a file given as the folder",
      folder: () => join(good, "report.json"),
      code: 1,
      what: /report\.json is not a folder/,
    },
    {
      name: "no report.json",
      folder: damaged((d) => rmSync(join(d, "report.json"))),
      code: 1,
      what: /report\.json does not exist/,
    },
    {
      name: "malformed report.json",
      folder: damaged((d) => writeFileSync(join(d, "report.json"), '{"format": "poa-settlement-report", ')),
      code: 1,
      what: /report\.json: malformed JSON/,
    },
    {
      name: "a JSON file that is not a settlement report",
      folder: damaged((d) => writeFileSync(join(d, "report.json"), '{"hello": "world"}')),
      code: 1,
      what: /report\.json: field "format" must be "poa-settlement-report"/,
    },
    {
      name: "a report with a malformed amount",
      folder: damaged((d) => {
        const report = JSON.parse(readFileSync(join(d, "report.json"), "utf8"));
        report.totals.total = "12.5";
        writeFileSync(join(d, "report.json"), JSON.stringify(report));
      }),
      code: 1,
      what: /report\.json: field "totals\.total" must be a decimal string of base units/,
    },
    {
      name: "breakdown.jsonl changed after the settlement",
      folder: damaged((d) => append(d, "breakdown.jsonl", "\n")),
      code: 1,
      what: /breakdown\.jsonl hashes to 0x[0-9a-f]{64}, not the 0x[0-9a-f]{64} that report\.json names/,
    },
    {
      name: "records.jsonl changed after the settlement",
      folder: damaged((d) =>
        writeFileSync(join(d, "records.jsonl"), readFileSync(join(d, "records.jsonl"), "utf8").replace("fox", "cat")),
      ),
      code: 1,
      what: /records\.jsonl hashes to 0x[0-9a-f]{64}, not the 0x[0-9a-f]{64} that report\.json names/,
    },
    {
      name: "tree.json changed after the settlement",
      folder: damaged((d) => append(d, "tree.json", " ")),
      code: 1,
      what: /tree\.json hashes to 0x[0-9a-f]{64}, not the 0x[0-9a-f]{64} that report\.json names/,
    },
    {
      name: "no records.jsonl",
      folder: damaged((d) => rmSync(join(d, "records.jsonl"))),
      code: 1,
      what: /records\.jsonl does not exist/,
    },
    {
      name: "a malformed line in records.jsonl (hash rewritten to match)",
      folder: damaged((d) => {
        append(d, "records.jsonl", "{not json\n");
        rehash(d, "records");
      }),
      code: 1,
      what: /records\.jsonl:4: malformed JSON/,
    },
    {
      name: "a record whose fields no longer hash to its requestHash (hash rewritten to match)",
      folder: damaged((d) => {
        writeFileSync(join(d, "records.jsonl"), readFileSync(join(d, "records.jsonl"), "utf8").replace("fox", "cat"));
        rehash(d, "records");
      }),
      code: 1,
      what: /records\.jsonl:\d: the record's requestHash 0x[0-9a-f]{64} is not the hash of its fields/,
    },
    {
      name: "a malformed line in breakdown.jsonl (hash rewritten to match)",
      folder: damaged((d) => {
        append(d, "breakdown.jsonl", "[1, 2]\n");
        rehash(d, "breakdown");
      }),
      code: 1,
      what: /breakdown\.jsonl:4: expected a JSON object/,
    },
    {
      name: "the folder of another epoch",
      folder: () => good,
      epoch: "3",
      code: 1,
      what: /report\.json settles epochs 0\.\.0, not epoch 3/,
    },
    {
      name: "--out inside /proc",
      folder: () => good,
      extra: () => ["--out", "/proc/report.html"],
      code: 1,
      what: /the HTML report \/proc\/report\.html is inside \/proc, a kernel file system/,
    },
    {
      name: "--out is a folder",
      folder: () => good,
      extra: () => ["--out", scratch],
      code: 1,
      what: /the HTML report .* is a folder, not a file/,
    },
    {
      name: "--out under a file",
      folder: () => good,
      extra: () => ["--out", join(good, "report.json", "page.html")],
      code: 1,
      what: /report\.json is a file, but the folder of the HTML report .* needs a folder there/,
    },
    {
      name: "--claims without a running devnet",
      folder: () => good,
      extra: () => ["--claims", "--dir", join(scratch, "no-devnet")],
      code: 1,
      what: /no devnet addresses at .*no-devnet/,
    },
    { name: "--epoch missing", folder: () => good, epoch: "", code: 2, what: /missing --epoch <n>/ },
    { name: "--epoch negative", folder: () => good, epoch: "-1", code: 2, what: /--epoch must not be negative/ },
    {
      name: "--epoch not a number",
      folder: () => good,
      epoch: "last",
      code: 2,
      what: /--epoch must be a whole number/,
    },
  ];
  for (const row of rows) {
    it(`refuses ${row.name}`, function () {
      const folder = row.folder();
      const epoch = row.epoch ?? "0";
      const args = [
        "report",
        ...(epoch === "" ? [] : ["--epoch", epoch]),
        "--folder",
        folder,
        ...(row.extra?.() ?? []),
      ];
      const r = poa(args);
      const first = r.stderr.split("\n")[0] ?? "";
      expect(r.code, `${r.stderr}\n${r.stdout}`).to.equal(row.code);
      expect(first, r.stderr).to.match(/^error: /);
      expect(first, r.stderr).to.match(row.what);
      expect(r.stderr.split("\n")[1] ?? "", "a second line says what to do").to.not.equal("");
      expect(r.stderr + r.stdout, "no stack trace").to.not.match(STACK_FRAME);
      expect(r.stdout, "no path printed").to.equal("");
      expect(existsSync(join(folder, "report.html")), "no page written").to.equal(false);
    });
  }
});
