/**
 * A real world for the gateway's tests and benchmark: one anvil on 127.0.0.1 with the protocol
 * deployed (deploy/protocol.ts), Datanets of real data (SpamAssassin messages, Iris rows) whose
 * contributions are in a content store under the CIDs of their on-chain URIs, accepted by a bonded
 * curator and published; models trained by the Model Factory on those published versions (a text
 * base, adapters over it, a tabular model), their artifacts in the content store, and registered
 * on the ModelRegistry with `metadataURI = ipfs://<artifact CID>`.
 *
 * Adapters are trained on pairs of one-contribution Datanets (every pair is a different training
 * set, so many adapters need few Datanets: 46 Datanets give 1,035 adapters).
 *
 * Registration goes through `registerModels` only (one place to change when registration
 * becomes commit-reveal).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

import { NonceManager, Wallet, type JsonRpcProvider, type Signer } from "ethers";

import { artifactCommitment } from "../../../deploy/models.js";
import { deployProtocol, type DeploymentRecord } from "../../../deploy/protocol.js";
import { chainProvider } from "../../../src/chain/provider.js";
import { ContentStore } from "../../../src/content/index.js";
import { keccakHex } from "../../../src/core/hash.js";
import { commitAndSubmit } from "../../../src/datanet/submit.js";
import { startAnvil, type AnvilProcess } from "../../../src/devnet/anvil.js";
import { TEST_MNEMONIC } from "../../../src/devnet/config.js";
import { deriveAccounts } from "../../../src/devnet/devnet.js";
import { freePort } from "../../../src/devnet/ports.js";
import type { GatewayContracts } from "../../../src/gateway/index.js";
import {
  loadIrisBinary,
  loadSpamAssassin,
  rootOfMembers,
  split,
  trainModel,
  verifyTrainingInputs,
  type FetchedVersion,
  type TextBaseModel,
} from "../../../src/factory/index.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
  type DatanetRegistry,
  type FeeRouter,
  type L2OpenToken,
  type ModelRegistry,
} from "../../../types/ethers-contracts/index.js";
import { tempDir } from "../../support/temp.js";

export const OPEN = 10n ** 18n;
/** Gas and fee fields given up front: no estimate and no fee query per setup transaction. */
const FAST = { gasLimit: 3_000_000n, maxFeePerGas: 50n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n };
const DAY = 86_400n;
const BRIDGE = "0x4200000000000000000000000000000000000010";
export const WORLD_CHAIN_ID = 31_913;

/** Prices of every model registered here: OPEN wei per 1,000 tokens. */
export const PRICES = { pricePerKInput: 10n ** 15n, pricePerKOutput: 3n * 10n ** 15n };

export const ACCOUNTS = deriveAccounts(TEST_MNEMONIC, 24);
/** Account roles by index. */
export const ROLE = {
  deployer: 0,
  owner: 1,
  curator: 2,
  contributors: [3, 4, 5],
  builder: 6,
  operator: 7,
  users: 8,
} as const;

export interface WorldOptions {
  /** One-contribution Datanets for adapters (default 4). */
  adapterDatanets?: number;
  /** Adapters to train and register (default: every pair of adapter Datanets). */
  adapters?: number;
  /** Register a tabular model (default true). */
  tabular?: boolean;
  log?: (line: string) => void;
}

export interface Artifact {
  bytes: Uint8Array;
  hash: string;
  cid: string;
  kind: "text-base" | "text-adapter" | "tabular";
  versions: { datanetId: bigint; version: bigint }[];
}

export interface World {
  anvil: AnvilProcess;
  url: string;
  chainId: number;
  provider: JsonRpcProvider;
  record: DeploymentRecord;
  contracts: GatewayContracts;
  dir: string;
  content: string;
  operatorKey: string;
  operator: string;
  users: { address: string; privateKey: string }[];
  models: { base: bigint; adapters: bigint[]; tabular: bigint | undefined };
  artifacts: Map<string, Artifact>;
  /** Each contribution's text, by contribution id. */
  texts: Map<string, string>;
  registry: ModelRegistry;
  router: FeeRouter;
  token: L2OpenToken;
  datanets: DatanetRegistry;
  wallet(index: number): NonceManager;
  rpc(method: string, params?: unknown[]): Promise<unknown>;
  mine(blocks?: number): Promise<void>;
  /** Moves the chain's clock forward and mines a block. */
  increaseTime(seconds: number): Promise<void>;
  /** User `i` transfers `amount` OPEN wei to the gateway, then a block is mined (one confirmation). */
  deposit(user: number, amount: bigint): Promise<void>;
  stop(): Promise<void>;
}

