/**
 * The settlement's off-chain inputs, each checked against the chain before use: inference records
 * (hash = the payment's requestHash), contribution bytes (keccak-256 = the on-chain content hash),
 * model artifacts (keccak-256 = the on-chain artifact hash), and the previous root's report
 * (keccak-256 = the posted reportHash; its balances rebuild the finalized root).
 */
import { ContentStore } from "../content/store.js";
import { parseCid } from "../content/cid.js";
import type { Json } from "../core/canonical-json.js";
import { isPoaError, PoaError } from "../core/errors.js";
import { type Hex } from "../core/hash.js";
import { readJsonl } from "../core/jsonl.js";
import { loadModel } from "../factory/factory.js";
import { parseRows } from "../factory/tabular.js";
import { buildRewardTree, keccakHexFast } from "../merkle/index.js";
import { contributionAt, curatorsAt, type ChainState, type ModelRecord, type RootRecord } from "./chain-state.js";
import type { Carry, ModelInputs, Payment, TrainingDocument } from "./compute.js";
import { parseRecordLine, type InferenceRecord } from "./record.js";

/** Reads records files; refuses (file, line, reason) a malformed record, a wrong hash, a duplicate, another chain. */
export async function readRecords(
  files: readonly string[],
  chainId: number,
): Promise<Map<string, InferenceRecord & { requestHash: Hex }>> {
  const out = new Map<string, InferenceRecord & { requestHash: Hex }>();
  const where = new Map<string, string>();
  for (const file of files) {
    for await (const { line, value } of readJsonl(file)) {
      const record = parseRecordLine(value, file, line);
      if (record.chainId !== chainId)
        throw new PoaError(
          "INVALID_INPUT_FILE",
          `${file}:${line}: the record is for chain ${record.chainId}, not ${chainId}`,
          {
            details: { file, line, chainId: record.chainId, expected: chainId },
            action: "Give the records of this network's gateway.",
          },
        );
      const first = where.get(record.requestHash);
      if (first !== undefined)
        throw new PoaError(
          "DUPLICATE_ENTRY",
          `${file}:${line}: duplicate record ${record.requestHash} (first at ${first})`,
          {
            details: { file, line, requestHash: record.requestHash, first },
            action: "Each paid request has exactly one record: remove the copy.",
          },
        );
      where.set(record.requestHash, `${file}:${line}`);
      out.set(record.requestHash, record);
    }
  }
  return out;
}

/** The CID in an `ipfs://<cid>` URI (or a bare CID), or undefined. */
export function cidOfUri(uri: string): string | undefined {
  const raw = uri.startsWith("ipfs://") ? uri.slice("ipfs://".length).replace(/\/.*$/, "") : uri;
  try {
    return parseCid(raw);
  } catch {
    return undefined;
  }
}

export interface ModelData {
  inputs: Map<string, ModelInputs>;
  /** Content hashes of the bytes used, sorted. */
  used: Hex[];
  /** Contributions whose bytes were missing ("<id>"). */
  missing: string[];
  sizeMismatches: Json[];
}

/** The Datanet versions a model's data comes from: its own, and its base's (for an adapter). */
export function versionsOf(state: ChainState, model: ModelRecord): { datanetId: bigint; version: bigint }[] {
  const own = model.trainedOn;
  const base = model.baseModelId === 0n ? undefined : state.models.get(model.baseModelId.toString());
  return [...own, ...(base?.trainedOn ?? [])];
}

/**
 * For every model with payments or carry-over: its training documents (texts or rows from the
 * content store, checked against the chain), their standing at `at` (end of the range), the
 * bonds of its Datanets' curators, and for tabular models the standardisation from the artifact.
 */
