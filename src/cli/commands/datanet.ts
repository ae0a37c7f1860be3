import { readFileSync, statSync } from "node:fs";

import { formatOpen } from "../../core/amount.js";
import { PoaError } from "../../core/errors.js";
import { defineCommand, usageError } from "../define.js";
import { NETWORK_OPTIONS, networkSelection } from "../options.js";
import { progress } from "../output.js";
import { STATE_OPTIONS } from "./settle.js";

const CONTENT = { content: STATE_OPTIONS.content };

type NetArgs = Parameters<typeof networkSelection>[0];

/** The network, its record and the registry and token bound to the acting key. */
async function protocol(args: NetArgs) {
  const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
  const { contractAddress } = await import("../../chain/deployment.js");
  const { DatanetRegistry__factory, L2OpenToken__factory } = await import("../../../types/ethers-contracts/index.js");
  const context = await resolveNetwork(networkSelection(args));
  let record;
  try {
    record = await loadDeployment(context);
  } catch (error) {
    context.close();
    throw error;
  }
  const signer = context.signers().l2;
  return {
    context,
    record,
    signer,
    account: context.account(),
    registry: DatanetRegistry__factory.connect(
      contractAddress(record, "DatanetRegistry", context.deploymentFile),
      signer,
    ),
    token: L2OpenToken__factory.connect(contractAddress(record, "L2OpenToken", context.deploymentFile), signer),
  };
}

function readInput(path: string): Uint8Array {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new PoaError("FILE_NOT_FOUND", `cannot read ${path}: no such file`, { details: { path } });
  }
  if (!stat.isFile()) throw new PoaError("FILE_NOT_FOUND", `${path} is not a file`, { details: { path } });
  return readFileSync(path);
}

export const datanetCreate = defineCommand({
  name: "datanet create",
  summary: "Create a Datanet owned by your account",
  description: `Creates a Datanet (a community dataset) owned by the acting account, with its kind and review
parameters. Each parameter is checked against the governance bounds before anything is sent.`,
  options: {
    ...NETWORK_OPTIONS,
    kind: {
      type: "choice",
      choices: ["text", "image", "audio", "tabular"],
      default: "text",
      description: "the kind of data (fixed forever)",
    },
    uri: {
      type: "string",
      placeholder: "<uri>",
      default: "",
      description: "metadata URI (a description of the Datanet)",
    },
    "min-stake": { type: "amount", default: "10", description: "smallest stake per contribution, in OPEN" },
    quorum: { type: "integer", min: 1, default: 1, description: "concurring curator votes that decide a contribution" },
    "bond-days": {
      type: "integer",
      min: 1,
      default: 7,
      description: "days an accepted stake stays bonded (and penalisable)",
    },
    "review-days": {
      type: "integer",
      min: 1,
      default: 7,
      description: "days curators have to decide a contribution (each keeps the period in force when submitted)",
    },
    "slash-bps": {
      type: "integer",
      min: 0,
      max: 10_000,
      default: 2_000,
      description: "share of a rejected stake that is slashed, in basis points",
    },
    "daily-bytes": {
      type: "integer",
      min: 1,
      default: 10_000_000,
      description: "bytes a contributor may submit per UTC day",
    },
  },
  examples: ["npx poa datanet create --kind text --uri ipfs://my-datanet --quorum 1"],
  async run(args) {
    const { createDatanet } = await import("../../datanet/service.js");
    const p = await protocol(args);
    try {
      const { datanetId, txHash } = await createDatanet(p.registry, {
        kind: args.kind as "text",
        metadataURI: args.uri,
        params: {
          minStake: args.minStake,
          dailyByteCap: BigInt(args.dailyBytes),
          bondPeriod: BigInt(args.bondDays) * 86_400n,
          slashBps: BigInt(args.slashBps),
          quorum: BigInt(args.quorum),
          reviewPeriod: BigInt(args.reviewDays) * 86_400n,
        },
      });
      console.log(`Created Datanet ${datanetId} (owner ${p.account}) in ${txHash}`);
    } finally {
      p.context.close();
    }
  },
});

