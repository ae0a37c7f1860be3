/**
 * `poa datanet verify` end to end against a real JSON-RPC node: anvil (started here on
 * 127.0.0.1, stopped here), the registry deployed over HTTP, the CLI reading the logs back.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";

import { expect } from "chai";
import { JsonRpcProvider, keccak256, toBeHex, type Signer } from "ethers";

import { deployL2OpenToken } from "../../deploy/tokens.js";
import { DEFAULT_DATANET_PARAMS, deployDatanetRegistry } from "../../deploy/datanets.js";
import { main } from "../../src/cli/main.js";
import { commitAndSubmit, nextVersion, fetchDatanetHistory } from "../../src/datanet/index.js";

const BRIDGE = "0x4200000000000000000000000000000000000010";

async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return { code: await main(argv), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("poa datanet verify against anvil over HTTP", function () {
  let anvil: ChildProcess | undefined;
  let provider: JsonRpcProvider;
  let url: string;

  before(async function () {
    // Port 0: anvil picks a free port and prints it, so parallel runs never collide.
    const bin = createRequire(import.meta.url).resolve("@foundry-rs/anvil/bin.mjs");
    anvil = spawn(process.execPath, [bin, "--host", "127.0.0.1", "--port", "0"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    url = await new Promise<string>((resolve, reject) => {
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`anvil did not start: ${seen}`)), 30_000);
      anvil!.stdout!.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /Listening on (127\.0\.0\.1:\d+)/.exec(seen);
        if (match) {
          clearTimeout(timer);
          resolve(`http://${match[1]}`);
        }
      });
      anvil!.on("exit", (code) => reject(new Error(`anvil exited with ${code}: ${seen}`)));
    });
    anvil.stdout!.resume(); // keep draining its log so it never blocks on a full pipe
    provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50 });
  });

  after(function () {
    provider?.destroy();
    if (anvil?.pid !== undefined) anvil.kill("SIGTERM");
  });

  it("exits 0 while every version is right, 1 once one is wrong, 3 when it could not check", async function () {
    const signer = (i: number): Promise<Signer> => provider.getSigner(i);
    const [deployer, owner, curator, alice] = await Promise.all([signer(0), signer(1), signer(2), signer(3)]);
    const open = await deployL2OpenToken(deployer, "0x000000000000000000000000000000000000dEaD");
    const registry = await deployDatanetRegistry(deployer, {
      token: await open.getAddress(),
      treasury: await deployer.getAddress(),
      governance: await deployer.getAddress(),
    });
    await provider.send("anvil_impersonateAccount", [BRIDGE]);
    await provider.send("anvil_setBalance", [BRIDGE, "0xde0b6b3a7640000"]);
    const bridge = await provider.getSigner(BRIDGE);
    for (const who of [curator, alice]) {
      await (
        await open.connect(bridge).mint(await who.getAddress(), 10_000n * 10n ** 18n, { gasLimit: 500_000n })
      ).wait();
      await (await open.connect(who).approve(await registry.getAddress(), 10_000n * 10n ** 18n)).wait();
    }
    const wait = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
    await wait(registry.connect(owner).createDatanet(0, "ipfs://d", { ...DEFAULT_DATANET_PARAMS, quorum: 1n }));
    await wait(registry.connect(owner).appointCurator(1n, await curator.getAddress()));
    await wait(registry.connect(curator).depositCuratorBond(1n, 1_000n * 10n ** 18n));
    for (let i = 1; i <= 3; i++) {
      await commitAndSubmit(registry.connect(alice), {
        datanetId: 1n,
        contentHash: keccak256(toBeHex(i, 32)),
        uri: `ipfs://${i}`,
        sizeBytes: 100n,
        stake: 10n ** 19n,
      });
      await wait(registry.connect(curator).vote(BigInt(i), true));
    }
    const v1 = nextVersion(await fetchDatanetHistory(registry, 1n));
    await wait(registry.connect(owner).publishVersion(1n, v1.root, v1.count, ""));

    const args = ["datanet", "verify", "--registry", await registry.getAddress(), "--datanet", "1", "--l2-rpc", url];
    let r = await runCli([...args, "--chunk-size", "5"]);
    expect(r.code, r.out).to.equal(0);
    expect(r.out).to.equal(`Datanet 1 version 1: ok    root ${v1.root}, 3 contributions`);

    await wait(registry.connect(owner).publishVersion(1n, keccak256("0x01"), 3n, ""));
    r = await runCli(args);
    expect(r.code).to.equal(1);
    expect(r.out.split("\n")[1]).to.match(/^Datanet 1 version 2: WRONG posted root 0x5fe7f977/);

    // Could not check (exit 3, never 0 "no version published yet", never 1 "wrong").
    const head = Number(await provider.send("eth_blockNumber", [])); // uncached
    r = await runCli([...args, "--from-block", String(head + 10)]);
    expect(r.code, r.err).to.equal(3);
    expect(r.err).to.contain(`the first block ${head + 10} is after the last block ${head}`);
    await provider.send("anvil_mine", ["0x1"]);
    r = await runCli([...args, "--from-block", String(head + 1)]);
    expect(r.code, r.err).to.equal(3);
    expect(r.err).to.contain("found 0 VersionPublished event(s) for Datanet 1, but the registry records 2 version(s)");
    r = await runCli([...args, "--datanet", "7"]);
    expect(r.code, r.err).to.equal(3);
    expect(r.err).to.contain("Datanet 7 does not exist on this registry");
    r = await runCli([...args.slice(0, 3), "0x000000000000000000000000000000000000bEEF", ...args.slice(4)]);
    expect(r.code, r.err).to.equal(3);
    expect(r.err).to.contain("no contract at 0x000000000000000000000000000000000000bEEF");
    // Another contract (the token): named as not a registry, never an ethers dump.
    r = await runCli([...args.slice(0, 3), await open.getAddress(), ...args.slice(4)]);
    expect(r.code, r.err).to.equal(3);
    expect(r.err).to.contain("is not a DatanetRegistry (it does not answer datanetCount())");
    expect(r.err).to.not.match(/CALL_EXCEPTION|\n\s+at /);
    // A mistyped letter in a checksummed address is named as a checksum problem.
    const typo = (await registry.getAddress()).replace(/[a-f]/, (c) => c.toUpperCase());
    r = await runCli([...args.slice(0, 3), typo, ...args.slice(4)]);
    expect(r.code, r.err).to.equal(2);
    expect(r.err).to.contain("has a wrong EIP-55 checksum");
  });
});
