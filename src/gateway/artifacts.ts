/**
 * Model artifacts at serving time: where a registered model's artifact is, the checks that it is
 * the registered one, and the cache that keeps bases loaded once and adapters in an LRU bounded
 * by a memory budget.
 *
 * The artifact rule (docs/gateway.md, "Artifacts"): a model's on-chain `metadataURI` is
 * `ipfs://<CIDv1>` of its artifact file, the CID the content store (src/content) computes, as
 * `ipfs add --cid-version 1 --raw-leaves` does; the bytes under that CID must hash (keccak256)
 * to the model's on-chain `artifactHash`; and the manifest inside must agree with the
 * registration: kind (a base is `text-base` or `tabular`, an adapter `text-adapter` whose
 * manifest names its on-chain base's artifact hash), attribution method, and the Datanet versions
 * it was trained on.
 *
 * A backend (an OpenAI-compatible server the gateway forwards generation to) knows a model by its
 * served name: the manifest's `name` when it has one (artifacts written by other tools), else the
 * artifact hash (`0x…`, what the Model Factory's artifacts are known by).
 */
import { ContentStore } from "../content/index.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import {
  loadModel,
  readManifest,
  type TabularModel,
  type TextAdapterModel,
  type TextBaseModel,
} from "../factory/index.js";
import { ByteLru } from "./lru.js";
import type { ModelInfo } from "./models.js";
import { keccakHexFast } from "../merkle/index.js";

export type ArtifactKind = "text-base" | "text-adapter" | "tabular";

/** The CID of a model's artifact from its metadata URI (`ipfs://<CIDv1>`), or ARTIFACT_URI_INVALID. */
export function artifactCid(metadataURI: string, modelId: bigint | string): string {
  const match = /^ipfs:\/\/(b[a-z2-7]{20,})$/.exec(metadataURI.trim());
  if (match === null)
    throw new PoaError(
      "ARTIFACT_URI_INVALID",
      `model ${modelId}'s metadata URI ${JSON.stringify(metadataURI)} is not ipfs://<CIDv1> of an artifact`,
      {
        details: { model: String(modelId), metadataURI },
        action: "The model's owner must set its metadata URI to ipfs://<CID of the artifact file>.",
      },
    );
  return match[1]!;
}

/** The name a backend serves an artifact under (see the file comment). */
export function servedName(manifest: Record<string, unknown>, artifactHash: Hex): string {
  return typeof manifest.name === "string" && manifest.name.trim() !== "" ? manifest.name.trim() : artifactHash;
}

function mismatch(info: ModelInfo, what: string, details: Record<string, unknown> = {}): PoaError {
  return new PoaError("ARTIFACT_INVALID", `the artifact of model ${info.id} does not match its registration: ${what}`, {
    details: { model: info.id.toString(), ...details },
    action: "The registered artifact hash or metadata URI points to another model's file: the owner must fix it.",
  });
}

/** Checks a manifest against the on-chain registration (see the file comment). Pure. */
export function checkManifest(info: ModelInfo, manifest: Record<string, unknown>, base?: ModelInfo): ArtifactKind {
  const kind = manifest.kind;
  if (kind !== "text-base" && kind !== "text-adapter" && kind !== "tabular")
    throw mismatch(info, `unknown kind ${JSON.stringify(kind)}`);
  if (info.baseModelId === 0n && kind === "text-adapter")
    throw mismatch(info, "it is an adapter, but the model is registered as a base model");
  if (info.baseModelId !== 0n) {
    if (kind !== "text-adapter") throw mismatch(info, `it is a ${kind}, but the model is registered as an adapter`);
    const ref = (manifest.base ?? {}) as { artifactHash?: unknown };
    if (base !== undefined && String(ref.artifactHash).toLowerCase() !== base.artifactHash)
      throw mismatch(
        info,
        `it was trained over base ${String(ref.artifactHash)}, but base model ${base.id} is ${base.artifactHash}`,
      );
  }
  const method = manifest.attribution;
  if (method !== info.attribution)
    throw mismatch(info, `its attribution method is ${String(method)}, the registration says ${info.attribution}`);
  const trained = Array.isArray(manifest.trainedOn)
    ? (manifest.trainedOn as { datanetId?: unknown; version?: unknown }[])
    : [];
  const fromManifest = trained.map((v) => `${String(v.datanetId)}/${String(v.version)}`).sort();
  const onChain = info.trainedOn.map((v) => `${v.datanetId}/${v.version}`).sort();
  if (JSON.stringify(fromManifest) !== JSON.stringify(onChain))
    throw mismatch(
      info,
      `it was trained on ${fromManifest.join(", ") || "nothing"}, the registration says ${onChain.join(", ")}`,
      {
        manifest: fromManifest,
        chain: onChain,
      },
    );
  return kind;
}

