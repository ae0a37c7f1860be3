import { rmSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBeHex, type Signer } from "ethers";

import { deployL2OpenToken } from "../../deploy/tokens.js";
import { DEFAULT_DATANET_PARAMS, deployDatanetRegistry } from "../../deploy/datanets.js";
import { main } from "../../src/cli/main.js";
import { PoaError, type ErrorCode } from "../../src/core/errors.js";
import { expectPoaErrorAsync } from "../support/errors.js";
import {
  commitAndSubmit,
  fetchDatanetHistory,
  formatVersionReports,
  nextVersion,
  verifyDatanetOnChain,
} from "../../src/datanet/index.js";
import { tempDir } from "../support/temp.js";

/** Runs the CLI with console output captured. */
async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    const code = await main(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe("poa datanet verify", function () {
  it("refuses bad input with a message and a hint, before touching the network", async function () {
    let r = await runCli(["datanet", "verify"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/missing --datanet/);

    // No --registry and no devnet to read it from: says how to start one.
    const empty = tempDir("poa-no-devnet-");
    r = await runCli(["datanet", "verify", "--datanet", "1", "--dir", empty]);
    expect(r.code).to.equal(1);
    expect(r.err).to.match(/no devnet addresses at/);
    expect(r.err).to.match(/npx poa devnet/);
    rmSync(empty, { recursive: true, force: true });

    r = await runCli(["datanet", "verify", "--registry", "0x1234", "--datanet", "1"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--registry is not an address \(0x and 40 hex digits\) \(got "0x1234"\)/);

    const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    r = await runCli(["datanet", "verify", "--registry", registry, "--datanet", "one"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--datanet must be a whole number \(got "one"\)/);

    r = await runCli(["datanet", "verify", "--registry", registry, "--datanet", "1", "--chunk-size", "0"]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--chunk-size must be positive \(got "0"\)/);

    // Could not check: exit 3, a hint to start a node, and no stray ethers retry line.
    const stdout = process.stdout.write.bind(process.stdout);
    const written: string[] = [];
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      r = await runCli([
        "datanet",
        "verify",
        "--registry",
        registry,
        "--datanet",
        "1",
        "--l2-rpc",
        "http://127.0.0.1:9",
      ]);
      // ethers prints its retry line about a second after a failed detection.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    } finally {
      process.stdout.write = stdout;
    }
    expect(r.code).to.equal(3);
    expect(r.err).to.match(/cannot reach a JSON-RPC node at http:\/\/127\.0\.0\.1:9/);
    expect(r.err).to.match(/Start the devnet with `npx poa devnet`, or pass --l2-rpc <url>/);
    expect(r.out + r.err + written.join("")).to.not.match(/failed to detect network/);

    r = await runCli(["datanet", "verify", "--help"]);
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/Usage: poa datanet verify/);
    expect(r.out).to.match(/0 +every published version is right/);
    expect(r.out).to.match(/1 +a posted root or count is wrong/);
    expect(r.out).to.match(/2 +bad command line/);
    expect(r.out).to.match(/3 +could not check/);
  });

  it("reports each version right, wrong or disputed, from a registry's events", async function () {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const { ethers, provider } = connection;
    const [deployer, owner, c1, alice] = (await ethers.getSigners()) as unknown as [Signer, Signer, Signer, Signer];
    const open = await deployL2OpenToken(deployer, "0x000000000000000000000000000000000000dEaD");
    const registry = await deployDatanetRegistry(deployer, {
      token: await open.getAddress(),
      treasury: await deployer.getAddress(),
      governance: await deployer.getAddress(),
    });
    const bridge = "0x4200000000000000000000000000000000000010";
    await provider.request({ method: "hardhat_impersonateAccount", params: [bridge] });
    await provider.request({ method: "hardhat_setBalance", params: [bridge, "0xde0b6b3a7640000"] });
    for (const who of [c1, alice]) {
      await open.connect(await ethers.getSigner(bridge)).mint(await who.getAddress(), 10_000n * 10n ** 18n);
      await open.connect(who).approve(await registry.getAddress(), ethers.MaxUint256);
    }
    await registry.connect(owner).createDatanet(0, "ipfs://d", { ...DEFAULT_DATANET_PARAMS, quorum: 1n });
    await registry.connect(owner).appointCurator(1n, await c1.getAddress());
    await registry.connect(c1).depositCuratorBond(1n, 1_000n * 10n ** 18n);

    expect(formatVersionReports(1n, await verifyDatanetOnChain(registry, 1n))).to.deep.equal([
      "Datanet 1: no version published yet",
    ]);

    await commitAndSubmit(registry.connect(alice), {
      datanetId: 1n,
      contentHash: keccak256(toBeHex(1, 32)),
      uri: "ipfs://a",
      sizeBytes: 10n,
      stake: 10n ** 19n,
    });
    await registry.connect(c1).vote(1n, true);
    const v1 = nextVersion(await fetchDatanetHistory(registry, 1n));
    await registry.connect(owner).publishVersion(1n, v1.root, 1n, "");
    // A wrong leaf (the right id with another content hash), disputed at once.
    const wrong = keccak256(
      keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "bytes32"], [1n, ethers.ZeroHash.replace(/0$/, "1")]),
      ),
    );
    await registry.connect(owner).publishVersion(1n, wrong, 1n, "");
    await registry.disputeVersion(1n, 2n, 1n, ethers.ZeroHash.replace(/0$/, "1"), []);

    // Contribution 1 is taken down after a second one is accepted: version 3 without it is
    // right; version 4, re-posting version 1's root (which holds it), is wrong although its
    // count matches the live set.
    await commitAndSubmit(registry.connect(alice), {
      datanetId: 1n,
      contentHash: keccak256(toBeHex(2, 32)),
      uri: "ipfs://b",
      sizeBytes: 10n,
      stake: 10n ** 19n,
    });
    await registry.connect(c1).vote(2n, true);
    await registry.connect(deployer).takeDown(1n, ethers.ZeroHash);
    const v3 = nextVersion(await fetchDatanetHistory(registry, 1n));
    expect(v3.tree.length).to.equal(1);
    await registry.connect(owner).publishVersion(1n, v3.root, 1n, "");
    await registry.connect(owner).publishVersion(1n, v1.root, 1n, "");

    const reports = await verifyDatanetOnChain(registry, 1n);
    const lines = formatVersionReports(1n, reports);
    expect(lines[0]).to.equal(`Datanet 1 version 1: ok    root ${v1.root}, 1 contributions`);
    expect(lines[1]).to.match(
      /^Datanet 1 version 2: WRONG posted root 0x[0-9a-f]{64}, expected 0x[0-9a-f]{64}; count posted 1, expected 1 \(disputed on-chain\)$/,
    );
    expect(lines[2]).to.equal(`Datanet 1 version 3: ok    root ${v3.root}, 1 contributions`);
    expect(lines[3]).to.equal(
      `Datanet 1 version 4: WRONG posted root ${v1.root}, expected ${v3.root}; count posted 1, expected 1`,
    );

    try {
      await verifyDatanetOnChain(registry, 2n);
      expect.fail("unknown Datanet accepted");
    } catch (error) {
      expect(error).to.be.instanceOf(PoaError);
      expect((error as PoaError).message).to.equal("Datanet 2 does not exist on this registry (it has 1)");
    }
    await connection.close();
  });

  it("never says 'no version published yet' when it read nothing: exit 3 instead of 0", async function () {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const { ethers, provider } = connection;
    const [deployer, owner, c1, alice] = (await ethers.getSigners()) as unknown as [Signer, Signer, Signer, Signer];
    const open = await deployL2OpenToken(deployer, "0x000000000000000000000000000000000000dEaD");
    const registry = await deployDatanetRegistry(deployer, {
      token: await open.getAddress(),
      treasury: await deployer.getAddress(),
      governance: await deployer.getAddress(),
    });
    const bridge = "0x4200000000000000000000000000000000000010";
    await provider.request({ method: "hardhat_impersonateAccount", params: [bridge] });
    await provider.request({ method: "hardhat_setBalance", params: [bridge, "0xde0b6b3a7640000"] });
    await open.connect(await ethers.getSigner(bridge)).mint(await alice.getAddress(), 10_000n * 10n ** 18n);
    await open.connect(await ethers.getSigner(bridge)).mint(await c1.getAddress(), 10_000n * 10n ** 18n);
    await open.connect(alice).approve(await registry.getAddress(), ethers.MaxUint256);
    await open.connect(c1).approve(await registry.getAddress(), ethers.MaxUint256);
    await registry.connect(owner).createDatanet(0, "ipfs://d", { ...DEFAULT_DATANET_PARAMS, quorum: 1n });
    await registry.connect(owner).appointCurator(1n, await c1.getAddress());
    await registry.connect(c1).depositCuratorBond(1n, 1_000n * 10n ** 18n);
    await commitAndSubmit(registry.connect(alice), {
      datanetId: 1n,
      contentHash: keccak256(toBeHex(1, 32)),
      uri: "ipfs://a",
      sizeBytes: 10n,
      stake: 10n ** 19n,
    });
    await registry.connect(c1).vote(1n, true);
    const v1 = nextVersion(await fetchDatanetHistory(registry, 1n));
    await registry.connect(owner).publishVersion(1n, v1.root, 1n, "");
    await provider.request({ method: "hardhat_mine", params: ["0x2"] });
    const head = await ethers.provider.getBlockNumber();

    const expectCouldNotCheck = async (
      run: () => Promise<unknown>,
      code: ErrorCode,
      message: RegExp,
      action: RegExp,
    ) => {
      const error = await expectPoaErrorAsync(run(), code, message);
      expect(error.action).to.match(action);
    };
    // Past the head: nothing to read at all.
    await expectCouldNotCheck(
      () => fetchDatanetHistory(registry, 1n, { fromBlock: head + 100 }),
      "VALUE_OUT_OF_RANGE",
      new RegExp(`the first block ${head + 100} is after the last block ${head}`),
      /creation/,
    );
    // After the publication: the logs hold 0 of the registry's 1 version.
    await expectCouldNotCheck(
      () => verifyDatanetOnChain(registry, 1n, { fromBlock: head }),
      "CHAIN_DATA_INVALID",
      /found 0 VersionPublished event\(s\) for Datanet 1, but the registry records 1 version\(s\)/,
      new RegExp(`creation block or 0 \\(not ${head}\\)`),
    );
    await connection.close();
  });
});
