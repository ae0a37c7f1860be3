import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { network } from "hardhat";
import { Contract, Wallet } from "ethers";
import { createWalletClient, hexToBytes, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getL2TransactionHashes } from "viem/op-stack";

import { deployProtocol, PROTOCOL_STEPS, type DeploymentRecord } from "../../deploy/protocol.js";
import { createBridge } from "../../src/bridge/index.js";
import { bedrockArtifact, PREDEPLOYS } from "../../src/devnet/artifacts.js";
import { startDevnet, type Devnet } from "../../src/devnet/devnet.js";
import {
  fjordL1Fee,
  flzCompressedLength,
  l1FeeOf,
  readL1FeeParams,
  unsignedSerialized,
} from "../../src/devnet/fees.js";
import { freePort } from "../../src/devnet/ports.js";
import { chainProvider, chainSigners } from "../../src/chain/provider.js";
import { runMainJob } from "../../src/demo/main-job.js";
import { summaryLines } from "../../src/demo/summary.js";
import { PoaError } from "../../src/core/errors.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  L2OpenToken__factory,
  RewardDistributor__factory,
} from "../../types/ethers-contracts/index.js";
import { tempDir } from "../support/temp.js";

const OPEN = 10n ** 18n;
const ERC20 = [
  "function balanceOf(address) view returns (uint256)",
  "function totalSupply() view returns (uint256)",
  "function transfer(address,uint256) returns (bool)",
];