export async function loadModelData(
  state: ChainState,
  modelIds: readonly string[],
  content: ContentStore,
  at: bigint,
): Promise<ModelData> {
  const inputs = new Map<string, ModelInputs>();
  const used = new Set<Hex>();
  const missing = new Set<string>();
  const sizeMismatches: Json[] = [];
  const bytesCache = new Map<string, Uint8Array | undefined>();

  const fetch = async (cid: string | undefined, hash: string, label: string): Promise<Uint8Array | undefined> => {
    if (cid === undefined) return undefined;
    const key = `${cid}:${hash}`;
    if (bytesCache.has(key)) return bytesCache.get(key);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await content.get(cid, { contentHash: hash, label });
    } catch (error) {
      if (isPoaError(error, "CONTENT_NOT_FOUND")) bytes = undefined;
      else throw error;
    }
    bytesCache.set(key, bytes);
    return bytes;
  };

  for (const modelId of modelIds) {
    const model = state.models.get(modelId);
    if (model === undefined) continue;
    const documents: TrainingDocument[] = [];
    const datanets = new Set<string>();
    const seen = new Set<string>();
    for (const { datanetId, version } of versionsOf(state, model)) {
      datanets.add(datanetId.toString());
      const members = state.versions.get(datanetId.toString())?.get(version.toString()) ?? [];
      for (const member of members) {
        const key = member.contributionId.toString();
        if (seen.has(key)) continue;
        seen.add(key);
        const record = state.contributions.get(key);
        if (record === undefined) continue;
        const label = `contribution ${key} of Datanet ${datanetId}`;
        const bytes = await fetch(cidOfUri(record.uri), record.contentHash, label);
        const standing = contributionAt(record, at);
        const doc: TrainingDocument = {
          contributionId: record.id,
          datanetId: record.datanetId,
          contributor: record.contributor,
          bondedStake: standing.bondedStake,
          ...(standing.excluded === undefined ? {} : { excluded: standing.excluded }),
        };
        if (bytes === undefined) missing.add(key);
        else {
          used.add(record.contentHash);
          // The chain counts the size the contributor declared; the bytes tell the truth (I-4).
          if (BigInt(bytes.length) !== record.sizeBytes)
            sizeMismatches.push({
              contributionId: key,
              declared: record.sizeBytes.toString(),
              actual: bytes.length.toString(),
            });
          const text = new TextDecoder().decode(bytes);
          if (model.method === "spans") doc.text = text;
          else doc.rows = parseRows(text, label);
        }
        documents.push(doc);
      }
    }
    const curators = [...datanets].sort().flatMap((d) => curatorsAt(state, BigInt(d), at));
    const entry: ModelInputs = {
      model: { id: model.id, baseModelId: model.baseModelId, method: model.method },
      documents,
      curators,
    };
    if (model.method === "influence") {
      const artifact = await fetch(cidOfUri(model.metadataURI), model.artifactHash, `the artifact of model ${modelId}`);
      if (artifact !== undefined) {
        const loaded = loadModel(artifact);
        if (loaded.kind === "tabular") {
          const options = (loaded.manifest.options ?? {}) as { lambda?: unknown };
          entry.tabular = {
            mean: [...loaded.mean],
            scale: [...loaded.scale],
            lambda: typeof options.lambda === "number" ? options.lambda : 1,
          };
        }
      }
    }
    inputs.set(modelId, entry);
  }
  return {
    inputs,
    used: [...used].sort(),
    missing: [...missing].sort((a, b) => Number(BigInt(a) - BigInt(b))),
    sizeMismatches,
  };
}

export interface PreviousSettlement {
  root: RootRecord;
  balances: Map<string, bigint>;
  carry: Map<string, Carry>;
}

/**
 * The previous finalized root's report, fetched from the content store by the CID in its
 * reportURI, checked: its bytes hash to the posted reportHash, and its balances rebuild the
 * finalized root. Undefined before the first root.
 */
export async function loadPrevious(
  root: RootRecord | undefined,
  content: ContentStore,
): Promise<PreviousSettlement | undefined> {
  if (root === undefined) return undefined;
  const cid = cidOfUri(root.reportURI);
  const bytes =
    cid === undefined
      ? undefined
      : await content
          .get(cid, { contentHash: root.reportHash, label: `the report of epoch ${root.epoch}` })
          .catch((error: unknown) => {
            if (isPoaError(error, "CONTENT_NOT_FOUND")) return undefined;
            throw error;
          });
  if (bytes === undefined)
    throw new PoaError(
      "CANNOT_CHECK",
      `the report of the last finalized root (epoch ${root.epoch}, ${root.reportURI}) is not in the content store`,
      {
        details: { epoch: root.epoch.toString(), reportURI: root.reportURI, reportHash: root.reportHash },
        action: "Fetch it (by its CID) into the content store: the new cumulative balances build on it.",
      },
    );
  // content.get has checked keccak256(bytes) against the reportHash posted on-chain (CONTENT_HASH_MISMATCH).
  const report = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, Json>;
  const accounts = (report.accounts ?? {}) as Record<string, { cumulative: string }>;
  const balances = new Map(Object.entries(accounts).map(([a, v]) => [a, BigInt(v.cumulative)]));
  const entries = [...balances].map(([account, cumulativeAmount]) => ({ account, cumulativeAmount }));
  const rebuilt = entries.length === 0 ? undefined : buildRewardTree(entries).root;
  if (rebuilt !== root.root)
    throw new PoaError(
      "INTEGRITY_MISMATCH",
      `the balances of the epoch ${root.epoch} report rebuild root ${rebuilt ?? "(empty)"}, not the finalized ${root.root}`,
      {
        details: { epoch: root.epoch.toString(), expected: root.root, actual: rebuilt },
      },
    );
  const carry = new Map(
    Object.entries((report.carry ?? {}) as Record<string, { stakers: string; contributors: string }>).map(([m, c]) => [
      m,
      { stakers: BigInt(c.stakers), contributors: BigInt(c.contributors) },
    ]),
  );
  // The parsed report is not kept: at 1,000,000 accounts it is hundreds of MiB of objects.
  return { root, balances, carry };
}

/** Payments of the epochs from..to. */
export function paymentsIn(payments: readonly Payment[], from: bigint, to: bigint): Payment[] {
  return payments.filter((p) => p.epoch >= from && p.epoch <= to);
}
