/**
 * The main job (`npm start`, `poa demo`): the whole lifecycle on the local L1 + OP Stack L2, every
 * stage through the same library code the commands use, every step real and checked:
 *
 *   devnet -> deploy -> bridge OPEN in -> contributors add real data to two Datanets -> curators
 *   accept and reject (with a slash) -> versions -> Model Factory trains a base and two adapters ->
 *   the gateway serves them -> the official openai client sends a few hundred paid requests ->
 *   the epoch ends -> settle -> verify -> finalize -> contributors claim -> a governance vote
 *   (platform fee, an OpenCircle grant) -> a grant milestone released -> withdraw to L1 ->
 *   summary and an HTML report.
 *
 * Stages report their progress and time; the result carries everything the summary prints.
 */
import { join, resolve } from "node:path";

import { MaxUint256, NonceManager, Wallet, type Signer } from "ethers";
import OpenAI from "openai";

import { createBridge, type BridgeStep } from "../bridge/index.js";
import { contractAddress, type DeploymentRecord } from "../chain/deployment.js";
import { chainProvider } from "../chain/provider.js";
import { ContentStore } from "../content/store.js";
import { deployToNetwork } from "../context/deploy.js";
import { devnetKey, resolveNetwork, type NetworkContext } from "../context/network.js";
import { formatAmount, formatOpen } from "../core/amount.js";
import { PoaError } from "../core/errors.js";
import {
  addContribution,
  appointCurator,
  bondCurator,
  createDatanet,
  publishVersion,
  reviewContribution,
} from "../datanet/service.js";
import { findRunningDevnet, type DevnetAddresses } from "../devnet/addresses.js";
import { DEFAULTS } from "../devnet/config.js";
import { startDevnet, type Devnet } from "../devnet/devnet.js";
import { l2FeeReport } from "../devnet/fees.js";
import { freePort, isPortFree } from "../devnet/ports.js";
import { advanceL2Time, advanceL2TimeTo } from "../devnet/time.js";
import {
  apiKeyHash,
  exportRecordsTo,
  newApiKey,
  signKeyBinding,
  startGateway,
  type RunningGateway,
} from "../gateway/index.js";
import { registerModel, trainOnVersions } from "../models/service.js";
import { claimAll } from "../settlement/claim.js";
import { loadSettlementFolder, readClaims, writeHtmlReport } from "../settlement/html-report.js";
import { epochEnd, settle, type SettleEvent } from "../settlement/pipeline.js";
import { verifyEpoch } from "../settlement/verify.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  GrantsVault__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
  RewardDistributor__factory,
} from "../../types/ethers-contracts/index.js";
import { storyData, type StoryContribution } from "./data.js";

const OPEN = 10n ** 18n;

