/**
 * A real chain for the store's tests: one anvil (from the `@foundry-rs/anvil` npm package, via
 * the project's src/devnet/anvil.ts) on 127.0.0.1, with the protocol deployed by
 * deploy/protocol.ts (L1 and L2 parts on the same chain: only the L2 contracts matter here), a
 * published Datanet, a registered model and a gateway account that pays the FeeRouter.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  JsonRpcProvider,
  NonceManager,
  Wallet,
  id,
  keccak256,
  toUtf8Bytes,
  type InterfaceAbi,
  type Signer,
} from "ethers";

import { commitAndRegisterModel } from "../../../deploy/models.js";
import { deployProtocol, type DeploymentRecord } from "../../../deploy/protocol.js";
import type { ContractSpec } from "../../../src/chain/logs.js";
import { startAnvil, type AnvilProcess } from "../../../src/devnet/anvil.js";
import { TEST_MNEMONIC } from "../../../src/devnet/config.js";
import { deriveAccounts } from "../../../src/devnet/devnet.js";
import { commitAndSubmit } from "../../../src/datanet/index.js";
import { freePort } from "../../../src/devnet/ports.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
} from "../../../types/ethers-contracts/index.js";
import { tempDir } from "../../support/temp.js";

export const OPEN = 10n ** 18n;
const DAY = 86_400n;
const BRIDGE = "0x4200000000000000000000000000000000000010";
export const CHAIN_ID = 31_901;

export const ACCOUNTS = deriveAccounts(TEST_MNEMONIC, 6);

export interface TestChain {
  anvil: AnvilProcess;
  url: string;
  provider: JsonRpcProvider;
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  /** Mines `n` empty blocks. */
  mine(n: number): Promise<void>;
  stop(): Promise<void>;
}

