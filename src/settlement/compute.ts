/**
 * The settlement's arithmetic, pure: given what the chain says about one range of epochs (paid
 * requests with their pools, the models and what they were trained on, the contributions and
 * stakes behind them), the off-chain inputs that were checked against it (inference records,
 * contribution texts or rows), the carry-over and the previous cumulative balances, compute who
 * earns what, why, and the new cumulative balances. No I/O; identical inputs give identical
 * outputs (amounts are exact integers; every iteration order is fixed).
 *
 * The rules (docs/settlement.md states them for users):
 *
 * Contributors' pool, per paid request: the output of the request is attributed with the model's
 * method over the model's training data (for an adapter, its own versions and its base's):
 * - spans: the output's maximal spans found in the training texts (suffix array; a span that is
 *   common everywhere is not credited); a span's value is split equally among the distinct
 *   contributors whose contributions contain it; an exact duplicate contribution holds no credit
 *   (its first copy does);
 * - influence: the exact influence of each training row on the loss of the prediction (x, label
 *   predicted); only positive influence earns.
 * The request's contributors' part is split among the credited contributions' contributors in
 * proportion to credit (largest remainder, exact). A contribution that was revoked, penalised or
 * taken down keeps its credit out of everyone's hands: its share carries over. A request with no
 * record, or whose output credits nobody, carries its whole part over.
 *
 * Stakers' pool, per model: shared in proportion to the stake behind the model's training data
 * at the end of the range: the stake still bonded on each of its contributions (not excluded),
 * and the bonds of the curators of the Datanets it was trained on (while bonded, not unbonding).
 * No stake at all: the pool carries over.
 *
 * Carry-over is per model and per pool: what a range could not attribute is added to the same
 * model's pool in the next range (contributors' carry-in is split in proportion to that range's
 * attributed amounts). Nothing is lost, and nothing goes to the settler.
 */
import { compareCodeUnits } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import type { Address } from "../core/address.js";
import type { Hex } from "../core/hash.js";
import { buildIndex, type CorpusIndex } from "../attribution/corpus-index.js";
import { dataset, influenceMatrix, train } from "../attribution/influence.js";
import { attributeSpans, type SpanValue } from "../attribution/span-attribution.js";
import { tokenize } from "../attribution/tokenize.js";
import { addInto, splitProRata, sumOf, toIntegerWeight } from "./allocate.js";
import type { InferenceRecord } from "./record.js";

/** Key under which a split puts the share that carries over. Sorts after every address. */
export const CARRY = "~carry";

export type AttributionMethod = "spans" | "influence";

export interface ModelInfo {
  id: bigint;
  /** 0 for a base model. */
  baseModelId: bigint;
  method: AttributionMethod;
}

export interface Payment {
  requestHash: Hex;
  modelId: bigint;
  payer: Address;
  epoch: bigint;
  tokensIn: number;
  tokensOut: number;
  fee: bigint;
  stakers: bigint;
  contributors: bigint;
}

/** One contribution of a model's training data, with its content checked against the chain. */
export interface TrainingDocument {
  contributionId: bigint;
  datanetId: bigint;
  contributor: Address;
  /** The text (spans); undefined when the content is missing from the store. */
  text?: string;
  /** The rows (influence), already parsed. */
  rows?: readonly { x: readonly number[]; y: 0 | 1 }[];
  /** Why it earns nothing, if it does not. */
  excluded?: "revoked" | "penalised" | "taken down";
  /** OPEN still staked and bonded at the end of the range (0 when released or slashed). */
  bondedStake: bigint;
}

export interface CuratorBond {
  datanetId: bigint;
  curator: Address;
  /** Bond at the end of the range; 0 once unbonding started. */
  bond: bigint;
}

export interface ModelInputs {
  model: ModelInfo;
  /** The model's training data (its versions' members, and its base's), in acceptance order. */
  documents: readonly TrainingDocument[];
  curators: readonly CuratorBond[];
  /** Tabular models: the standardisation and penalty the model was trained with. */
  tabular?: { mean: readonly number[]; scale: readonly number[]; lambda: number };
}

