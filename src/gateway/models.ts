/**
 * What the chain says about models: status, base, artifact hash, metadata URI, provenance and
 * terms, read from the ModelRegistry with `getModel` and cached. The registry's events are polled
 * (`pollEvents`): an event about a model makes the next request read it again, so a pause, a
 * retirement or a price change reaches the gateway within one poll, without an RPC call per
 * request; a cached record is also read again after `ttlMs` whatever happens. When the node cannot be reached, the last answer is used (the gateway
 * keeps serving while its unpaid backlog allows, see payments.ts); a model never read before is
 * then refused with RPC_UNREACHABLE.
 */
import { chainError } from "../chain/errors.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import type { ModelRegistry } from "../../types/ethers-contracts/index.js";
import { termsAt, type Terms } from "./fees.js";

export type ModelStatus = "none" | "active" | "paused" | "retired";
const STATUS: readonly ModelStatus[] = ["none", "active", "paused", "retired"];

export interface DatanetVersionRef {
  datanetId: bigint;
  version: bigint;
}

export interface ModelInfo {
  id: bigint;
  status: ModelStatus;
  owner: string;
  /** 0 for a base model. */
  baseModelId: bigint;
  attribution: "spans" | "influence";
  artifactHash: Hex;
  metadataURI: string;
  trainedOn: DatanetVersionRef[];
  /** The terms in force when read. */
  terms: Terms;
  /** Scheduled terms not yet in force when read (undefined when none). */
  scheduled: Terms | undefined;
  /** Wall-clock time of the read (ms). */
  readAt: number;
}

export interface DirectoryOptions {
  /** How long an answer is used before it is read again, events or not (default 30,000 ms). */
  ttlMs?: number;
}

/** Parses a model id as the API takes it: a positive decimal integer. */
export function parseModelId(text: string): bigint | undefined {
  if (!/^[0-9]{1,78}$/.test(text)) return undefined;
  const id = BigInt(text);
  return id > 0n && id < 2n ** 256n ? id : undefined;
}