export interface MainJobOptions {
  /** The devnet's state folder (a running devnet there is reused). */
  dir: string;
  /** OPEN to bridge in and out (base units). */
  deposit: bigint;
  withdraw: bigint;
  /** Paid requests to send through the gateway. */
  requests: number;
  /** Where the job keeps its stores, content and settlement folders (default <dir>/demo). */
  workDir?: string;
  deploymentFile?: string;
  print?: (line: string) => void;
  /** Progress of long stages (done, total). */
  onProgress?: (label: string, done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Accounts of the story (indexes of the devnet's test mnemonic). */
export const ACTORS = {
  holder: 0,
  contributors: [1, 2, 3, 4],
  curators: [5, 6],
  builder: 7,
  operator: 8,
  users: [9, 7],
} as const;

/** The OpenCircle grant the demo's vote funds (within the Exploration tier at $1 per OPEN). */
const GRANT_AMOUNT = 25_000n * OPEN;
/** The platform fee the demo's vote sets (the deployment starts at 0). */
const NEW_PLATFORM_FEE_BPS = 300n;
/** The devnet's council (COUNCIL_ROLE of the GrantsVault): test-mnemonic account 9. */
const DEVNET_ROLE_ACCOUNTS_COUNCIL = 9;

/** OPEN the story hands out on L2 and spends (stakes, bonds, credit, the grant), plus headroom. */
export const STORY_OPEN = 5_000n * OPEN + GRANT_AMOUNT;

export interface StageTime {
  stage: string;
  seconds: number;
}

export interface ContributionLine {
  id: bigint;
  datanet: string;
  contributor: string;
  label: string;
  outcome: "accepted" | "rejected";
  stake: bigint;
}

export interface ModelLine {
  id: bigint;
  name: string;
  kind: string;
  trainedOn: string;
  artifact: string;
  bytes: number;
}

export interface MainJobResult {
  embedded: boolean;
  times: StageTime[];
  contributions: ContributionLine[];
  models: ModelLine[];
  requests: { count: number; tokensIn: number; tokensOut: number; fees: bigint; batches: number };
  fees: { platform: bigint; owner: bigint; stakers: bigint; contributors: bigint };
  settlement: {
    epoch: bigint;
    root: string;
    total: bigint;
    reportHash: string;
    reportURI: string;
    folder: string;
    verified: boolean;
    html: string;
  };
  /** Cumulative earnings by account, with their share of the root's total and the reason. */
  earnings: { account: string; earned: bigint; share: number; why: string }[];
  claimed: bigint;
  /** The governance stage: the platform fee voted, and the grant and its released milestone. */
  governance: {
    id: bigint;
    amount: bigint;
    released: bigint;
    grantee: string;
    evidence: string;
    milestones: number;
    feeBps: bigint;
  };
  relayMs: number;
  withdrawMs: number;
  l2Txs: { label: string; gasUsed: bigint; l2Fee: bigint; l1Fee: bigint }[];
  l2Supply: bigint;
  lockedInBridge: bigint;
}

/** Uses the devnet running from `dir`, or starts one (default ports when free, else free ports). */
async function devnetFor(dir: string, print: (line: string) => void, signal?: AbortSignal) {
  const running = await findRunningDevnet(dir);
  if (running !== undefined) {
    print(`  using the devnet running from ${dir} (L1 ${running.l1Rpc}, L2 ${running.l2Rpc})`);
    return { addresses: running, embedded: undefined as Devnet | undefined };
  }
  const defaultsFree =
    (await isPortFree(DEFAULTS.host, DEFAULTS.l1Port)) && (await isPortFree(DEFAULTS.host, DEFAULTS.l2Port));
  const ports = defaultsFree ? {} : { l1Port: await freePort(), l2Port: await freePort() };
  if (!defaultsFree) print(`  ports ${DEFAULTS.l1Port}/${DEFAULTS.l2Port} are taken: using free ports`);
  const net = await startDevnet({ dir, ...ports }, signal);
  print(
    `  started L1 ${net.addresses.l1Rpc} and OP Stack L2 ${net.addresses.l2Rpc} in ${(net.startupMs / 1000).toFixed(1)} s`,
  );
  return { addresses: net.addresses as DevnetAddresses, embedded: net as Devnet | undefined };
}

const ERC20_VIEWS = ["function deposits(address l1Token, address l2Token) view returns (uint256)"];

export async function runMainJob(options: MainJobOptions): Promise<MainJobResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const progress = options.onProgress ?? (() => {});
  if (options.deposit < STORY_OPEN + options.withdraw)
    throw new PoaError(
      "VALUE_OUT_OF_RANGE",
      `the demo needs at least ${formatAmount(STORY_OPEN + options.withdraw)} OPEN on L2 (${formatAmount(STORY_OPEN)} for the story plus the ${formatAmount(options.withdraw)} it withdraws), but deposits only ${formatAmount(options.deposit)}`,
      {
        details: { field: "deposit", needed: (STORY_OPEN + options.withdraw).toString() },
        action: `Deposit at least ${formatAmount(STORY_OPEN + options.withdraw)} OPEN, or withdraw less.`,
      },
    );
  const times: StageTime[] = [];
  const stages = 18;
  let n = 0;
  let stageStarted = Date.now();
  const stage = (title: string) => {
    if (options.signal?.aborted === true)
      throw new PoaError("INTERRUPTED", "the demo was interrupted", {
        action: "Everything it started is stopped; run it again.",
      });
    if (n > 0) times[times.length - 1]!.seconds = (Date.now() - stageStarted) / 1000;
    n += 1;
    stageStarted = Date.now();
    times.push({ stage: title, seconds: 0 });
    print(`\n[${n}/${stages}] ${title}`);
  };
  const acts: { label: string; hash: string }[] = [];

  stage("Start the local L1 + OP Stack L2 devnet");
  const { addresses, embedded } = await devnetFor(options.dir, print, options.signal);
  let gateway: RunningGateway | undefined;
  try {
    // Per chain: a restarted devnet (a new genesis) starts with fresh stores, never another chain's.
    const genesis = (await chainProvider(addresses.l2Rpc, addresses.l2ChainId).getBlock(0))?.hash ?? "unknown";
    const work = resolve(options.workDir ?? join(options.dir, "demo", genesis.slice(2, 14)));
    const content = new ContentStore(join(work, "content"));
    const key = (i: number) => devnetKey(i);
    const context: NetworkContext = await resolveNetwork({
      devnetDir: options.dir,
      privateKey: key(ACTORS.holder),
      ...(options.deploymentFile === undefined ? {} : { deploymentFile: options.deploymentFile }),
    });
    const l2 = chainProvider(addresses.l2Rpc, addresses.l2ChainId, true);
    const signerOf = new Map<number, Signer>();
    // One nonce manager per account, except the holder's: the holder is also the deployer and
    // the settler, whose other signers (deployment, bridge, settlement outbox, governance) send
    // from the same account, so its next nonce is read from the chain each time.
    const signer = (i: number) => {
      if (i === ACTORS.holder) return new NonceManager(new Wallet(key(i), l2));
      let s = signerOf.get(i);
      if (s === undefined) signerOf.set(i, (s = new NonceManager(new Wallet(key(i), l2))));
      return s;
    };
    const address = (i: number) => new Wallet(key(i)).address;

    stage("Deploy OPEN, the bridged OPEN and the protocol");
    const deployment = await deployToNetwork(context, { log: (line) => print(`  ${line}`) });
    const record: DeploymentRecord = deployment.record;
    print(
      `  ${deployment.deployed.length} deployed, ${deployment.reused.length} already there; record ${deployment.file}`,
    );
    for (const [name, entry] of Object.entries(record.contracts))
      if (entry.chain === "l2" && deployment.deployed.includes(name))
        acts.push({ label: `deploy ${name}`, hash: entry.txHash });
    const at = (name: string) => contractAddress(record, name, deployment.file);

    stage(`Bridge ${formatAmount(options.deposit)} OPEN from L1 to L2 (Optimism SDK, standard bridge)`);
    const bridge = createBridge(addresses, key(ACTORS.holder));
    const pair = { l1: at("OpenToken"), l2: at("L2OpenToken") };
    const onStep = (step: BridgeStep, detail?: string) => print(`  ${step}${detail === undefined ? "" : ` ${detail}`}`);
    const deposit = await bridge.deposit(options.deposit, pair, { onStep });
    const open = (i: number) => L2OpenToken__factory.connect(at("L2OpenToken"), signer(i));
    const send = async (label: string, tx: Promise<{ hash: string; wait: () => Promise<unknown> }>) => {
      const sent = await tx;
      await sent.wait();
      acts.push({ label, hash: sent.hash });
    };
    for (const i of new Set([...ACTORS.contributors, ...ACTORS.curators, ...ACTORS.users]))
      await send(`holder sends OPEN to account ${i}`, open(ACTORS.holder).transfer(address(i), 1_500n * OPEN));
    print(`  the holder sent 1,500 OPEN each to 4 contributors, 2 curators and 2 API users on L2`);
    // OPEN votes count once delegated, from the next second on (the governor's clock is time).
    await send("holder delegates its votes to itself", open(ACTORS.holder).delegate(address(ACTORS.holder)));

    stage("Contributors add real data to two Datanets (WordNet glosses; SpamAssassin mail)");
    const data = storyData();
    const datanets = (i: number) => DatanetRegistry__factory.connect(at("DatanetRegistry"), signer(i));
    const params = {
      minStake: 10n * OPEN,
      dailyByteCap: 10_000_000n,
      bondPeriod: 30n * 86_400n,
      slashBps: 2_000n,
      quorum: 1n,
      reviewPeriod: 7n * 86_400n,
    };
    const english = (
      await createDatanet(datanets(ACTORS.holder), { kind: "text", metadataURI: "ipfs://general-english", params })
    ).datanetId;
    const mail = (await createDatanet(datanets(ACTORS.holder), { kind: "text", metadataURI: "ipfs://mail", params }))
      .datanetId;
    for (const [datanet, curator] of [
      [english, ACTORS.curators[0]],
      [mail, ACTORS.curators[1]],
    ] as const) {
      await appointCurator(datanets(ACTORS.holder), address(ACTORS.holder), datanet, address(curator));
      await bondCurator(datanets(curator), open(curator), address(curator), datanet, 1_000n * OPEN);
    }
    const contributions: ContributionLine[] = [];
    const add = async (datanet: bigint, name: string, c: StoryContribution, stake: bigint) => {
      const who = ACTORS.contributors[c.contributor]!;
      const added = await addContribution({
        registry: datanets(who),
        token: open(who),
        signer: signer(who),
        content,
        datanetId: datanet,
        bytes: new TextEncoder().encode(c.text),
        stake,
      });
      const line: ContributionLine = {
        id: added.contributionId,
        datanet: name,
        contributor: address(who),
        label: c.label,
        outcome: "accepted",
        stake,
      };
      contributions.push(line);
      progress("contributions", contributions.length, data.english.length + data.spam.length + data.ham.length + 1);
      return line;
    };
    for (const c of data.english) await add(english, "General English", c, 20n * OPEN);
    const offTopic = await add(english, "General English", data.rejected, 10n * OPEN);
    for (const c of data.spam) await add(mail, "Mail", c, 15n * OPEN);
    const hamLines: ContributionLine[] = [];
    for (const c of data.ham) hamLines.push(await add(mail, "Mail", c, 15n * OPEN));
    print(
      `  ${contributions.length} contributions from ${ACTORS.contributors.length} contributors, each staked, bytes in the content store (IPFS CIDs)`,
    );

    stage("Curators review: accept the data, reject an off-topic contribution (its stake is slashed)");
    for (const c of contributions) {
      if (hamLines.includes(c)) continue; // reviewed after version 1 of the mail Datanet
      const curator = c.datanet === "General English" ? ACTORS.curators[0] : ACTORS.curators[1];
      const accept = c !== offTopic;
      await reviewContribution(datanets(curator), address(curator), c.id, accept);
      if (!accept) c.outcome = "rejected";
    }
    print(
      `  contribution ${offTopic.id} (${offTopic.label}) rejected: ${formatOpen((offTopic.stake * params.slashBps) / 10_000n)} OPEN slashed to the treasury`,
    );

    stage("Publish versions: General English v1, Mail v1 (spam), then Mail v2 (spam and hard ham)");
    const e1 = await publishVersion(datanets(ACTORS.holder), english, "ipfs://general-english/v1");
    const m1 = await publishVersion(datanets(ACTORS.holder), mail, "ipfs://mail/v1");
    for (const c of hamLines)
      await reviewContribution(datanets(ACTORS.curators[1]), address(ACTORS.curators[1]), c.id, true);
    const m2 = await publishVersion(datanets(ACTORS.holder), mail, "ipfs://mail/v2");
    for (const [name, v] of [
      ["General English", e1],
      ["Mail", m1],
      ["Mail", m2],
    ] as const)
      print(`  ${name} v${v.version}: ${v.count} contributions, root ${v.root}`);

    stage("Model Factory: train a base model and two adapters on those versions, register them with provenance");
    const registry = ModelRegistry__factory.connect(at("ModelRegistry"), signer(ACTORS.builder));
    const dn = DatanetRegistry__factory.connect(at("DatanetRegistry"), signer(ACTORS.builder));
    const models: ModelLine[] = [];
    const trainAndRegister = async (
      name: string,
      versions: { datanetId: bigint; version: bigint }[],
      baseModelId?: bigint,
    ) => {
      const trained = await trainOnVersions({
        datanets: dn,
        models: registry,
        content,
        versions,
        kind: "text",
        ...(baseModelId === undefined ? {} : { baseModelId }),
      });
      const { modelId } = await registerModel({
        models: registry,
        artifact: trained,
        versions,
        ...(baseModelId === undefined ? {} : { baseModelId }),
        pricePerKInput: 2n * OPEN,
        pricePerKOutput: 6n * OPEN,
        ownerBps: 3_000,
        stakersBps: 2_000,
        contributorsBps: 5_000,
      });
      models.push({
        id: modelId,
        name,
        kind: String(trained.manifest.kind),
        trainedOn: versions
          .map((v) => `${v.datanetId === english ? "General English" : "Mail"} v${v.version}`)
          .join(", "),
        artifact: trained.hash,
        bytes: trained.bytes.length,
      });
      print(
        `  model ${modelId} "${name}" (${String(trained.manifest.kind)}, ${formatAmount(BigInt(trained.bytes.length), 0)} bytes) trained on ${models[models.length - 1]!.trainedOn}`,
      );
      return modelId;
    };
    const base = await trainAndRegister("english-base", [{ datanetId: english, version: e1.version }]);
    const spamAdapter = await trainAndRegister("spam-adapter", [{ datanetId: mail, version: m1.version }], base);
    const mailAdapter = await trainAndRegister("mail-adapter", [{ datanetId: mail, version: m2.version }], base);

    stage("Serve them through the gateway (OpenAI-compatible API, one base, two adapters)");
    gateway = await startGateway({
      rpcUrl: addresses.l2Rpc,
      chainId: addresses.l2ChainId,
      contracts: {
        modelRegistry: at("ModelRegistry"),
        feeRouter: at("FeeRouter"),
        token: at("L2OpenToken"),
        datanetRegistry: at("DatanetRegistry"),
      },
      privateKey: key(ACTORS.operator),
      store: join(work, "gateway-store"),
      content: content.root,
      port: 0,
      creditPollMs: 200,
      modelPollMs: 200,
      payments: { batchSize: 100, flushIntervalMs: 1_000 },
    });
    print(`  gateway at ${gateway.url} (operator ${gateway.address}); models ${base}, ${spamAdapter}, ${mailAdapter}`);
    const keys: string[] = [];
    for (const user of ACTORS.users) {
      const apiKey = newApiKey();
      const signature = await signKeyBinding(new Wallet(key(user)), {
        action: "bind",
        gateway: gateway.address,
        chainId: addresses.l2ChainId,
        keyHash: apiKeyHash(apiKey),
      });
      const bound = await fetch(`${gateway.url}/v1/keys`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ account: address(user), key_hash: apiKeyHash(apiKey), signature }),
      });
      if (bound.status !== 200)
        throw new PoaError("STATE_CONFLICT", `the gateway refused an API key: ${await bound.text()}`);
      keys.push(apiKey);
      await send(
        `user ${user} deposits 400 OPEN of credit at the gateway`,
        open(user).transfer(gateway.address, 400n * OPEN),
      );
    }
    // The gateway credits a deposit once a block is on top of it (its index never reads the head).
    for (let i = 0; i < 2; i++) await l2.send("evm_mine", []);
    const creditOf = async (apiKey: string) =>
      BigInt(
        (
          (await (
            await fetch(`${gateway!.url}/v1/credit`, { headers: { authorization: `Bearer ${apiKey}` } })
          ).json()) as { available?: string }
        ).available ?? "0",
      );
    for (const apiKey of keys) {
      const deadline = Date.now() + 30_000;
      while ((await creditOf(apiKey)) < 400n * OPEN) {
        if (Date.now() > deadline)
          throw new PoaError(
            "TIMEOUT",
            `the gateway did not credit a deposit within 30 s (${JSON.stringify(gateway.status())} ${await (await fetch(`${gateway.url}/v1/credit`, { headers: { authorization: `Bearer ${apiKey}` } })).text()})`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    print(`  2 users bound API keys (EIP-191 signatures) and deposited 400 OPEN of credit each`);

    stage(
      `Send ${options.requests} requests with the official openai client; the gateway pays the FeeRouter in batches`,
    );
    // This run's payments start after this block (a re-run on the same devnet shares the store).
    const firstPaymentBlock = BigInt(await l2.getBlockNumber()) + 1n;
    const clients = keys.map((apiKey) => new OpenAI({ baseURL: `${gateway!.url}/v1`, apiKey, maxRetries: 0 }));
    const plan = Array.from({ length: options.requests }, (_, i) => {
      const which = i % 3;
      const prompts = which === 0 ? data.prompts.english : which === 1 ? data.prompts.spam : data.prompts.ham;
      return {
        model: [base, spamAdapter, mailAdapter][which]!,
        prompt: prompts[Math.floor(i / 3) % prompts.length]!,
        chat: i % 5 === 4,
      };
    });
    let done = 0;
    let tokensIn = 0;
    let tokensOut = 0;
    const worker = async (w: number) => {
      for (let i = w; i < plan.length; i += 8) {
        const p = plan[i]!;
        const client = clients[i % clients.length]!;
        const usage = p.chat
          ? (
              await client.chat.completions.create({
                model: String(p.model),
                messages: [{ role: "user", content: p.prompt }],
                max_tokens: 32,
                temperature: 0.8,
                seed: i,
              })
            ).usage
          : (
              await client.completions.create({
                model: String(p.model),
                prompt: p.prompt,
                max_tokens: 32,
                temperature: 0.8,
                seed: i,
              })
            ).usage;
        tokensIn += usage?.prompt_tokens ?? 0;
        tokensOut += usage?.completion_tokens ?? 0;
        progress("requests", ++done, plan.length);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    // Every record paid before the epoch ends: the gateway drains its batches.
    const router = FeeRouter__factory.connect(at("FeeRouter"), l2);
    const paid = async () =>
      BigInt(await l2.getBlockNumber()) < firstPaymentBlock
        ? 0 // no payment block yet (a range starting past the head is an error)
        : (await router.queryFilter(router.filters.RequestPaid(), Number(firstPaymentBlock))).length;
    const before = Date.now();
    while ((await paid()) < plan.length) {
      if (Date.now() - before > 60_000)
        throw new PoaError("TIMEOUT", "the gateway did not pay every request within a minute");
      await new Promise((r) => setTimeout(r, 250));
    }
    // The gateway marks a record paid once it has the batch's receipt, a moment after the event.
    const recordsFile = join(work, "records.jsonl");
    let lines: string[] = [];
    for (const since = Date.now(); ;) {
      lines = [];
      await exportRecordsTo(gateway.db, { state: "paid", fromBlock: firstPaymentBlock }, (line) => {
        lines.push(line);
      });
      if (lines.length >= plan.length) break;
      if (Date.now() - since > 30_000)
        throw new PoaError(
          "TIMEOUT",
          `the gateway recorded ${lines.length} of ${plan.length} requests as paid within 30 s`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    const { writeFileAtomic } = await import("../core/fs.js");
    writeFileAtomic(recordsFile, lines.join(""));
    const batchEvents = await router.queryFilter(router.filters.RequestPaid(), Number(firstPaymentBlock));
    const batches = new Set(batchEvents.map((e) => e.transactionHash)).size;
    const fees = batchEvents.reduce((s, e) => s + e.args.fee, 0n);
    print(
      `  ${plan.length} requests served (${tokensIn} tokens in, ${tokensOut} out), paid in ${batches} payBatch transactions, ${formatOpen(fees)} OPEN in fees; ${lines.length} records exported`,
    );

    stage("End the epoch (the devnet's L2 clock moves on)");
    const distributor = RewardDistributor__factory.connect(at("RewardDistributor"), l2);
    const clock = { genesis: await distributor.genesis(), epochLength: await distributor.epochLength() };
    const epoch = await distributor.currentEpoch();
    const travel = await advanceL2TimeTo(addresses.l2Rpc, addresses.l2ChainId, epochEnd(clock, epoch) + 1n, 3);
    print(
      `  epoch ${epoch} ended: L2 time moved from ${new Date(Number(travel.before) * 1000).toISOString()} to ${new Date(Number(travel.after) * 1000).toISOString()} (poa devnet advance)`,
    );

    stage(
      `Settle epoch ${epoch}: attribute every output, split the pools, publish the report and tree, propose the root`,
    );
    const settlerIndex = await (async () => {
      const role = await distributor.SETTLER_ROLE();
      for (let i = 0; i < 20; i++) if (await distributor.hasRole(role, address(i))) return i;
      throw new PoaError("STATE_CONFLICT", "no devnet account holds the RewardDistributor's SETTLER_ROLE");
    })();
    const settlerContext = await resolveNetwork({
      devnetDir: options.dir,
      privateKey: key(settlerIndex),
      deploymentFile: deployment.file,
    });
    const settleOptions = {
      context: settlerContext,
      record,
      store: join(work, "settle-store"),
      content: content.root,
      out: join(work, "settlement"),
      epoch,
      confirmations: 2,
      records: [recordsFile],
      pollMs: 200,
      onEvent: (e: SettleEvent) => {
        if (e.kind === "stage") print(`  ${e.stage}${e.detail === undefined ? "" : `: ${e.detail}`}`);
      },
    };
    const proposed = await settle({ ...settleOptions, wait: false });
    for (let i = 0; i < 3; i++) await l2.send("evm_mine", []);

    stage("Verify: anyone recomputes the posted root from public inputs");
    const verdict = await verifyEpoch({
      context: settlerContext,
      record,
      store: join(work, "verify-store"),
      content: content.root,
      epoch,
      folder: proposed.folder,
      confirmations: 2,
    });
    if (verdict.verdict !== "match")
      throw new PoaError("INVARIANT_BROKEN", `poa verify disagrees with the settlement: ${verdict.reasons.join("; ")}`);
    print(`  recomputed root ${verdict.recomputed?.root}: identical to the posted one`);

    stage("Finalize after the challenge window (the L2 clock moves on again)");
    await advanceL2Time(addresses.l2Rpc, addresses.l2ChainId, (await distributor.challengeWindow()) + 1n, 3);
    const finalized = await settle(settleOptions);
    print(`  root ${finalized.root} is final (${finalized.finalizeTx ?? "already"})`);

    stage("Contributors, stakers and curators are paid: everyone's claim is sent in a batch");
    const claims = await claimAll({ record, signer: signer(ACTORS.holder), content: content.root });
    const claimed = claims.claimed.reduce((s, c) => s + c.paid, 0n);
    for (const tx of claims.txHashes) acts.push({ label: "claimBatch for every account", hash: tx });
    print(
      `  ${formatOpen(claimed)} OPEN claimed for ${claims.claimed.length} accounts in ${claims.txHashes.length} transaction(s)`,
    );

    stage("Governance: OPEN holders vote to raise the platform fee and to fund an OpenCircle grant");
    const { openGovernance, chainTime } = await import("../governance/contracts.js");
    const { propose, castVote, queueProposal, executeProposal } = await import("../governance/proposals.js");
    const { builtinCall } = await import("../governance/actions.js");
    const { proposeGrant, parseMilestone, submitEvidence, reviewMilestone, releaseMilestone, readGrant } =
      await import("../governance/grants.js");
    const govAs = async (i: number) =>
      openGovernance(
        await resolveNetwork({ devnetDir: options.dir, privateKey: key(i), deploymentFile: deployment.file }),
        record,
      );
    const voter = await govAs(ACTORS.holder);
    // The treasury is the timelock: the holder funds it (its votes were delegated at stage 3).
    await send(
      "holder funds the treasury (the timelock)",
      open(ACTORS.holder).transfer(at("OpenTimelock"), GRANT_AMOUNT),
    );
    const feeProposal = await propose(voter, {
      calls: [await builtinCall(voter, { kind: "platform-fee", bps: NEW_PLATFORM_FEE_BPS })],
      // The epoch in the description keeps a re-run on the same devnet from proposing the same id.
      description: `Platform fee to ${Number(NEW_PLATFORM_FEE_BPS) / 100}% (the demo's vote after epoch ${epoch})`,
    });
    const now = await chainTime(voter.provider);
    const grantProposal = await proposeGrant(voter, {
      grantee: address(ACTORS.builder),
      tier: "exploration",
      amount: GRANT_AMOUNT,
      milestones: [
        parseMilestone(
          "50%:30d:a mail adapter trained on a published Mail version, registered with provenance",
          now,
          1,
        ),
        parseMilestone("50%:90d:the adapter served through the gateway for a month", now, 2),
      ],
      terms: "OpenCircle Exploration grant: mail adapters for the Mail Datanet",
      description: `OpenCircle: ${formatAmount(GRANT_AMOUNT)} OPEN Exploration grant to the model builder ${address(ACTORS.builder)} (after epoch ${epoch})`,
    });
    const proposals = [feeProposal.proposal, grantProposal.proposal];
    for (const p of proposals) await castVote(voter, p.id.toString(), "for", { wait: true });
    for (const p of proposals) await queueProposal(voter, p.id.toString(), { wait: true });
    const executed = [];
    for (const p of proposals) executed.push(await executeProposal(voter, p.id.toString(), { wait: true }));
    print(
      `  proposal #${feeProposal.proposal.number}: platform fee to ${Number(NEW_PLATFORM_FEE_BPS) / 100}% (${executed[0]!.proposal.state})`,
    );
    print(
      `  proposal #${grantProposal.proposal.number}: ${formatAmount(GRANT_AMOUNT)} OPEN grant to the builder (${executed[1]!.proposal.state}); voted, queued in the timelock, executed`,
    );
    const vault = GrantsVault__factory.connect(at("GrantsVault"), l2);
    const grantId = await vault.grantCount();

    stage("OpenCircle: the builder delivers a milestone, the council approves it, the vault releases it");
    const grantee = await govAs(ACTORS.builder);
    const evidence = models.find((m) => m.name === "mail-adapter")!.artifact as `0x${string}`;
    const submitted = await submitEvidence(grantee, grantId, 0, evidence);
    acts.push({ label: "builder submits milestone evidence", hash: submitted.txHash });
    const council = await govAs(DEVNET_ROLE_ACCOUNTS_COUNCIL);
    const reviewed = await reviewMilestone(council, grantId, 0, {
      approve: true,
      reason: "adapter registered, trained on Mail v2",
    });
    acts.push({ label: "council approves the milestone", hash: reviewed.txHash });
    const released = await releaseMilestone(voter, grantId, 0, { wait: true });
    acts.push({ label: "release the milestone", hash: released.txHash });
    const grantAfter = await readGrant(voter, grantId);
    const grantLine = {
      id: grantId,
      amount: GRANT_AMOUNT,
      released: released.amount,
      grantee: released.grantee,
      evidence,
      milestones: grantAfter.milestones.length,
      feeBps: NEW_PLATFORM_FEE_BPS,
    };
    print(
      `  grant ${grantId}: milestone 1 of ${grantLine.milestones} (evidence: the mail adapter's artifact ${evidence.slice(0, 12)}…) approved by the council, ${formatOpen(released.amount)} OPEN released to ${released.grantee} after the veto window`,
    );

    stage(`Withdraw ${formatAmount(options.withdraw)} OPEN back to L1 (initiate, prove, finalize)`);
    const withdrawal = await bridge.withdraw(options.withdraw, pair, { onStep });
    acts.push({ label: "initiate the withdrawal", hash: withdrawal.l2TxHash });

    stage("Summary, and the epoch's HTML report");
    const loadedFolder = loadSettlementFolder(proposed.folder, epoch);
    const verifiedReport = writeHtmlReport({
      folder: proposed.folder,
      epoch,
      verified: true,
      loaded: loadedFolder,
      claims: await readClaims(l2, loadedFolder.report, addresses.l2ChainId),
    }).path;
    const fee = await l2FeeReport(
      addresses.l2Rpc,
      addresses.l2ChainId,
      acts.map((a) => a.hash),
    );
    const l2Open = L2OpenToken__factory.connect(at("L2OpenToken"), l2);
    const l1 = chainProvider(addresses.l1Rpc, addresses.l1ChainId);
    const { Contract } = await import("ethers");
    const [l2Supply, lockedInBridge] = await Promise.all([
      l2Open.totalSupply(),
      new Contract(addresses.L1StandardBridge, ERC20_VIEWS, l1).getFunction("deposits")(
        pair.l1,
        pair.l2,
      ) as Promise<bigint>,
    ]);
    l1.destroy();
    if (l2Supply > lockedInBridge)
      throw new PoaError(
        "INVARIANT_BROKEN",
        `L2 OPEN supply ${l2Supply} exceeds the ${lockedInBridge} the L1 bridge holds`,
      );
    const { readFileSync } = await import("node:fs");
    const report = JSON.parse(readFileSync(join(proposed.folder, "report.json"), "utf8")) as {
      accounts: Record<string, { earned: string }>;
      fees?: { platform: string; owner: string; stakers: string; contributors: string };
    };
    const breakdown = readFileSync(join(proposed.folder, "breakdown.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as {
            requestHash: string;
            payouts: Record<string, string>;
            spans: { text: string; contributions: string[] }[];
          },
      );
    const totalEarned = Object.values(report.accounts).reduce((sum, v) => sum + BigInt(v.earned), 0n);
    const why = (account: string) => {
      const owned = new Set(contributions.filter((c) => c.contributor === account).map((c) => c.id.toString()));
      // The outputs that paid this account through a span of its own data, and the longest span.
      const outputs = breakdown.filter(
        (b) => b.payouts[account] !== undefined && b.spans.some((sp) => sp.contributions.some((c) => owned.has(c))),
      );
      const best = outputs
        .flatMap((b) => b.spans.filter((sp) => sp.contributions.some((c) => owned.has(c))))
        .sort((a, b) => b.text.length - a.text.length || (a.text < b.text ? -1 : 1))[0];
      const staking = ACTORS.curators.some((c) => address(c) === account)
        ? "curator bond behind the models' data (stakers' pool)"
        : owned.size > 0
          ? "stake behind the models' data (stakers' pool)"
          : "";
      if (best === undefined) return staking;
      const text = best.text.length > 56 ? `${best.text.slice(0, 56)}…` : best.text;
      const contribution = best.contributions.find((c) => owned.has(c));
      return `${outputs.length} outputs repeat their data, e.g. "${text}" (contribution ${contribution}); plus its stake`;
    };
    const earnings = Object.entries(report.accounts)
      .map(([account, v]) => ({
        account,
        earned: BigInt(v.earned),
        share: totalEarned === 0n ? 0 : Number((BigInt(v.earned) * 10_000n) / totalEarned) / 100,
        why: why(account),
      }))
      .sort((a, b) => (b.earned > a.earned ? 1 : b.earned < a.earned ? -1 : 0));
    if (n > 0) times[times.length - 1]!.seconds = (Date.now() - stageStarted) / 1000;
    return {
      embedded: embedded !== undefined,
      times,
      contributions,
      models,
      requests: { count: plan.length, tokensIn, tokensOut, fees, batches },
      fees: {
        platform: BigInt(report.fees?.platform ?? "0"),
        owner: BigInt(report.fees?.owner ?? "0"),
        stakers: BigInt(report.fees?.stakers ?? "0"),
        contributors: BigInt(report.fees?.contributors ?? "0"),
      },
      settlement: {
        epoch,
        root: proposed.root,
        total: proposed.total,
        reportHash: proposed.reportHash,
        reportURI: proposed.reportURI,
        folder: proposed.folder,
        verified: true,
        html: verifiedReport,
      },
      earnings,
      claimed,
      governance: grantLine,
      relayMs: deposit.relayMs,
      withdrawMs: withdrawal.totalMs,
      l2Txs: fee.txs.map((t, i) => ({ label: acts[i]!.label, gasUsed: t.gasUsed, l2Fee: t.l2Fee, l1Fee: t.l1Fee })),
      l2Supply,
      lockedInBridge,
    };
  } finally {
    await gateway?.stop({ drain: true, timeoutMs: 10_000 }).catch(() => {});
    if (embedded !== undefined) await embedded.stop("demo finished");
  }
}
