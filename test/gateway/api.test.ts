/**
 * The gateway's API through the official `openai` client, unchanged, against a real chain (anvil,
 * the protocol deployed), real PGlite, and real models trained by the Model Factory on real data:
 * models, completions, chats, streams, usage as the fee counts it, the record written before the
 * answer and carrying the on-chain request hash, payment in batches matching the records,
 * credit from on-chain deposits, tabular predictions, attribution, keys, and price changes
 * honoured only once the chain applies them.
 */
import { request as httpRequest } from "node:http";

import { expect } from "chai";
import { Wallet } from "ethers";

import { tokenize } from "../../src/attribution/tokenize.js";
import {
  countTokens,
  loadModel,
  readManifest,
  type TabularModel,
  type TextAdapterModel,
  type TextBaseModel,
} from "../../src/factory/index.js";
import {
  apiKeyHash,
  keyBindingMessage,
  newApiKey,
  recordByHash,
  REQUEST_HASH_HEADER,
  signKeyBinding,
  type RunningGateway,
} from "../../src/gateway/index.js";
import { recordHash } from "../../src/settlement/record.js";
import { bindKey, client, codeOf, raw, startTestGateway, until } from "./support/gateway.js";
import { OPEN, PRICES, ROLE, startWorld, type World } from "./support/world.js";

const feeOf = (tin: number, tout: number, prices = PRICES) =>
  (prices.pricePerKInput * BigInt(tin) + prices.pricePerKOutput * BigInt(tout) + 999n) / 1000n;