export type ServableModel = TextBaseModel | TextAdapterModel | TabularModel;

export interface LoadedArtifact {
  modelId: bigint;
  kind: ArtifactKind;
  artifactHash: Hex;
  cid: string;
  manifest: Record<string, unknown>;
  /** The model, or undefined when only manifests are kept (a backend generates). */
  model: ServableModel | undefined;
  /** Bytes counted against the budget: the artifact's size, or the model's own memory if larger. */
  bytes: number;
  name: string;
}

export interface LoaderOptions {
  /** Budget of the adapter LRU, in bytes (bases are loaded once and not counted). */
  budgetBytes: number;
  /** false: check artifacts and keep manifests only (generation happens at a backend). */
  loadModels: boolean;
  /** Called after each cold load (tests and the benchmark measure it). */
  onLoad?: (event: { modelId: bigint; kind: ArtifactKind; ms: number; bytes: number }) => void;
}

export interface LoaderStats {
  bases: number;
  cached: number;
  cachedBytes: number;
  budgetBytes: number;
  evictions: number;
  coldLoads: number;
}

/**
 * Loads registered models from the content store: bases once (kept for the life of the process),
 * adapters and tabular models into an LRU bounded by `budgetBytes`. Concurrent requests for a
 * model being loaded wait for the same load.
 */
export class ArtifactLoader {
  private readonly bases = new Map<string, LoadedArtifact>();
  private readonly lru: ByteLru<string, LoadedArtifact>;
  private readonly inflight = new Map<string, Promise<LoadedArtifact>>();
  private coldLoads = 0;

  constructor(
    private readonly content: ContentStore,
    private readonly options: LoaderOptions,
  ) {
    this.lru = new ByteLru(options.budgetBytes);
  }

  stats(): LoaderStats {
    return {
      bases: this.bases.size,
      cached: this.lru.size,
      cachedBytes: this.lru.bytes,
      budgetBytes: this.lru.budget,
      evictions: this.lru.evictions,
      coldLoads: this.coldLoads,
    };
  }

  /** True when the model is loaded (a base, or an adapter in the LRU). */
  isLoaded(modelId: bigint): boolean {
    const key = modelId.toString();
    return this.bases.has(key) || this.lru.has(key);
  }

  /** The loaded model `info` (its base `base` for an adapter), loading it if needed. */
  async load(info: ModelInfo, base?: ModelInfo): Promise<LoadedArtifact> {
    const key = info.id.toString();
    const hit = this.bases.get(key) ?? this.lru.get(key);
    if (hit !== undefined && hit.artifactHash === info.artifactHash) return hit;
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.coldLoad(info, base).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async coldLoad(info: ModelInfo, baseInfo?: ModelInfo): Promise<LoadedArtifact> {
    let baseModel: TextBaseModel | undefined;
    if (info.baseModelId !== 0n) {
      if (baseInfo === undefined)
        throw new PoaError("STATE_CONFLICT", `adapter ${info.id} needs its base model's record`);
      const base = await this.load(baseInfo);
      if (this.options.loadModels) baseModel = base.model as TextBaseModel;
    }
    const t0 = performance.now();
    const cid = artifactCid(info.metadataURI, info.id);
    const bytes = await this.content.get(cid, {
      contentHash: info.artifactHash,
      label: `the artifact of model ${info.id}`,
    });
    const manifest = readManifest(bytes);
    const kind = checkManifest(info, manifest, baseInfo);
    let model: ServableModel | undefined;
    if (this.options.loadModels) {
      model = loadModel(bytes, baseModel === undefined ? {} : { base: baseModel }) as ServableModel;
    }
    const size = Math.max(bytes.byteLength, model?.kind === "text-adapter" ? model.memoryBytes : 0);
    const loaded: LoadedArtifact = {
      modelId: info.id,
      kind,
      artifactHash: info.artifactHash,
      cid,
      manifest,
      model,
      bytes: size,
      name: servedName(manifest, info.artifactHash),
    };
    const ms = performance.now() - t0;
    this.coldLoads++;
    if (kind === "text-base") this.bases.set(info.id.toString(), loaded);
    else this.lru.set(info.id.toString(), loaded, size);
    this.options.onLoad?.({ modelId: info.id, kind, ms, bytes: size });
    return loaded;
  }
}

// ---------------------------------------------------------------------------------------------
// Engine mode: every artifact of a content store, by served name, without a chain.

export interface CatalogEntry {
  name: string;
  artifactHash: Hex;
  cid: string;
  kind: ArtifactKind;
  manifest: Record<string, unknown>;
}

/**
 * The artifacts in a content store, for a plain engine (`poa serve --engine`): every blob that
 * is a model artifact, known by its served name (and by its artifact hash). Nothing here is
 * checked against a chain: an engine serves files, the gateway in front of it checks them.
 */
export class ArtifactCatalog {
  private readonly byName = new Map<string, CatalogEntry>();
  private readonly byHash = new Map<string, CatalogEntry>();
  private readonly bases = new Map<string, TextBaseModel>();
  private readonly lru: ByteLru<string, ServableModel>;
  private readonly inflight = new Map<string, Promise<ServableModel>>();