interface Trained {
  base: Artifact;
  adapters: Artifact[];
  tabular: Artifact | undefined;
}

// ---- data, once per process ------------------------------------------------------------------

let data: { ham: string[]; spam: string[]; iris: { x: number[]; y: 0 | 1 }[] } | undefined;

function loadData() {
  if (data !== undefined) return data;
  const mail = loadSpamAssassin();
  const distinct = (texts: string[]) => [...new Set(texts)];
  const ham = distinct(mail.filter((d) => d.group === "easy-ham-1").map((d) => d.text)).slice(0, 300);
  const spam = distinct(mail.filter((d) => d.group === "spam-1" || d.group === "spam-2").map((d) => d.text));
  data = { ham, spam, iris: split(loadIrisBinary(), 5).train };
  return data;
}

/** The contributions of every Datanet, in submission order (their ids follow it: 1, 2, 3, ...). */
function plan(adapterDatanets: number, tabular: boolean) {
  const d = loadData();
  const base: string[] = [];
  for (let i = 0; i < d.ham.length; i += 10) base.push(d.ham.slice(i, i + 10).join("\n\n"));
  const adapters: string[] = [];
  for (let i = 0; i < adapterDatanets; i++) adapters.push(d.spam.slice(3 * i, 3 * i + 3).join("\n\n"));
  const rows: string[] = [];
  if (tabular)
    for (let i = 0; i < d.iris.length; i += 20)
      rows.push(
        d.iris
          .slice(i, i + 20)
          .map((r) => JSON.stringify({ x: r.x, y: r.y }))
          .join("\n"),
      );
  return { base, adapters, rows };
}

const contributorOf = (i: number) => ACCOUNTS[ROLE.contributors[i % ROLE.contributors.length]!]!.address;

/** The pairs (i, j), i < j, of `n` Datanets, in order. */
export function pairs(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
  return out;
}

const trainedCache = new Map<string, Trained>();

/** Trains the world's models (deterministic: memoised per shape within a process). */
function train(adapterDatanets: number, adapters: number, tabular: boolean, log: (line: string) => void): Trained {
  const key = `${adapterDatanets}:${adapters}:${tabular}`;
  const hit = trainedCache.get(key);
  if (hit !== undefined) return hit;
  const p = plan(adapterDatanets, tabular);
  let nextId = 1n;
  const versionOf = (datanetId: bigint, texts: string[]): FetchedVersion => {
    const contributions = texts.map((text, i) => {
      const bytes = new TextEncoder().encode(text);
      return { id: nextId++, contentHash: contentHash(bytes), contributor: contributorOf(i), bytes };
    });
    return {
      datanetId,
      version: 1n,
      root: rootOfMembers(contributions),
      count: BigInt(contributions.length),
      contributions,
    };
  };
  // Datanet ids: 1 base, 2..1+m adapters, then tabular; contribution ids in the same order.
  const baseVersion = versionOf(1n, p.base);
  const adapterVersions = p.adapters.map((text, i) => versionOf(BigInt(2 + i), [text]));
  const tabularVersion = tabular ? versionOf(BigInt(2 + adapterDatanets), p.rows) : undefined;
  log(`training the base on ${p.base.length} contributions`);
  const base = trainModel({ kind: "text-base", versions: verifyTrainingInputs([baseVersion]) });
  const artifact = (
    t: { bytes: Uint8Array; hash: string },
    kind: Artifact["kind"],
    versions: FetchedVersion[],
  ): Artifact => ({
    bytes: t.bytes,
    hash: t.hash,
    cid: "",
    kind,
    versions: versions.map((v) => ({ datanetId: v.datanetId, version: v.version })),
  });
  const out: Trained = { base: artifact(base, "text-base", [baseVersion]), adapters: [], tabular: undefined };
  const all = pairs(adapterDatanets).slice(0, adapters);
  log(`training ${all.length} adapters`);
  for (const [i, j] of all) {
    const versions = [adapterVersions[i]!, adapterVersions[j]!];
    const a = trainModel({
      kind: "text-adapter",
      versions: verifyTrainingInputs(versions),
      base: base.model as TextBaseModel,
    });
    out.adapters.push(artifact(a, "text-adapter", versions));
  }
  if (tabularVersion !== undefined) {
    const t = trainModel({ kind: "tabular", versions: verifyTrainingInputs([tabularVersion]) });
    out.tabular = artifact(t, "tabular", [tabularVersion]);
  }
  trainedCache.set(key, out);
  return out;
}

