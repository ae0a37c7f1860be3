/**
 * The payment rules on a real chain: a model's records are paid every N requests or after T
 * seconds; a model paused before its records are paid has them held and paid once it resumes; a
 * model retired before its records are paid has them voided and the users' charges given back;
 * a paused FeeRouter makes payments wait, with the reason reported, until it resumes.
 */
import { expect } from "chai";

import type { RunningGateway } from "../../src/gateway/index.js";
import { bindKey, raw, startTestGateway, until } from "./support/gateway.js";
import { allRecords, expectOneToOne } from "./support/verify.js";
import { OPEN, ROLE, startWorld, type World } from "./support/world.js";

describe("gateway payments: every N requests or T seconds; held, void and waiting payments", function () {
  this.timeout(300_000);
  let world: World;
  let gw: RunningGateway;
  let key: string;
  const batched: { at: number; model: bigint; requests: number }[] = [];

  before(async function () {
    world = await startWorld({ adapterDatanets: 4, tabular: false });
    gw = await startTestGateway(world, {
      payments: { batchSize: 5, flushIntervalMs: 2_000, pollMs: 20 },
      onPaymentStage: (stage, batch) => {
        if (stage === "batched") batched.push({ at: Date.now(), model: batch.modelId, requests: batch.requests });
      },
    });
    key = await bindKey(gw.url, world.users[0]!.privateKey);
    await world.deposit(0, 10n * OPEN);
    await until(
      async () => (await raw(gw.url, "/v1/credit", { key })).body.available === (10n * OPEN).toString(),
      20_000,
      "credit",
    );
  });
  after(async function () {
    await gw?.stop();
    await world?.stop();
  });

  const ask = (model: bigint, i: number) =>
    raw(gw.url, "/v1/completions", {
      key,
      body: JSON.stringify({ model: model.toString(), prompt: `Invoice ${i} for`, max_tokens: 6, seed: i }),
    });
  const payments = () =>
    gw.status().payments as {
      backlog: number;
      held: number;
      requestsPaid: number;
      lastError?: { code: string; message: string };
    };

  it("pays a model's records in batches of N as soon as N wait, and the rest once the oldest has waited T", async function () {
    const model = world.models.adapters[0]!;
    const start = payments().requestsPaid;
    const answered: number[] = [];
    for (let i = 0; i < 12; i++) {
      expect((await ask(model, i)).status).to.equal(200);
      answered.push(Date.now());
    }
    await until(() => payments().requestsPaid >= start + 10, 10_000, "two full batches");
    expect(payments().backlog).to.equal(2, "the last two wait for T");
    await until(() => payments().backlog === 0, 10_000, "the last batch");
    const mine = batched.filter((b) => b.model === model);
    expect(mine.map((b) => b.requests)).to.deep.equal([5, 5, 2]);
    // The full batches were made as soon as their fifth record was written, the partial one only
    // once its oldest record (the 11th) had waited T = 2 s.
    expect(mine[0]!.at - answered[4]!).to.be.below(1_000);
    expect(mine[1]!.at - answered[9]!).to.be.below(1_000);
    expect(mine[2]!.at - answered[10]!).to.be.at.least(1_900);
  });

  it("a model paused after serving: its records are held (not counted in the backlog) and paid once it resumes", async function () {
    const model = world.models.adapters[1]!;
    const builder = world.wallet(ROLE.builder);
    for (let i = 0; i < 3; i++) expect((await ask(model, 100 + i)).status).to.equal(200);
    await (await world.registry.connect(builder).pauseModel(model)).wait();
    await until(() => payments().held === 3, 20_000, "the records to be held");
    expect(payments().backlog).to.equal(0);
    const held = (await allRecords(gw.db)).filter((r) => r.state === "held");
    expect(held.length).to.equal(3);
    expect(held[0]!.note).to.match(/ModelIsPaused/);
    await (await world.registry.connect(builder).unpauseModel(model)).wait();
    await until(() => payments().held === 0 && payments().backlog === 0, 30_000, "the held records to be paid");
    await expectOneToOne(world, gw.db);
  });

  it("a model retired after serving: its records are void (never payable) and the users' charges are given back", async function () {
    const model = world.models.adapters[2]!;
    const before = (await raw(gw.url, "/v1/credit", { key })).body as Record<string, string>;
    for (let i = 0; i < 2; i++) expect((await ask(model, 200 + i)).status).to.equal(200);
    await (await world.registry.connect(world.wallet(ROLE.builder)).retireModel(model)).wait();
    await until(
      async () => (await allRecords(gw.db)).filter((r) => r.state === "void").length === 2,
      20_000,
      "the records to be void",
    );
    const after = (await raw(gw.url, "/v1/credit", { key })).body as Record<string, string>;
    expect(after.charged).to.equal(before.charged, "the charges were given back");
    const voided = (await allRecords(gw.db)).filter((r) => r.state === "void");
    expect(voided[0]!.note).to.match(/ModelIsRetired/);
    // Every other record is paid exactly once; the void ones never are.
    const paid = (await world.router.queryFilter(world.router.filters.RequestPaid())).map((e) =>
      e.args.requestHash.toLowerCase(),
    );
    for (const v of voided) expect(paid).to.not.include(v.requestHash);
    const { rows } = await gw.db.query<{ n: bigint }>("SELECT count(*) AS n FROM gateway_record WHERE state <> 'void'");
    expect(paid.length).to.equal(Number(rows[0]!.n));
  });

  it("the FeeRouter paused by the guardian: payments wait and the reason is reported; they go through when it resumes", async function () {
    const guardian = world.wallet(ROLE.deployer);
    await (await world.router.connect(guardian).pause()).wait();
    const model = world.models.adapters[3]!;
    for (let i = 0; i < 2; i++) expect((await ask(model, 300 + i)).status).to.equal(200);
    await until(() => payments().lastError?.code === "CONTRACT_REVERTED", 20_000, "the payment to be refused");
    expect(payments().lastError!.message).to.match(/EnforcedPause/);
    expect(payments().backlog).to.equal(2);
    const status = (await raw(gw.url, "/v1/gateway")).body.payments as { lastError: { message: string } };
    expect(status.lastError.message).to.match(/EnforcedPause/);
    await (await world.router.connect(guardian).unpause()).wait();
    await until(() => payments().backlog === 0, 30_000, "the payments after the router resumes");
    await until(() => payments().lastError === undefined, 10_000, "the error to clear");
  });
});
