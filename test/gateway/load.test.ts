/**
 * Load: one gateway process with 1,000 registered adapters over one base (and an adapter cache
 * far smaller than all of them), every adapter served once, then 10,000 requests at concurrency
 * 64 (8 users x 8 connections) spread over 100 adapters, with the official client. Afterwards the
 * records and the RequestPaid events match one to one, and no request was paid twice.
 */
import { expect } from "chai";

import type { RunningGateway } from "../../src/gateway/index.js";
import { bindKey, client, raw, startTestGateway, until } from "./support/gateway.js";
import { expectOneToOne } from "./support/verify.js";
import { OPEN, startWorld, type World } from "./support/world.js";

/** Runs `total` jobs with `concurrency` workers; each worker gets its index. */
async function pool(
  total: number,
  concurrency: number,
  job: (i: number, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = next++; i < total; i = next++) await job(i, worker);
    }),
  );
}

describe("gateway under load: 1,000 adapters in one process, 10,000 requests at concurrency 64", function () {
  this.timeout(1_800_000);
  let world: World;
  let gw: RunningGateway;
  let keys: string[];

  before(async function () {
    world = await startWorld({
      adapterDatanets: 46,
      adapters: 1_000,
      tabular: false,
      log: (l) => console.log(`      [world] ${l}`),
    });
    gw = await startTestGateway(world, {
      memoryBudgetBytes: 16 * 2 ** 20,
      concurrencyPerKey: 8,
      // The backlog bound (default 10,000) is tested on its own (rpc-down.test.ts); here the 11,000
      // requests must all be served even when serving outruns paying (a fast run reached 9,964).
      payments: { batchSize: 100, flushIntervalMs: 20_000, pollMs: 10, maxBacklog: 20_000 },
    });
    keys = [];
    for (let u = 0; u < 8; u++) {
      keys.push(await bindKey(gw.url, world.users[u]!.privateKey));
      await world.deposit(u, 1_000n * OPEN);
    }
    await until(
      async () => (await raw(gw.url, "/v1/credit", { key: keys[7]! })).body.available === (1_000n * OPEN).toString(),
      30_000,
      "the deposits",
    );
  });
  after(async function () {
    await gw?.stop();
    await world?.stop();
  });

  it("lists and serves every one of 1,000 registered adapters, within a memory budget smaller than all of them", async function () {
    const listed = (await client(gw.url, keys[0]!).models.list()).data.map((m) => m.id);
    expect(listed.length).to.equal(1_001);
    const failures: string[] = [];
    const clients = keys.map((k) => client(gw.url, k));
    await pool(world.models.adapters.length, 64, async (i, worker) => {
      const model = world.models.adapters[i]!.toString();
      try {
        const r = await clients[worker % 8]!.completions.create({ model, prompt: "Dear sir", max_tokens: 8, seed: i });
        if (r.choices[0]!.text === undefined) failures.push(model);
      } catch (error) {
        failures.push(`${model}: ${(error as Error).message}`);
      }
    });
    expect(failures).to.deep.equal([]);
    const models = gw.status().models as {
      bases: number;
      cached: number;
      cachedBytes: number;
      budgetBytes: number;
      evictions: number;
      coldLoads: number;
    };
    expect(models.bases).to.equal(1, "the base is loaded once and shared");
    expect(models.coldLoads).to.equal(1_001);
    expect(models.evictions).to.be.greaterThan(0);
    expect(models.cachedBytes).to.be.at.most(models.budgetBytes);
  });

  it("10,000 requests at concurrency 64 over 100 adapters: records and RequestPaid events match one to one, none paid twice", async function () {
    const adapters = world.models.adapters.slice(0, 100).map(String);
    const t0 = performance.now();
    const failures: string[] = [];
    const clients = keys.map((k) => client(gw.url, k));
    let tokens = 0;
    await pool(10_000, 64, async (i, worker) => {
      try {
        const r = await clients[worker % 8]!.completions.create({
          model: adapters[i % 100]!,
          prompt: `Message ${i}: we are pleased to`,
          max_tokens: 16,
          seed: i,
        });
        tokens += r.usage!.completion_tokens;
      } catch (error) {
        failures.push((error as Error).message);
      }
    });
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `      10,000 requests in ${seconds.toFixed(1)} s (${(10_000 / seconds).toFixed(0)} req/s, ${(tokens / seconds).toFixed(0)} tokens/s)`,
    );
    expect(failures.slice(0, 5)).to.deep.equal([]);
    await until(() => (gw.status().payments as { backlog: number }).backlog === 0, 900_000, "the backlog to be paid");
    const result = await expectOneToOne(world, gw.db);
    expect(result.records).to.equal(11_000);
    expect(result.events).to.equal(11_000);
    // Batched: far fewer transactions than requests, none larger than the batch size.
    const { rows } = await gw.db.query<{ batches: bigint; largest: number }>(
      "SELECT count(*) AS batches, max(requests) AS largest FROM gateway_batch WHERE status = 'paid'",
    );
    console.log(`      paid in ${rows[0]!.batches} payBatch transactions (largest ${rows[0]!.largest})`);
    expect(rows[0]!.largest).to.be.at.most(100);
    expect(Number(rows[0]!.batches)).to.be.below(11_000 / 4);
  });
});
