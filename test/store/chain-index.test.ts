import { expect } from "chai";
import { getAddress } from "ethers";

import { EthersLogReader } from "../../src/chain/logs.js";
import { PoaError } from "../../src/core/errors.js";
import { indexLogs, storedLogs, streamState, type IndexProgress } from "../../src/store/chain-index.js";
import type { Database, Row } from "../../src/store/database.js";
import { openStore } from "../../src/store/open.js";
import { freePort } from "../../src/devnet/ports.js";
import { describeBackends } from "./support/backends.js";
import { ACCOUNTS, provider, seedProtocol, startChain, type Protocol, type TestChain } from "./support/chain.js";
import { startChild } from "./support/child.js";
import { startRangeLimitedProxy } from "./support/rpc-proxy.js";

const STREAM = "l2-protocol";

/** Every stored log, in chain order, as plain rows (for exact comparisons between stores). */
async function dump(db: Database, stream = STREAM): Promise<Row[]> {
  const { rows } = await db.query(
    `SELECT block_number, log_index, block_hash, tx_hash, tx_index, address, topic0, topic1, topic2, topic3, data,
            contract, event, args FROM chain_log WHERE stream = $1 ORDER BY block_number, log_index`,
    [stream],
  );
  return rows;
}

async function rejects(promise: Promise<unknown>): Promise<PoaError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PoaError);
    return error as PoaError;
  }
  expect.fail("expected a PoaError");
}