export interface Carry {
  stakers: bigint;
  contributors: bigint;
}

export interface SettlementInputs {
  chainId: number;
  payments: readonly Payment[];
  /** Records by request hash (already checked: hash = requestHash). */
  records: ReadonlyMap<string, InferenceRecord>;
  models: ReadonlyMap<string, ModelInputs>;
  carryIn: ReadonlyMap<string, Carry>;
  previous: ReadonlyMap<string, bigint>;
  span: { minSpan: number; maxCount: number; value: SpanValue };
}

export interface CreditedSpan {
  start: number;
  end: number;
  text: string;
  contributions: string[];
}

export interface RequestBreakdown {
  requestHash: Hex;
  modelId: string;
  pool: bigint;
  /** "paid" | why it carried over. */
  outcome: "paid" | "no record" | "no credit" | "missing model data";
  spans?: CreditedSpan[];
  influence?: { contributionId: string; row: number; influence: number }[];
  payouts: Map<string, bigint>;
  carried: bigint;
}

export interface ModelBreakdown {
  modelId: string;
  method: AttributionMethod;
  requests: number;
  pools: { stakers: bigint; contributors: bigint };
  carryIn: Carry;
  paidContributors: bigint;
  paidStakers: bigint;
  carryOut: Carry;
  stakeWeights: Map<string, bigint>;
  stakerPayouts: Map<string, bigint>;
  contributorPayouts: Map<string, bigint>;
  missingContent: string[];
}

export interface SettlementResult {
  /** This range's earnings per account. */
  earned: Map<string, bigint>;
  /** New cumulative balances (previous + earned), every account ever paid. */
  cumulative: Map<string, bigint>;
  total: bigint;
  models: ModelBreakdown[];
  requests: RequestBreakdown[];
  carryOut: Map<string, Carry>;
  /** Payments without a record (their contributors' part carried over). */
  missingRecords: Hex[];
  /** Records whose token counts differ from their texts' (metering flags, not refusals). */
  meteringMismatches: {
    requestHash: Hex;
    tokensIn: number;
    tokensOut: number;
    countedIn: number;
    countedOut: number;
  }[];
}

const ZERO_CARRY: Carry = { stakers: 0n, contributors: 0n };

/** A deterministic key order for bigint ids. */
const byId = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/** The index of a model's training texts (documents ordered by contribution id). */
function corpusOf(inputs: ModelInputs): { index: CorpusIndex | undefined; missing: string[] } {
  const missing: string[] = [];
  const rows = [...inputs.documents]
    .sort((a, b) => byId(a.contributionId, b.contributionId))
    .filter((d) => {
      if (d.text === undefined) missing.push(d.contributionId.toString());
      return d.text !== undefined;
    })
    .map((d, i) => ({
      line: i + 1,
      value: { id: d.contributionId.toString(), contributor: d.contributor, text: d.text! },
    }));
  if (rows.length === 0) return { index: undefined, missing };
  try {
    return { index: buildIndex(rows), missing };
  } catch (error) {
    // A corpus with no tokens at all credits nobody.
    if (error instanceof PoaError && error.code === "ATTRIBUTION_INPUT_INVALID") return { index: undefined, missing };
    throw error;
  }
}

/**
 * Splits one request's pool by contribution weights: contributors of eligible contributions get
 * their share, excluded contributions' share goes to CARRY.
 */
function splitByContribution(
  weights: ReadonlyMap<string, number>,
  documents: ReadonlyMap<string, TrainingDocument>,
  pool: bigint,
): Map<string, bigint> {
  const integer = new Map<string, bigint>();
  for (const [contributionId, w] of [...weights].sort((a, b) => compareCodeUnits(a[0], b[0]))) {
    if (w <= 0) continue;
    const doc = documents.get(contributionId);
    const key = doc === undefined || doc.excluded !== undefined ? CARRY : doc.contributor;
    integer.set(key, (integer.get(key) ?? 0n) + toIntegerWeight(w));
  }
  return splitProRata(integer, pool);
}

