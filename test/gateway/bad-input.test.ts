/**
 * Every bad input of the gateway gets a clear HTTP error (status, OpenAI error shape, a code a
 * program can match, a message that says what is wrong), is refused before any work (no record,
 * no charge, no model loaded for what is refused before loading), and the official client raises
 * the matching error class.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { hexlify, randomBytes } from "ethers";
import OpenAI from "openai";

import { readManifest, trainModel, verifyTrainingInputs, rootOfMembers } from "../../src/factory/index.js";
import { ContentStore } from "../../src/content/index.js";
import type { RunningGateway } from "../../src/gateway/index.js";
import { bindKey, client, codeOf, raw, startTestGateway, until, type RawAnswer } from "./support/gateway.js";
import { OPEN, registerModels, ROLE, startWorld, type World } from "./support/world.js";

describe("gateway bad input: clear HTTP errors, refused before any work", function () {
  this.timeout(300_000);
  let world: World;
  let gw: RunningGateway;
  let key: string;
  let poorKey: string;
  let ids: {
    paused: bigint;
    retired: bigint;
    missing: bigint;
    mismatch: bigint;
    uri: bigint;
    kind: bigint;
    fresh: bigint;
  };

  const records = async () =>
    Number((await gw.db.query<{ n: bigint }>("SELECT count(*) AS n FROM gateway_record")).rows[0]!.n);
  const complete = (body: Record<string, unknown>, k = key) =>
    raw(gw.url, "/v1/completions", { key: k, body: JSON.stringify(body) });
  const expectError = (answer: RawAnswer, status: number, code: string, message?: RegExp) => {
    expect(answer.status, JSON.stringify(answer.body)).to.equal(status);
    expect(codeOf(answer)).to.equal(code);
    const error = answer.body.error as { message: string; type: string };
    expect(error.message).to.be.a("string").and.not.equal("");
    expect(error.type).to.be.a("string");
    if (message !== undefined) expect(error.message).to.match(message);
  };

  before(async function () {
    world = await startWorld({ adapterDatanets: 5 });
    const builder = world.wallet(ROLE.builder);
    const [a0, a1, a2, a3, a4] = world.models.adapters as [bigint, bigint, bigint, bigint, bigint];
    // Registrations whose artifact cannot be served as registered.
    const base = world.models.base;
    const adapterVersions = world.artifacts.get(a0.toString())!.versions;
    const tabular = world.artifacts.get(world.models.tabular!.toString())!;
    // A real artifact (a tabular model with another penalty) registered as an adapter of the base.
    const manifest = readManifest(tabular.bytes) as {
      trainedOn: {
        datanetId: string;
        version: string;
        root: string;
        contributions: { id: string; contentHash: string; contributor: string }[];
      }[];
    };
    const fetched = manifest.trainedOn.map((v) => {
      const contributions = v.contributions.map((c) => ({
        id: BigInt(c.id),
        contentHash: c.contentHash,
        contributor: c.contributor,
        bytes: new TextEncoder().encode(world.texts.get(c.id)!),
      }));
      return {
        datanetId: BigInt(v.datanetId),
        version: BigInt(v.version),
        root: rootOfMembers(contributions),
        count: BigInt(contributions.length),
        contributions,
      };
    });
    const other = trainModel({ kind: "tabular", versions: verifyTrainingInputs(fetched), options: { lambda: 2 } });
    const stored = await new ContentStore(world.content).put(other.bytes);
    const a0cid = world.artifacts.get(a0.toString())!.cid;
    const [mismatch, uri, kind] = await registerModels(world.registry, builder, [
      // The bytes under this URI are another model's: their hash is not the registered one.
      {
        baseModelId: base,
        artifactHash: hexlify(randomBytes(32)),
        metadataURI: `ipfs://${a0cid}`,
        trainedOn: adapterVersions,
        attributionMethod: 0n,
      },
      {
        baseModelId: base,
        artifactHash: hexlify(randomBytes(32)),
        metadataURI: "https://example.com/adapter.bin",
        trainedOn: adapterVersions,
        attributionMethod: 0n,
      },
      {
        baseModelId: base,
        artifactHash: other.hash,
        metadataURI: `ipfs://${stored.cid}`,
        trainedOn: tabular.versions,
        attributionMethod: 0n,
      },
    ]);
    // One adapter's artifact is gone from the content store.
    const gone = world.artifacts.get(a3.toString())!.cid;
    rmSync(join(world.content, "blobs", gone.slice(-2), gone));
    await (await world.registry.connect(builder).pauseModel(a1)).wait();
    await (await world.registry.connect(builder).retireModel(a2)).wait();
    ids = { paused: a1, retired: a2, missing: a3, mismatch: mismatch!, uri: uri!, kind: kind!, fresh: a4 };
    gw = await startTestGateway(world, {
      concurrencyPerKey: 2,
      limits: { maxPromptTokens: 200, maxTokens: 500 },
      maxBodyBytes: 64 * 1024,
    });
    key = await bindKey(gw.url, world.users[0]!.privateKey);
    poorKey = await bindKey(gw.url, world.users[1]!.privateKey);
    await world.deposit(0, 100n * OPEN);
    await world.deposit(1, 1n);
    await until(
      async () => (await raw(gw.url, "/v1/credit", { key })).body.available === (100n * OPEN).toString(),
      20_000,
      "the deposit",
    );
  });
  after(async function () {
    await gw?.stop();
    await world?.stop();
  });

  it("an unknown model: 404 model_not_found (a number that is no model, and a name that is no id)", async function () {
    const before = await records();
    expectError(
      await complete({ model: "9999", prompt: "hello" }),
      404,
      "model_not_found",
      /no model 9999 is registered/,
    );
    expectError(
      await complete({ model: "gpt-4o", prompt: "hello" }),
      404,
      "model_not_found",
      /"gpt-4o" is not a model id/,
    );
    const error = await client(gw.url, key)
      .completions.create({ model: "9999", prompt: "hello" })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(OpenAI.NotFoundError);
    expect(await records()).to.equal(before);
  });

  it("a paused model: 403 model_paused; a retired one: 410 model_retired; neither is listed", async function () {
    expectError(
      await complete({ model: ids.paused.toString(), prompt: "hello" }),
      403,
      "model_paused",
      /paused by its owner/,
    );
    expectError(await complete({ model: ids.retired.toString(), prompt: "hello" }), 410, "model_retired", /retired/);
    const error = await client(gw.url, key)
      .chat.completions.create({ model: ids.paused.toString(), messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(OpenAI.PermissionDeniedError);
    const listed = (await client(gw.url, key).models.list()).data.map((m) => m.id);
    expect(listed).to.not.include(ids.paused.toString());
    expect(listed).to.not.include(ids.retired.toString());
    expect(listed).to.include(ids.fresh.toString());
  });

  it("an adapter whose base is paused is refused too, and served again when the base resumes", async function () {
    const builder = world.wallet(ROLE.builder);
    await (await world.registry.connect(builder).pauseModel(world.models.base)).wait();
    await new Promise((r) => setTimeout(r, 700));
    expectError(
      await complete({ model: ids.fresh.toString(), prompt: "hello" }),
      403,
      "model_paused",
      /base model .* which is paused/,
    );
    await (await world.registry.connect(builder).unpauseModel(world.models.base)).wait();
    await new Promise((r) => setTimeout(r, 700));
    expect((await complete({ model: ids.fresh.toString(), prompt: "hello", max_tokens: 3 })).status).to.equal(200);
  });

  it("a missing adapter artifact: 503 content_not_found; nothing charged or recorded", async function () {
    const before = await records();
    const credit = (await raw(gw.url, "/v1/credit", { key })).body.available;
    expectError(
      await complete({ model: ids.missing.toString(), prompt: "hello" }),
      503,
      "content_not_found",
      /artifact of model .* is not in the content store/,
    );
    expect(await records()).to.equal(before);
    expect((await raw(gw.url, "/v1/credit", { key })).body.available).to.equal(credit);
  });

  it("an artifact that does not match its on-chain hash, a metadata URI that is not ipfs://<cid>, a manifest that contradicts the registration: 502", async function () {
    expectError(
      await complete({ model: ids.mismatch.toString(), prompt: "hello" }),
      502,
      "content_hash_mismatch",
      /but the chain holds/,
    );
    expectError(
      await complete({ model: ids.uri.toString(), prompt: "hello" }),
      502,
      "artifact_uri_invalid",
      /is not ipfs:\/\/<CIDv1>/,
    );
    expectError(
      await complete({ model: ids.kind.toString(), prompt: "hello" }),
      502,
      "artifact_invalid",
      /it is a tabular, but the model is registered as an adapter/,
    );
  });

  it("malformed JSON, no body, a body that is not an object: 400 request_invalid; a body too large: 413", async function () {
    expectError(
      await raw(gw.url, "/v1/completions", { key, body: "{ not json" }),
      400,
      "request_invalid",
      /not valid JSON/,
    );
    expectError(await raw(gw.url, "/v1/completions", { key, body: "" }), 400, "request_invalid", /no body/);
    expectError(
      await raw(gw.url, "/v1/completions", { key, body: "[1, 2]" }),
      400,
      "request_invalid",
      /must be a JSON object/,
    );
    const big = JSON.stringify({ model: ids.fresh.toString(), prompt: "x ".repeat(40_000) });
    expectError(
      await raw(gw.url, "/v1/completions", { key, body: big }),
      413,
      "request_too_large",
      /larger than 65536 bytes/,
    );
  });

  it("a prompt too long (400 prompt_too_long) or empty; max_tokens out of range; parameters the engine cannot honour: 400", async function () {
    const model = ids.fresh.toString();
    expectError(
      await complete({ model, prompt: "word ".repeat(201) }),
      400,
      "prompt_too_long",
      /201 tokens; this gateway takes at most 200/,
    );
    expectError(await complete({ model, prompt: "   " }), 400, "request_invalid", /no tokens/);
    expectError(
      await complete({ model, prompt: "hi", max_tokens: 0 }),
      400,
      "request_invalid",
      /"max_tokens" must be an integer in 1\.\.500/,
    );
    expectError(
      await complete({ model, prompt: "hi", max_tokens: 501 }),
      400,
      "request_invalid",
      /"max_tokens" must be an integer in 1\.\.500/,
    );
    expectError(await complete({ model, prompt: "hi", max_tokens: 2.5 }), 400, "request_invalid", /max_tokens/);
    expectError(
      await complete({ model, prompt: "hi", temperature: 3 }),
      400,
      "request_invalid",
      /"temperature" must be a number in 0\.\.2/,
    );
    expectError(await complete({ model, prompt: "hi", n: 2 }), 400, "request_invalid", /"n" is not supported/);
    expectError(
      await complete({ model, prompt: "hi", logprobs: 3 }),
      400,
      "request_invalid",
      /"logprobs" is not supported/,
    );
    expectError(
      await raw(gw.url, "/v1/chat/completions", { key, body: JSON.stringify({ model, messages: [] }) }),
      400,
      "request_invalid",
      /"messages" must be a non-empty list/,
    );
    const error = await client(gw.url, key)
      .completions.create({ model, prompt: "hi", max_tokens: 501 })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(OpenAI.BadRequestError);
  });

  it("no API key, a malformed one, an unknown one: 401 api_key_invalid", async function () {
    const body = JSON.stringify({ model: ids.fresh.toString(), prompt: "hi" });
    expectError(await raw(gw.url, "/v1/completions", { body }), 401, "api_key_invalid", /no API key/);
    expectError(await raw(gw.url, "/v1/completions", { body, key: "sk-123" }), 401, "api_key_invalid", /malformed/);
    expectError(
      await raw(gw.url, "/v1/completions", { body, key: `poa_${"ab".repeat(32)}` }),
      401,
      "api_key_invalid",
      /not bound/,
    );
    const error = await client(gw.url, "sk-wrong")
      .completions.create({ model: ids.fresh.toString(), prompt: "hi" })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(OpenAI.AuthenticationError);
  });

  it("insufficient credit: 402 before any work (no model loaded, no record, no charge)", async function () {
    const model = world.models.adapters[5]!;
    const loadsBefore = (gw.status().models as { coldLoads: number }).coldLoads;
    const before = await records();
    const answer = await complete({ model: model.toString(), prompt: "hello there", max_tokens: 50 }, poorKey);
    expectError(answer, 402, "credit_insufficient", /has 1 available/);
    const details = (answer.body.error as { poa: { details: Record<string, string> } }).poa.details;
    expect(details.depositTo).to.equal(gw.address);
    expect((gw.status().models as { coldLoads: number }).coldLoads).to.equal(loadsBefore);
    expect(await records()).to.equal(before);
    expect((await raw(gw.url, "/v1/credit", { key: poorKey })).body.charged).to.equal("0");
  });

  it("a fee above the request's max_fee: 400 fee_above_max, before any work; within it: served", async function () {
    const model = ids.fresh.toString();
    const before = await records();
    expectError(
      await complete({ model, prompt: "hello there", max_tokens: 50, max_fee: "1" }),
      400,
      "fee_above_max",
      /above its max_fee 1/,
    );
    expect(await records()).to.equal(before);
    expectError(await complete({ model, prompt: "hi", max_fee: "-5" }), 400, "request_invalid", /max_fee/);
    const ok = await complete({ model, prompt: "hello there", max_tokens: 50, max_fee: (10n ** 18n).toString() });
    expect(ok.status).to.equal(200);
  });

  it("too many concurrent requests for one key: 429 rate_limited (the others are served)", async function () {
    const model = ids.fresh.toString();
    // Requests stay in progress while the database is busy (their records wait to be written):
    // hold it for a moment, and six requests of one key (limit 2) arrive meanwhile.
    const hold = gw.db.transaction(() => new Promise((r) => setTimeout(r, 1_500)));
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => complete({ model, prompt: `request number ${i} is about`, max_tokens: 20 })),
    );
    await hold;
    expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 200, 429, 429, 429, 429]);
    const limited = answers.find((a) => a.status === 429)!;
    expectError(limited, 429, "rate_limited", /already has 2 requests in progress \(the limit is 2\)/);
    expect(limited.headers.get("retry-after")).to.equal("1");
    // Another key is not limited by this one.
    const hold2 = gw.db.transaction(() => new Promise((r) => setTimeout(r, 500)));
    const [a, b] = await Promise.all([complete({ model, prompt: "one" }), complete({ model, prompt: "two" }, poorKey)]);
    await hold2;
    expect(a.status).to.equal(200);
    expect(b.status).to.equal(402, "the other key's own limit, not this one's: refused for its credit");
  });

  it("unknown endpoints and methods: 404 / 400, in the same error shape", async function () {
    expectError(
      await raw(gw.url, "/v1/embeddings", { key, body: "{}" }),
      404,
      "not_found",
      /no endpoint POST \/v1\/embeddings/,
    );
    expectError(
      await raw(gw.url, "/v1/completions", { key }),
      400,
      "request_invalid",
      /GET is not allowed on \/v1\/completions/,
    );
    expectError(await raw(gw.url, "/v1/attribution/0x1234", { key }), 400, "request_invalid", /not a request hash/);
  });
});
