/**
 * `kill -9` of a gateway process in the middle of a flush, at every step of a batch's payment,
 * then a restart on the same store: every record is paid exactly once (records and RequestPaid
 * events match one to one, no hash twice, no transaction more than needed). Also: killed at random
 * under load, three times; and a batch some of whose hashes were paid by another transaction of
 * the operator while the gateway was down (payBatch is all or nothing: those are found on-chain,
 * marked paid, and the rest paid without them).
 */
import { expect } from "chai";
import { NonceManager, Wallet } from "ethers";

import { freshFolder } from "../store/support/backends.js";
import { bindKey, client, raw, until } from "./support/gateway.js";
import { startGatewayChild, type ChildOptions, type GatewayChild } from "./support/child.js";
import { expectOneToOne, withStore } from "./support/verify.js";
import { ACCOUNTS, OPEN, startWorld, type World } from "./support/world.js";

describe("gateway: kill -9 mid-flush, restart, every record paid exactly once", function () {
  this.timeout(600_000);
  let world: World;
  const children: GatewayChild[] = [];
  let nextOperator = 12;

  before(async function () {
    world = await startWorld({ adapterDatanets: 3, tabular: false });
  });
  afterEach(async function () {
    for (const c of children.splice(0)) {
      c.kill();
      await c.exited;
    }
  });
  after(async function () {
    await world?.stop();
  });

  /** A fresh store and operator (so each test's payments are its own on the shared chain). */
  async function setup() {
    const operator = ACCOUNTS[nextOperator++]!;
    const options: ChildOptions = {
      rpcUrl: world.url,
      chainId: world.chainId,
      contracts: world.contracts,
      privateKey: operator.privateKey,
      store: await freshFolder(),
      content: world.content,
      port: 0,
      creditPollMs: 100,
      modelTtlMs: 500,
      payments: { batchSize: 5, flushIntervalMs: 300, pollMs: 20 },
    };
    return { operator, options };
  }

  function start(options: ChildOptions): GatewayChild {
    const c = startGatewayChild(options);
    children.push(c);
    return c;
  }

  async function fund(url: string, user: number, operator: string): Promise<string> {
    const key = await bindKey(url, world.users[user]!.privateKey);
    const w = world.wallet(8 + user);
    await (await world.token.connect(w).transfer(operator, 10n * OPEN)).wait();
    await world.mine();
    await until(
      async () => BigInt(((await raw(url, "/v1/credit", { key })).body.available as string) ?? "0") > 0n,
      20_000,
      "credit",
    );
    return key;
  }

  const burst = (url: string, key: string, n: number, tag: string) =>
    Promise.allSettled(
      Array.from({ length: n }, (_, i) =>
        client(url, key).completions.create({
          model: world.models.adapters[i % world.models.adapters.length]!.toString(),
          prompt: `${tag} message ${i} says`,
          max_tokens: 12,
          seed: i,
        }),
      ),
    );

  async function drainAndStop(c: GatewayChild, url: string): Promise<void> {
    await until(
      async () => {
        const p = (await raw(url, "/v1/gateway")).body.payments as { backlog: number; inProgress: number };
        return p.backlog === 0 && p.inProgress === 0;
      },
      60_000,
      "the backlog to be paid",
    );
    c.process.kill("SIGTERM");
    const exit = await c.exited;
    expect(exit.code, c.stderr()).to.equal(0);
  }

  for (const stage of ["batched", "intent", "signed", "broadcast", "mined"] as const) {
    it(`killed at "${stage}" of the first batch: the restart pays every record once, with no extra transaction`, async function () {
      const { operator, options } = await setup();
      // A longer first flush: the burst is recorded before the first batch is made.
      const first = start({ ...options, payments: { ...options.payments, flushIntervalMs: 2_000 }, killAt: stage });
      const url = await first.url;
      const key = await fund(url, 0, operator.address);
      const served = (await burst(url, key, 12, stage)).filter((r) => r.status === "fulfilled").length;
      expect(served).to.be.at.least(1);
      const exit = await first.exited;
      expect(exit.signal, first.stderr()).to.equal("SIGKILL");

      const second = start(options);
      const url2 = await second.url;
      const more = (await burst(url2, key, 4, `${stage}-after`)).filter((r) => r.status === "fulfilled").length;
      expect(more).to.equal(4);
      await drainAndStop(second, url2);

      const result = await withStore(options.store, (db) => expectOneToOne(world, db, operator.address));
      expect(result.records).to.be.at.least(served + 4);
      // Every transaction the operator sent: one approval, then exactly one per paid batch.
      const sent = await world.provider.getTransactionCount(operator.address, "latest");
      expect(sent).to.equal(1 + result.batches);
    });
  }

  it("killed at random moments under load, three times: every record paid exactly once", async function () {
    const { operator, options } = await setup();
    let key: string | undefined;
    for (let round = 0; round < 4; round++) {
      const c = start(options);
      const url = await c.url;
      key ??= await fund(url, 1, operator.address);
      let stop = false;
      const load = Promise.all(
        Array.from({ length: 6 }, async (_, worker) => {
          for (let i = 0; !stop; i++) {
            try {
              await client(url, key!).completions.create({
                model: world.models.adapters[(worker + i) % world.models.adapters.length]!.toString(),
                prompt: `round ${round} worker ${worker} request ${i}`,
                max_tokens: 8,
              });
            } catch {
              if (c.process.exitCode !== null || c.process.signalCode !== null) return;
            }
          }
        }),
      );
      if (round < 3) {
        await new Promise((r) => setTimeout(r, 700 + Math.floor(Math.random() * 1_500)));
        c.kill();
        stop = true;
        await load;
        expect((await c.exited).signal).to.equal("SIGKILL");
      } else {
        await new Promise((r) => setTimeout(r, 1_000));
        stop = true;
        await load;
        await drainAndStop(c, url);
      }
    }
    const result = await withStore(options.store, (db) => expectOneToOne(world, db, operator.address));
    expect(result.records).to.be.greaterThan(20);
  });

  it("hashes of a batch paid by another transaction while the gateway was down are found on-chain and never paid twice", async function () {
    const { operator, options } = await setup();
    const first = start({ ...options, killAt: "batched" });
    const url = await first.url;
    const key = await fund(url, 2, operator.address);
    await burst(url, key, 6, "paid-elsewhere");
    await first.exited;
    // While it is down, the operator's key pays two of the open batch's requests itself.
    const batch = await withStore(options.store, async (db) => {
      const { rows } = await db.query<{
        request_hash: string;
        model_id: bigint;
        tokens_in: bigint;
        tokens_out: bigint;
        max_fee: bigint;
      }>(
        `SELECT r.request_hash, r.model_id, r.tokens_in, r.tokens_out, r.max_fee FROM gateway_record r
           JOIN gateway_batch b ON b.batch_id = r.batch_id WHERE b.status = 'open' ORDER BY r.seq`,
      );
      return rows;
    });
    expect(batch.length).to.be.greaterThan(1);
    const wallet = new NonceManager(new Wallet(operator.privateKey, world.provider));
    await (await world.token.connect(wallet).approve(world.contracts.feeRouter, 2n ** 255n)).wait();
    for (const r of batch.slice(0, 2))
      await (
        await world.router.connect(wallet).pay(r.model_id, r.request_hash, r.tokens_in, r.tokens_out, r.max_fee)
      ).wait();

    const second = start(options);
    const url2 = await second.url;
    await drainAndStop(second, url2);
    await withStore(options.store, async (db) => {
      await expectOneToOne(world, db, operator.address);
      const { rows } = await db.query<{ note: string | null }>(
        "SELECT note FROM gateway_record WHERE request_hash IN (SELECT jsonb_array_elements_text($1::jsonb))",
        [JSON.stringify(batch.slice(0, 2).map((r) => r.request_hash))],
      );
      for (const r of rows) expect(r.note).to.equal("paid on-chain by an earlier transaction");
      const failed = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM gateway_batch WHERE status = 'failed'");
      expect(failed.rows[0]!.n).to.equal(1n);
    });
  });
});
