/**
 * "Where did this answer come from?": the spans of a served output found in the model's training
 * data, with the contributions and contributors they come from, as OLMoTrace shows them.
 *
 * The training data of a model is what the settlement attributes over (src/settlement/compute.ts):
 * the contributions of the Datanet versions it was trained on, and for an adapter those of its
 * base as well. The lists come from the artifacts' manifests (covered by the on-chain artifact
 * hashes); each version's list must rebuild the root the DatanetRegistry holds for it; each
 * contribution's bytes are fetched from the content store under the CID of the URI it was
 * submitted with (`ContributionSubmitted`, `ipfs://<cid>`) and checked against its content hash.
 * A contribution whose bytes are missing is left out and listed. The index (suffix array) of a
 * model's data is built on first use and kept for the next requests (a few models at a time).
 *
 * Spans follow the span engine's rules (src/attribution/spans.ts): maximal spans of at least
 * `minSpan` tokens that occur at most `maxCount` times; a span's value is split equally among the
 * distinct contributors whose contributions contain it.
 */
import { buildIndex, type CorpusIndex } from "../attribution/corpus-index.js";
import { attributeSpans, type SpanValue } from "../attribution/span-attribution.js";
import { chainError } from "../chain/errors.js";
import type { ContentStore } from "../content/index.js";
import { canonicalJson, type Json } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { decodeText, rootOfMembers } from "../factory/index.js";
import type { DatanetRegistry } from "../../types/ethers-contracts/index.js";
import type { ArtifactLoader } from "./artifacts.js";
import { ByteLru } from "./lru.js";
import type { ModelDirectory, ModelInfo } from "./models.js";
import type { StoredRecord } from "./records.js";

export interface SpanOptions {
  minSpan: number;
  maxCount: number;
  value: SpanValue;
}

/** The span engine's defaults (as `poa attribute --method spans`). */
export const DEFAULT_SPAN_OPTIONS: SpanOptions = { minSpan: 4, maxCount: 10, value: "length" };

interface Contribution {
  id: string;
  datanetId: string;
  version: string;
  contentHash: Hex;
  contributor: string;
}

interface ModelCorpus {
  index: CorpusIndex | undefined;
  contributions: Map<string, Contribution>;
  versions: { datanetId: string; version: string; model: string }[];
  missing: { contribution: string; reason: string }[];
  tokens: number;
}

export interface AttributionDeps {
  directory: ModelDirectory;
  loader: ArtifactLoader;
  content: ContentStore;
  datanets: DatanetRegistry;
}

export class Attribution {
  private readonly corpora = new ByteLru<string, Promise<ModelCorpus>>(4);

  constructor(private readonly deps: AttributionDeps) {}

  /** The attribution of one record's output (JSON, canonical key order). */
  async attribute(record: StoredRecord, options: SpanOptions = DEFAULT_SPAN_OPTIONS): Promise<Json> {
    const modelId = record.record.modelId;
    const info = await this.deps.directory.get(modelId);
    if (info.attribution !== "spans")
      throw new PoaError(
        "MODEL_KIND_MISMATCH",
        `model ${modelId} is attributed by influence (a tabular model): span attribution does not apply to its outputs`,
        { details: { model: modelId.toString() }, action: "The settlement computes influence attribution for it." },
      );
    const corpus = await this.corpus(info);
    const spans: Json[] = [];
    let weights: Json = {};
    let contributors: Json = {};
    if (corpus.index !== undefined && record.record.output !== "") {
      const result = attributeSpans(corpus.index, [{ id: record.requestHash, text: record.record.output }], {
        minSpan: options.minSpan,
        maxCount: options.maxCount,
        value: options.value,
      });
      const out = result.outputs[0]!;
      for (const span of out.spans)
        spans.push({
          start: span.start,
          end: span.end,
          text: span.text,
          count: span.count,
          contributions: span.contributions.map((id) => {
            const c = corpus.contributions.get(id)!;
            return {
              id: c.id,
              datanetId: c.datanetId,
              version: c.version,
              contentHash: c.contentHash,
              contributor: c.contributor,
            };
          }),
        });
      weights = Object.fromEntries([...out.weights].map(([k, v]) => [k, v]));
      contributors = Object.fromEntries([...result.contributors].map(([k, v]) => [k, v]));
    }
    return JSON.parse(
      canonicalJson(
        {
          requestHash: record.requestHash,
          model: modelId.toString(),
          output: record.record.output,
          method: "spans",
          minSpan: options.minSpan,
          maxCount: options.maxCount,
          value: options.value,
          spans,
          weights,
          contributors,
          corpus: {
            versions: corpus.versions,
            contributions: corpus.contributions.size,
            tokens: corpus.tokens,
            missing: corpus.missing,
          },
        },
        0,
      ),
    ) as Json;
  }

  private corpus(info: ModelInfo): Promise<ModelCorpus> {
    const key = `${info.id}:${info.artifactHash}`;
    let pending = this.corpora.get(key);
    if (pending === undefined) {
      pending = this.build(info);
      pending.catch(() => this.corpora.delete(key));
      this.corpora.set(key, pending, 1);
    }
    return pending;
  }

