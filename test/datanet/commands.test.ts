/**
 * The data-to-model half as a user runs it, with the real `poa` binary on a devnet: create a
 * Datanet, appoint and bond a curator, contribute real text (WordNet glosses) and real rows (the
 * Iris data), review, publish, train and register models, show them; and every refusal of
 * issues 12's "bad input" list, each with a clear first line, the right exit code, no stack trace
 * and nothing sent.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { Wallet } from "ethers";

import { devnetKey } from "../../src/context/network.js";
import { loadIrisBinary, loadWordnetGlosses } from "../../src/factory/datasets.js";
import { DatanetRegistry__factory, ModelRegistry__factory } from "../../types/ethers-contracts/index.js";
import { startChain, type ChainFixture } from "../support/protocol-fixture.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const STACK_FRAME = /^\s+at\s.+[(:]/m;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("poa datanet … / poa model … (the binary) on a devnet, with real data", function () {
  this.timeout(900_000);
  let c: ChainFixture;
  let content: string;

  before(async function () {
    c = await startChain();
    content = join(c.dir, "content");
  });
  after(async function () {
    await c?.stop();
  });

  const as = (i: number, ...args: string[]) => [
    ...args,
    "--dir",
    c.devnetDir,
    "--deployment",
    c.deploymentFile,
    "--private-key",
    c.keys[i]!,
  ];
  const poa = (args: string[]): Result => {
    const r = spawnSync(process.execPath, [join(root, "bin/poa.mjs"), ...args], {
      cwd: root,
      encoding: "utf8",
      timeout: 180_000,
      env: { ...process.env, POA_DEBUG: "" },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (r: Result, what: RegExp) => {
    expect(r.code, `${r.stderr}\n${r.stdout}`).to.equal(0);
    expect(r.stdout).to.match(what);
  };
  const refused = (r: Result, code: number, what: RegExp) => {
    expect(r.code, `${r.stderr}\n${r.stdout}`).to.equal(code);
    expect(r.stderr.split("\n")[0], r.stderr).to.match(/^error: /);
    expect(r.stderr.split("\n")[0], r.stderr).to.match(what);
    expect(r.stderr + r.stdout).to.not.match(STACK_FRAME);
  };
  const file = (name: string, text: string) => {
    const path = join(c.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const withContent = (...args: string[]) => [...args, "--content", content];
  const nonce = (i: number) => c.provider.getTransactionCount(c.addresses[i]!);

  it("a text Datanet: create, curator, contributions, review (accept and reject), publish, show", async function () {
    ok(
      poa(
        as(
          1,
          "datanet",
          "create",
          "--kind",
          "text",
          "--uri",
          "ipfs://wordnet-glosses",
          "--quorum",
          "1",
          "--min-stake",
          "10",
        ),
      ),
      /Created Datanet 1/,
    );
    ok(
      poa(as(1, "datanet", "curator", "--datanet", "1", "--appoint", c.addresses[4]!)),
      /Appointed .* curator of Datanet 1/,
    );
    refused(
      poa(as(2, "datanet", "curator", "--datanet", "1", "--appoint", c.addresses[2]!)),
      1,
      /only Datanet 1's owner .* appoints curators/,
    );
    ok(poa(as(4, "datanet", "curator", "--datanet", "1", "--bond", "1000")), /enough to vote/);

    const glosses = loadWordnetGlosses(["noun"]).map((d) => d.text);
    const a = file("a.txt", glosses.slice(0, 150).join("\n"));
    const b = file("b.txt", glosses.slice(150, 300).join("\n"));
    const spam = file("spam.txt", glosses.slice(300, 310).join("\n"));
    ok(
      poa(withContent(...as(2, "datanet", "add", a, "--datanet", "1", "--stake", "20"))),
      /Contribution 1 to Datanet 1: \d+ bytes, ipfs:\/\/b[a-z2-7]+, content hash 0x[0-9a-f]{64}, staked 20 OPEN/,
    );
    ok(
      poa(withContent(...as(3, "datanet", "add", b, "--datanet", "1", "--stake", "30"))),
      /Contribution 2 to Datanet 1/,
    );
    ok(
      poa(withContent(...as(3, "datanet", "add", spam, "--datanet", "1", "--stake", "10"))),
      /Contribution 3 to Datanet 1/,
    );

    const before = await nonce(3);
    refused(
      poa(withContent(...as(3, "datanet", "add", a, "--datanet", "1", "--stake", "20"))),
      1,
      /is already contribution 1 of Datanet 1/,
    );
    refused(
      poa(withContent(...as(3, "datanet", "add", b + ".x", "--datanet", "1", "--stake", "20"))),
      1,
      /cannot read .*b\.txt\.x: no such file/,
    );
    refused(
      poa(withContent(...as(3, "datanet", "add", b, "--datanet", "1", "--stake", "5"))),
      1,
      /a stake of 5 OPEN is below Datanet 1's minimum of 10 OPEN/,
    );
    refused(
      poa(withContent(...as(3, "datanet", "add", b, "--datanet", "9", "--stake", "20"))),
      1,
      /Datanet 9 does not exist/,
    );
    refused(
      poa(withContent(...as(3, "datanet", "add", b, "--datanet", "1", "--stake", "0"))),
      2,
      /--stake: the amount must be greater than zero/,
    );
    expect(await nonce(3)).to.equal(before, "nothing was sent");

    ok(poa(as(4, "datanet", "review", "--contribution", "1", "--accept")), /contribution 1: it is now accepted/);
    ok(poa(as(4, "datanet", "review", "--contribution", "2", "--accept")), /contribution 2: it is now accepted/);
    ok(poa(as(4, "datanet", "review", "--contribution", "3", "--reject")), /contribution 3: it is now rejected/);
    refused(
      poa(as(4, "datanet", "review", "--contribution", "1", "--reject")),
      1,
      /contribution 1 is not under review \(it is accepted\)/,
    );
    refused(
      poa(as(5, "datanet", "review", "--contribution", "1", "--accept")),
      1,
      /contribution 1 is not under review/,
    );
    refused(poa(as(4, "datanet", "review", "--contribution", "1")), 2, /exactly one of --accept and --reject/);

    refused(poa(as(2, "datanet", "publish", "--datanet", "1")), 1, /refused with NotDatanetOwner|not the owner|owner/i);
    ok(
      poa(as(1, "datanet", "publish", "--datanet", "1")),
      /Published Datanet 1 version 1: 2 contributions, root 0x[0-9a-f]{64}/,
    );
    const show = poa(as(1, "datanet", "show", "--datanet", "1"));
    ok(show, /Datanet 1 \(text\), owner 0x/);
    expect(show.stdout).to.match(/version 1: 2 contributions, root 0x/);
  });

  it("trains a base model and an adapter on published versions, deterministically, registers and shows them", async function () {
    const first = poa(
      withContent(
        ...as(
          5,
          "model",
          "train",
          "--datanet",
          "1",
          "--version",
          "1",
          "--kind",
          "text",
          "--register",
          "--price-in",
          "2",
          "--price-out",
          "6",
        ),
      ),
    );
    ok(first, /Registered model 1 \(base\)/);
    const hash = /artifact hash (0x[0-9a-f]{64})/.exec(first.stdout)![1];
    const again = poa(withContent(...as(5, "model", "train", "--datanet", "1", "--version", "1", "--kind", "text")));
    ok(again, /artifact hash/);
    expect(/artifact hash (0x[0-9a-f]{64})/.exec(again.stdout)![1], "byte-identical artifact").to.equal(hash);
    const cid = /stored as ipfs:\/\/(b[a-z2-7]+)/.exec(again.stdout)![1]!;
    const nonceBefore = await nonce(5);
    refused(
      poa(withContent(...as(5, "model", "register", "--artifact", cid))),
      1,
      new RegExp(`the artifact ${hash} is already model 1`),
    );
    expect(await nonce(5)).to.equal(nonceBefore);

    ok(
      poa(withContent(...as(5, "model", "train", "--datanet", "1", "--version", "1", "--base", "1", "--register"))),
      /Registered model 2 \(adapter over model 1\)/,
    );
    const shown = poa(withContent(...as(5, "model", "show", "--model", "1")));
    ok(shown, /Model 1: base, active/);
    expect(shown.stdout).to.match(/stored copy matches/);
    expect(shown.stdout).to.match(/trained on Datanet 1 v1/);
  });

  it("refuses what cannot be trained on, naming it, and sends nothing", async function () {
    const nonceBefore = await nonce(5);
    const train = (...args: string[]) => poa(withContent(...as(5, "model", "train", ...args)));
    refused(
      train("--datanet", "1", "--version", "2"),
      1,
      /Datanet 1 version 2 is not published \(the Datanet has 1 version\(s\)\)/,
    );
    refused(train("--datanet", "1"), 2, /give one --version per --datanet/);
    refused(train("--datanet", "1", "--version", "1", "--base", "7"), 1, /model 7 does not exist/);
    refused(
      train("--datanet", "1", "--version", "1", "--base", "2"),
      1,
      /model 2 is an adapter \(over model 1\), not a base model/,
    );
    refused(
      train("--datanet", "1", "--version", "1", "--kind", "tabular", "--order", "3"),
      2,
      /--order only applies with --kind text/,
    );
    refused(
      poa(as(5, "model", "train", "--datanet", "1", "--version", "1", "--content", join(c.dir, "empty-store"))),
      1,
      /contribution \d+ of Datanet 1 version 1/,
    );
    refused(
      poa(as(5, "model", "train", "--datanet", "1", "--version", "1", "--content", "/proc/x")),
      1,
      /inside \/proc, a kernel file system/,
    );

    // Bytes in the store that are not what the chain committed to.
    const bad = join(c.dir, "bad-store");
    cpSync(content, bad, { recursive: true });
    for (const d of readdirSync(join(bad, "blobs")))
      for (const f of readdirSync(join(bad, "blobs", d))) {
        const path = join(bad, "blobs", d, f);
        const bytes = readFileSync(path);
        if (bytes.subarray(0, 8).toString() === "POAMODEL") continue;
        bytes[2] = bytes[2]! ^ 0x20;
        writeFileSync(path, bytes);
      }
    refused(
      poa(as(5, "model", "train", "--datanet", "1", "--version", "1", "--content", bad)),
      1,
      /contribution \d+ of Datanet 1 version 1/,
    );
    expect(await nonce(5)).to.equal(nonceBefore);

    // A retired base, and a version whose posted root its leaves do not rebuild.
    const models = ModelRegistry__factory.connect(
      c.record.contracts.ModelRegistry!.address,
      new Wallet(c.keys[5]!, c.provider),
    );
    const registry = DatanetRegistry__factory.connect(
      c.record.contracts.DatanetRegistry!.address,
      new Wallet(c.keys[1]!, c.provider),
    );
    await (await models.retireModel(1n)).wait();
    refused(train("--datanet", "1", "--version", "1", "--base", "1"), 1, /base model 1 is retired/);
    await (await registry.publishVersion(1n, `0x${"ab".repeat(32)}`, 2n, "")).wait();
    refused(train("--datanet", "1", "--version", "2"), 1, /Datanet 1 version 2/);

    // A revoked version (the guardian, devnet account 8 since the hand-over, revokes it).
    const guardian = DatanetRegistry__factory.connect(
      c.record.contracts.DatanetRegistry!.address,
      new Wallet(devnetKey(8), c.provider),
    );
    await (await guardian.revokeVersion(1n, 2n)).wait();
    refused(train("--datanet", "1", "--version", "2"), 1, /Datanet 1 version 2 was revoked|Datanet 1 version 2/);
  });

  it("a tabular Datanet from real rows (Iris), a bad row named by contribution and line, and a key without gas", async function () {
    ok(
      poa(as(1, "datanet", "create", "--kind", "tabular", "--uri", "ipfs://iris", "--quorum", "1")),
      /Created Datanet 2/,
    );
    ok(poa(as(1, "datanet", "curator", "--datanet", "2", "--appoint", c.addresses[4]!)), /Appointed/);
    ok(poa(as(4, "datanet", "curator", "--datanet", "2", "--bond", "1000")), /enough to vote/);
    const rows = loadIrisBinary().map((r) => JSON.stringify({ x: r.x, y: r.y }));
    ok(
      poa(
        withContent(
          ...as(
            2,
            "datanet",
            "add",
            file("iris-a.jsonl", rows.slice(0, 40).join("\n")),
            "--datanet",
            "2",
            "--stake",
            "10",
          ),
        ),
      ),
      /Contribution \d+ to Datanet 2/,
    );
    ok(
      poa(
        withContent(
          ...as(
            3,
            "datanet",
            "add",
            file("iris-b.jsonl", rows.slice(40, 80).join("\n")),
            "--datanet",
            "2",
            "--stake",
            "10",
          ),
        ),
      ),
      /Contribution \d+ to Datanet 2/,
    );
    const contributions = DatanetRegistry__factory.connect(c.record.contracts.DatanetRegistry!.address, c.provider);
    const count = await contributions.contributionCount();
    for (const id of [count - 1n, count])
      ok(poa(as(4, "datanet", "review", "--contribution", String(id), "--accept")), /accepted/);
    ok(poa(as(1, "datanet", "publish", "--datanet", "2")), /Published Datanet 2 version 1: 2 contributions/);
    ok(
      poa(
        withContent(...as(5, "model", "train", "--datanet", "2", "--version", "1", "--kind", "tabular", "--register")),
      ),
      /Registered model 3 \(base\)/,
    );

    // A third contribution with a row of the wrong dimension: the chain cannot see it, training can.
    ok(
      poa(
        withContent(
          ...as(
            2,
            "datanet",
            "add",
            file("iris-bad.jsonl", `${rows[90]}\n{"x": [1, 2], "y": 1}\n`),
            "--datanet",
            "2",
            "--stake",
            "10",
          ),
        ),
      ),
      /Contribution/,
    );
    ok(poa(as(4, "datanet", "review", "--contribution", String(count + 1n), "--accept")), /accepted/);
    ok(poa(as(1, "datanet", "publish", "--datanet", "2")), /version 2: 3 contributions/);
    refused(
      poa(withContent(...as(5, "model", "train", "--datanet", "2", "--version", "2", "--kind", "tabular"))),
      1,
      new RegExp(`contribution ${count + 1n}.*line 2`),
    );

    // Registering with an account that has no ETH for gas.
    const broke = Wallet.createRandom();
    mkdirSync(join(c.dir, "k"), { recursive: true });
    const trained = poa(
      withContent(...as(5, "model", "train", "--datanet", "1", "--version", "1", "--kind", "text", "--order", "4")),
    );
    const cid = /stored as ipfs:\/\/(b[a-z2-7]+)/.exec(trained.stdout)![1]!;
    refused(
      poa(
        withContent(
          "model",
          "register",
          "--artifact",
          cid,
          "--dir",
          c.devnetDir,
          "--deployment",
          c.deploymentFile,
          "--private-key",
          broke.privateKey,
        ),
      ),
      1,
      /cannot pay for the transaction|too little ETH|insufficient/i,
    );
  });
});