export const datanetAdd = defineCommand({
  name: "datanet add",
  summary: "Stake on and submit data to a Datanet (a file, or each line of a JSON Lines file)",
  description: `Stores the bytes in the content store (their IPFS CIDv1 is the contribution's URI, keccak-256
of the bytes its on-chain content hash), checks the Datanet, the stake against its minimum, that
the same content is not already in it, the daily byte cap, the OPEN balance and allowance
(approving when needed), then submits. --each-line contributes every line of a JSON Lines file as
its own contribution (tabular rows, for instance).`,
  positionals: [{ name: "file", type: "path", description: "the data to contribute" }],
  options: {
    ...NETWORK_OPTIONS,
    ...CONTENT,
    datanet: { type: "integer", min: 1, required: true, description: "the Datanet id" },
    stake: { type: "amount", required: true, description: "OPEN staked on each contribution" },
    "each-line": { type: "boolean", description: "one contribution per non-blank line" },
  },
  examples: ["npx poa datanet add notes.txt --datanet 1 --stake 10"],
  async run(args) {
    const { addContribution } = await import("../../datanet/service.js");
    const { ContentStore } = await import("../../content/store.js");
    const bytes = readInput(args.file);
    const items = args.eachLine
      ? new TextDecoder()
          .decode(bytes)
          .split(/\r?\n/)
          .filter((l) => l.trim() !== "")
          .map((l) => new TextEncoder().encode(l))
      : [bytes];
    if (items.length === 0)
      throw new PoaError("INVALID_VALUE", `${args.file} has no non-blank line`, { details: { path: args.file } });
    const p = await protocol(args);
    try {
      const content = new ContentStore(args.content);
      const bar = items.length > 1 ? progress("contributing", items.length) : undefined;
      for (const item of items) {
        const added = await addContribution({
          registry: p.registry,
          token: p.token,
          signer: p.signer,
          content,
          datanetId: BigInt(args.datanet),
          bytes: item,
          stake: args.stake,
        });
        if (bar === undefined)
          console.log(
            `Contribution ${added.contributionId} to Datanet ${args.datanet}: ${added.sizeBytes} bytes, ${added.uri}, content hash ${added.contentHash}, staked ${formatOpen(args.stake)} OPEN (${added.txHash})`,
          );
        else bar.tick();
      }
      bar?.done();
      if (bar !== undefined)
        console.log(
          `${items.length} contributions submitted to Datanet ${args.datanet}, ${formatOpen(args.stake)} OPEN staked on each`,
        );
    } finally {
      p.context.close();
    }
  },
});

export const datanetCurator = defineCommand({
  name: "datanet curator",
  summary: "Appoint a curator (owner) or deposit your curator bond",
  description: `--appoint <address>: the Datanet's owner appoints a curator. --bond <OPEN>: the acting account
deposits OPEN into its curator bond (approving when needed); a curator votes once its bond
reaches the governance's curator bond.`,
  options: {
    ...NETWORK_OPTIONS,
    datanet: { type: "integer", min: 1, required: true, description: "the Datanet id" },
    appoint: { type: "address", description: "the curator to appoint (owner only)" },
    bond: { type: "amount", description: "OPEN to add to your curator bond" },
  },
  examples: [
    "npx poa datanet curator --datanet 1 --appoint 0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "npx poa datanet curator --datanet 1 --bond 1000",
  ],
  async run(args) {
    if ((args.appoint === undefined) === (args.bond === undefined))
      throw usageError("give exactly one of --appoint <address> and --bond <OPEN>");
    const { appointCurator, bondCurator } = await import("../../datanet/service.js");
    const p = await protocol(args);
    try {
      if (args.appoint !== undefined) {
        const tx = await appointCurator(p.registry, p.account, BigInt(args.datanet), args.appoint);
        console.log(`Appointed ${args.appoint} curator of Datanet ${args.datanet} (${tx})`);
      } else {
        const r = await bondCurator(p.registry, p.token, p.account, BigInt(args.datanet), args.bond!);
        console.log(
          `Bond of ${p.account} in Datanet ${args.datanet}: ${formatOpen(r.bond)} OPEN (${r.bond >= r.required ? "enough to vote" : `${formatOpen(r.required)} needed to vote`}) (${r.txHash})`,
        );
      }
    } finally {
      p.context.close();
    }
  },
});