export function provider(url: string): JsonRpcProvider {
  return new JsonRpcProvider(url, CHAIN_ID, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
}

/** Starts an anvil with the devnet mnemonic on a free port. */
export async function startChain(chainId = CHAIN_ID): Promise<TestChain> {
  const dir = tempDir("poa-store-anvil-");
  const anvil = await startAnvil({
    name: "store-test-chain",
    host: "127.0.0.1",
    port: await freePort(),
    chainId,
    mnemonic: TEST_MNEMONIC,
    accounts: ACCOUNTS.length,
    logFile: join(dir, "anvil.log"),
  });
  const p = new JsonRpcProvider(anvil.rpcUrl, chainId, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });
  const rpc = (method: string, params: unknown[] = []) => p.send(method, params);
  return {
    anvil,
    url: anvil.rpcUrl,
    provider: p,
    rpc,
    mine: async (n) => {
      await rpc("anvil_mine", [`0x${n.toString(16)}`]);
    },
    async stop() {
      p.destroy();
      await anvil.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Protocol {
  record: DeploymentRecord;
  /** The contracts the index tests read: name, address, ABI. */
  contracts: ContractSpec[];
  modelId: bigint;
  /** Pays `count` requests in one payBatch (one block, `count` RequestPaid + 1 Transfer log). */
  payBatch(count: number, tag: string): Promise<void>;
  /** One single payment (one block). */
  pay(tag: string): Promise<void>;
  /** Forgets the cached nonces (after evm_revert). */
  resetNonces(): void;
}

let payNonce = 0;

/** Deploys the protocol on `chain` and makes it ready to take payments. */
export async function seedProtocol(chain: TestChain): Promise<Protocol> {
  const wallet = (i: number) => new NonceManager(new Wallet(ACCOUNTS[i]!.privateKey, chain.provider));
  const deployer = wallet(0);
  const [owner, curator, contributor, builder, gateway] = [1, 2, 3, 4, 5].map(wallet) as [
    NonceManager,
    NonceManager,
    NonceManager,
    NonceManager,
    NonceManager,
  ];
  const { record } = await deployProtocol({ network: "store-test", signers: { l1: deployer, l2: deployer } });
  const at = (name: string) => record.contracts[name]!.address;
  const open = L2OpenToken__factory.connect(at("L2OpenToken"), deployer);
  const datanets = DatanetRegistry__factory.connect(at("DatanetRegistry"), deployer);
  const models = ModelRegistry__factory.connect(at("ModelRegistry"), deployer);
  const router = FeeRouter__factory.connect(at("FeeRouter"), deployer);

  await chain.rpc("anvil_impersonateAccount", [BRIDGE]);
  await chain.rpc("anvil_setBalance", [BRIDGE, "0x56bc75e2d63100000"]);
  const bridge = await chain.provider.getSigner(BRIDGE);
  // A fixed gas limit: anvil estimates on a pending block that may carry the latest block's
  // timestamp, where the supply checkpoint is rewritten in place and costs less than in the
  // block that is then mined (a later second), so an estimated mint could run out of gas.
  const mint = async (to: Signer, amount: bigint) =>
    (await open.connect(bridge).mint(await to.getAddress(), amount, { gasLimit: 500_000n })).wait();

  const datanetsAddress = await datanets.getAddress();
  await (
    await datanets.connect(owner).createDatanet(0, "ipfs://store-test", {
      minStake: 10n * OPEN,
      dailyByteCap: 10_000_000n,
      bondPeriod: 7n * DAY,
      slashBps: 2_000n,
      quorum: 1n,
      reviewPeriod: 7n * DAY,
    })
  ).wait();
  const datanetId = await datanets.datanetCount();
  await (await datanets.connect(owner).appointCurator(datanetId, await curator.getAddress())).wait();
  await mint(curator, 1_000n * OPEN);
  await (await open.connect(curator).approve(datanetsAddress, 1_000n * OPEN)).wait();
  await (await datanets.connect(curator).depositCuratorBond(datanetId, 1_000n * OPEN)).wait();
  const contentHash = keccak256(toUtf8Bytes("Q: what lowers blood pressure? A: less salt."));
  await mint(contributor, 10n * OPEN);
  await (await open.connect(contributor).approve(datanetsAddress, 10n * OPEN)).wait();
  // A contribution is a commitment, then its reveal a block later (the registry's front-running guard).
  await commitAndSubmit(datanets.connect(contributor), {
    datanetId,
    contentHash,
    uri: "ipfs://qa-1",
    sizeBytes: 1_234n,
    stake: 10n * OPEN,
  });
  const contributionId = await datanets.contributionCount();
  await (await datanets.connect(curator).vote(contributionId, true)).wait();
  const tree = StandardMerkleTree.of([[contributionId.toString(), contentHash]], ["uint256", "bytes32"]);
  await (await datanets.connect(owner).publishVersion(datanetId, tree.root, 1n, "ipfs://v1")).wait();

  await commitAndRegisterModel(models.connect(builder), {
    baseModelId: 0n,
    artifactHash: id("base-weights"),
    metadataURI: "ipfs://model-card",
    trainedOn: [{ datanetId, version: 1n }],
    attributionMethod: 0n,
    pricePerKInput: 2n * OPEN,
    pricePerKOutput: 6n * OPEN,
    ownerBps: 3_000n,
    stakersBps: 2_000n,
    contributorsBps: 5_000n,
  });
  const modelId = await models.modelCount();
  await mint(gateway, 1_000_000n * OPEN);
  await (await open.connect(gateway).approve(await router.getAddress(), 2n ** 255n)).wait();

  const payer = router.connect(gateway);
  return {
    record,
    modelId,
    contracts: [
      { name: "FeeRouter", address: at("FeeRouter"), abi: FeeRouter__factory.abi as InterfaceAbi },
      { name: "DatanetRegistry", address: at("DatanetRegistry"), abi: DatanetRegistry__factory.abi as InterfaceAbi },
      { name: "ModelRegistry", address: at("ModelRegistry"), abi: ModelRegistry__factory.abi as InterfaceAbi },
      { name: "L2OpenToken", address: at("L2OpenToken"), abi: L2OpenToken__factory.abi as InterfaceAbi },
    ],
    async payBatch(count, tag) {
      const requests = Array.from({ length: count }, (_, i) => ({
        requestHash: id(`${tag}-${++payNonce}-${i}`),
        tokensIn: BigInt(100 + i),
        tokensOut: BigInt(7 * i + 1),
        maxFee: 10n ** 24n,
      }));
      await (await payer.payBatch(modelId, requests)).wait();
    },
    async pay(tag) {
      await (await payer.pay(modelId, id(`${tag}-${++payNonce}`), 1_000n, 500n, 10n ** 24n)).wait();
    },
    resetNonces() {
      for (const w of [deployer, owner, curator, contributor, builder, gateway]) w.reset();
    },
  };
}
