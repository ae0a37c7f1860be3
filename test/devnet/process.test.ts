import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

import { isAlive, type DevnetProcess } from "../../src/devnet/addresses.js";
import { startAnvil } from "../../src/devnet/anvil.js";
import { TEST_MNEMONIC } from "../../src/devnet/config.js";
import { startDevnet } from "../../src/devnet/devnet.js";
import { freePort, isPortFree } from "../../src/devnet/ports.js";
import { PoaError } from "../../src/core/errors.js";
import { CHAIN_ID, provider } from "../store/support/chain.js";
import { tempDir } from "../support/temp.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Starts a child process and resolves once `marker` appears on its stdout. */
function startUntil(args: string[], marker: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${marker}" within 30 s:\n${output}`)), 30_000);
    const check = () => {
      if (output.includes(marker)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!output.includes(marker)) reject(new Error(`exited with ${code} before "${marker}":\n${output}`));
    });
  });
}

/** The chains' states folders (`<log name>-states-XXXXXX`) in a folder. */
const statesFolders = (folder: string): string[] => readdirSync(folder).filter((name) => /-states-/.test(name));

async function waitUntil(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("devnet processes: nothing is left running", function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(() => {
    dir = tempDir("poa-devnet-proc-");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function startCli() {
    const [l1Port, l2Port] = [await freePort(), await freePort()];
    const args = ["bin/poa.mjs", "devnet", "--l1-port", String(l1Port), "--l2-port", String(l2Port), "--dir", dir];
    const started = await startUntil(args, "Devnet ready");
    const proc = JSON.parse(readFileSync(join(dir, "process.json"), "utf8")) as DevnetProcess;
    expect(proc.anvilPids).to.have.length(2);
    expect(statesFolders(dir), "each chain's states folder").to.have.length(2);
    for (const pid of proc.anvilPids) expect(isAlive(pid)).to.equal(true);
    return { ...started, proc, l1Port, l2Port };
  }

  it("SIGTERM (as Ctrl-C) stops the CLI devnet and both chains, exit code 0, ports free", async function () {
    const { child, proc, l1Port, l2Port, output } = await startCli();
    const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(`${code}/${signal}`)));
    child.kill("SIGTERM");
    expect(await exited, output()).to.equal("0/null");
    for (const pid of proc.anvilPids) expect(isAlive(pid), `anvil ${pid}`).to.equal(false);
    expect(statesFolders(dir), "states folders after the stop").to.deep.equal([]);
    expect(await isPortFree("127.0.0.1", l1Port)).to.equal(true);
    expect(await isPortFree("127.0.0.1", l2Port)).to.equal(true);
  });

  it("SIGKILL of the devnet (no cleanup code can run) still leaves no chain behind", async function () {
    const { child, proc } = await startCli();
    child.kill("SIGKILL");
    await waitUntil(() => proc.anvilPids.every((pid) => !isAlive(pid)), 5_000, "the reaper stopped both anvils");
    if (proc.reaperPid !== undefined) await waitUntil(() => !isAlive(proc.reaperPid!), 5_000, "the reaper exited");
    expect(statesFolders(dir), "states folders after the reaper").to.deep.equal([]);
  });

  it("anvil writes old states into the chain's own folder, reads them back, and the folder goes with the chain", async function () {
    const files = (folder: string): number =>
      readdirSync(folder, { withFileTypes: true }).reduce(
        (n, entry) => n + (entry.isDirectory() ? files(join(folder, entry.name)) : 1),
        0,
      );
    // What a chain killed together with its reaper leaves: removed by the next start with that log.
    const left = join(dir, "chain-states-Left01");
    mkdirSync(join(left, "anvil-state-x"), { recursive: true });
    writeFileSync(join(left, "anvil-state-x", "state"), "x");
    const anvil = await startAnvil({
      name: "states",
      host: "127.0.0.1",
      port: await freePort(),
      chainId: CHAIN_ID,
      mnemonic: TEST_MNEMONIC,
      accounts: 2,
      logFile: join(dir, "chain.log"),
    });
    const rpc = provider(anvil.rpcUrl);
    const call = (method: string, params: unknown[]) => rpc.send(method, params) as Promise<string>;
    const [statesDir] = statesFolders(dir).map((name) => join(dir, name));
    try {
      expect(statesDir, "a states folder next to the log").to.match(/chain-states-/);
      expect(existsSync(left), "a killed chain's states folder").to.equal(false);
      const [from, to] = (await call("eth_accounts", [])) as unknown as [string, string];
      // Enough blocks with a transaction each that anvil moves the oldest states out of memory.
      for (let i = 0; i < 600; i++) await call("eth_sendTransaction", [{ from, to, value: "0x1" }]);
      expect(files(statesDir!), "state files written to the chain's folder").to.be.greaterThan(0);
      // A state that only the disk holds now still answers.
      const before = BigInt(await call("eth_getBalance", [to, "0x1"]));
      const after = BigInt(await call("eth_getBalance", [to, "0x5"]));
      expect(after - before).to.equal(4n);
    } finally {
      rpc.destroy();
      await anvil.stop();
    }
    expect(existsSync(statesDir!), "the states folder after the chain stopped").to.equal(false);
  });

  it("Ctrl-C during start-up (an aborted start) stops what was already started", async function () {
    for (const delay of [0, 30, 150]) {
      const [l1Port, l2Port] = [await freePort(), await freePort()];
      const abort = new AbortController();
      setTimeout(() => abort.abort(), delay);
      let error: unknown;
      const net = await startDevnet({ l1Port, l2Port, dir: join(dir, `abort-${delay}`) }, abort.signal).catch(
        (e: unknown) => {
          error = e;
          return undefined;
        },
      );
      if (net !== undefined)
        await net.stop(); // start-up finished before the abort landed
      else {
        expect(error, `abort after ${delay} ms`).to.be.instanceOf(PoaError);
        expect((error as PoaError).message).to.equal("the devnet start-up was interrupted");
      }
      expect(await isPortFree("127.0.0.1", l1Port), `L1 port after abort at ${delay} ms`).to.equal(true);
      expect(await isPortFree("127.0.0.1", l2Port), `L2 port after abort at ${delay} ms`).to.equal(true);
    }
  });

  it("a crash (uncaught exception) in a program that embeds the devnet leaves no chain behind", async function () {
    const script = join(dir, "crash.mts");
    const pidsFile = join(dir, "pids.json");
    writeFileSync(
      script,
      `import { startDevnet } from ${JSON.stringify(join(root, "src/devnet/devnet.ts"))};
       import { freePort } from ${JSON.stringify(join(root, "src/devnet/ports.ts"))};
       import { writeFileSync, readFileSync } from "node:fs";
       const net = await startDevnet({ l1Port: await freePort(), l2Port: await freePort(), dir: ${JSON.stringify(join(dir, "embedded"))} });
       writeFileSync(${JSON.stringify(pidsFile)}, readFileSync(${JSON.stringify(join(dir, "embedded", "process.json"))}));
       console.log("started");
       setTimeout(() => { throw new Error("boom"); }, 10);
      `,
    );
    const { child } = await startUntil(["--import", "tsx", script], "started");
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).to.not.equal(0);
    const proc = JSON.parse(readFileSync(pidsFile, "utf8")) as DevnetProcess;
    await waitUntil(() => proc.anvilPids.every((pid) => !isAlive(pid)), 5_000, "both anvils are gone");
  });
});