describe("devnet: L1 + OP Stack L2 on anvil, bridged with the Optimism SDK", function () {
  this.timeout(60_000);
  let net: Devnet;
  let dir: string;
  let record: DeploymentRecord;
  let deploymentFile: string;

  before(async function () {
    dir = tempDir("poa-devnet-");
    net = await startDevnet({
      l1Port: await freePort(),
      l2Port: await freePort(),
      dir,
      l1ChainId: 1900,
      l2ChainId: 1901,
    });
    deploymentFile = join(dir, "deployments.json");
    record = (
      await deployProtocol({
        network: "devnet",
        signers: chainSigners(net.addresses, net.accounts[0]!.privateKey),
        file: deploymentFile,
      })
    ).record;
  });

  after(async function () {
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const bridgeFor = (index: number) => createBridge(net.addresses, net.accounts[index]!.privateKey);
  /** OPEN the L1 bridge holds for one (L1 token, L2 token) pair: what the L2 token may mint. */
  const lockedFor = async (l1: string, l2: string) =>
    (await new Contract(
      net.addresses.L1StandardBridge,
      ["function deposits(address,address) view returns (uint256)"],
      chainProvider(net.addresses.l1Rpc, net.addresses.l1ChainId),
    ).deposits!(l1, l2)) as bigint;
  const tokens = () => ({ l1: record.contracts.OpenToken!.address, l2: record.contracts.L2OpenToken!.address });

  it("writes addresses.json with the configured chains and a contract behind every address", async function () {
    const file = JSON.parse(readFileSync(join(dir, "addresses.json"), "utf8")) as Record<string, unknown>;
    for (const key of [
      "l1ChainId",
      "l2ChainId",
      "l1Rpc",
      "l2Rpc",
      "OptimismPortal",
      "L1CrossDomainMessenger",
      "L1StandardBridge",
      "L2OutputOracle",
      "SystemConfig",
    ])
      expect(file, key).to.have.property(key);
    expect(file.l1ChainId).to.equal(1900);
    expect(file.l2ChainId).to.equal(1901);
    expect(await net.l1.getChainId()).to.equal(1900);
    expect(await net.l2.getChainId()).to.equal(1901);
    // Proxies answer with the implementation's version(): initialized through upgradeToAndCall.
    for (const name of [
      "OptimismPortal",
      "L1CrossDomainMessenger",
      "L1StandardBridge",
      "L2OutputOracle",
      "SystemConfig",
      "SuperchainConfig",
    ] as const) {
      const version = await net.l1.readContract({
        address: net.addresses[name],
        abi: bedrockArtifact(name).abi,
        functionName: "version",
      });
      expect(version, name).to.match(/^\d+\.\d+\.\d+/);
    }
    for (const name of [
      "L2CrossDomainMessenger",
      "L2StandardBridge",
      "OptimismMintableERC20Factory",
      "L1Block",
      "GasPriceOracle",
      "L2ToL1MessagePasser",
    ] as const) {
      const code = await net.l2.getCode({ address: net.addresses[name] });
      expect(code?.length ?? 0, name).to.be.greaterThan(2);
    }
    expect((await net.l1.getCode({ address: net.addresses.Multicall3 }))?.length).to.be.greaterThan(2);
    const otherMessenger = await net.l2.readContract({
      address: PREDEPLOYS.L2CrossDomainMessenger,
      abi: bedrockArtifact("L2CrossDomainMessenger").abi,
      functionName: "OTHER_MESSENGER",
    });
    expect(otherMessenger).to.equal(net.addresses.L1CrossDomainMessenger);
  });

  it("relays an ETH deposit made with the SDK to the same address on L2", async function () {
    const account = net.accounts[3]!.address;
    const before = await net.l2.getBalance({ address: account });
    const result = await bridgeFor(3).deposit(2n * OPEN);
    expect(await net.l2.getBalance({ address: account })).to.equal(before + 2n * OPEN);
    const receipt = await net.l2.getTransactionReceipt({ hash: result.l2TxHash as Hex });
    expect(receipt.status).to.equal("success");

    // Before relaying, the relayer wrote that L1 block's attributes into L1Block, as op-node does.
    const l1Receipt = await net.l1.getTransactionReceipt({ hash: result.l1TxHash as Hex });
    const l1Block = await net.l1.getBlock({ blockNumber: l1Receipt.blockNumber });
    const read = (functionName: string) =>
      net.l2.readContract({ address: PREDEPLOYS.L1Block, abi: bedrockArtifact("L1Block").abi, functionName });
    expect(await read("number")).to.equal(l1Block.number);
    expect(await read("hash")).to.equal(l1Block.hash);
    expect(await read("basefee")).to.equal(l1Block.baseFeePerGas);
    expect(await read("baseFeeScalar")).to.equal(5227);
  });

  it("relays several deposits of one L1 block in log order, with the block-level log index", async function () {
    const account = privateKeyToAccount(net.accounts[8]!.privateKey);
    const wallet = createWalletClient({ account, chain: net.l1.chain, transport: http(net.addresses.l1Rpc) });
    const portal = bedrockArtifact("OptimismPortal").abi;
    // Mine once and let the L1 clock see it, so its idle-second heartbeat cannot split the batch.
    await net.l1.request({ method: "evm_mine" as never, params: [] as never });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await net.l1.request({ method: "evm_setAutomine" as never, params: [false] as never });
    const hashes: Hex[] = [];
    try {
      for (let i = 0; i < 3; i++)
        hashes.push(
          await wallet.writeContract({
            address: net.addresses.OptimismPortal,
            abi: portal,
            functionName: "depositTransaction",
            args: [net.accounts[9]!.address, BigInt(i + 1), 100_000n, false, "0x"],
            value: BigInt(i + 1),
            gas: 300_000n,
            nonce: (await net.l1.getTransactionCount({ address: account.address })) + i,
          }),
        );
      await net.l1.request({ method: "evm_mine" as never, params: [] as never });
    } finally {
      await net.l1.request({ method: "evm_setAutomine" as never, params: [true] as never });
    }
    const receipts = await Promise.all(hashes.map((hash) => net.l1.waitForTransactionReceipt({ hash })));
    expect(new Set(receipts.map((r) => r.blockNumber)).size, "one L1 block").to.equal(1);
    // viem derives each L2 hash from the log's index within the L1 block; the relayer must agree.
    const l2Hashes = receipts.map((r) => getL2TransactionHashes(r)[0]!);
    const l2Receipts = await Promise.all(
      l2Hashes.map((hash) => net.l2.waitForTransactionReceipt({ hash, pollingInterval: 20 })),
    );
    const l2Blocks = l2Receipts.map((r) => r.blockNumber);
    expect(l2Blocks[0]! < l2Blocks[1]! && l2Blocks[1]! < l2Blocks[2]!, `L2 blocks ${l2Blocks.join(", ")}`).to.equal(
      true,
    );
    for (const r of l2Receipts) expect(r.status).to.equal("success");
  });

  it("relays an OPEN deposit made with the SDK, and L2 supply equals what the L1 bridge holds", async function () {
    const { l1, l2 } = tokens();
    const l2Token = new Contract(l2, ERC20, chainProvider(net.addresses.l2Rpc, net.addresses.l2ChainId));
    const l1Token = new Contract(l1, ERC20, chainProvider(net.addresses.l1Rpc, net.addresses.l1ChainId));
    const account = net.accounts[0]!.address;
    const before = (await l2Token.balanceOf!(account)) as bigint;
    await bridgeFor(0).deposit(1_000n * OPEN, { l1, l2 });
    expect((await l2Token.balanceOf!(account)) as bigint).to.equal(before + 1_000n * OPEN);
    expect(await l2Token.totalSupply!()).to.equal(await lockedFor(l1, l2));
  });

  it("proves and finalizes an OPEN withdrawal with the SDK", async function () {
    const { l1, l2 } = tokens();
    const l2Token = new Contract(l2, ERC20, chainProvider(net.addresses.l2Rpc, net.addresses.l2ChainId));
    const l1Token = new Contract(l1, ERC20, chainProvider(net.addresses.l1Rpc, net.addresses.l1ChainId));
    const account = net.accounts[0]!.address;
    const l1Before = (await l1Token.balanceOf!(account)) as bigint;
    const supplyBefore = (await l2Token.totalSupply!()) as bigint;
    const steps: string[] = [];
    const result = await bridgeFor(0).withdraw(250n * OPEN, { l1, l2 }, { onStep: (s) => steps.push(s) });
    expect(steps).to.include.members(["proving", "finalizing", "finalized"]);
    expect(result.proveTxHash).to.match(/^0x[0-9a-f]{64}$/);
    expect((await l1Token.balanceOf!(account)) as bigint).to.equal(l1Before + 250n * OPEN);
    expect((await l2Token.totalSupply!()) as bigint).to.equal(supplyBefore - 250n * OPEN);
    expect(await l2Token.totalSupply!()).to.equal(await lockedFor(l1, l2));
  });

  it("withdraws ETH an L2 account held from genesis: the portal backs the L2's genesis ETH", async function () {
    const account = net.accounts[6]!.address;
    const before = await net.l1.getBalance({ address: account });
    const result = await bridgeFor(6).withdraw(OPEN / 2n);
    const [prove, finalize] = await Promise.all(
      [result.proveTxHash, result.finalizeTxHash].map((hash) => net.l1.getTransactionReceipt({ hash: hash as Hex })),
    );
    const gas = [prove!, finalize!].reduce((sum, r) => sum + r.gasUsed * r.effectiveGasPrice, 0n);
    expect(await net.l1.getBalance({ address: account })).to.equal(before + OPEN / 2n - gas);
  });

  it("charges L2 transactions a non-zero L1 data fee that GasPriceOracle agrees with", async function () {
    const wallet = new Wallet(net.accounts[0]!.privateKey, chainProvider(net.addresses.l2Rpc, net.addresses.l2ChainId));
    const token = new Contract(tokens().l2, ERC20, wallet);
    const before = await net.l2.getBalance({ address: wallet.address as Hex });
    const tx = await token.transfer!(net.accounts[5]!.address, 7n * OPEN);
    const receipt = await tx.wait();
    const after = await net.l2.getBalance({ address: wallet.address as Hex });
    const charged = before - after - BigInt(receipt.gasUsed) * BigInt(receipt.gasPrice);

    const fee = await l1FeeOf(net.l2, receipt.hash as Hex);
    expect(fee.l1Fee > 0n, "L1 fee is non-zero").to.equal(true);
    // What the chain charged equals the Fjord rule on the signed transaction's bytes, exactly.
    expect(fee.l1Fee).to.equal(charged);
    // GasPriceOracle.getL1Fee(unsigned tx) is the same rule on the unsigned bytes + 68: exact too,
    const tx2 = await net.l2.getTransaction({ hash: receipt.hash as Hex });
    const params = await readL1FeeParams(net.l2, BigInt(receipt.blockNumber) - 1n);
    expect(fjordL1Fee(flzCompressedLength(hexToBytes(unsignedSerialized(tx2))) + 68, params)).to.equal(
      fee.oracleEstimate,
    );
    // and within 1% of the fee charged.
    const diff = fee.oracleEstimate > charged ? fee.oracleEstimate - charged : charged - fee.oracleEstimate;
    expect(diff * 100n <= charged, `oracle ${fee.oracleEstimate} vs charged ${charged}`).to.equal(true);
    // The fee follows L1: L1Block holds the L1 base fee the clock pins.
    expect(params.l1BaseFee > 0n).to.equal(true);
  });

  it("deploys idempotently: a re-run deploys nothing; a lost contract is redeployed with what was built on it", async function () {
    const key = net.accounts[0]!.privateKey;
    const again = await deployProtocol({
      network: "devnet",
      signers: chainSigners(net.addresses, key),
      file: deploymentFile,
    });
    expect(again.deployed).to.deep.equal([]);
    expect(again.reused).to.deep.equal(PROTOCOL_STEPS.map((s) => s.name));
    expect(again.record.contracts).to.deep.equal(record.contracts);

    const edited = JSON.parse(readFileSync(deploymentFile, "utf8")) as DeploymentRecord;
    edited.contracts.L2OpenToken!.address = "0x000000000000000000000000000000000000dEaD";
    writeFileSync(deploymentFile, JSON.stringify(edited));
    const repaired = await deployProtocol({
      network: "devnet",
      signers: chainSigners(net.addresses, key),
      file: deploymentFile,
    });
    // Everything built on the bridged OPEN is redeployed against the new one; OPEN on L1 is kept.
    expect(repaired.deployed).to.deep.equal(PROTOCOL_STEPS.map((s) => s.name).filter((n) => n !== "OpenToken"));
    expect(repaired.reused).to.deep.equal(["OpenToken"]);
    for (const name of ["DatanetRegistry", "RewardDistributor", "FeeRouter"])
      expect(repaired.record.contracts[name]!.dependsOn!.L2OpenToken).to.equal(
        repaired.record.contracts.L2OpenToken!.address,
      );
    const third = await deployProtocol({
      network: "devnet",
      signers: chainSigners(net.addresses, key),
      file: deploymentFile,
    });
    expect(third.deployed).to.deep.equal([]);
    expect(repaired.record.contracts.OpenToken).to.deep.equal(record.contracts.OpenToken);
    record = repaired.record;
  });

  it("deploys every protocol contract on L2, wired, with roles granted", async function () {
    expect(Object.keys(record.contracts)).to.deep.equal(PROTOCOL_STEPS.map((s) => s.name));
    const l2 = chainProvider(net.addresses.l2Rpc, net.addresses.l2ChainId);
    const deployer = net.accounts[0]!.address;
    const c = (name: string) => record.contracts[name]!.address;
    const distributor = RewardDistributor__factory.connect(c("RewardDistributor"), l2);
    expect(await distributor.hasRole(await distributor.SETTLER_ROLE(), deployer)).to.equal(true);
    // After the hand-over the timelock resolves challenges, never the settler (the deployer).
    expect(await distributor.hasRole(await distributor.RESOLVER_ROLE(), c("OpenTimelock"))).to.equal(true);
    expect(await distributor.hasRole(await distributor.RESOLVER_ROLE(), deployer)).to.equal(false);
    const router = FeeRouter__factory.connect(c("FeeRouter"), l2);
    expect(await router.distributor()).to.equal(c("RewardDistributor"));
    expect(await router.registry()).to.equal(c("ModelRegistry"));
    expect(await router.token()).to.equal(c("L2OpenToken"));
    const datanets = DatanetRegistry__factory.connect(c("DatanetRegistry"), l2);
    expect(await datanets.hasRole(await datanets.PENALTY_ROLE(), deployer)).to.equal(true);
    const l2Open = L2OpenToken__factory.connect(c("L2OpenToken"), l2);
    expect(await l2Open.remoteToken()).to.equal(c("OpenToken"));
    for (const name of Object.keys(record.contracts))
      expect(record.contracts[name]!.chain).to.equal(name === "OpenToken" ? "l1" : "l2");
  });

  it("runs the main job on a running devnet: data, models, paid requests, settlement, verify, claims, a vote, a grant, OPEN back to L1", async function () {
    const lines: string[] = [];
    const result = await runMainJob({
      dir,
      deposit: 40_000n * 10n ** 18n,
      withdraw: 10n * 10n ** 18n,
      requests: 30,
      deploymentFile,
      print: (l) => lines.push(l),
    });
    expect(result.embedded).to.equal(false);
    expect(result.times.map((t) => t.stage)).to.have.length(18);
    expect(result.l2Supply <= result.lockedInBridge, "L2 supply within what the L1 bridge holds").to.equal(true);
    expect(result.requests.count).to.equal(30);
    expect(result.requests.fees > 0n).to.equal(true);
    expect(result.settlement.verified).to.equal(true);
    expect(result.claimed <= result.settlement.total, "claims never exceed the root's total").to.equal(true);
    expect(result.claimed > 0n, "contributors were paid").to.equal(true);
    expect(result.earnings.some((e) => e.why.includes("outputs repeat their data"))).to.equal(true);
    expect(result.governance.released).to.equal(result.governance.amount / 2n);
    expect(result.l2Txs.length).to.be.greaterThan(10);
    for (const tx of result.l2Txs) expect(tx.l1Fee > 0n, `${tx.label} paid an L1 fee`).to.equal(true);
    const summary = summaryLines(result).join("\n");
    expect(summary).to.contain("Who earned how much, and why");
    expect(summary).to.contain("L1 data fees");
    expect(summary).to.match(/grant \d+: milestone 1 of 2 approved by the council and released/);
    expect(existsSync(result.settlement.html), "the HTML report was written").to.equal(true);
  });

  it("works with Hardhat's l1 and l2 networks (l2 is chainType op) pointed at it", async function () {
    for (const [name, url, chainId] of [
      ["l1", net.addresses.l1Rpc, 1900],
      ["l2", net.addresses.l2Rpc, 1901],
    ] as const) {
      const connection = await network.create({ network: name, override: { url, chainId } });
      try {
        expect(connection.networkConfig.chainType).to.equal(name === "l2" ? "op" : "l1");
        const [signer] = await connection.ethers.getSigners();
        expect(signer!.address).to.equal(net.accounts[0]!.address);
        expect((await connection.ethers.provider.getNetwork()).chainId).to.equal(BigInt(chainId));
        const token = await connection.ethers.getContractAt("L2OpenToken", record.contracts.L2OpenToken!.address);
        if (name === "l2") expect(await token.remoteToken()).to.equal(record.contracts.OpenToken!.address);
      } finally {
        await connection.close();
      }
    }
  });

  it("bridges through the CLI (`poa bridge deposit|withdraw`) and refuses a record from another devnet", async function () {
    const cli = (...args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ["bin/poa.mjs", ...args, "--dir", dir, "--deployment", deploymentFile], {
          cwd: fileURLToPath(new URL("../../", import.meta.url)),
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (c) => (out += c));
        child.stderr.on("data", (c) => (out += c));
        child.once("exit", (code) => resolve({ code, out }));
      });
    const deposit = await cli("bridge", "deposit", "12.5");
    expect(deposit.code, deposit.out).to.equal(0);
    expect(deposit.out).to.match(/waiting for relay/);
    expect(deposit.out).to.match(/Deposited 12\.5 OPEN: L1 0x[0-9a-f]{64} -> L2 0x[0-9a-f]{64}/);
    const withdraw = await cli("bridge", "withdraw", "2.5");
    expect(withdraw.code, withdraw.out).to.equal(0);
    expect(withdraw.out).to.match(/proving[\s\S]*finalizing[\s\S]*Withdrew 2\.5 OPEN/);
    // The resume command is printed before the long wait, and the withdrawal is listed afterwards.
    const sent = /If this is interrupted, resume it with: npx poa bridge finalize (0x[0-9a-f]{64})/.exec(withdraw.out);
    expect(sent, withdraw.out).to.not.equal(null);
    const list = await cli("bridge", "withdrawals");
    expect(list.code, list.out).to.equal(0);
    expect(list.out).to.match(new RegExp(`${sent![1]} .* 2\\.5 token 0x[0-9a-fA-F]{40}  finalized`));
    const again = await cli("bridge", "finalize", sent![1]!);
    expect(again.code, again.out).to.equal(0);
    expect(again.out).to.contain("was already finalized");

    const edited = JSON.parse(readFileSync(deploymentFile, "utf8")) as DeploymentRecord;
    writeFileSync(deploymentFile, JSON.stringify({ ...edited, l1Genesis: "0x" + "11".repeat(32) }));
    try {
      const stale = await cli("bridge", "deposit", "1");
      expect(stale.code).to.equal(1);
      expect(stale.out).to.contain("the devnet was restarted since");
      expect(stale.out).to.contain("npx poa devnet deploy");
    } finally {
      writeFileSync(deploymentFile, JSON.stringify(edited));
    }
  });

  it("refuses to start on a taken port with an error that names it and the option to change", async function () {
    const port = Number(new URL(net.addresses.l1Rpc).port);
    let error: unknown;
    try {
      await startDevnet({ l1Port: port, l2Port: await freePort(), dir: join(dir, "second") });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PoaError);
    expect((error as PoaError).message).to.equal(`L1 port 127.0.0.1:${port} is already in use`);
    expect((error as PoaError).code).to.equal("PORT_IN_USE");
    expect((error as PoaError).details.field).to.equal("l1Port");
    expect(await net.l1.getChainId()).to.equal(1900); // the running devnet is untouched

    // Starting a second devnet from the same folder is refused before anything is touched.
    const log = readFileSync(join(dir, "devnet.log"), "utf8");
    let same: unknown;
    await startDevnet({ l1Port: await freePort(), l2Port: await freePort(), dir }).catch((e: unknown) => (same = e));
    expect((same as PoaError).message).to.match(/^a devnet is already running from /);
    expect((same as PoaError).code).to.equal("DEVNET_ALREADY_RUNNING");
    expect(readFileSync(join(dir, "devnet.log"), "utf8").startsWith(log)).to.equal(true);
    expect(JSON.parse(readFileSync(join(dir, "addresses.json"), "utf8")).l1Rpc).to.equal(net.addresses.l1Rpc);
  });

  it("keeps relaying and proposing without errors", async function () {
    await net.sync();
    const stats = net.stats();
    expect(stats.errors).to.equal(0);
    expect(stats.depositsRelayed).to.be.greaterThanOrEqual(2);
    const oracle = bedrockArtifact("L2OutputOracle").abi;
    const latest = (await net.l1.readContract({
      address: net.addresses.L2OutputOracle,
      abi: oracle,
      functionName: "latestBlockNumber",
    })) as bigint;
    expect(latest).to.equal(await net.l2.getBlockNumber());
    // L1 time stays behind the wall clock (viem's waitToFinalize compares the two) and strictly
    // increases, one second per block (a finalization is never in the proof's second).
    const latestBlock = await net.l1.getBlock({ blockTag: "latest" });
    expect(latestBlock.timestamp < BigInt(Math.floor(Date.now() / 1000))).to.equal(true);
    const parent = await net.l1.getBlock({ blockNumber: latestBlock.number - 1n });
    expect(latestBlock.timestamp).to.equal(parent.timestamp + 1n);
  });
});
