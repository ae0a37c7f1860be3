/**
 * Bad input, as a new user types it, against the real `poa` binary. For every row: the exit code,
 * a first stderr line that says what is wrong, no stack frame anywhere in the output, and, where
 * the command failed before acting, no change of state (files, chain).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import { deployToNetwork } from "../../src/context/deploy.js";
import { resolveNetwork } from "../../src/context/network.js";
import { startDevnet, type Devnet } from "../../src/devnet/devnet.js";
import { freePort } from "../../src/devnet/ports.js";
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
    env: { ...process.env, POA_DEBUG: "", POA_PRIVATE_KEY: "" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit code, a first stderr line `error: …` matching `what`, and no stack frame anywhere. */
function expectRefused(r: Result, code: number, what: RegExp): void {
  const firstLine = r.stderr.split("\n")[0] ?? "";
  expect(r.code, `${r.stderr}\n${r.stdout}`).to.equal(code);
  expect(firstLine, r.stderr).to.match(/^error: /);
  expect(firstLine, r.stderr).to.match(what);
  expect(r.stderr + r.stdout, "no stack trace").to.not.match(STACK_FRAME);
}

describe("poa with bad input: clear errors, right exit codes, no stack traces, nothing changed", function () {
  this.timeout(120_000);
  const scratch = tempDir("poa-bad-input-");
  after(function () {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe("without a chain", function () {
    const corpus = "examples/attribution/corpus.jsonl";
    const outputs = "examples/attribution/outputs.jsonl";
    const spans = (...extra: string[]) => [
      "attribute",
      "--method",
      "spans",
      "--corpus",
      corpus,
      "--outputs",
      outputs,
      "--out",
      join(scratch, "spans.json"),
      ...extra,
    ];
    const rows: { args: () => string[]; code: number; what: RegExp }[] = [
      { args: () => ["bridge", "deposit", "abc"], code: 2, what: /<amount>: "abc" is not an amount/ },
      { args: () => ["bridge", "deposit", "-5"], code: 2, what: /<amount> must be positive \(got "-5"\)/ },
      { args: () => ["bridge", "deposit"], code: 2, what: /missing <amount>/ },
      { args: () => ["bridge", "deposit", "1", "2"], code: 2, what: /unexpected argument "2"/ },
      { args: () => ["bridge", "deposit", "1.0000000000000000001"], code: 2, what: /more than 18 decimals/ },
      {
        args: () => ["datanet", "verify", "--datanet", "-1"],
        code: 2,
        what: /--datanet must be positive \(got "-1"\)/,
      },
      { args: () => ["datanet", "verify", "--datanet", "1.5"], code: 2, what: /--datanet must be a whole number/ },
      { args: () => spans("--pool", "-5"), code: 2, what: /--pool must not be negative \(got "-5"\)/ },
      {
        args: () => spans("--pool", (2n ** 256n).toString()),
        code: 2,
        what: /--pool is larger than a uint256 can hold/,
      },
      { args: () => spans("--lambda", "0.1"), code: 2, what: /--lambda only applies with --method influence/ },
      { args: () => spans("--min-span", "-3"), code: 2, what: /--min-span must be positive \(got "-3"\)/ },
      {
        args: () => ["attribute", "--method", "magic", "--out", "x"],
        code: 2,
        what: /--method must be one of spans, influence/,
      },
      { args: () => ["devnet", "--l2-port", "70000"], code: 2, what: /--l2-port must be at most 65535/ },
      { args: () => ["devnet", "--l1-port", "-1"], code: 2, what: /--l1-port must be positive/ },
      {
        args: () => ["devnet", "--dir", "package.json"],
        code: 1,
        what: /package\.json is a file, but the devnet state folder/,
      },
      { args: () => ["devnet", "--dir", "/proc/x"], code: 1, what: /\/proc\/x is inside \/proc, a kernel file system/ },
      { args: () => ["devnet", "--dir", "/sys/x"], code: 1, what: /\/sys\/x is inside \/sys, a kernel file system/ },
      {
        args: () => ["demo", "--deposit", "10", "--withdraw", "5", "--dir", join(scratch, "demo")],
        code: 1,
        what: /the demo needs at least 30,005 OPEN on L2 .* but deposits only 10/,
      },
      {
        args: () => ["bridge", "deposit", "1", "--dir", join(scratch, "nothing")],
        code: 1,
        what: /no devnet addresses at/,
      },
      {
        args: () => ["bridge", "deposit", "1", "--private-key", "0x12"],
        code: 2,
        what: /private key must be 0x followed by 64 hex digits/,
      },
      { args: () => ["frobnicate"], code: 2, what: /unknown command "frobnicate"/ },
      {
        args: () => ["index", "build", "--corpus", join(scratch, "none.jsonl"), "--out", join(scratch, "idx")],
        code: 1,
        what: /cannot read .*none\.jsonl/,
      },
    ];
    for (const row of rows) {
      it(`poa ${row.args().join(" ").replace(scratch, "<tmp>")}`, function () {
        expectRefused(poa(row.args(), 20_000), row.code, row.what);
      });
    }

    it("refuses a damaged .devnet/addresses.json for bridge, deploy and verify, naming the file", function () {
      const dir = join(scratch, "damaged");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "addresses.json"), "{ not json");
      for (const args of [
        ["bridge", "deposit", "1", "--dir", dir],
        ["devnet", "deploy", "--dir", dir, "--out", join(scratch, "never.json")],
        ["datanet", "verify", "--datanet", "1", "--dir", dir],
      ]) {
        const r = poa(args);
        expectRefused(r, 1, /addresses\.json is damaged \(not valid JSON\)/);
        expect(r.stderr).to.contain("npx poa devnet stop");
      }
      expect(existsSync(join(scratch, "never.json"))).to.equal(false);
    });
  });

  describe("with a devnet", function () {
    let net: Devnet;
    let dir: string;
    let record: string;
    let l2: JsonRpcProvider;

    before(async function () {
      dir = join(scratch, "devnet");
      net = await startDevnet({ dir, l1Port: await freePort(), l2Port: await freePort() });
      record = join(scratch, "deployment.json");
      const context = await resolveNetwork({ devnetDir: dir, deploymentFile: record });
      await deployToNetwork(context);
      context.close();
      l2 = new JsonRpcProvider(net.addresses.l2Rpc, net.addresses.l2ChainId, { staticNetwork: true });
    });
    after(async function () {
      l2?.destroy();
      await net?.stop();
    });

    const withNet = (...args: string[]) => [...args, "--dir", dir, "--deployment", record];
    const account0 = () => net.accounts[0]!.address;

    it("bridge deposit/withdraw --eth beyond the balance: INSUFFICIENT_FUNDS in a sentence, nothing sent", async function () {
      const nonce = await l2.getTransactionCount(account0());
      expectRefused(
        poa(withNet("bridge", "deposit", "100000", "--eth")),
        1,
        /deposit ETH: the account holds [\d,.]+ ETH, less than the 100,000 ETH needed/,
      );
      expectRefused(
        poa(withNet("bridge", "withdraw", "100000", "--eth")),
        1,
        /withdraw ETH: the account holds .* ETH on L2, less than the 100,000 ETH on L2 needed/,
      );
      expect(await l2.getTransactionCount(account0())).to.equal(nonce);
    });

    it("--deployment that is malformed JSON, a folder, or names a wrong L2 token", function () {
      const malformed = join(scratch, "malformed.json");
      writeFileSync(malformed, "{ nope");
      expectRefused(
        poa(["bridge", "deposit", "1", "--dir", dir, "--deployment", malformed]),
        1,
        /malformed\.json is not valid JSON/,
      );
      expectRefused(
        poa(["bridge", "deposit", "1", "--dir", dir, "--deployment", scratch]),
        1,
        /is a folder, not a deployment record/,
      );
      const wrong = JSON.parse(readFileSync(record, "utf8")) as { contracts: Record<string, { address: string }> };
      wrong.contracts.L2OpenToken!.address = wrong.contracts.DatanetRegistry!.address;
      const wrongFile = join(scratch, "wrong-token.json");
      writeFileSync(wrongFile, JSON.stringify(wrong));
      expectRefused(
        poa(["bridge", "deposit", "1", "--dir", dir, "--deployment", wrongFile]),
        1,
        /cannot be bridged: the L2 token is not an OptimismMintableERC20/,
      );
    });

    it("devnet deploy --out a folder, or an unwritable path: refused before anything is deployed", async function () {
      const nonce = await l2.getTransactionCount(account0());
      expectRefused(
        poa(["devnet", "deploy", "--dir", dir, "--out", scratch]),
        1,
        /the deployment record .* is a folder, not a file/,
      );
      expectRefused(
        poa(["devnet", "deploy", "--dir", dir, "--out", "/sys/x.json"]),
        1,
        /inside \/sys, a kernel file system/,
      );
      expect(await l2.getTransactionCount(account0())).to.equal(nonce, "nothing was deployed");
    });

    it("bridge finalize of a hash that is no withdrawal", function () {
      expectRefused(poa(withNet("bridge", "finalize", `0x${"ab".repeat(32)}`)), 1, /no L2 transaction 0x(ab){32}/);
      expectRefused(poa(withNet("bridge", "finalize", "0x1234")), 2, /<l2-tx-hash> must be 0x and 64 hex digits/);
    });

    it("a devnet already running from the folder is named, not mistaken for taken ports", function () {
      const r = poa(["devnet", "--dir", dir]);
      expectRefused(r, 1, /a devnet is already running from/);
      expect(r.stderr).to.contain("npx poa devnet stop");
    });
  });
});
