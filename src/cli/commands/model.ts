import { formatOpen } from "../../core/amount.js";
import { PoaError } from "../../core/errors.js";
import { defineCommand, usageError } from "../define.js";
import { NETWORK_OPTIONS, networkSelection } from "../options.js";
import { STATE_OPTIONS } from "./settle.js";

type NetArgs = Parameters<typeof networkSelection>[0];

async function protocol(args: NetArgs) {
  const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
  const { contractAddress } = await import("../../chain/deployment.js");
  const { DatanetRegistry__factory, ModelRegistry__factory } = await import("../../../types/ethers-contracts/index.js");
  const context = await resolveNetwork(networkSelection(args));
  try {
    const record = await loadDeployment(context);
    const signer = context.signers().l2;
    return {
      context,
      datanets: DatanetRegistry__factory.connect(
        contractAddress(record, "DatanetRegistry", context.deploymentFile),
        signer,
      ),
      models: ModelRegistry__factory.connect(contractAddress(record, "ModelRegistry", context.deploymentFile), signer),
    };
  } catch (error) {
    context.close();
    throw error;
  }
}

/** `--datanet D --version V` pairs, by position. */
function versionRefs(datanets: number[], versions: number[]) {
  if (datanets.length === 0) throw usageError("name at least one version to train on: --datanet <id> --version <n>");
  if (datanets.length !== versions.length)
    throw usageError(
      `give one --version per --datanet (got ${datanets.length} --datanet and ${versions.length} --version)`,
    );
  return datanets.map((d, i) => ({ datanetId: BigInt(d), version: BigInt(versions[i]!) }));
}

/** "3000/2000/5000" -> owner, stakers, contributors basis points. */
function parseSplit(text: string) {
  const m = /^(\d+)\/(\d+)\/(\d+)$/.exec(text);
  if (m === null)
    throw usageError(`--split must be owner/stakers/contributors basis points, e.g. 3000/2000/5000 (got "${text}")`);
  return { ownerBps: Number(m[1]), stakersBps: Number(m[2]), contributorsBps: Number(m[3]) };
}

const REGISTER_OPTIONS = {
  "price-in": { type: "amount", default: "1", description: "OPEN per 1,000 input tokens" },
  "price-out": { type: "amount", default: "3", description: "OPEN per 1,000 output tokens" },
  split: {
    type: "string",
    placeholder: "<owner/stakers/contributors>",
    default: "3000/2000/5000",
    description: "fee split in basis points",
  },
} as const;

export const modelTrain = defineCommand({
  name: "model train",
  summary: "Train a model on published Datanet versions (Model Factory), optionally registering it",
  description: `Fetches every contribution of the named published versions from the content store, checks each
against its on-chain content hash and every version against its on-chain root, and trains:
--kind text a Kneser-Ney n-gram base model, or with --base <model id> a small adapter over that
base; --kind tabular an L2-regularised logistic regression. Training is deterministic (the same
versions and options give a byte-identical artifact). The artifact is stored content-addressed;
--register then registers it (provenance, attribution method, prices, split). docs/factory.md.`,
  options: {
    ...NETWORK_OPTIONS,
    content: STATE_OPTIONS.content,
    datanet: {
      type: "integer",
      min: 1,
      multiple: true,
      description: "a Datanet to train on (pair it with a --version)",
    },
    version: { type: "integer", min: 1, multiple: true, description: "that Datanet's published version" },
    kind: { type: "choice", choices: ["text", "tabular"], default: "text", description: "what to train" },
    base: {
      type: "integer",
      min: 1,
      description: "train an adapter over this base model (text)",
      onlyWith: { option: "kind", values: ["text"] },
    },
    order: {
      type: "integer",
      min: 2,
      max: 6,
      description: "n-gram order of a text base (default 3)",
      onlyWith: { option: "kind", values: ["text"] },
    },
    lambda: {
      type: "number",
      min: Number.MIN_VALUE,
      description: "L2 penalty of a tabular model (default 1)",
      onlyWith: { option: "kind", values: ["tabular"] },
    },
    register: { type: "boolean", description: "register the artifact in the ModelRegistry" },
    ...REGISTER_OPTIONS,
  },
  examples: [
    "npx poa model train --datanet 1 --version 1 --kind text",
    "npx poa model train --datanet 2 --version 1 --base 1 --register --price-in 2 --price-out 6",
  ],
  async run(args) {
    const refs = versionRefs(args.datanet, args.version);
    if (args.base !== undefined && args.order !== undefined)
      throw usageError("an adapter takes its base's order: drop --order");
    const { trainOnVersions, registerModel } = await import("../../models/service.js");
    const { ContentStore } = await import("../../content/store.js");
    const p = await protocol(args);
    try {
      const content = new ContentStore(args.content);
      const trained = await trainOnVersions({
        datanets: p.datanets,
        models: p.models,
        content,
        versions: refs,
        kind: args.kind as "text" | "tabular",
        ...(args.base === undefined ? {} : { baseModelId: BigInt(args.base) }),
        options: {
          ...(args.order === undefined ? {} : { order: args.order }),
          ...(args.lambda === undefined ? {} : { lambda: args.lambda }),
        },
      });
      console.log(
        `Trained ${String(trained.manifest.kind)} on ${refs.map((r) => `Datanet ${r.datanetId} v${r.version}`).join(", ")}: ${trained.bytes.length} bytes`,
      );
      console.log(`  artifact hash ${trained.hash}`);
      console.log(`  stored as ipfs://${trained.cid} in ${args.content}`);
      if (!args.register) return;
      const split = parseSplit(args.split);
      const r = await registerModel({
        models: p.models,
        artifact: trained,
        versions: refs,
        ...(args.base === undefined ? {} : { baseModelId: BigInt(args.base) }),
        pricePerKInput: args.priceIn,
        pricePerKOutput: args.priceOut,
        ...split,
      });
      console.log(
        `Registered model ${r.modelId} (${args.base === undefined ? "base" : `adapter over model ${args.base}`}) in ${r.txHash}`,
      );
    } finally {
      p.context.close();
    }
  },
});

