import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";

import { canonicalJson, type Json } from "../../src/core/canonical-json.js";
import { keccakHex } from "../../src/core/hash.js";
import { devnetKey } from "../../src/context/network.js";
import { advanceL2TimeTo } from "../../src/devnet/time.js";
import { buildRewardTree } from "../../src/merkle/index.js";
import { epochEnd, settle } from "../../src/settlement/pipeline.js";
import { verifyEpoch } from "../../src/settlement/verify.js";
import { distributorOf, startProtocol, type ProtocolFixture } from "../support/protocol-fixture.js";

describe("poa verify (library): anyone recomputes a posted root and challenges a wrong one", function () {
  this.timeout(600_000);
  let f: ProtocolFixture;
  let honestFolder: string;
  let honestRoot: string;
  let verifyRun = 0;

  before(async function () {
    f = await startProtocol({ requests: 5 });
    const distributor = distributorOf(f);
    const clock = { genesis: await distributor.genesis(), epochLength: await distributor.epochLength() };
    await advanceL2TimeTo(f.net.addresses.l2Rpc, f.net.addresses.l2ChainId, epochEnd(clock, 0n) + 5n, 3);
    const honest = await settle({
      context: f.context,
      record: f.record,
      store: f.storeDir,
      content: f.contentDir,
      out: join(f.dir, "honest"),
      records: [f.recordsFile],
      confirmations: 1,
      wait: false,
    });
    honestFolder = honest.folder;
    honestRoot = honest.root;
    // The verifier reads one block behind the head: let the proposal be read.
    await f.provider.send("evm_mine", []);
    await f.provider.send("evm_mine", []);
  });
  after(async function () {
    await f?.stop();
  });

  /** Verifies epoch 0 against `folder` with a fresh verifier store each time. */
  const verify = (folder: string, extra: { challenge?: boolean; content?: string } = {}) =>
    verifyEpoch({
      context: f.context,
      record: f.record,
      store: join(f.dir, `verifier-${++verifyRun}`),
      content: extra.content ?? f.contentDir,
      epoch: 0n,
      folder,
      confirmations: 1,
      ...(extra.challenge === undefined ? {} : { challenge: extra.challenge }),
    });

  /** A copy of the honest folder, edited by `edit`. */
  const tampered = (name: string, edit: (folder: string) => void) => {
    const folder = join(f.dir, name);
    cpSync(honestFolder, folder, { recursive: true });
    edit(folder);
    return folder;
  };

  it("the honest root matches, recomputed from the chain and the published inputs alone", async function () {
    const result = await verify(honestFolder);
    expect(result.reasons).to.deep.equal([]);
    expect(result.verdict).to.equal("match");
    expect(result.recomputed?.root).to.equal(honestRoot);
  });

  it("catches a tampered record, a tampered content byte and a tampered report field", async function () {
    const record = await verify(
      tampered("t-record", (folder) => {
        const lines = readFileSync(join(folder, "records.jsonl"), "utf8").split("\n");
        lines[0] = lines[0]!.replace(/"output":"([^"]*)"/, '"output":"$1 and more"');
        writeFileSync(join(folder, "records.jsonl"), lines.join("\n"));
      }),
    );
    expect(record.verdict).to.equal("differs");
    expect(record.reasons.join("\n")).to.match(
      /records\.jsonl hashes to|is not the hash of its fields|matches no on-chain payment/,
    );

    const content = join(f.dir, "t-content");
    cpSync(f.contentDir, content, { recursive: true });
    const blobs = join(content, "blobs");
    const dirs = readdirSync(blobs);
    // Flip one byte of every stored contribution (reports and records are re-put by settle, not read here).
    for (const d of dirs)
      for (const file of readdirSync(join(blobs, d))) {
        const path = join(blobs, d, file);
        const bytes = readFileSync(path);
        if (bytes.subarray(0, 8).toString() === "POAMODEL" || bytes[0] === 0x7b) continue; // artifacts, JSON
        bytes[0] = bytes[0]! ^ 0x01;
        writeFileSync(path, bytes);
      }
    const byte = await verify(honestFolder, { content });
    expect(byte.verdict).to.equal("differs");
    expect(byte.reasons.join("\n")).to.match(/contribution \d+ of Datanet 1/);

    const field = await verify(
      tampered("t-report", (folder) => {
        const report = JSON.parse(readFileSync(join(folder, "report.json"), "utf8")) as { totals: { total: string } };
        report.totals.total = (BigInt(report.totals.total) + 1n).toString();
        writeFileSync(join(folder, "report.json"), canonicalJson(report as unknown as Json) + "\n");
      }),
    );
    expect(field.verdict).to.equal("differs");
    expect(field.reasons.join("\n")).to.match(/not the reportHash posted on-chain/);
  });

  it("a dishonest settler's root (a wrong amount, a missing account, an extra account) is caught and challenged", async function () {
    const distributor = distributorOf(f);
    // After the hand-over the guardian is devnet account 8, and the resolver the timelock: its
    // decision (a governance vote, tested in test/governance) is made here by impersonating it.
    const guardian = distributor.connect(new Wallet(devnetKey(8), f.provider));
    const timelock = f.record.contracts.OpenTimelock!.address;
    await f.provider.send("anvil_impersonateAccount", [timelock]);
    await f.provider.send("anvil_setBalance", [timelock, "0x56BC75E2D63100000"]);
    const resolver = distributor.connect(await f.provider.getSigner(timelock));
    await (await guardian.revoke()).wait(); // the guardian drops the honest proposal: room for dishonest ones
    const honestReport = JSON.parse(readFileSync(join(honestFolder, "report.json"), "utf8")) as {
      accounts: Record<string, { cumulative: string; earned: string; previous: string }>;
      root: string;
      totals: { total: string };
    };
    const accounts = Object.keys(honestReport.accounts);
    const cases: [string, (balances: Map<string, bigint>) => void][] = [
      ["wrong amount", (b) => b.set(accounts[0]!, b.get(accounts[0]!)! + 1n)],
      ["missing account", (b) => b.delete(accounts[accounts.length - 1]!)],
      ["extra account", (b) => b.set("0x000000000000000000000000000000000000dEaD", 1n)],
    ];
    for (const [name, edit] of cases) {
      const balances = new Map(Object.entries(honestReport.accounts).map(([a, v]) => [a, BigInt(v.cumulative)]));
      edit(balances);
      const entries = [...balances].map(([account, cumulativeAmount]) => ({ account, cumulativeAmount }));
      const tree = buildRewardTree(entries);
      const total = entries.reduce((s, e) => s + e.cumulativeAmount, 0n);
      const folder = tampered(`dishonest-${name.replace(/ /g, "-")}`, (dir) => {
        const report = structuredClone(honestReport);
        report.accounts = Object.fromEntries(
          entries.map((e) => [e.account, { cumulative: e.cumulativeAmount.toString(), earned: "0", previous: "0" }]),
        );
        report.root = tree.root;
        report.totals.total = total.toString();
        writeFileSync(join(dir, "report.json"), canonicalJson(report as unknown as Json) + "\n");
        writeFileSync(join(dir, "tree.json"), JSON.stringify(tree.dump()));
      });
      const bytes = readFileSync(join(folder, "report.json"));
      const stored = await f.content.put(bytes);
      await (
        await distributor.propose(0n, tree.root, total, keccakHex(bytes), `ipfs://${stored.cid}`, {
          value: await distributor.settlerBond(),
        })
      ).wait();
      await f.provider.send("evm_mine", []);
      await f.provider.send("evm_mine", []);
      const result = await verify(folder, { challenge: true });
      expect(result.verdict, name).to.equal("differs");
      expect(result.reasons.join("\n"), name).to.match(/recomputed root/);
      expect(result.differences.length, name).to.be.greaterThan(0);
      expect(result.challengeTx, name).to.match(/^0x[0-9a-f]{64}$/);
      expect((await distributor.pendingRoot()).challenger).to.equal(f.context.account());
      await (await resolver.resolve(true)).wait(); // the resolver upholds the challenge: the root is dropped
    }
    rmSync(join(f.dir, "t-content"), { recursive: true, force: true });

    // The honest settlement proposes again (a new attempt) and verifies.
    await f.provider.send("evm_mine", []);
    const again = await settle({
      context: f.context,
      record: f.record,
      store: f.storeDir,
      content: f.contentDir,
      out: join(f.dir, "honest"),
      records: [f.recordsFile],
      confirmations: 1,
      wait: false,
    });
    expect(again.root).to.equal(honestRoot);
    expect(again.proposeTx).to.match(/^0x/);
    await f.provider.send("evm_mine", []);
    expect((await verify(honestFolder)).verdict).to.equal("match");
  });
});