  private constructor(
    private readonly content: ContentStore,
    budgetBytes: number,
  ) {
    this.lru = new ByteLru(budgetBytes);
  }

  /** Scans the store (reads every blob's header; blobs that are not artifacts are skipped). */
  static async open(content: ContentStore, budgetBytes: number): Promise<ArtifactCatalog> {
    const catalog = new ArtifactCatalog(content, budgetBytes);
    for (const { cid } of content.list()) {
      let bytes: Uint8Array;
      try {
        bytes = await content.get(cid);
      } catch {
        continue;
      }
      let manifest: Record<string, unknown>;
      try {
        manifest = readManifest(bytes);
      } catch {
        continue;
      }
      const kind = manifest.kind;
      if (kind !== "text-base" && kind !== "text-adapter" && kind !== "tabular") continue;
      const artifactHash = keccakHexFast(bytes);
      const entry: CatalogEntry = { name: servedName(manifest, artifactHash), artifactHash, cid, kind, manifest };
      catalog.byName.set(entry.name, entry);
      catalog.byHash.set(artifactHash, entry);
    }
    return catalog;
  }

  entries(): CatalogEntry[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  resolve(name: string): CatalogEntry {
    const entry = this.byName.get(name) ?? this.byHash.get(name.toLowerCase());
    if (entry === undefined)
      throw new PoaError("MODEL_NOT_FOUND", `this engine has no model named ${JSON.stringify(name)}`, {
        details: { model: name },
        action: "List the models with GET /v1/models.",
      });
    return entry;
  }

  async model(entry: CatalogEntry): Promise<ServableModel> {
    const key = entry.artifactHash;
    const hit = this.bases.get(key) ?? this.lru.get(key);
    if (hit !== undefined) return hit;
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.loadEntry(entry).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async loadEntry(entry: CatalogEntry): Promise<ServableModel> {
    let base: TextBaseModel | undefined;
    if (entry.kind === "text-adapter") {
      const ref = String((entry.manifest.base as { artifactHash?: unknown } | undefined)?.artifactHash ?? "");
      const baseEntry = this.byHash.get(ref.toLowerCase());
      if (baseEntry === undefined)
        throw new PoaError(
          "CONTENT_NOT_FOUND",
          `the base ${ref} of adapter ${entry.name} is not in the content store`,
          {
            details: { model: entry.name, base: ref },
            action: "Add the base model's artifact to the content store.",
          },
        );
      base = (await this.model(baseEntry)) as TextBaseModel;
    }
    const bytes = await this.content.get(entry.cid, { contentHash: entry.artifactHash });
    const model = loadModel(bytes, base === undefined ? {} : { base }) as ServableModel;
    if (model.kind === "text-base") this.bases.set(entry.artifactHash, model);
    else
      this.lru.set(
        entry.artifactHash,
        model,
        Math.max(bytes.byteLength, model.kind === "text-adapter" ? model.memoryBytes : 0),
      );
    return model;
  }
}