  private async build(info: ModelInfo): Promise<ModelCorpus> {
    const models: { info: ModelInfo; manifest: Record<string, unknown> }[] = [];
    if (info.baseModelId !== 0n) {
      const base = await this.deps.directory.get(info.baseModelId);
      const loaded = await this.deps.loader.load(info, base);
      models.push({ info, manifest: loaded.manifest });
      models.push({ info: base, manifest: (await this.deps.loader.load(base)).manifest });
    } else {
      models.push({ info, manifest: (await this.deps.loader.load(info)).manifest });
    }
    // Versions and their members, in the settlement's order: by Datanet, version, contribution id.
    const contributions = new Map<string, Contribution>();
    const versions: ModelCorpus["versions"] = [];
    const ordered: Contribution[] = [];
    for (const { info: m, manifest } of models) {
      const trained = (manifest.trainedOn ?? []) as {
        datanetId: string;
        version: string;
        root: string;
        contributions: { id: string; contentHash: string; contributor: string }[];
      }[];
      for (const v of trained) {
        const members = v.contributions.map((c) => ({ id: BigInt(c.id), contentHash: c.contentHash }));
        const root = await this.deps.datanets
          .versionRoot(BigInt(v.datanetId), BigInt(v.version))
          .catch((error: unknown) => {
            throw chainError(error, `read the root of Datanet ${v.datanetId} version ${v.version}`);
          });
        if (rootOfMembers(members) !== root.toLowerCase())
          throw new PoaError(
            "VERSION_ROOT_MISMATCH",
            `the contributions model ${m.id}'s manifest lists for Datanet ${v.datanetId} version ${v.version} do not rebuild its on-chain root ${root}`,
            { details: { model: m.id.toString(), datanetId: v.datanetId, version: v.version, root } },
          );
        versions.push({ datanetId: v.datanetId, version: v.version, model: m.id.toString() });
        for (const c of v.contributions) {
          const item: Contribution = {
            id: c.id,
            datanetId: v.datanetId,
            version: v.version,
            contentHash: c.contentHash.toLowerCase() as Hex,
            contributor: c.contributor,
          };
          ordered.push(item);
        }
      }
    }
    ordered.sort((a, b) => cmp(BigInt(a.datanetId), BigInt(b.datanetId)) || cmp(BigInt(a.id), BigInt(b.id)));
    const seen = new Set<string>();
    const distinct: Contribution[] = [];
    for (const c of ordered) {
      if (contributions.has(c.id) || seen.has(c.contentHash)) continue;
      seen.add(c.contentHash);
      contributions.set(c.id, c);
      distinct.push(c);
    }
    const uris = await this.submittedUris(distinct.map((c) => BigInt(c.id)));
    const missing: ModelCorpus["missing"] = [];
    const rows: { line: number; value: { id: string; contributor: string; text: string } }[] = [];
    for (const c of distinct) {
      const uri = uris.get(c.id);
      const cid = uri === undefined ? undefined : /^ipfs:\/\/(b[a-z2-7]{20,})$/.exec(uri.trim())?.[1];
      if (cid === undefined) {
        missing.push({ contribution: c.id, reason: `its URI ${JSON.stringify(uri ?? null)} is not ipfs://<CIDv1>` });
        continue;
      }
      try {
        const bytes = await this.deps.content.get(cid, {
          contentHash: c.contentHash,
          label: `contribution ${c.id} of Datanet ${c.datanetId}`,
        });
        rows.push({
          line: rows.length + 1,
          value: { id: c.id, contributor: c.contributor, text: decodeText(bytes, `contribution ${c.id}`) },
        });
      } catch (error) {
        if (
          error instanceof PoaError &&
          (error.code === "CONTENT_NOT_FOUND" ||
            error.code === "CONTENT_HASH_MISMATCH" ||
            error.code === "TRAINING_INPUT_INVALID")
        )
          missing.push({ contribution: c.id, reason: error.message });
        else throw error;
      }
    }
    let index: CorpusIndex | undefined;
    try {
      index = rows.length === 0 ? undefined : buildIndex(rows);
    } catch (error) {
      if (!(error instanceof PoaError && error.code === "ATTRIBUTION_INPUT_INVALID")) throw error;
    }
    return { index, contributions, versions, missing, tokens: index?.tokens.length ?? 0 };
  }

  /** The URI each contribution was submitted with (ContributionSubmitted, by contribution id). */
  private async submittedUris(ids: readonly bigint[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const registry = this.deps.datanets;
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const logs = await registry
        .queryFilter(registry.filters.ContributionSubmitted(chunk as unknown as bigint))
        .catch((error: unknown) => {
          throw chainError(error, "read the contributions' URIs from the DatanetRegistry");
        });
      for (const log of logs) out.set(log.args.contributionId.toString(), log.args.uri);
    }
    return out;
  }
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
