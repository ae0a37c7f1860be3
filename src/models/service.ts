/**
 * The Model Factory's chain side, behind `poa model train | register | show`: fetch every
 * contribution of the published Datanet versions a model is trained on (members from the chain's
 * events, bytes from the content store, each checked against its on-chain content hash and the
 * version's root by src/factory/verify.ts), train with src/factory, store the artifact
 * content-addressed, and register it with its provenance. The registration's metadata URI is
 * `ipfs://<the artifact's CID>`: the gateway and the settlement find the artifact by it, and
 * check it against the on-chain artifact hash.
 */

import { commitAndRegisterModel } from "../../deploy/models.js";
import { onChain } from "../chain/errors.js";
import type { ContentStore } from "../content/store.js";
import { isPoaError, PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { fetchDatanetHistory } from "../datanet/chain.js";
import { replayDatanet } from "../datanet/history.js";
import { readManifest } from "../factory/artifact.js";
import { loadModel, trainModel, type TrainedArtifact, type TrainOptions } from "../factory/factory.js";
import type { TextBaseModel } from "../factory/text-model.js";
import { verifyTrainingInputs, type FetchedVersion } from "../factory/verify.js";
import type { DatanetRegistry, ModelRegistry } from "../../types/ethers-contracts/index.js";

export interface VersionRef {
  datanetId: bigint;
  version: bigint;
}

/** Reads each version's members from the chain and their bytes from the content store. */
export async function fetchVersions(
  registry: DatanetRegistry,
  content: ContentStore,
  refs: readonly VersionRef[],
): Promise<FetchedVersion[]> {
  const out: FetchedVersion[] = [];
  for (const ref of refs) {
    const label = `Datanet ${ref.datanetId} version ${ref.version}`;
    const count = await onChain("read the Datanets", () => registry.datanetCount());
    if (ref.datanetId < 1n || ref.datanetId > count)
      throw new PoaError("NOT_FOUND", `Datanet ${ref.datanetId} does not exist (there are ${count})`, {
        details: { datanetId: ref.datanetId.toString() },
      });
    const datanet = await registry.getDatanet(ref.datanetId);
    if (ref.version < 1n || ref.version > BigInt(datanet.versionCount))
      throw new PoaError(
        "NOT_FOUND",
        `${label} is not published (the Datanet has ${datanet.versionCount} version(s))`,
        {
          details: {
            datanetId: ref.datanetId.toString(),
            version: ref.version.toString(),
            published: Number(datanet.versionCount),
          },
          action: "Train on a published version.",
        },
      );
    const onChainVersion = await registry.getVersion(ref.datanetId, ref.version);
    const history = await fetchDatanetHistory(registry, ref.datanetId);
    const replayed = replayDatanet(history).versions.find((v) => v.version === ref.version);
    if (replayed === undefined)
      throw new PoaError("CHAIN_DATA_INVALID", `the logs do not hold ${label}`, {
        details: { datanetId: ref.datanetId.toString() },
      });
    const submitted = await registry.queryFilter(registry.filters.ContributionSubmitted(undefined, ref.datanetId));
    const byId = new Map(
      submitted.map((l) => [l.args.contributionId, { contributor: l.args.contributor, uri: l.args.uri }]),
    );
    const contributions: FetchedVersion["contributions"][number][] = [];
    for (const member of replayed.members) {
      const meta = byId.get(member.contributionId);
      const cid = meta?.uri.startsWith("ipfs://") === true ? meta.uri.slice(7) : (meta?.uri ?? "");
      const bytes = await content.get(cid, {
        contentHash: member.contentHash,
        label: `contribution ${member.contributionId} of ${label}`,
      });
      contributions.push({
        id: member.contributionId,
        contentHash: member.contentHash,
        contributor: meta?.contributor ?? "",
        bytes,
      });
    }
    out.push({
      datanetId: ref.datanetId,
      version: ref.version,
      root: onChainVersion.root,
      count: BigInt(onChainVersion.count),
      revoked: onChainVersion.disputed,
      contributions,
    });
  }
  return out;
}

export type ModelKindName = "text" | "tabular";

/**
 * Trains a model on published versions: a text base, a text adapter over `base` (an on-chain base
 * model whose artifact is in the content store), or a tabular model. Deterministic: the same
 * versions and options give byte-identical artifacts. The artifact is stored content-addressed.
 */
export async function trainOnVersions(args: {
  datanets: DatanetRegistry;
  models?: ModelRegistry;
  content: ContentStore;
  versions: readonly VersionRef[];
  kind: ModelKindName;
  baseModelId?: bigint;
  options?: TrainOptions;
}): Promise<TrainedArtifact & { cid: string }> {
  const fetched = await fetchVersions(args.datanets, args.content, args.versions);
  const verified = verifyTrainingInputs(fetched);
  let base: TextBaseModel | undefined;
  if (args.baseModelId !== undefined) {
    if (args.models === undefined)
      throw new PoaError("INVALID_VALUE", "an adapter needs the ModelRegistry to find its base");
    base = await loadBase(args.models, args.content, args.baseModelId);
  }
  const trained = trainModel({
    kind: args.kind === "tabular" ? "tabular" : base === undefined ? "text-base" : "text-adapter",
    versions: verified,
    ...(base === undefined ? {} : { base }),
    ...(args.options === undefined ? {} : { options: args.options }),
  });
  const stored = await args.content.put(trained.bytes);
  return { ...trained, cid: stored.cid };
}

const STATUS = ["none", "active", "paused", "retired"];

/** An on-chain base model's artifact, loaded from the content store and checked against the chain. */
export async function loadBase(
  models: ModelRegistry,
  content: ContentStore,
  baseModelId: bigint,
): Promise<TextBaseModel> {
  const count = await onChain("read the models", () => models.modelCount());
  if (baseModelId < 1n || baseModelId > count)
    throw new PoaError("NOT_FOUND", `model ${baseModelId} does not exist (there are ${count})`, {
      details: { modelId: baseModelId.toString() },
    });
  const view = await models.getModel(baseModelId);
  if (view.baseModelId !== 0n)
    throw new PoaError(
      "STATE_CONFLICT",
      `model ${baseModelId} is an adapter (over model ${view.baseModelId}), not a base model`,
      {
        details: { modelId: baseModelId.toString() },
        action: "Train an adapter over a base model.",
      },
    );
  const status = STATUS[Number(view.status)] ?? "unknown";
  if (status !== "active")
    throw new PoaError("STATE_CONFLICT", `base model ${baseModelId} is ${status}`, {
      details: { modelId: baseModelId.toString(), status },
      action: "Train adapters over an active base model.",
    });
  const bytes = await artifactOf(content, view.metadataURI, view.artifactHash, `the artifact of model ${baseModelId}`);
  const loaded = loadModel(bytes);
  if (loaded.kind !== "text-base")
    throw new PoaError("STATE_CONFLICT", `model ${baseModelId}'s artifact is a ${loaded.kind} model, not a text base`);
  return loaded;
}

/** The artifact bytes a model's metadata URI names, checked against its on-chain hash. */
export async function artifactOf(
  content: ContentStore,
  metadataURI: string,
  artifactHash: string,
  label: string,
): Promise<Uint8Array> {
  if (!metadataURI.startsWith("ipfs://"))
    throw new PoaError("ARTIFACT_INVALID", `${label} has no ipfs:// metadata URI (${metadataURI || "empty"})`, {
      details: { metadataURI },
      action: "Register models with metadata URI ipfs://<the artifact's CID>.",
    });
  return content.get(metadataURI.slice(7).replace(/\/.*$/, ""), { contentHash: artifactHash, label });
}

export interface RegisterArgs {
  models: ModelRegistry;
  artifact: { hash: Hex; cid: string; manifest: Record<string, unknown> };
  versions: readonly VersionRef[];
  baseModelId?: bigint;
  pricePerKInput: bigint;
  pricePerKOutput: bigint;
  ownerBps: number;
  stakersBps: number;
  contributorsBps: number;
}

/**
 * Registers a trained artifact with its provenance (the versions it was trained on), its
 * attribution method (spans for text, influence for tabular), prices and split. Refuses, before
 * sending, a duplicate artifact hash, a split outside the governance bounds or not summing to
 * 10,000, and prices of zero.
 */
export async function registerModel(args: RegisterArgs): Promise<{ modelId: bigint; txHash: Hex }> {
  const { models } = args;
  // Views through the provider alone: a call "from" an account without ETH fails on some nodes.
  const provider = models.runner?.provider;
  const reader = provider == null ? models : models.connect(provider);
  const existing = await onChain("read the ModelRegistry", () => reader.modelIdOfArtifact(args.artifact.hash));
  if (existing !== 0n)
    throw new PoaError("DUPLICATE_ENTRY", `the artifact ${args.artifact.hash} is already model ${existing}`, {
      details: { artifactHash: args.artifact.hash, modelId: existing.toString() },
      action: "Train something new, or use the registered model.",
    });
  if (args.ownerBps + args.stakersBps + args.contributorsBps !== 10_000)
    throw new PoaError(
      "INVALID_VALUE",
      `the split ${args.ownerBps}/${args.stakersBps}/${args.contributorsBps} does not sum to 10,000 basis points`,
      {
        details: { field: "split" },
      },
    );
  const b = await reader.splitBounds();
  const check = (what: string, v: number, min: bigint, max: bigint) => {
    if (BigInt(v) < min || BigInt(v) > max)
      throw new PoaError(
        "VALUE_OUT_OF_RANGE",
        `the ${what} share ${v} bps is outside the governance bounds [${min}, ${max}]`,
        {
          details: { field: what, value: v, min: min.toString(), max: max.toString() },
        },
      );
  };
  check("owner", args.ownerBps, b.minOwnerBps, b.maxOwnerBps);
  check("stakers", args.stakersBps, b.minStakersBps, b.maxStakersBps);
  check("contributors", args.contributorsBps, b.minContributorsBps, b.maxContributorsBps);
  if (args.pricePerKInput === 0n && args.pricePerKOutput === 0n)
    throw new PoaError("INVALID_VALUE", "a model must price at least one side (input or output tokens)", {
      details: { field: "price" },
    });
  const method = args.artifact.manifest.attribution === "influence" ? 1 : 0;
  const registration = {
    baseModelId: args.baseModelId ?? 0n,
    artifactHash: args.artifact.hash,
    metadataURI: `ipfs://${args.artifact.cid}`,
    trainedOn: args.versions.map((v) => ({ datanetId: v.datanetId, version: v.version })),
    attributionMethod: method,
    pricePerKInput: args.pricePerKInput,
    pricePerKOutput: args.pricePerKOutput,
    ownerBps: args.ownerBps,
    stakersBps: args.stakersBps,
    contributorsBps: args.contributorsBps,
  };
  // Commit, then reveal a block later: nobody who sees the artifact hash in the mempool can
  // register it first (ModelRegistry 3.0.0).
  const done = await onChain("register the model", () => commitAndRegisterModel(models, registration));
  return { modelId: done.modelId, txHash: done.register.hash as Hex };
}

/** What the chain says about a model, and whether the stored artifact matches it. */
export async function showModel(models: ModelRegistry, content: ContentStore, modelId: bigint) {
  const count = await onChain("read the models", () => models.modelCount());
  if (modelId < 1n || modelId > count)
    throw new PoaError("NOT_FOUND", `model ${modelId} does not exist (there are ${count})`, {
      details: { modelId: modelId.toString() },
    });
  const view = await models.getModel(modelId);
  const trainedOn = await models.trainedOn(modelId);
  let artifact: "matches" | "missing" | "mismatch" = "matches";
  let manifest: Record<string, unknown> | undefined;
  try {
    const bytes = await artifactOf(content, view.metadataURI, view.artifactHash, `the artifact of model ${modelId}`);
    manifest = readManifest(bytes);
  } catch (error) {
    if (isPoaError(error, "CONTENT_NOT_FOUND")) artifact = "missing";
    else if (isPoaError(error, "CONTENT_HASH_MISMATCH") || isPoaError(error, "ARTIFACT_INVALID")) artifact = "mismatch";
    else throw error;
  }
  return { view, trainedOn, status: STATUS[Number(view.status)] ?? "unknown", artifact, manifest };
}