export const datanetReview = defineCommand({
  name: "datanet review",
  summary: "Vote on a contribution as a curator (accept or reject)",
  description: `A bonded curator votes; at the Datanet's quorum the contribution is accepted (its stake is
bonded) or rejected (part of its stake is slashed to the treasury).`,
  options: {
    ...NETWORK_OPTIONS,
    contribution: { type: "integer", min: 1, required: true, description: "the contribution id" },
    accept: { type: "boolean", description: "vote to accept" },
    reject: { type: "boolean", description: "vote to reject" },
  },
  examples: ["npx poa datanet review --contribution 3 --accept --private-key 0x…"],
  async run(args) {
    if (args.accept === args.reject) throw usageError("give exactly one of --accept and --reject");
    const { reviewContribution } = await import("../../datanet/service.js");
    const p = await protocol(args);
    try {
      const r = await reviewContribution(p.registry, p.account, BigInt(args.contribution), args.accept);
      console.log(
        `Voted to ${args.accept ? "accept" : "reject"} contribution ${args.contribution}: it is now ${r.status} (${r.txHash})`,
      );
    } finally {
      p.context.close();
    }
  },
});

export const datanetPublish = defineCommand({
  name: "datanet publish",
  summary: "Publish the next version of a Datanet (owner): a Merkle root of the accepted set",
  description: `Computes the next version's root from the chain's events (the accepted, non-revoked
contributions: an OpenZeppelin StandardMerkleTree over (contributionId, contentHash)), checks
the count against the registry's, and publishes it.`,
  options: {
    ...NETWORK_OPTIONS,
    datanet: { type: "integer", min: 1, required: true, description: "the Datanet id" },
    uri: { type: "string", placeholder: "<uri>", default: "", description: "where the version's tree is published" },
  },
  examples: ["npx poa datanet publish --datanet 1"],
  async run(args) {
    const { publishVersion } = await import("../../datanet/service.js");
    const p = await protocol(args);
    try {
      const v = await publishVersion(p.registry, BigInt(args.datanet), args.uri);
      console.log(
        `Published Datanet ${args.datanet} version ${v.version}: ${v.count} contributions, root ${v.root} (${v.txHash})`,
      );
    } finally {
      p.context.close();
    }
  },
});

export const datanetShow = defineCommand({
  name: "datanet show",
  summary: "Show a Datanet: owner, parameters, contributions, versions",
  description: "Prints what the chain holds about a Datanet, and what its next version would be.",
  options: { ...NETWORK_OPTIONS, datanet: { type: "integer", min: 1, required: true, description: "the Datanet id" } },
  examples: ["npx poa datanet show --datanet 1"],
  async run(args) {
    const { showDatanet } = await import("../../datanet/service.js");
    const p = await protocol(args);
    try {
      const d = await showDatanet(p.registry, BigInt(args.datanet));
      console.log(`Datanet ${args.datanet} (${d.kind}), owner ${d.owner}`);
      console.log(
        `  parameters: min stake ${formatOpen(d.params.minStake)} OPEN, quorum ${d.params.quorum}, bond ${Number(d.params.bondPeriod) / 86_400} days, slash ${d.params.slashBps} bps, ${d.params.dailyByteCap} bytes/day`,
      );
      console.log(
        `  curators: ${d.curators}; contributions: ${d.submitted} submitted, ${d.accepted} accepted and live`,
      );
      for (const v of d.versions)
        console.log(
          `  version ${v.version}: ${v.count} contributions, root ${v.root}${v.disputed ? " (disputed: unusable)" : ""}`,
        );
      if (d.next !== undefined)
        console.log(`  next version would hold ${d.next.count} contributions, root ${d.next.root}`);
    } finally {
      p.context.close();
    }
  },
});