export class ModelDirectory {
  private readonly cache = new Map<string, ModelInfo>();
  /** The last block whose registry events were applied (see `pollEvents`). */
  private lastBlock: number | undefined;
  private readonly inflight = new Map<string, Promise<ModelInfo>>();
  private readonly ttlMs: number;
  /** The last read that failed because the node could not be reached (cleared by a success). */
  lastError: PoaError | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    options: DirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
  }

  /** The cached answer for `id`, however old. */
  cached(id: bigint): ModelInfo | undefined {
    return this.cache.get(id.toString());
  }

  /** The model's record, read again when older than the TTL (or when `fresh`). */
  async get(id: bigint, fresh = false): Promise<ModelInfo> {
    const key = id.toString();
    const hit = this.cache.get(key);
    if (hit !== undefined && !fresh && Date.now() - hit.readAt < this.ttlMs) return hit;
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.read(id).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    try {
      return await pending;
    } catch (error) {
      if (hit !== undefined && error instanceof PoaError && error.kind === "unavailable") return hit;
      throw error;
    }
  }

  private async read(id: bigint): Promise<ModelInfo> {
    const readAt = Date.now();
    let info: ModelInfo;
    try {
      const m = await this.registry.getModel(id);
      const terms = (t: { pricePerKInput: bigint; pricePerKOutput: bigint; effectiveAt: bigint }): Terms => ({
        pricePerKInput: t.pricePerKInput,
        pricePerKOutput: t.pricePerKOutput,
        effectiveAt: t.effectiveAt,
      });
      info = {
        id,
        status: STATUS[Number(m.status)] ?? "none",
        owner: m.owner,
        baseModelId: m.baseModelId,
        attribution: Number(m.attributionMethod) === 1 ? "influence" : "spans",
        artifactHash: m.artifactHash.toLowerCase() as Hex,
        metadataURI: m.metadataURI,
        trainedOn: m.trainedOn.map((v) => ({ datanetId: v.datanetId, version: v.version })),
        terms: terms(m.terms),
        scheduled: m.scheduledTerms.effectiveAt === 0n ? undefined : terms(m.scheduledTerms),
        readAt,
      };
    } catch (error) {
      const e = chainError(error, `read model ${id} from the ModelRegistry`);
      if (e.code === "CONTRACT_REVERTED" && e.details.error === "UnknownModel") {
        info = unknownModel(id, readAt);
      } else {
        if (e.kind === "unavailable") this.lastError = e;
        throw e;
      }
    }
    this.lastError = undefined;
    this.cache.set(id.toString(), info);
    return info;
  }

  /**
   * Reads the registry's events since the last call and forgets the cached record of every model
   * they name (registered, terms scheduled or cancelled, paused, unpaused, retired, metadata
   * changed, ownership moved), so the next request reads it again: a change reaches the gateway
   * within one poll, not one TTL. Errors propagate (the caller polls again later; the TTL still
   * applies meanwhile).
   */
  async pollEvents(): Promise<number> {
    const provider = this.registry.runner?.provider;
    if (provider == null) return 0;
    const head = await provider.getBlockNumber();
    if (this.lastBlock === undefined) {
      this.lastBlock = head;
      return 0;
    }
    let invalidated = 0;
    const address = await this.registry.getAddress();
    for (let from = this.lastBlock + 1; from <= head; from += 2_000) {
      const to = Math.min(head, from + 1_999);
      const logs = await provider.getLogs({ address, fromBlock: from, toBlock: to });
      for (const log of logs) {
        const topic = log.topics[1];
        if (topic === undefined) continue;
        const hit = this.cache.get(BigInt(topic).toString());
        if (hit !== undefined) {
          hit.readAt = 0;
          invalidated++;
        }
      }
      this.lastBlock = to;
    }
    return invalidated;
  }

  /** Every registered model (ids 1..modelCount), read again when older than the TTL. */
  async list(): Promise<ModelInfo[]> {
    let count: bigint;
    try {
      count = await this.registry.modelCount();
    } catch (error) {
      const e = chainError(error, "read the number of models from the ModelRegistry");
      if (e.kind !== "unavailable") throw e;
      this.lastError = e;
      return [...this.cache.values()].filter((m) => m.status !== "none").sort((a, b) => (a.id < b.id ? -1 : 1));
    }
    const out: ModelInfo[] = [];
    const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
    for (let i = 0; i < ids.length; i += 100) {
      out.push(...(await Promise.all(ids.slice(i, i + 100).map((id) => this.get(id)))));
    }
    return out;
  }
}

function unknownModel(id: bigint, readAt: number): ModelInfo {
  const zero: Terms = { pricePerKInput: 0n, pricePerKOutput: 0n, effectiveAt: 0n };
  return {
    id,
    status: "none",
    owner: "0x0000000000000000000000000000000000000000",
    baseModelId: 0n,
    attribution: "spans",
    artifactHash: `0x${"0".repeat(64)}`,
    metadataURI: "",
    trainedOn: [],
    terms: zero,
    scheduled: undefined,
    readAt,
  };
}

/** Refuses a model that is not registered, paused or retired (MODEL_NOT_FOUND / _PAUSED / _RETIRED). */
export function requireServable(info: ModelInfo, base?: ModelInfo): void {
  const id = info.id.toString();
  if (info.status === "none")
    throw new PoaError("MODEL_NOT_FOUND", `no model ${id} is registered on this chain`, {
      details: { model: id },
      action: "List the models with GET /v1/models and use one of their ids.",
    });
  if (info.status === "retired")
    throw new PoaError("MODEL_RETIRED", `model ${id} is retired: it is no longer served or paid`, {
      details: { model: id },
      action: "Use another model.",
    });
  if (info.status === "paused")
    throw new PoaError("MODEL_PAUSED", `model ${id} is paused by its owner`, {
      details: { model: id },
      action: "Try again when its owner resumes it, or use another model.",
    });
  if (base !== undefined && base.status !== "active") {
    const code = base.status === "paused" ? "MODEL_PAUSED" : "MODEL_RETIRED";
    throw new PoaError(code, `model ${id} is an adapter of base model ${base.id}, which is ${base.status}`, {
      details: { model: id, base: base.id.toString(), baseStatus: base.status },
      action: "Use another model.",
    });
  }
}

/** The terms the chain applies to `info` at chain time `now`. */
export function termsNow(info: ModelInfo, now: bigint): Terms {
  return termsAt(info.terms, info.scheduled, now);
}