describe("gateway API (openai client, real chain, real PGlite, real models)", function () {
  this.timeout(300_000);
  let world: World;
  let gw: RunningGateway;
  let key: string;
  let otherKey: string;

  before(async function () {
    world = await startWorld();
    gw = await startTestGateway(world);
    key = await bindKey(gw.url, world.users[0]!.privateKey);
    otherKey = await bindKey(gw.url, world.users[1]!.privateKey);
    await world.deposit(0, 100n * OPEN);
    await world.deposit(1, 100n * OPEN);
    await until(
      async () => (await raw(gw.url, "/v1/credit", { key })).body.available === (100n * OPEN).toString(),
      20_000,
      "the deposit to be credited",
    );
  });
  after(async function () {
    await gw?.stop();
    await world?.stop();
  });

  it("lists the registered models (base, adapters, tabular) with their on-chain terms", async function () {
    const models = await client(gw.url, key).models.list();
    const ids = models.data.map((m) => m.id);
    expect(ids).to.deep.equal([world.models.base, ...world.models.adapters, world.models.tabular!].map(String));
    const adapter = models.data.find((m) => m.id === world.models.adapters[0]!.toString()) as unknown as {
      poa: { kind: string; base_model_id: string; artifact_hash: string; price_per_k_input: string };
    };
    expect(adapter.poa).to.include({
      kind: "adapter",
      base_model_id: world.models.base.toString(),
      artifact_hash: world.artifacts.get(world.models.adapters[0]!.toString())!.hash,
      price_per_k_input: PRICES.pricePerKInput.toString(),
    });
  });

  it("completes with an adapter: usage is the fee's token count, the record is stored before the answer and its hash is the header and the field", async function () {
    const c = client(gw.url, key);
    const model = world.models.adapters[0]!.toString();
    const prompt = "Dear friend, I am writing to tell you about";
    const { data, response } = await c.completions.create({ model, prompt, max_tokens: 40, seed: 7 }).withResponse();
    const text = data.choices[0]!.text;
    expect(data.usage).to.deep.equal({
      prompt_tokens: countTokens(prompt),
      completion_tokens: countTokens(text),
      total_tokens: countTokens(prompt) + countTokens(text),
    });
    expect(data.usage!.completion_tokens).to.be.within(1, 40);
    const poa = (data as unknown as { poa: Record<string, unknown> }).poa;
    const hash = response.headers.get(REQUEST_HASH_HEADER);
    expect(hash).to.match(/^0x[0-9a-f]{64}$/);
    expect(poa.request_hash).to.equal(hash);
    // The record was durable when the answer came: it is in the store, and hashes to the header.
    const stored = (await recordByHash(gw.db, hash!))!;
    expect(stored.record).to.deep.equal({
      chainId: world.chainId,
      modelId: BigInt(model),
      payer: gw.address,
      tokensIn: countTokens(prompt),
      tokensOut: countTokens(text),
      prompt,
      output: text,
      nonce: poa.nonce,
    });
    expect(recordHash(stored.record)).to.equal(hash);
    expect(stored.fee).to.equal(feeOf(countTokens(prompt), countTokens(text)));
    expect(poa.fee).to.equal(stored.fee.toString());
    expect(stored.account).to.equal(world.users[0]!.address);

    // The same model, prompt and seed give the same text (another record: another nonce).
    const again = await c.completions.create({ model, prompt, max_tokens: 40, seed: 7 });
    expect(again.choices[0]!.text).to.equal(text);
    expect((again as unknown as { poa: { request_hash: string } }).poa.request_hash).to.not.equal(hash);
  });

  it("generates exactly what the Model Factory's model generates from the same artifact and seed", async function () {
    const baseBytes = world.artifacts.get(world.models.base.toString())!.bytes;
    const base = loadModel(baseBytes) as TextBaseModel;
    const adapter = loadModel(world.artifacts.get(world.models.adapters[2]!.toString())!.bytes, {
      base,
    }) as TextAdapterModel;
    const prompt = "The meeting is";
    const local = adapter.generate(prompt, { maxTokens: 25, temperature: 0.8, topP: 0.9, seed: 42 });
    const served = await client(gw.url, key).completions.create({
      model: world.models.adapters[2]!.toString(),
      prompt,
      max_tokens: 25,
      temperature: 0.8,
      top_p: 0.9,
      seed: 42,
    });
    expect(served.choices[0]!.text).to.equal(local.text);
    expect(served.choices[0]!.finish_reason).to.equal(local.finishReason);
  });

  it("chats: the record's prompt is the rendered conversation, usage counts it", async function () {
    const c = client(gw.url, key);
    const { data, response } = await c.chat.completions
      .create({
        model: world.models.base.toString(),
        messages: [
          { role: "system", content: "You answer mail." },
          { role: "user", content: "Is the server down again" },
        ],
        max_tokens: 24,
        seed: 5,
      })
      .withResponse();
    const content = data.choices[0]!.message.content!;
    const stored = (await recordByHash(gw.db, response.headers.get(REQUEST_HASH_HEADER)!))!;
    expect(stored.record.prompt).to.equal("system: You answer mail.\nuser: Is the server down again");
    expect(stored.record.output).to.equal(content);
    expect(data.usage!.prompt_tokens).to.equal(countTokens(stored.record.prompt));
    expect(data.usage!.completion_tokens).to.equal(countTokens(content));
    expect(data.choices[0]!.message.role).to.equal("assistant");
  });

  it("streams completions and chats (SSE): the pieces join into the recorded output; the last chunk carries usage and the hash", async function () {
    const c = client(gw.url, key);
    const stream = await c.completions.create({
      model: world.models.adapters[1]!.toString(),
      prompt: "Click here to",
      max_tokens: 30,
      seed: 3,
      stream: true,
    });
    let text = "";
    let last: Record<string, unknown> = {};
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      last = chunk as unknown as Record<string, unknown>;
    }
    const poa = last.poa as { request_hash: string; tokens_out: number };
    const stored = (await recordByHash(gw.db, poa.request_hash))!;
    expect(stored.record.output).to.equal(text);
    expect(last.usage).to.deep.equal({
      prompt_tokens: countTokens("Click here to"),
      completion_tokens: countTokens(text),
      total_tokens: countTokens("Click here to") + countTokens(text),
    });
    // The same request without streaming gives the same text.
    const plain = await c.completions.create({
      model: world.models.adapters[1]!.toString(),
      prompt: "Click here to",
      max_tokens: 30,
      seed: 3,
    });
    expect(plain.choices[0]!.text).to.equal(text);

    const chat = await c.chat.completions.create({
      model: world.models.adapters[1]!.toString(),
      messages: [{ role: "user", content: "Click here to" }],
      max_tokens: 30,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    let chatText = "";
    let role: string | undefined;
    let usage: unknown;
    for await (const chunk of chat) {
      role ??= chunk.choices[0]?.delta.role;
      chatText += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(role).to.equal("assistant");
    expect(usage).to.deep.include({ completion_tokens: countTokens(chatText) });
  });

  it("sends the request hash of a stream as an HTTP trailer too", async function () {
    const body = JSON.stringify({
      model: world.models.base.toString(),
      prompt: "Hello",
      max_tokens: 5,
      stream: true,
      seed: 1,
    });
    const { trailers, text } = await new Promise<{ trailers: Record<string, string | undefined>; text: string }>(
      (resolve, reject) => {
        const url = new URL(`${gw.url}/v1/completions`);
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
          },
          (res) => {
            let data = "";
            res.on("data", (c: Buffer) => (data += c.toString()));
            res.on("end", () => resolve({ trailers: res.trailers, text: data }));
          },
        );
        req.on("error", reject);
        req.end(body);
      },
    );
    const events = text.split("\n\n").filter((e) => e.startsWith("data: {"));
    const final = JSON.parse(events[events.length - 1]!.slice(6)) as { poa: { request_hash: string } };
    expect(trailers[REQUEST_HASH_HEADER]).to.equal(final.poa.request_hash);
    expect(text.trim().endsWith("data: [DONE]")).to.equal(true);
  });

  it("pays every record with payBatch: the RequestPaid events carry the records' hashes, tokens and fees", async function () {
    await until(() => (gw.status().payments as { backlog: number }).backlog === 0, 30_000, "the backlog to be paid");
    const { rows } = await gw.db.query<{
      request_hash: string;
      tokens_in: bigint;
      tokens_out: bigint;
      fee: bigint;
      request_id: bigint;
      state: string;
      model_id: bigint;
    }>("SELECT request_hash, tokens_in, tokens_out, fee, request_id, state, model_id FROM gateway_record ORDER BY seq");
    expect(rows.length).to.be.greaterThan(5);
    const events = await world.router.queryFilter(world.router.filters.RequestPaid());
    const byHash = new Map(events.map((e) => [e.args.requestHash.toLowerCase(), e.args]));
    expect(events.length).to.equal(rows.length);
    for (const r of rows) {
      expect(r.state).to.equal("paid");
      const e = byHash.get(r.request_hash)!;
      expect(e, r.request_hash).to.not.equal(undefined);
      expect(e.payer).to.equal(gw.address);
      expect(e.requestId).to.equal(r.request_id);
      expect(e.modelId).to.equal(r.model_id);
      expect(e.tokensIn).to.equal(r.tokens_in);
      expect(e.tokensOut).to.equal(r.tokens_out);
      expect(e.fee).to.equal(r.fee);
    }
  });

  it("credit: deposits are credited, fees charged; GET /v1/credit reports them", async function () {
    const credit = (await raw(gw.url, "/v1/credit", { key })).body as Record<string, string>;
    const { rows } = await gw.db.query<{ total: bigint }>(
      "SELECT sum(fee) AS total FROM gateway_record WHERE account = $1",
      [world.users[0]!.address.toLowerCase()],
    );
    expect(credit.credited).to.equal((100n * OPEN).toString());
    expect(credit.charged).to.equal(rows[0]!.total.toString());
    expect(BigInt(credit.available!)).to.equal(100n * OPEN - rows[0]!.total);
    expect(credit.deposit_address).to.equal(gw.address);
  });

  it("predicts with the tabular model (POST /v1/predictions): the model's probabilities, metered by values in and rows out", async function () {
    const rows = [
      [6.0, 2.9, 4.5, 1.5],
      [7.2, 3.0, 5.8, 1.6],
    ];
    const answer = await raw(gw.url, "/v1/predictions", {
      key,
      body: JSON.stringify({ model: world.models.tabular!.toString(), rows }),
    });
    expect(answer.status).to.equal(200);
    const local = loadModel(world.artifacts.get(world.models.tabular!.toString())!.bytes) as TabularModel;
    const expected = local.predict(rows);
    const got = answer.body.predictions as number[];
    got.forEach((p, i) => expect(p).to.be.closeTo(expected[i]!, 1e-9));
    expect(got[0]).to.be.below(0.5);
    expect(got[1]).to.be.above(0.5);
    expect(answer.body.usage).to.deep.equal({ prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 });
    const stored = (await recordByHash(gw.db, answer.headers.get(REQUEST_HASH_HEADER)!))!;
    expect(stored.record.prompt).to.equal("[[6,2.9,4.5,1.5],[7.2,3,5.8,1.6]]");
    expect(JSON.parse(stored.record.output)).to.deep.equal(got);
    // A text endpoint refuses a tabular model, and the reverse.
    const wrong = await raw(gw.url, "/v1/completions", {
      key,
      body: JSON.stringify({ model: world.models.tabular!.toString(), prompt: "hi" }),
    });
    expect([wrong.status, codeOf(wrong)]).to.deep.equal([400, "model_kind_mismatch"]);
  });

  it("attribution: the spans of an output found in the model's training data, with contributions and contributors", async function () {
    const c = client(gw.url, key);
    // Greedy decoding copies long stretches of the training text.
    const done = await c.completions.create({
      model: world.models.base.toString(),
      prompt: "The",
      max_tokens: 60,
      temperature: 0,
      seed: 1,
    });
    const hash = (done as unknown as { poa: { request_hash: string } }).poa.request_hash;
    const answer = await raw(gw.url, `/v1/attribution/${hash}`, { key });
    expect(answer.status).to.equal(200);
    const body = answer.body as {
      output: string;
      spans: {
        start: number;
        end: number;
        text: string;
        contributions: { id: string; contributor: string; datanetId: string }[];
      }[];
      contributors: Record<string, number>;
      corpus: { missing: unknown[]; versions: unknown[] };
    };
    expect(body.output).to.equal(done.choices[0]!.text);
    expect(body.spans.length).to.be.greaterThan(0);
    expect(body.corpus.missing).to.deep.equal([]);
    const contains = (haystack: string[], needle: string[]) =>
      haystack.some((_, i) => needle.every((w, j) => haystack[i + j] === w));
    for (const span of body.spans) {
      expect(body.output.slice(span.start, span.end)).to.equal(span.text);
      expect(span.contributions.length).to.be.greaterThan(0);
      for (const contribution of span.contributions) {
        expect(contribution.datanetId).to.equal("1");
        // The span's words occur in that contribution's text, and it is credited to its contributor.
        const words = tokenize(world.texts.get(contribution.id)!).words;
        expect(contains(words, tokenize(span.text).words), `${span.text} in contribution ${contribution.id}`).to.equal(
          true,
        );
        expect(body.contributors[contribution.contributor]).to.be.greaterThan(0);
      }
    }
    const shares = Object.values(body.contributors);
    expect(shares.reduce((s, x) => s + x, 0)).to.be.closeTo(1, 1e-9);
    // Someone else's request is not found.
    const other = await raw(gw.url, `/v1/attribution/${hash}`, { key: otherKey });
    expect([other.status, codeOf(other)]).to.deep.equal([404, "not_found"]);
  });

  it("keys: a binding signed by another account is refused; a revoked key stops working", async function () {
    const info = (await raw(gw.url, "/v1/gateway")).body as { gateway: string; chain_id: number };
    const alice = new Wallet(world.users[2]!.privateKey);
    const mallory = Wallet.createRandom();
    const fresh = newApiKey();
    const keyHash = apiKeyHash(fresh);
    const forged = await mallory.signMessage(
      keyBindingMessage({
        action: "bind",
        gateway: info.gateway,
        chainId: info.chain_id,
        account: alice.address,
        keyHash,
      }),
    );
    const refused = await raw(gw.url, "/v1/keys", {
      body: JSON.stringify({ account: alice.address, key_hash: keyHash, signature: forged }),
    });
    expect([refused.status, codeOf(refused)]).to.deep.equal([400, "api_key_signature_invalid"]);
    // For another gateway: refused too.
    const elsewhere = await signKeyBinding(alice, {
      action: "bind",
      gateway: Wallet.createRandom().address,
      chainId: info.chain_id,
      keyHash,
    });
    expect(
      (
        await raw(gw.url, "/v1/keys", {
          body: JSON.stringify({ account: alice.address, key_hash: keyHash, signature: elsewhere }),
        })
      ).status,
    ).to.equal(400);

    const good = await signKeyBinding(alice, {
      action: "bind",
      gateway: info.gateway,
      chainId: info.chain_id,
      keyHash,
    });
    expect(
      (
        await raw(gw.url, "/v1/keys", {
          body: JSON.stringify({ account: alice.address, key_hash: keyHash, signature: good }),
        })
      ).status,
    ).to.equal(200);
    expect((await raw(gw.url, "/v1/credit", { key: fresh })).status).to.equal(200);
    const revoke = await signKeyBinding(alice, {
      action: "revoke",
      gateway: info.gateway,
      chainId: info.chain_id,
      keyHash,
    });
    const revoked = await raw(gw.url, `/v1/keys/${keyHash}`, {
      method: "DELETE",
      body: JSON.stringify({ account: alice.address, signature: revoke }),
    });
    expect(revoked.status).to.equal(200);
    const after = await raw(gw.url, "/v1/credit", { key: fresh });
    expect([after.status, codeOf(after)]).to.deep.equal([401, "api_key_invalid"]);
  });

  it("a price change is charged only once the chain applies it (after the notice delay), and is paid at that price", async function () {
    const model = world.models.adapters[3]!;
    const builder = world.wallet(ROLE.builder);
    const newPrices = { pricePerKInput: 5n * 10n ** 15n, pricePerKOutput: 9n * 10n ** 15n };
    await (
      await world.registry
        .connect(builder)
        .scheduleTerms(model, newPrices.pricePerKInput, newPrices.pricePerKOutput, 3_000, 2_000, 5_000)
    ).wait();
    const delay = Number(await world.registry.noticeDelay());
    const ask = async () => {
      const r = await client(gw.url, key).completions.create({
        model: model.toString(),
        prompt: "Limited offer for",
        max_tokens: 10,
        seed: 9,
      });
      const poa = (r as unknown as { poa: { fee: string; request_hash: string } }).poa;
      return {
        fee: BigInt(poa.fee),
        hash: poa.request_hash,
        tin: r.usage!.prompt_tokens,
        tout: r.usage!.completion_tokens,
      };
    };
    await new Promise((r) => setTimeout(r, 700)); // the gateway has read the schedule
    const before = await ask();
    expect(before.fee).to.equal(feeOf(before.tin, before.tout));
    await world.increaseTime(delay - 120);
    await new Promise((r) => setTimeout(r, 1_500));
    const stillOld = await ask();
    expect(stillOld.fee).to.equal(feeOf(stillOld.tin, stillOld.tout), "announced, not yet in force");
    await until(() => (gw.status().payments as { backlog: number }).backlog === 0, 30_000, "the payments");
    // Served at the old price, but the chain moves past the change before its batch is paid: the
    // operator raises the guard and pays the new fee; the user stays charged the old one.
    const edge = await ask();
    await world.increaseTime(240);
    await new Promise((r) => setTimeout(r, 1_500));
    const after = await ask();
    expect(after.fee).to.equal(feeOf(after.tin, after.tout, newPrices));
    await until(() => (gw.status().payments as { backlog: number }).backlog === 0, 30_000, "the payments");
    const paidFee = async (hash: string) =>
      (await world.router.queryFilter(world.router.filters.RequestPaid(undefined, hash)))[0]!.args.fee;
    for (const asked of [before, stillOld, after]) expect(await paidFee(asked.hash)).to.equal(asked.fee);
    const edgeRecord = (await recordByHash(gw.db, edge.hash))!;
    expect(edgeRecord.fee).to.equal(feeOf(edge.tin, edge.tout), "the user's charge");
    expect(await paidFee(edge.hash)).to.equal(feeOf(edge.tin, edge.tout, newPrices));
    expect(edgeRecord.paidFee).to.equal(feeOf(edge.tin, edge.tout, newPrices));
    expect(edgeRecord.note).to.match(/guard raised, the operator pays the difference/);
    expect((gw.status().payments as { repriced: number }).repriced).to.equal(1);
    expect(readManifest(world.artifacts.get(model.toString())!.bytes).kind).to.equal("text-adapter");
  });
});
