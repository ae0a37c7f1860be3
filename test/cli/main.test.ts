import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

const poa = fileURLToPath(new URL("../../bin/poa.mjs", import.meta.url));

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [poa, ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("poa command line (bin/poa.mjs)", function () {
  this.timeout(60_000);

  it("prints the overview on --help (exit 0) and on no arguments (stderr, exit 2)", function () {
    const help = run("--help");
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain("Usage: poa <command>");
    const bare = run();
    expect(bare.code).to.equal(2);
    expect(bare.stderr).to.contain("Usage: poa <command>");
    expect(bare.stdout).to.equal("");
  });

  it("has --help on every command", function () {
    for (const line of run("--help")
      .stdout.split("\n")
      .filter((l) => l.startsWith("  "))) {
      const name = line.trim().split(/\s{2,}/)[0]!;
      const result = run(...name.split(" "), "--help");
      expect(result.code, name).to.equal(0);
      expect(result.stdout, name).to.match(/Usage:/);
    }
  });

  it("rejects an unknown command with exit 2 and a hint", function () {
    const result = run("frobnicate");
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('unknown command "frobnicate"');
    expect(result.stderr).to.contain("npx poa --help");
  });

  it("lists the subcommands of a group word", function () {
    const result = run("index");
    expect(result.code).to.equal(0);
    expect(result.stdout).to.contain("index build");
  });

  it("rejects stray positional arguments and unknown options, pointing at the command's help", function () {
    const stray = run("attribute", "--method", "spans", "stray");
    expect(stray.code).to.equal(2);
    expect(stray.stderr).to.contain("stray");
    expect(stray.stderr).to.contain("npx poa attribute --help");
    const unknown = run("attribute", "--nope");
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain("--nope");
  });
});