/** keccak256 of the bytes, as the registry stores it. */
const contentHash = (bytes: Uint8Array): string => keccakHex(bytes);

// ---- registration: the one place that registers models ---------------------------------------

export interface Registration {
  baseModelId: bigint;
  artifactHash: string;
  metadataURI: string;
  trainedOn: { datanetId: bigint; version: bigint }[];
  attributionMethod: 0n | 1n;
}

/**
 * Registers models in order and returns their ids: every commitment, a block, then every
 * registration (commit-reveal). The transactions are sent with automining off and mined together
 * (hundreds per block), then automining is restored.
 */
export async function registerModels(
  registry: ModelRegistry,
  builder: Signer,
  registrations: readonly Registration[],
): Promise<bigint[]> {
  const provider = registry.runner!.provider as JsonRpcProvider;
  const connected = registry.connect(builder);
  const first = (await registry.modelCount()) + 1n;
  await provider.send("evm_setAutomine", [false]);
  try {
    // Commit-reveal (ModelRegistry 3.0.0): every commitment is mined first, then the
    // registrations reveal them in a later block. Signed and sent 50 at a time (the nonce manager
    // numbers them in call order); the salt is derived from the artifact, so reruns agree.
    const owner = await builder.getAddress();
    const saltOf = (r: Registration) => keccakHex(new TextEncoder().encode(`salt:${String(r.artifactHash)}`));
    for (let i = 0; i < registrations.length; i += 50)
      await Promise.all(
        registrations
          .slice(i, i + 50)
          .map((r) => connected.commitArtifact(artifactCommitment(String(r.artifactHash), owner, saltOf(r)), FAST)),
      );
    while (Number(await provider.send("txpool_status", []).then((s: { pending: string }) => BigInt(s.pending))) > 0)
      await provider.send("anvil_mine", ["0x1"]);
    for (let i = 0; i < registrations.length; i += 50)
      await Promise.all(
        registrations.slice(i, i + 50).map((r) =>
          connected.registerModel(
            {
              ...r,
              pricePerKInput: PRICES.pricePerKInput,
              pricePerKOutput: PRICES.pricePerKOutput,
              ownerBps: 3_000n,
              stakersBps: 2_000n,
              contributorsBps: 5_000n,
            },
            saltOf(r),
            FAST,
          ),
        ),
      );
    while (Number(await provider.send("txpool_status", []).then((s: { pending: string }) => BigInt(s.pending))) > 0)
      await provider.send("anvil_mine", ["0x1"]);
  } finally {
    await provider.send("evm_setAutomine", [true]);
  }
  const count = await registry.modelCount();
  if (count !== first + BigInt(registrations.length) - 1n)
    throw new Error(`registered ${count - first + 1n} of ${registrations.length} models`);
  return registrations.map((_, k) => first + BigInt(k));
}

