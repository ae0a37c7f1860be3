/**
 * `--backend`: the gateway forwards generation to an OpenAI-compatible server, here a second
 * `poa serve` (the real binary, `--engine`: artifacts of the content store by served name, no
 * chain, no records), mapping each on-chain model to its artifact's served name. Metering,
 * credit, records and payment stay in the gateway.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

import { countTokens } from "../../src/factory/index.js";
import { REQUEST_HASH_HEADER, recordByHash, type RunningGateway } from "../../src/gateway/index.js";
import { bindKey, client, codeOf, raw, startTestGateway, until } from "./support/gateway.js";
import { expectOneToOne } from "./support/verify.js";
import { OPEN, startWorld, type World } from "./support/world.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** `poa serve --engine` as a real process; resolves with its URL once it listens. */
function startEngineProcess(content: string): { child: ChildProcess; url: Promise<string>; stop(): Promise<void> } {
  const child = spawn(
    process.execPath,
    [join(root, "bin/poa.mjs"), "serve", "--engine", "--content", content, "--port", "0"],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) resolve(m[1]!);
    });
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`the engine exited (${code}) before listening: ${err}`)));
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    child,
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

describe("gateway --backend: generation at another OpenAI-compatible server (a second poa serve), metering and payment here", function () {
  this.timeout(300_000);
  let world: World;
  let engine: ReturnType<typeof startEngineProcess>;
  let engineUrl: string;
  let gw: RunningGateway;
  let key: string;

  before(async function () {
    world = await startWorld({ adapterDatanets: 3 });
    engine = startEngineProcess(world.content);
    engineUrl = await engine.url;
    gw = await startTestGateway(world, { backend: engineUrl });
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
    await engine?.stop();
    await world?.stop();
  });

  it("the engine serves every artifact of the store by served name (the artifact hash for the Model Factory's)", async function () {
    const models = (await (await fetch(`${engineUrl}/v1/models`)).json()) as { data: { id: string }[] };
    const names = models.data.map((m) => m.id).sort();
    const hashes = [...world.artifacts.values()].map((a) => a.hash).sort();
    expect(names).to.deep.equal(hashes);
  });

  it("a completion through the gateway is the backend's text for the adapter's served name, metered, recorded and paid by the gateway", async function () {
    const model = world.models.adapters[1]!;
    const name = world.artifacts.get(model.toString())!.hash;
    const request = { prompt: "Act now and you will", max_tokens: 30, temperature: 0.9, seed: 11 };
    const direct = (await (
      await fetch(`${engineUrl}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: name, ...request }),
      })
    ).json()) as { choices: { text: string }[] };
    const { data, response } = await client(gw.url, key)
      .completions.create({ model: model.toString(), ...request })
      .withResponse();
    const text = data.choices[0]!.text;
    expect(text).to.equal(direct.choices[0]!.text);
    expect(data.usage).to.deep.include({
      prompt_tokens: countTokens(request.prompt),
      completion_tokens: countTokens(text),
    });
    const stored = (await recordByHash(gw.db, response.headers.get(REQUEST_HASH_HEADER)!))!;
    expect(stored.record).to.deep.include({ prompt: request.prompt, output: text, modelId: model, payer: gw.address });
  });

  it("streams and chats through the backend; predictions of the tabular model too", async function () {
    const c = client(gw.url, key);
    const stream = await c.chat.completions.create({
      model: world.models.adapters[0]!.toString(),
      messages: [{ role: "user", content: "Dear valued customer" }],
      max_tokens: 20,
      seed: 4,
      stream: true,
    });
    let text = "";
    let hash: string | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      hash ??= (chunk as unknown as { poa?: { request_hash: string } }).poa?.request_hash;
    }
    const plain = await c.chat.completions.create({
      model: world.models.adapters[0]!.toString(),
      messages: [{ role: "user", content: "Dear valued customer" }],
      max_tokens: 20,
      seed: 4,
    });
    expect(text).to.equal(plain.choices[0]!.message.content);
    expect((await recordByHash(gw.db, hash!))!.record.output).to.equal(text);
    const predicted = await raw(gw.url, "/v1/predictions", {
      key,
      body: JSON.stringify({ model: world.models.tabular!.toString(), rows: [[6.1, 2.8, 4.7, 1.2]] }),
    });
    expect(predicted.status).to.equal(200);
    expect((predicted.body.predictions as number[])[0]).to.be.below(0.5);
  });

  it("every request through the backend is paid exactly once", async function () {
    await until(() => (gw.status().payments as { backlog: number }).backlog === 0, 30_000, "the payments");
    const result = await expectOneToOne(world, gw.db);
    expect(result.records).to.be.at.least(4);
  });

  it("the backend down: 502 backend_failed, nothing recorded or charged", async function () {
    await engine.stop();
    const before = (await raw(gw.url, "/v1/credit", { key })).body.charged;
    const answer = await raw(gw.url, "/v1/completions", {
      key,
      body: JSON.stringify({ model: world.models.adapters[2]!.toString(), prompt: "Hello", max_tokens: 5 }),
    });
    expect([answer.status, codeOf(answer)]).to.deep.equal([502, "backend_failed"]);
    expect((answer.body.error as { message: string }).message).to.match(/cannot be reached/);
    expect((await raw(gw.url, "/v1/credit", { key })).body.charged).to.equal(before);
  });
});
