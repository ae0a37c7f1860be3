/**
 * The commands end to end, as a user runs them: `poa serve` (the real binary) on a chain, `poa
 * serve key` binds a key, the openai client is served, Ctrl-C (SIGTERM) pays what is waiting and
 * exits 0, and `poa serve export` writes the records in the settlement's format, each of which
 * parses (`parseRecordLine`: its hash recomputed) and matches its RequestPaid event.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

import { parseRecordLine } from "../../src/settlement/record.js";
import { freshFolder, tempFolder } from "../store/support/backends.js";
import { client, raw, until } from "./support/gateway.js";
import { OPEN, startWorld, type World } from "./support/world.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const poaArgs = (args: string[]) => [join(root, "bin/poa.mjs"), ...args];

describe("poa serve, serve key, serve export (the real binary)", function () {
  this.timeout(300_000);
  let world: World;
  let serve: ChildProcess | undefined;

  before(async function () {
    world = await startWorld({ adapterDatanets: 2 });
  });
  after(async function () {
    if (serve !== undefined && serve.exitCode === null && serve.signalCode === null) serve.kill("SIGKILL");
    await world?.stop();
  });

  it("serves, binds a key, stops on SIGTERM after paying, and exports records the settlement accepts", async function () {
    const dir = tempFolder("poa-serve-cli-");
    const record = join(dir, "deployment.json");
    writeFileSync(record, JSON.stringify(world.record));
    const store = await freshFolder();
    serve = spawn(
      process.execPath,
      poaArgs([
        "serve",
        "--network",
        "gateway-test",
        "--l2-rpc",
        world.url,
        "--deployment",
        record,
        "--private-key",
        world.operatorKey,
        "--store",
        store,
        "--content",
        world.content,
        "--port",
        "0",
        "--flush-seconds",
        "0.5",
      ]),
      { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, POA_PRIVATE_KEY: "" } },
    );
    let out = "";
    let err = "";
    serve.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    serve.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => serve!.on("exit", (code) => resolve(code)));
    await until(
      () => /listening on http:\/\/127\.0\.0\.1:\d+/.test(out) || serve!.exitCode !== null,
      60_000,
      "poa serve to listen",
    );
    const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
    expect(url, `${out}\n${err}`).to.not.equal(undefined);
    expect(out).to.contain(`Deposit OPEN to ${world.operator}`);

    const keyRun = spawnSync(process.execPath, poaArgs(["serve", "key", "--gateway", url!]), {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, POA_PRIVATE_KEY: world.users[3]!.privateKey },
    });
    expect(keyRun.status, keyRun.stderr).to.equal(0);
    const key = keyRun.stdout.trim();
    expect(key).to.match(/^poa_[0-9a-f]{64}$/);
    expect(keyRun.stderr).to.contain(`Bound to ${world.users[3]!.address}`);
    await world.deposit(3, 5n * OPEN);
    await until(
      async () => (await raw(url!, "/v1/credit", { key })).body.available === (5n * OPEN).toString(),
      20_000,
      "credit",
    );

    const c = client(url!, key);
    const hashes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await c.completions.create({
        model: world.models.adapters[0]!.toString(),
        prompt: `Export check ${i}`,
        max_tokens: 10,
      });
      hashes.push((r as unknown as { poa: { request_hash: string } }).poa.request_hash);
    }
    serve.kill("SIGTERM");
    expect(await exited, err).to.equal(0);
    expect(out).to.match(/Gateway stopped \(SIGTERM\): 5 requests paid this run, 0 waiting\./);

    const file = join(dir, "records.jsonl");
    const exported = spawnSync(process.execPath, poaArgs(["serve", "export", "--store", store, "--out", file]), {
      cwd: root,
      encoding: "utf8",
    });
    expect(exported.status, exported.stderr).to.equal(0);
    expect(exported.stderr).to.contain("Exported 5 record(s)");
    const lines = readFileSync(file, "utf8").trim().split("\n");
    const parsed = lines.map((line, i) => parseRecordLine(JSON.parse(line), file, i + 1));
    expect(parsed.map((p) => p.requestHash).sort()).to.deep.equal([...hashes].sort());
    for (const p of parsed) {
      const [event] = await world.router.queryFilter(world.router.filters.RequestPaid(undefined, p.requestHash));
      expect(event!.args.payer).to.equal(p.payer);
      expect(event!.args.tokensIn).to.equal(BigInt(p.tokensIn));
      expect(event!.args.tokensOut).to.equal(BigInt(p.tokensOut));
    }
    // The block range selects by payment block.
    const block = (await world.router.queryFilter(world.router.filters.RequestPaid(undefined, hashes[0]!)))[0]!
      .blockNumber;
    const ranged = spawnSync(
      process.execPath,
      poaArgs(["serve", "export", "--store", store, "--from-block", String(block + 1_000)]),
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(ranged.status).to.equal(0);
    expect(ranged.stdout).to.equal("");
    expect(ranged.stderr).to.contain("Exported 0 record(s)");
  });
});