// ---- the world ---------------------------------------------------------------------------------

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const log = options.log ?? (() => {});
  const adapterDatanets = options.adapterDatanets ?? 4;
  const adapterCount = options.adapters ?? pairs(adapterDatanets).length;
  const withTabular = options.tabular ?? true;
  const dir = tempDir("poa-gateway-world-");
  const anvil = await startAnvil({
    name: "gateway-test-chain",
    host: "127.0.0.1",
    port: await freePort(),
    chainId: WORLD_CHAIN_ID,
    mnemonic: TEST_MNEMONIC,
    accounts: ACCOUNTS.length,
    logFile: join(dir, "anvil.log"),
    extraArgs: ["--gas-limit", "100000000"],
  });
  // Gas estimates padded 1.5x (as src/chain/provider.ts does): an ERC20Votes transfer or mint
  // estimated in one second can need a new checkpoint in the next.
  const provider = chainProvider(anvil.rpcUrl, WORLD_CHAIN_ID);
  const rpc = (method: string, params: unknown[] = []) => provider.send(method, params);
  const wallets = new Map<number, NonceManager>();
  const wallet = (i: number) => {
    let w = wallets.get(i);
    if (w === undefined) {
      w = new NonceManager(new Wallet(ACCOUNTS[i]!.privateKey, provider));
      wallets.set(i, w);
    }
    return w;
  };
  try {
    const deployer = wallet(ROLE.deployer);
    const { record } = await deployProtocol({ network: "gateway-test", signers: { l1: deployer, l2: deployer } });
    const at = (name: string) => record.contracts[name]!.address;
    const token = L2OpenToken__factory.connect(at("L2OpenToken"), provider);
    const datanets = DatanetRegistry__factory.connect(at("DatanetRegistry"), provider);
    const registry = ModelRegistry__factory.connect(at("ModelRegistry"), provider);
    const router = FeeRouter__factory.connect(at("FeeRouter"), provider);

    // OPEN for everyone, minted as deposits through the L2 bridge would.
    await rpc("anvil_impersonateAccount", [BRIDGE]);
    await rpc("anvil_setBalance", [BRIDGE, "0x56bc75e2d63100000"]);
    const bridge = await provider.getSigner(BRIDGE);
    for (const i of [ROLE.curator, ...ROLE.contributors, ...Array.from({ length: 8 }, (_, k) => ROLE.users + k)])
      await (await token.connect(bridge).mint(ACCOUNTS[i]!.address, 1_000_000n * OPEN, { gasLimit: 500_000 })).wait();

    const trained = train(adapterDatanets, adapterCount, withTabular, log);
    const content = join(dir, "content");
    mkdirSync(content, { recursive: true });
    const store = new ContentStore(content);
    const p = plan(adapterDatanets, withTabular);

    // Datanets, contributions (content stored under their CIDs), votes, versions.
    const owner = wallet(ROLE.owner);
    const curator = wallet(ROLE.curator);
    await (await token.connect(curator).approve(at("DatanetRegistry"), 2n ** 255n)).wait();
    for (const c of ROLE.contributors)
      await (await token.connect(wallet(c)).approve(at("DatanetRegistry"), 2n ** 255n)).wait();
    const groups: { texts: string[]; kind: 0 | 3 }[] = [
      { texts: p.base, kind: 0 },
      ...p.adapters.map((t) => ({ texts: [t], kind: 0 as const })),
      ...(withTabular ? [{ texts: p.rows, kind: 3 as const }] : []),
    ];
    log(`creating ${groups.length} Datanets`);
    let datanetId = 0n;
    let contributionId = 0n;
    const texts = new Map<string, string>();
    for (const group of groups) {
      await datanets.connect(owner).createDatanet(
        group.kind,
        `ipfs://datanet-${datanetId + 1n}`,
        {
          minStake: 10n * OPEN,
          dailyByteCap: 10_000_000n,
          bondPeriod: 7n * DAY,
          slashBps: 2_000n,
          quorum: 1n,
          reviewPeriod: 7n * DAY,
        },
        FAST,
      );
      datanetId++;
      await datanets.connect(owner).appointCurator(datanetId, ACCOUNTS[ROLE.curator]!.address, FAST);
      await datanets.connect(curator).depositCuratorBond(datanetId, 1_000n * OPEN, FAST);
      const members: { id: bigint; contentHash: string }[] = [];
      for (let i = 0; i < group.texts.length; i++) {
        const bytes = new TextEncoder().encode(group.texts[i]!);
        const stored = await store.put(bytes);
        const contributor = wallet(ROLE.contributors[i % ROLE.contributors.length]!);
        await commitAndSubmit(datanets.connect(contributor), {
          datanetId,
          contentHash: stored.contentHash,
          uri: `ipfs://${stored.cid}`,
          sizeBytes: BigInt(bytes.length),
          stake: 10n * OPEN,
        });
        contributionId++;
        texts.set(contributionId.toString(), group.texts[i]!);
        await datanets.connect(curator).vote(contributionId, true, FAST);
        members.push({ id: contributionId, contentHash: stored.contentHash });
      }
      await (
        await datanets
          .connect(owner)
          .publishVersion(datanetId, rootOfMembers(members), BigInt(members.length), "ipfs://v1")
      ).wait();
    }

    // Artifacts into the content store, then the registrations.
    const artifacts = new Map<string, Artifact>();
    const put = async (a: Artifact) => ({ ...a, cid: (await store.put(a.bytes)).cid });
    const base = await put(trained.base);
    const builder = wallet(ROLE.builder);
    const [baseId] = await registerModels(registry, builder, [
      {
        baseModelId: 0n,
        artifactHash: base.hash,
        metadataURI: `ipfs://${base.cid}`,
        trainedOn: base.versions,
        attributionMethod: 0n,
      },
    ]);
    artifacts.set(baseId!.toString(), base);
    log(`registering ${trained.adapters.length} adapters`);
    const adapters = await Promise.all(trained.adapters.map(put));
    const adapterIds: bigint[] = [];
    for (let i = 0; i < adapters.length; i += 200) {
      const chunk = adapters.slice(i, i + 200);
      const ids = await registerModels(
        registry,
        builder,
        chunk.map((a) => ({
          baseModelId: baseId!,
          artifactHash: a.hash,
          metadataURI: `ipfs://${a.cid}`,
          trainedOn: a.versions,
          attributionMethod: 0n,
        })),
      );
      ids.forEach((id, k) => {
        adapterIds.push(id);
        artifacts.set(id.toString(), chunk[k]!);
      });
    }
    let tabularId: bigint | undefined;
    if (trained.tabular !== undefined) {
      const t = await put(trained.tabular);
      [tabularId] = await registerModels(registry, builder, [
        {
          baseModelId: 0n,
          artifactHash: t.hash,
          metadataURI: `ipfs://${t.cid}`,
          trainedOn: t.versions,
          attributionMethod: 1n,
        },
      ]);
      artifacts.set(tabularId!.toString(), t);
    }

    // Registration order is id order: spot-check that each id holds the artifact we think it does.
    for (const [id, a] of [...artifacts].filter((_, i) => i % 97 === 0 || i === artifacts.size - 1))
      if ((await registry.getModel(BigInt(id))).artifactHash !== a.hash)
        throw new Error(`model ${id} is not the artifact expected`);
    const operator = ACCOUNTS[ROLE.operator]!;
    const world: World = {
      anvil,
      url: anvil.rpcUrl,
      chainId: WORLD_CHAIN_ID,
      provider,
      record,
      contracts: {
        modelRegistry: at("ModelRegistry"),
        feeRouter: at("FeeRouter"),
        token: at("L2OpenToken"),
        datanetRegistry: at("DatanetRegistry"),
      },
      dir,
      content,
      operatorKey: operator.privateKey,
      operator: operator.address,
      users: Array.from({ length: 8 }, (_, k) => ACCOUNTS[ROLE.users + k]!),
      models: { base: baseId!, adapters: adapterIds, tabular: tabularId },
      artifacts,
      texts,
      registry,
      router,
      token,
      datanets,
      wallet,
      rpc,
      mine: async (blocks = 1) => {
        await rpc("anvil_mine", [`0x${blocks.toString(16)}`]);
      },
      increaseTime: async (seconds) => {
        await rpc("evm_increaseTime", [`0x${seconds.toString(16)}`]);
        await rpc("anvil_mine", ["0x1"]);
      },
      deposit: async (user, amount) => {
        const w = wallet(ROLE.users + user);
        await (await token.connect(w).transfer(operator.address, amount)).wait();
        await rpc("anvil_mine", ["0x1"]);
      },
      async stop() {
        provider.destroy();
        await anvil.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    log(`world ready: base ${baseId}, ${adapterIds.length} adapters, tabular ${tabularId ?? "none"}`);
    return world;
  } catch (error) {
    provider.destroy();
    await anvil.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