export function computeSettlement(inputs: SettlementInputs): SettlementResult {
  const earned = new Map<string, bigint>();
  const requests: RequestBreakdown[] = [];
  const models: ModelBreakdown[] = [];
  const carryOut = new Map<string, Carry>();
  const missingRecords: Hex[] = [];
  const meteringMismatches: SettlementResult["meteringMismatches"] = [];

  const byModel = new Map<string, Payment[]>();
  for (const p of inputs.payments) {
    const key = p.modelId.toString();
    const list = byModel.get(key) ?? [];
    list.push(p);
    byModel.set(key, list);
  }
  const modelIds = [...new Set([...byModel.keys(), ...inputs.carryIn.keys()])].sort((a, b) =>
    byId(BigInt(a), BigInt(b)),
  );

  for (const modelId of modelIds) {
    const payments = byModel.get(modelId) ?? [];
    const carryIn = inputs.carryIn.get(modelId) ?? ZERO_CARRY;
    const modelInputs = inputs.models.get(modelId);
    const pools = {
      stakers: sumOf(payments.map((p) => p.stakers)),
      contributors: sumOf(payments.map((p) => p.contributors)),
    };
    const breakdown: ModelBreakdown = {
      modelId,
      method: modelInputs?.model.method ?? "spans",
      requests: payments.length,
      pools,
      carryIn,
      paidContributors: 0n,
      paidStakers: 0n,
      carryOut: { ...ZERO_CARRY },
      stakeWeights: new Map(),
      stakerPayouts: new Map(),
      contributorPayouts: new Map(),
      missingContent: [],
    };
    let carriedContributors = 0n;

    if (modelInputs === undefined) {
      // Nothing known about the model's data: everything carries over.
      for (const p of payments)
        requests.push({
          requestHash: p.requestHash,
          modelId,
          pool: p.contributors,
          outcome: "missing model data",
          payouts: new Map(),
          carried: p.contributors,
        });
      breakdown.carryOut = {
        stakers: carryIn.stakers + pools.stakers,
        contributors: carryIn.contributors + pools.contributors,
      };
      carryOut.set(modelId, breakdown.carryOut);
      models.push(breakdown);
      continue;
    }

    const documents = new Map(modelInputs.documents.map((d) => [d.contributionId.toString(), d]));
    const attributed = new Map<string, bigint>();

    // ---- contributors: per request ----
    const ordered = [...payments].sort((a, b) => compareCodeUnits(a.requestHash, b.requestHash));
    const withRecords: { payment: Payment; record: InferenceRecord }[] = [];
    for (const p of ordered) {
      const record = inputs.records.get(p.requestHash);
      if (record === undefined) {
        missingRecords.push(p.requestHash);
        requests.push({
          requestHash: p.requestHash,
          modelId,
          pool: p.contributors,
          outcome: "no record",
          payouts: new Map(),
          carried: p.contributors,
        });
        carriedContributors += p.contributors;
      } else withRecords.push({ payment: p, record });
    }

    const splitRequest = (payment: Payment, weights: ReadonlyMap<string, number>, extra: Partial<RequestBreakdown>) => {
      const split = splitByContribution(weights, documents, payment.contributors);
      const carried = split.get(CARRY) ?? 0n;
      split.delete(CARRY);
      const credited = sumOf(split);
      if (credited === 0n && carried === 0n) {
        requests.push({
          requestHash: payment.requestHash,
          modelId,
          pool: payment.contributors,
          outcome: "no credit",
          payouts: new Map(),
          carried: payment.contributors,
          ...extra,
        });
        carriedContributors += payment.contributors;
        return;
      }
      addInto(attributed, split);
      carriedContributors += carried;
      requests.push({
        requestHash: payment.requestHash,
        modelId,
        pool: payment.contributors,
        outcome: "paid",
        payouts: split,
        carried,
        ...extra,
      });
    };

    if (modelInputs.model.method === "spans") {
      const { index, missing } = corpusOf(modelInputs);
      breakdown.missingContent = missing;
      if (index === undefined) {
        for (const { payment } of withRecords) {
          requests.push({
            requestHash: payment.requestHash,
            modelId,
            pool: payment.contributors,
            outcome: "no credit",
            payouts: new Map(),
            carried: payment.contributors,
          });
          carriedContributors += payment.contributors;
        }
      } else {
        const attribution = attributeSpans(
          index,
          withRecords.map(({ payment, record }) => ({ id: payment.requestHash, text: record.output })),
          inputs.span,
        );
        attribution.outputs.forEach((output, i) => {
          const { payment } = withRecords[i]!;
          splitRequest(payment, output.weights, {
            spans: output.spans.map((s) => ({
              start: s.start,
              end: s.end,
              text: s.text,
              contributions: s.contributions,
            })),
          });
        });
      }
    } else {
      // influence: the training rows of every non-missing contribution, in contribution order.
      const trainRows: { contributionId: string; row: number; x: number[]; y: 0 | 1 }[] = [];
      const tabular = modelInputs.tabular;
      for (const d of [...modelInputs.documents].sort((a, b) => byId(a.contributionId, b.contributionId))) {
        if (d.rows === undefined) {
          breakdown.missingContent.push(d.contributionId.toString());
          continue;
        }
        d.rows.forEach((r, row) =>
          trainRows.push({
            contributionId: d.contributionId.toString(),
            row,
            x: tabular === undefined ? [...r.x] : r.x.map((v, k) => (v - tabular.mean[k]!) / tabular.scale[k]!),
            y: r.y,
          }),
        );
      }
      const tests: { payment: Payment; x: number[]; y: 0 | 1 }[] = [];
      for (const { payment, record } of withRecords) {
        const features = parseFeatures(record.prompt);
        const label = parseLabel(record.output);
        if (
          features === undefined ||
          label === undefined ||
          (trainRows[0] !== undefined && features.length !== trainRows[0].x.length) ||
          tabular === undefined
        ) {
          requests.push({
            requestHash: payment.requestHash,
            modelId,
            pool: payment.contributors,
            outcome: "no credit",
            payouts: new Map(),
            carried: payment.contributors,
          });
          carriedContributors += payment.contributors;
          continue;
        }
        tests.push({ payment, x: features.map((v, k) => (v - tabular.mean[k]!) / tabular.scale[k]!), y: label });
      }
      if (tests.length > 0 && trainRows.length > 0 && tabular !== undefined) {
        const trainData = dataset(trainRows);
        const fitted = train(trainData, tabular.lambda);
        const matrix = influenceMatrix(fitted, trainData, dataset(tests));
        tests.forEach(({ payment }, t) => {
          const row = matrix[t]!;
          // influenceMatrix's sign: positive = the row lowered the prediction's loss (it helped).
          const weights = new Map<string, number>();
          const helped: { contributionId: string; row: number; influence: number }[] = [];
          trainRows.forEach((r, i) => {
            const help = row[i]!;
            if (help > 0) {
              weights.set(r.contributionId, (weights.get(r.contributionId) ?? 0) + help);
              helped.push({ contributionId: r.contributionId, row: r.row, influence: help });
            }
          });
          helped.sort(
            (a, b) =>
              b.influence - a.influence || compareCodeUnits(a.contributionId, b.contributionId) || a.row - b.row,
          );
          splitRequest(payment, weights, { influence: helped.slice(0, 10) });
        });
      } else {
        for (const { payment } of tests) {
          requests.push({
            requestHash: payment.requestHash,
            modelId,
            pool: payment.contributors,
            outcome: "no credit",
            payouts: new Map(),
            carried: payment.contributors,
          });
          carriedContributors += payment.contributors;
        }
      }
    }

    // Contributors' carry-in follows this range's attributed amounts; nothing attributed: it carries on.
    let carryInContributors = carryIn.contributors;
    if (carryInContributors > 0n && sumOf(attributed) > 0n) {
      addInto(attributed, splitProRata(attributed, carryInContributors));
      carryInContributors = 0n;
    }
    breakdown.contributorPayouts = attributed;
    breakdown.paidContributors = sumOf(attributed);

    // ---- stakers: pro rata to bonded stake and curator bonds ----
    const stake = new Map<string, bigint>();
    for (const d of modelInputs.documents)
      if (d.excluded === undefined && d.bondedStake > 0n)
        stake.set(d.contributor, (stake.get(d.contributor) ?? 0n) + d.bondedStake);
    for (const c of modelInputs.curators) if (c.bond > 0n) stake.set(c.curator, (stake.get(c.curator) ?? 0n) + c.bond);
    const stakersPool = pools.stakers + carryIn.stakers;
    const stakerPayouts = splitProRata(stake, stakersPool);
    breakdown.stakeWeights = stake;
    breakdown.stakerPayouts = stakerPayouts;
    breakdown.paidStakers = sumOf(stakerPayouts);

    breakdown.carryOut = {
      stakers: stakersPool - breakdown.paidStakers,
      contributors: carriedContributors + carryInContributors,
    };
    addInto(earned, attributed);
    addInto(earned, stakerPayouts);
    if (breakdown.carryOut.stakers > 0n || breakdown.carryOut.contributors > 0n)
      carryOut.set(modelId, breakdown.carryOut);
    models.push(breakdown);

    // Conservation, per model: everything in is paid or carried, to the unit.
    const inflow = pools.stakers + pools.contributors + carryIn.stakers + carryIn.contributors;
    const outflow =
      breakdown.paidStakers + breakdown.paidContributors + breakdown.carryOut.stakers + breakdown.carryOut.contributors;
    if (inflow !== outflow)
      throw new PoaError("INVARIANT_BROKEN", `model ${modelId}: ${inflow} in, but ${outflow} paid or carried`, {
        details: { modelId, inflow: inflow.toString(), outflow: outflow.toString() },
      });
  }

  // Metering: the tokens paid for must be the tokens of the texts (flagged, not refused: the
  // payment happened, and its amount is what the chain says).
  for (const p of [...inputs.payments].sort((a, b) => compareCodeUnits(a.requestHash, b.requestHash))) {
    const record = inputs.records.get(p.requestHash);
    if (record === undefined) continue;
    const countedIn = tokenize(record.prompt).words.length;
    const countedOut = tokenize(record.output).words.length;
    if (countedIn !== p.tokensIn || countedOut !== p.tokensOut)
      meteringMismatches.push({
        requestHash: p.requestHash,
        tokensIn: p.tokensIn,
        tokensOut: p.tokensOut,
        countedIn,
        countedOut,
      });
  }

  const cumulative = new Map<string, bigint>(inputs.previous);
  addInto(cumulative, earned);
  const total = sumOf(cumulative);
  return { earned, cumulative, total, models, requests, carryOut, missingRecords, meteringMismatches };
}

/** Features of a tabular request: the prompt is `{"x": [numbers]}` or a bare array. */
export function parseFeatures(prompt: string): number[] | undefined {
  try {
    const value = JSON.parse(prompt) as unknown;
    const x = Array.isArray(value) ? value : (value as { x?: unknown } | null)?.x;
    if (Array.isArray(x) && x.length > 0 && x.every((v) => typeof v === "number" && Number.isFinite(v)))
      return x as number[];
  } catch {
    // not JSON: not a tabular request
  }
  return undefined;
}

/** The label a tabular output predicted: `{"label": 0|1, ...}`, `{"probability": p}` or a bare number. */
export function parseLabel(output: string): 0 | 1 | undefined {
  try {
    const value = JSON.parse(output) as unknown;
    if (value === 0 || value === 1) return value;
    const obj = value as { label?: unknown; probability?: unknown } | null;
    if (obj?.label === 0 || obj?.label === 1) return obj.label;
    if (typeof obj?.probability === "number" && Number.isFinite(obj.probability)) return obj.probability >= 0.5 ? 1 : 0;
    if (typeof value === "number" && Number.isFinite(value)) return value >= 0.5 ? 1 : 0;
  } catch {
    // not JSON
  }
  return undefined;
}
