/**
 * The RPC goes down: the gateway keeps serving (models it has read, credit it has seen) while its
 * unpaid backlog stays under the bound, then refuses with 503 and says why; when the RPC returns,
 * the backlog is paid and it serves again. Records and payments still match one to one.
 * The outage is real: a relay in front of anvil that stops listening and cuts its connections.
 */
import { expect } from "chai";

import type { RunningGateway } from "../../src/gateway/index.js";
import { bindKey, codeOf, raw, startTestGateway, until } from "./support/gateway.js";
import { startSwitchProxy, type SwitchProxy } from "./support/switch-proxy.js";
import { expectOneToOne } from "./support/verify.js";
import { OPEN, startWorld, type World } from "./support/world.js";

describe("gateway with the RPC down: serves up to the backlog bound, then 503 saying why; pays the backlog when the RPC returns", function () {
  this.timeout(300_000);
  let world: World;
  let proxy: SwitchProxy;
  let gw: RunningGateway;
  let key: string;
  const BOUND = 20;

  before(async function () {
    world = await startWorld({ adapterDatanets: 3, tabular: false });
    proxy = await startSwitchProxy(world.url);
    gw = await startTestGateway(world, {
      rpcUrl: proxy.url,
      modelTtlMs: 200,
      payments: { batchSize: 100, flushIntervalMs: 300, maxBacklog: BOUND, pollMs: 20 },
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
    await gw?.stop({ drain: false });
    await proxy?.close();
    await world?.stop();
  });

  const ask = (model: bigint, i: number) =>
    raw(gw.url, "/v1/completions", {
      key,
      body: JSON.stringify({ model: model.toString(), prompt: `Outage note ${i}:`, max_tokens: 6, seed: i }),
    });

  it("serves while the backlog is under the bound, refuses with 503 backlog_full naming the RPC failure, then recovers", async function () {
    const model = world.models.adapters[0]!;
    expect((await ask(model, 0)).status).to.equal(200); // model read and loaded while the RPC is up
    await until(() => (gw.status().payments as { backlog: number }).backlog === 0, 20_000, "the first payment");

    await proxy.down();
    for (let i = 1; i <= BOUND; i++) {
      const answer = await ask(model, i);
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      expect(answer.headers.get("x-poa-request-hash")).to.match(/^0x[0-9a-f]{64}$/);
    }
    // The payments fail for the outage, and the gateway knows why.
    await until(
      () => (gw.status().payments as { lastError?: { code: string } }).lastError?.code === "RPC_UNREACHABLE",
      20_000,
      "the payment failure",
    );
    const refused = await ask(model, BOUND + 1);
    expect(refused.status).to.equal(503);
    expect(codeOf(refused)).to.equal("backlog_full");
    const error = refused.body.error as {
      message: string;
      poa: { details: { reason: string; backlog: number; maxBacklog: number } };
    };
    expect(error.message).to.match(
      /20 requests not yet paid on-chain \(bound 20\) because payments are failing since .*: .*cannot be reached|could not/,
    );
    expect(error.poa.details).to.include({ reason: "RPC_UNREACHABLE", backlog: BOUND, maxBacklog: BOUND });
    expect(refused.headers.get("retry-after")).to.equal("1");
    // A model it never read cannot be checked without the chain: 503 too, saying so.
    const unknown = await ask(world.models.adapters[2]!, 99);
    expect([unknown.status, codeOf(unknown)]).to.deep.equal([503, "rpc_unreachable"]);
    // Status stays readable.
    expect((await raw(gw.url, "/v1/gateway")).status).to.equal(200);

    await proxy.up();
    await until(() => (gw.status().payments as { backlog: number }).backlog === 0, 60_000, "the backlog to be paid");
    expect((gw.status().payments as { lastError?: unknown }).lastError).to.equal(undefined);
    expect((await ask(model, BOUND + 2)).status).to.equal(200);
    await until(() => (gw.status().payments as { backlog: number }).backlog === 0, 20_000, "the last payment");
    const result = await expectOneToOne(world, gw.db);
    expect(result.records).to.equal(BOUND + 2);
  });
});