describeBackends("chain log index", (backend) => {
  let chain: TestChain;
  let protocol: Protocol;
  let reader: EthersLogReader;
  const open: Database[] = [];
  const store = async (location?: string) => {
    const db = await openStore(location ?? (await backend.fresh()), { lockName: "index-test", waitMs: 10_000 });
    open.push(db);
    return db;
  };

  before(async function () {
    chain = await startChain();
    protocol = await seedProtocol(chain);
    for (let i = 0; i < 6; i++) await protocol.payBatch(10, `batch-${i}`);
    for (let i = 0; i < 4; i++) await protocol.pay(`single-${i}`);
    reader = new EthersLogReader(chain.provider, protocol.contracts, chain.url);
  });
  after(async function () {
    await chain?.stop();
  });
  afterEach(async function () {
    await Promise.all(open.splice(0).map((db) => db.close()));
  });

  it("stores every log of the contracts up to head - confirmations, decoded, and never beyond", async function () {
    const db = await store();
    await protocol.pay("late-1");
    await protocol.pay("late-2"); // the last two blocks hold payments that must wait
    const head = BigInt(await chain.provider.getBlockNumber());
    const progress: IndexProgress[] = [];
    const result = await indexLogs(db, reader, {
      stream: STREAM,
      startBlock: 0n,
      confirmations: 2,
      onProgress: (p) => progress.push(p),
    });
    expect(result.head).to.equal(head);
    expect(result.target).to.equal(head - 2n);
    expect(result.cursor).to.equal(head - 2n);
    expect(result.cursorHash).to.equal((await chain.provider.getBlock(head - 2n))!.hash);
    expect(progress.filter((p) => p.phase === "chunk").at(-1)).to.include({ to: head - 2n, total: result.logsAdded });

    // Exactly the chain's logs of those contracts in [0, head - 2], field by field.
    const truth = await chain.provider.getLogs({ address: reader.addresses as string[], fromBlock: 0, toBlock: head });
    const settled = truth.filter((l) => BigInt(l.blockNumber) <= head - 2n);
    const waiting = truth.filter((l) => BigInt(l.blockNumber) > head - 2n);
    expect(waiting.length).to.be.greaterThan(
      0,
      "the confirmation depth holds logs back (else this test proves nothing)",
    );
    const logs = await storedLogs(db, { stream: STREAM });
    expect(result.logsAdded).to.equal(settled.length);
    expect(
      logs.map((l) => [
        l.blockNumber,
        l.logIndex,
        l.blockHash,
        l.transactionHash,
        l.transactionIndex,
        l.address,
        l.topics,
        l.data,
      ]),
    ).to.deep.equal(
      settled.map((l) => [
        BigInt(l.blockNumber),
        l.index,
        l.blockHash,
        l.transactionHash,
        l.transactionIndex,
        l.address.toLowerCase(),
        [...l.topics],
        l.data,
      ]),
    );
    for (const sample of [logs[0]!, logs.at(-1)!])
      expect(sample.blockTimestamp).to.equal(BigInt((await chain.provider.getBlock(sample.blockNumber))!.timestamp));

    // RequestPaid, with its struct, decoded by name, integers as exact decimal strings.
    const paid = await storedLogs(db, { stream: STREAM, event: "RequestPaid" });
    expect(paid).to.have.length(6 * 10 + 4, "the two late payments wait for their confirmations");
    const gateway = getAddress(ACCOUNTS[5]!.address);
    paid.forEach((log, i) => {
      const a = log.args as {
        requestId: string;
        modelId: string;
        payer: string;
        fee: string;
        parts: { platform: string; owner: string; stakers: string; contributors: string };
      };
      expect(log.contract).to.equal("FeeRouter");
      expect(a.requestId).to.equal(String(i + 1));
      expect(a.modelId).to.equal(protocol.modelId.toString());
      expect(a.payer).to.equal(gateway);
      const parts = a.parts;
      expect(
        BigInt(parts.platform) + BigInt(parts.owner) + BigInt(parts.stakers) + BigInt(parts.contributors),
      ).to.equal(BigInt(a.fee));
    });
    const transfers = await storedLogs(db, { stream: STREAM, contract: "L2OpenToken", event: "Transfer" });
    expect(transfers.length).to.be.greaterThan(paid.length / 10);
    expect(new Set(logs.map((l) => l.event))).to.include.members([
      "RequestPaid",
      "Transfer",
      "Approval",
      "ModelRegistered",
    ]);

    // Two blocks later the held-back logs are stored, and nothing else changes.
    await chain.mine(2);
    const before = await dump(db);
    const next = await indexLogs(db, reader, { stream: STREAM, startBlock: 0n, confirmations: 2 });
    expect(next.logsAdded).to.equal(waiting.length);
    expect((await dump(db)).slice(0, before.length)).to.deep.equal(before);
    // And a third call finds nothing new.
    expect((await indexLogs(db, reader, { stream: STREAM, startBlock: 0n, confirmations: 2 })).logsAdded).to.equal(0);
    // Paging through the stored logs gives them all, in order.
    const page1 = await storedLogs(db, { stream: STREAM, limit: 7 });
    const page2 = await storedLogs(db, {
      stream: STREAM,
      after: { blockNumber: page1.at(-1)!.blockNumber, logIndex: page1.at(-1)!.logIndex },
      limit: 7,
    });
    const all = await storedLogs(db, { stream: STREAM });
    expect([...page1, ...page2]).to.deep.equal(all.slice(0, 14));
    // Reading them all goes by pages internally (10,000 rows by default): any page size gives the same list.
    expect(all.length).to.be.greaterThan(14);
    for (const pageSize of [1, 3, all.length, all.length + 1])
      expect(await storedLogs(db, { stream: STREAM, pageSize }), `pages of ${pageSize}`).to.deep.equal(all);
    expect(await storedLogs(db, { stream: STREAM, pageSize: 4, event: "RequestPaid" })).to.deep.equal(
      all.filter((l) => l.event === "RequestPaid"),
    );
  });

  it("resumes after kill -9 of the indexing process with exactly the rows of an uninterrupted run", async function () {
    const target = BigInt(await chain.provider.getBlockNumber()) - 1n;
    const reference = await store();
    await indexLogs(reference, reader, { stream: STREAM, startBlock: 0n, confirmations: 1, toBlock: target });

    const location = await backend.fresh();
    const args = {
      location,
      url: chain.url,
      contracts: protocol.contracts,
      stream: STREAM,
      startBlock: "0",
      confirmations: 1,
    };
    let interrupted = 0;
    for (const after of [3, 6, 9]) {
      const child = startChild("index", args);
      await child.waitFor((l) => l.phase === "chunk" && Number(l.total) > 0 && child.lines.length >= after, 90_000);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 15))); // land anywhere, also mid-transaction
      const finished = child.lines.some((l) => l.done === true);
      await child.kill();
      if (!finished) interrupted++;
    }
    expect(interrupted).to.be.greaterThan(0, "at least one SIGKILL landed before the end");
    const resumed = await store(location);
    const state = await streamState(resumed, STREAM);
    expect(state!.cursor).to.be.lessThan(target, "the killed runs stopped part way");
    await indexLogs(resumed, reader, { stream: STREAM, startBlock: 0n, confirmations: 1, toBlock: target });
    expect(await dump(resumed)).to.deep.equal(await dump(reference));
    expect((await streamState(resumed, STREAM))!.cursor).to.equal(target);
  });

  it("shrinks its chunks while the node refuses a range, and still stores every log once", async function () {
    const proxy = await startRangeLimitedProxy(chain.url, 4);
    try {
      const limited = new EthersLogReader(provider(proxy.url), protocol.contracts, proxy.url);
      const reference = await store();
      const db = await store();
      const toBlock = BigInt(await chain.provider.getBlockNumber()) - 1n;
      await indexLogs(reference, reader, { stream: STREAM, startBlock: 0n, confirmations: 1, toBlock });
      const progress: IndexProgress[] = [];
      await indexLogs(db, limited, {
        stream: STREAM,
        startBlock: 0n,
        confirmations: 1,
        toBlock,
        maxChunk: 64,
        onProgress: (p) => progress.push(p),
      });
      expect(proxy.refused).to.be.greaterThan(0);
      expect(proxy.largestForwarded).to.be.at.most(4);
      expect(progress.filter((p) => p.phase === "refused")).to.have.length(proxy.refused);
      expect(await dump(db)).to.deep.equal(await dump(reference));
    } finally {
      await proxy.close();
    }
  });

  it("fixes a stream's chain, contracts and start block, and never reads the head", async function () {
    const db = await store();
    await indexLogs(db, reader, { stream: STREAM, startBlock: 5n, confirmations: 1 });
    expect((await streamState(db, STREAM))!.startBlock).to.equal(5n);
    const fewer = new EthersLogReader(chain.provider, protocol.contracts.slice(1), chain.url);
    const changed = await rejects(indexLogs(db, fewer, { stream: STREAM, startBlock: 5n, confirmations: 1 }));
    expect(changed.code).to.equal("INDEX_CONFIG_CHANGED");
    expect((await rejects(indexLogs(db, reader, { stream: STREAM, startBlock: 0n, confirmations: 1 }))).code).to.equal(
      "INDEX_CONFIG_CHANGED",
    );
    // Another stream may hold another set.
    expect(
      (await indexLogs(db, fewer, { stream: "fewer", startBlock: 0n, confirmations: 1 })).logsAdded,
    ).to.be.greaterThan(0);
    expect((await rejects(indexLogs(db, reader, { stream: "x", startBlock: 0n, confirmations: 0 }))).code).to.equal(
      "INVALID_VALUE",
    );
    const rows = await storedLogs(db, { stream: STREAM });
    expect(rows.every((l) => l.blockNumber >= 5n)).to.equal(true);
  });

  it("an unreachable node is RPC_UNREACHABLE (kind unavailable), and nothing is written", async function () {
    const db = await store();
    const down = new EthersLogReader(
      provider(`http://127.0.0.1:${await freePort()}`),
      protocol.contracts,
      "the test node",
    );
    const error = await rejects(indexLogs(db, down, { stream: STREAM, startBlock: 0n, confirmations: 1 }));
    expect(error.code).to.equal("RPC_UNREACHABLE");
    expect(error.kind).to.equal("unavailable");
    expect(await streamState(db, STREAM)).to.equal(undefined);
  });

  describe("when the chain changes under the cursor", function () {
    let forked: TestChain;
    let forkedProtocol: Protocol;
    after(async function () {
      await forked?.stop();
    });

    it("refuses a changed block hash at the cursor (CHAIN_REORGED), rewinds only within maxRewind, then matches the new chain", async function () {
      forked = await startChain();
      forkedProtocol = await seedProtocol(forked);
      for (let i = 0; i < 3; i++) await forkedProtocol.payBatch(5, `a-${i}`);
      const forkBlock = BigInt(await forked.provider.getBlockNumber());
      const snapshot = await forked.rpc("evm_snapshot");
      for (let i = 0; i < 5; i++) await forkedProtocol.pay(`b1-${i}`);
      await forked.mine(3);
      const r = new EthersLogReader(forked.provider, forkedProtocol.contracts, forked.url);
      const db = await store();
      const first = await indexLogs(db, r, { stream: STREAM, startBlock: 0n, confirmations: 2 });
      expect(first.cursor > forkBlock + 3n, `cursor ${first.cursor}, fork at ${forkBlock}`).to.equal(true);
      const before = await dump(db);

      // Another history from the fork point on: same heights, other blocks.
      expect(await forked.rpc("evm_revert", [snapshot])).to.equal(true);
      forkedProtocol.resetNonces();
      for (let i = 0; i < 7; i++) await forkedProtocol.pay(`b2-${i}`);
      await forked.mine(3);
      const now = (await forked.provider.getBlock(first.cursor))!;
      expect(now.hash).to.not.equal(first.cursorHash);

      const refused = await rejects(indexLogs(db, r, { stream: STREAM, startBlock: 0n, confirmations: 2 }));
      expect(refused.code).to.equal("CHAIN_REORGED");
      expect(refused.details).to.include({ cursor: first.cursor, storedHash: first.cursorHash, chainHash: now.hash });
      const tooShallow = await rejects(
        indexLogs(db, r, { stream: STREAM, startBlock: 0n, confirmations: 2, maxRewind: 2 }),
      );
      expect(tooShallow.code).to.equal("CHAIN_REORGED");
      expect(await dump(db)).to.deep.equal(before, "a refusal changes nothing");

      const progress: IndexProgress[] = [];
      const rewound = await indexLogs(db, r, {
        stream: STREAM,
        startBlock: 0n,
        confirmations: 2,
        maxRewind: 1_000,
        onProgress: (p) => progress.push(p),
      });
      // Compared by hand: once other suites load Hardhat's chai matchers, equal and at.most
      // convert both sides to bigints, and null is refused.
      expect(rewound.rewoundTo === null, "rewound").to.equal(false);
      expect(rewound.rewoundTo! <= forkBlock, `rewound to ${rewound.rewoundTo}, fork at ${forkBlock}`).to.equal(true);
      expect(progress[0]).to.include({ phase: "rewind", from: first.cursor, to: rewound.rewoundTo });
      const reference = await store();
      await indexLogs(reference, r, { stream: STREAM, startBlock: 0n, confirmations: 2 });
      expect(await dump(db)).to.deep.equal(await dump(reference));
      const hashes = (await storedLogs(db, { stream: STREAM, event: "RequestPaid" })).length;
      expect(hashes).to.equal(15 + 7, "the abandoned branch's 5 payments are gone, the new 7 are there");
    });

    it("refuses a restarted chain with the same id (a new devnet) instead of mixing two chains", async function () {
      const db = await store();
      const r = new EthersLogReader(chain.provider, protocol.contracts, chain.url);
      const { cursor } = await indexLogs(db, r, { stream: STREAM, startBlock: 0n, confirmations: 1 });
      const restarted = await startChain();
      try {
        await restarted.mine(Number(cursor) + 5);
        const other = new EthersLogReader(restarted.provider, protocol.contracts, restarted.url);
        const error = await rejects(
          indexLogs(db, other, { stream: STREAM, startBlock: 0n, confirmations: 1, maxRewind: 10 }),
        );
        expect(error.code).to.equal("CHAIN_REORGED");
        expect(error.action).to.include("restarted devnet");
      } finally {
        await restarted.stop();
      }
    });
  });
});