export const modelRegister = defineCommand({
  name: "model register",
  summary: "Register a trained artifact (from the content store) with its provenance, prices and split",
  description: `Registers an artifact that \`poa model train\` stored: its hash, its metadata URI (ipfs://<CID>),
the Datanet versions its manifest says it was trained on, its attribution method (spans for text,
influence for tabular), the prices and the split. Refuses a duplicate artifact, a split outside
the governance bounds and prices of zero before sending.`,
  options: {
    ...NETWORK_OPTIONS,
    content: STATE_OPTIONS.content,
    artifact: {
      type: "string",
      required: true,
      placeholder: "<cid>",
      description: "the artifact's CID (printed by `poa model train`)",
    },
    base: { type: "integer", min: 1, description: "for an adapter: its base model id" },
    ...REGISTER_OPTIONS,
  },
  examples: ["npx poa model register --artifact bafkrei… --price-in 2 --price-out 6"],
  async run(args) {
    const { registerModel } = await import("../../models/service.js");
    const { ContentStore } = await import("../../content/store.js");
    const { readManifest } = await import("../../factory/artifact.js");
    const { contentHashOf } = await import("../../content/cid.js");
    const content = new ContentStore(args.content);
    const bytes = await content.get(args.artifact.replace(/^ipfs:\/\//, ""));
    const manifest = readManifest(bytes);
    const trainedOn = (manifest.trainedOn ?? []) as { datanetId: string; version: string }[];
    if (trainedOn.length === 0)
      throw new PoaError(
        "ARTIFACT_INVALID",
        `the artifact ${args.artifact} names no Datanet version it was trained on`,
      );
    const p = await protocol(args);
    try {
      const r = await registerModel({
        models: p.models,
        artifact: { hash: contentHashOf(bytes), cid: args.artifact.replace(/^ipfs:\/\//, ""), manifest },
        versions: trainedOn.map((v) => ({ datanetId: BigInt(v.datanetId), version: BigInt(v.version) })),
        ...(args.base === undefined ? {} : { baseModelId: BigInt(args.base) }),
        pricePerKInput: args.priceIn,
        pricePerKOutput: args.priceOut,
        ...parseSplit(args.split),
      });
      console.log(`Registered model ${r.modelId} in ${r.txHash}`);
    } finally {
      p.context.close();
    }
  },
});

export const modelShow = defineCommand({
  name: "model show",
  summary: "Show a model as the chain holds it, and check the stored artifact against it",
  description:
    "Prints the model's owner, base, status, prices, split and provenance, and whether the artifact in the content store matches its on-chain hash.",
  options: {
    ...NETWORK_OPTIONS,
    content: STATE_OPTIONS.content,
    model: { type: "integer", min: 1, required: true, description: "the model id" },
  },
  examples: ["npx poa model show --model 1"],
  async run(args) {
    const { showModel } = await import("../../models/service.js");
    const { ContentStore } = await import("../../content/store.js");
    const p = await protocol(args);
    try {
      const m = await showModel(p.models, new ContentStore(args.content), BigInt(args.model));
      const t = m.view.terms;
      console.log(
        `Model ${args.model}: ${m.view.baseModelId === 0n ? "base" : `adapter over model ${m.view.baseModelId}`}, ${m.status}, owner ${m.view.owner}`,
      );
      console.log(
        `  artifact ${m.view.artifactHash} at ${m.view.metadataURI}: ${m.artifact === "matches" ? "stored copy matches" : m.artifact === "missing" ? "not in the content store" : "STORED COPY DOES NOT MATCH"}`,
      );
      console.log(
        `  attribution ${Number(m.view.attributionMethod) === 1 ? "influence" : "spans"}; trained on ${m.trainedOn.map((v) => `Datanet ${v.datanetId} v${v.version}`).join(", ")}`,
      );
      console.log(
        `  price ${formatOpen(t.pricePerKInput)} / ${formatOpen(t.pricePerKOutput)} OPEN per 1k input / output tokens; split owner ${t.ownerBps} / stakers ${t.stakersBps} / contributors ${t.contributorsBps} bps`,
      );
      return m.artifact === "mismatch" ? 1 : 0;
    } finally {
      p.context.close();
    }
  },
});
