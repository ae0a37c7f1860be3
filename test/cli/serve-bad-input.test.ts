/**
 * `poa serve` (and `serve export`, `serve key`) with bad input, against the real `poa` binary: the
 * exit code, a first stderr line that says what is wrong, a hint that names the flag to change,
 * no stack frame anywhere, and nothing started or changed.
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

import type { RunningGateway } from "../../src/gateway/index.js";
import { freshFolder } from "../store/support/backends.js";
import { startTestGateway } from "../gateway/support/gateway.js";
import { ACCOUNTS, startWorld, type World } from "../gateway/support/world.js";
import { tempDir } from "../support/temp.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const STACK_FRAME = /^\s+at\s.+[(:]/m;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function poa(args: readonly string[], timeout = 60_000): Result {
  const r = spawnSync(process.execPath, [join(root, "bin/poa.mjs"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout,
    env: { ...process.env, POA_DEBUG: "", POA_PRIVATE_KEY: "", POA_BACKEND_KEY: "" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectRefused(r: Result, code: number, what: RegExp, hint?: RegExp): void {
  const [first = "", second = ""] = r.stderr.split("\n");
  expect(r.code, `${r.stderr}\n${r.stdout}`).to.equal(code);
  expect(first, r.stderr).to.match(/^error: /);
  expect(first, r.stderr).to.match(what);
  if (hint !== undefined) expect(second, r.stderr).to.match(hint);
  expect(r.stderr + r.stdout, "no stack trace").to.not.match(STACK_FRAME);
}

describe("poa serve with bad input: clear errors, right exit codes, no stack traces", function () {
  this.timeout(300_000);
  const scratch = tempDir("poa-serve-bad-");
  after(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe("without a chain", function () {
    const key = `0x${"11".repeat(32)}`;
    const rows: { args: string[]; code: number; what: RegExp; hint?: RegExp }[] = [
      {
        args: ["serve", "--port", "70000"],
        code: 2,
        what: /--port must be at most 65535 \(got "70000"\)/,
        hint: /npx poa serve --help/,
      },
      { args: ["serve", "--port", "-1"], code: 2, what: /--port must not be negative/ },
      { args: ["serve", "--batch-size", "0"], code: 2, what: /--batch-size must be positive/ },
      { args: ["serve", "--batch-size", "501"], code: 2, what: /--batch-size must be at most 500/ },
      { args: ["serve", "--flush-seconds", "0"], code: 2, what: /--flush-seconds must be at least 0\.05/ },
      { args: ["serve", "--flush-seconds", "soon"], code: 2, what: /--flush-seconds must be a number/ },
      { args: ["serve", "--max-backlog", "0"], code: 2, what: /--max-backlog must be positive/ },
      { args: ["serve", "--memory-budget", "0"], code: 2, what: /--memory-budget must be positive/ },
      { args: ["serve", "--max-body", "10"], code: 2, what: /--max-body must be at least 1024/ },
      { args: ["serve", "--max-tokens", "5000"], code: 2, what: /--max-tokens must be at most 4096/ },
      {
        args: ["serve", "--backend", "ftp://127.0.0.1/x"],
        code: 2,
        what: /--backend must be an http:\/\/ or https:\/\/ URL/,
      },
      { args: ["serve", "--backend", "not a url"], code: 2, what: /--backend is not a URL/ },
      {
        args: ["serve", "--engine", "--backend", "http://127.0.0.1:1"],
        code: 2,
        what: /--engine serves models itself: it takes no --backend/,
      },
      { args: ["serve", "--private-key", "0x12"], code: 2, what: /private key must be 0x followed by 64 hex digits/ },
      {
        args: ["serve", "--dir", join(scratch, "no-devnet")],
        code: 1,
        what: /no devnet addresses at/,
        hint: /npx poa devnet/,
      },
      { args: ["serve", "--network", "sepolia"], code: 2, what: /network "sepolia" needs its L2 RPC URL/ },
      {
        args: ["serve", "--network", "elsewhere", "--l2-rpc", "http://127.0.0.1:1"],
        code: 3,
        what: /cannot reach a JSON-RPC node at http:\/\/127\.0\.0\.1:1/,
        hint: /--l2-rpc/,
      },
      {
        args: ["serve", "--engine", "--content", "/proc/poa-content", "--port", "0"],
        code: 1,
        what: /\/proc\/poa-content.* is inside \/proc, a kernel file system/,
      },
      {
        args: ["serve", "export", "--store", join(scratch, "nothing")],
        code: 2,
        what: /is not a gateway store \(no database in it\)/,
        hint: /--store/,
      },
      { args: ["serve", "export", "--all", "--from-block", "3"], code: 2, what: /--all exports unpaid records too/ },
      { args: ["serve", "export", "--to-block", "-4"], code: 2, what: /--to-block must not be negative/ },
      { args: ["serve", "key"], code: 2, what: /missing --private-key/ },
      {
        args: ["serve", "key", "--private-key", key, "--gateway", "http://127.0.0.1:1"],
        code: 3,
        what: /cannot reach the gateway at http:\/\/127\.0\.0\.1:1/,
      },
      { args: ["serve", "frobnicate"], code: 2, what: /unexpected argument "frobnicate"/ },
    ];
    for (const row of rows) {
      it(`poa ${row.args.join(" ").replace(scratch, "<tmp>")}`, function () {
        expectRefused(poa(row.args, 30_000), row.code, row.what, row.hint);
      });
    }
  });

  describe("with a chain", function () {
    let world: World;
    let gw: RunningGateway;
    let record: string;
    let store: string;
    const withChain = (...args: string[]) => [
      ...args,
      "--network",
      "gateway-test",
      "--l2-rpc",
      world.url,
      "--deployment",
      record,
      "--content",
      world.content,
    ];

    before(async function () {
      world = await startWorld({ adapterDatanets: 2, tabular: false });
      record = join(scratch, "deployment.json");
      writeFileSync(record, JSON.stringify(world.record));
      store = await freshFolder();
      gw = await startTestGateway(world, { store });
    });
    after(async function () {
      await gw?.stop();
      await world?.stop();
    });

    it("a store held by a running gateway: exit 3, naming the holder and what to do", function () {
      const r = poa(withChain("serve", "--store", store, "--private-key", world.operatorKey, "--port", "0"));
      expectRefused(
        r,
        3,
        /locked|held|in use/i,
        /stop that `poa serve` first, or run the gateway with --store postgres/,
      );
      expectRefused(
        poa(["serve", "export", "--store", store]),
        3,
        /locked|held|in use/i,
        /stop that `poa serve` first/,
      );
    });

    it("the port of a running gateway: exit 1, naming --port", async function () {
      const port = String(new URL(gw.url).port);
      const r = poa(
        withChain("serve", "--store", await freshFolder(), "--private-key", world.operatorKey, "--port", port),
      );
      expectRefused(r, 1, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`), /--port <port>/);
    });

    it("a store that belongs to another operator: exit 1, naming --store", async function () {
      const other = await freshFolder();
      const first = await startTestGateway(world, { store: other, privateKey: ACCOUNTS[20]!.privateKey });
      await first.stop();
      const r = poa(withChain("serve", "--store", other, "--private-key", world.operatorKey, "--port", "0"));
      expectRefused(
        r,
        1,
        /this gateway store belongs to chain .* operator 0x[0-9a-f]{40}, not/,
        /pass another --store/,
      );
    });

    it("a deployment record of another chain: exit 1", function () {
      const wrong = { ...world.record, l2Genesis: `0x${"ab".repeat(32)}` };
      const file = join(scratch, "wrong-chain.json");
      writeFileSync(file, JSON.stringify(wrong));
      const r = poa([
        "serve",
        "--network",
        "gateway-test",
        "--l2-rpc",
        world.url,
        "--deployment",
        file,
        "--private-key",
        world.operatorKey,
        "--port",
        "0",
      ]);
      expectRefused(r, 1, /genesis|another chain|was written for/i);
    });

    it("a deployment record without the FeeRouter: exit 1, naming the record", function () {
      const partial = JSON.parse(JSON.stringify(world.record)) as { contracts: Record<string, unknown> };
      delete partial.contracts.FeeRouter;
      const file = join(scratch, "partial.json");
      writeFileSync(file, JSON.stringify(partial));
      const r = poa([
        "serve",
        "--network",
        "gateway-test",
        "--l2-rpc",
        world.url,
        "--deployment",
        file,
        "--private-key",
        world.operatorKey,
        "--port",
        "0",
      ]);
      expectRefused(r, 1, /partial\.json has no FeeRouter/);
    });
  });
});
