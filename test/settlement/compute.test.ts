import { expect } from "chai";

import type { Address } from "../../src/core/address.js";
import type { Hex } from "../../src/core/hash.js";
import { splitProRata } from "../../src/settlement/allocate.js";
import {
  CARRY,
  computeSettlement,
  type ModelInputs,
  type Payment,
  type SettlementInputs,
  type TrainingDocument,
} from "../../src/settlement/compute.js";
import { recordHash, type InferenceRecord } from "../../src/settlement/record.js";

const A = "0x1111111111111111111111111111111111111111" as Address;
const B = "0x2222222222222222222222222222222222222222" as Address;
const C = "0x3333333333333333333333333333333333333333" as Address;
const CURATOR = "0x4444444444444444444444444444444444444444" as Address;
const PAYER = "0x5555555555555555555555555555555555555555" as Address;
const OPEN = 10n ** 18n;

const TEXTS = {
  a: "the quick brown fox jumps over the lazy dog near the river bank",
  b: "a stitch in time saves nine and an apple a day keeps the doctor away",
  c: "the quick brown fox jumps over the lazy dog near the river bank", // a copy of a
};

function doc(
  id: bigint,
  contributor: Address,
  text: string | undefined,
  extra: Partial<TrainingDocument> = {},
): TrainingDocument {
  return {
    contributionId: id,
    datanetId: 1n,
    contributor,
    ...(text === undefined ? {} : { text }),
    bondedStake: 10n * OPEN,
    ...extra,
  };
}

let nonce = 0;
function request(
  modelId: bigint,
  output: string,
  contributors: bigint,
  stakers = 0n,
): { payment: Payment; record: InferenceRecord } {
  const record: InferenceRecord = {
    chainId: 901,
    modelId,
    payer: PAYER,
    tokensIn: 2,
    tokensOut: output.split(/\s+/).length,
    prompt: "tell me",
    output,
    nonce: `0x${(++nonce).toString(16).padStart(64, "0")}` as Hex,
  };
  const requestHash = recordHash(record);
  return {
    record,
    payment: {
      requestHash,
      modelId,
      payer: PAYER,
      epoch: 0n,
      tokensIn: record.tokensIn,
      tokensOut: record.tokensOut,
      fee: contributors + stakers,
      stakers,
      contributors,
    },
  };
}

function inputs(
  models: ModelInputs[],
  reqs: { payment: Payment; record?: InferenceRecord }[],
  extra: Partial<SettlementInputs> = {},
): SettlementInputs {
  return {
    chainId: 901,
    payments: reqs.map((r) => r.payment),
    records: new Map(reqs.filter((r) => r.record !== undefined).map((r) => [r.payment.requestHash, r.record!])),
    models: new Map(models.map((m) => [m.model.id.toString(), m])),
    carryIn: new Map(),
    previous: new Map(),
    span: { minSpan: 4, maxCount: 10, value: "length" },
    ...extra,
  };
}

const spansModel = (documents: TrainingDocument[], curators: ModelInputs["curators"] = []): ModelInputs => ({
  model: { id: 1n, baseModelId: 0n, method: "spans" },
  documents,
  curators,
});

describe("settlement arithmetic (pure)", function () {
  it("splitProRata: exact, sums to the pool, ties to the smaller key, zero weights get nothing", function () {
    const split = splitProRata(
      new Map([
        ["b", 1n],
        ["a", 1n],
        ["c", 1n],
        ["z", 0n],
      ]),
      100n,
    );
    expect([...split]).to.deep.equal([
      ["a", 34n],
      ["b", 33n],
      ["c", 33n],
    ]);
    expect(
      splitProRata(
        new Map([
          ["a", 3n],
          ["b", 7n],
        ]),
        10n ** 30n + 1n,
      ).get("b"),
    ).to.equal(7n * 10n ** 29n + 1n);
    expect(splitProRata(new Map([["a", 0n]]), 5n).size).to.equal(0);
  });

  it("pays a request's contributors' part to the contributors whose text its output repeats, and stakers pro rata", function () {
    const r = request(1n, "i saw the quick brown fox jumps over the lazy dog today", 1_000n, 300n);
    const result = computeSettlement(
      inputs(
        [
          spansModel(
            [doc(1n, A, TEXTS.a), doc(2n, B, TEXTS.b, { bondedStake: 30n * OPEN })],
            [{ datanetId: 1n, curator: CURATOR, bond: 60n * OPEN }],
          ),
        ],
        [r],
      ),
    );
    expect(result.earned.get(A)).to.equal(1_000n + 30n); // every credited span is A's; 10/100 of the stake
    expect(result.earned.get(B)).to.equal(90n); // 30/100 of the stakers' pool
    expect(result.earned.get(CURATOR)).to.equal(180n);
    expect(result.total).to.equal(1_300n);
    expect(result.requests[0]!.outcome).to.equal("paid");
    expect(result.requests[0]!.spans![0]!.text).to.equal("the quick brown fox jumps over the lazy dog");
    expect(result.carryOut.size).to.equal(0);
  });

  it("an exact copy earns nothing: the first contribution holds the credit", function () {
    const r = request(1n, "the quick brown fox jumps over the lazy dog", 1_000n);
    const result = computeSettlement(inputs([spansModel([doc(1n, A, TEXTS.a), doc(3n, C, TEXTS.c)])], [r]));
    expect(result.earned.get(A)).to.equal(1_000n);
    expect(result.earned.has(C)).to.equal(false);
  });

  it("carries over: a payment without a record, an output that credits nobody, an excluded contribution's share", function () {
    const copied = request(1n, "the quick brown fox jumps over the lazy dog", 600n);
    const novel = request(1n, "completely unrelated words never seen anywhere before", 250n);
    const lost = request(1n, "the quick brown fox jumps over the lazy dog", 150n);
    const result = computeSettlement(
      inputs(
        [spansModel([doc(1n, A, TEXTS.a, { excluded: "revoked" }), doc(2n, B, TEXTS.b)])],
        [copied, novel, { payment: lost.payment }],
      ),
    );
    // A is revoked: its share of `copied` carries over, as do `novel` (no credit) and `lost` (no record).
    expect(result.earned.size).to.equal(0);
    expect(result.carryOut.get("1")).to.deep.equal({ stakers: 0n, contributors: 1_000n });
    expect(result.missingRecords).to.deep.equal([lost.payment.requestHash]);
    expect(result.requests.map((q) => q.outcome).sort()).to.deep.equal(["no credit", "no record", "paid"]);
    expect(result.requests.find((q) => q.outcome === "paid")!.carried).to.equal(600n);
  });

  it("carry-in follows this range's attributed amounts; with nothing attributed it carries on", function () {
    const r = request(1n, "a stitch in time saves nine and an apple a day", 100n);
    const carryIn = new Map([["1", { stakers: 7n, contributors: 50n }]]);
    const paid = computeSettlement(inputs([spansModel([doc(2n, B, TEXTS.b)])], [r], { carryIn }));
    expect(paid.earned.get(B)).to.equal(100n + 50n + 7n);
    const none = computeSettlement(inputs([spansModel([doc(2n, B, TEXTS.b, { bondedStake: 0n })])], [], { carryIn }));
    expect(none.carryOut.get("1")).to.deep.equal({ stakers: 7n, contributors: 50n });
    expect(none.total).to.equal(0n);
  });

  it("adds to previous cumulative balances; identical inputs in another order give identical results", function () {
    const reqs = [
      request(1n, "i saw the quick brown fox jumps over the lazy dog", 333n, 10n),
      request(1n, "a stitch in time saves nine and an apple a day", 667n, 20n),
    ];
    const docs = [doc(1n, A, TEXTS.a), doc(2n, B, TEXTS.b)];
    const previous = new Map([
      [A, 5n],
      [C, 9n],
    ]);
    const one = computeSettlement(inputs([spansModel(docs)], reqs, { previous }));
    const two = computeSettlement(inputs([spansModel([...docs].reverse())], [...reqs].reverse(), { previous }));
    expect([...one.cumulative].sort()).to.deep.equal([...two.cumulative].sort());
    expect(one.cumulative.get(C)).to.equal(9n);
    expect(one.cumulative.get(A)).to.equal(5n + one.earned.get(A)!);
    expect(one.total).to.equal(5n + 9n + 333n + 667n + 30n);
  });

  it("influence: only rows that helped the prediction earn, exactly the request's part", function () {
    const rowsA = [
      { x: [2, 1], y: 1 as const },
      { x: [1.5, 0.5], y: 1 as const },
    ];
    const rowsB = [
      { x: [-2, -1], y: 0 as const },
      { x: [-1, -0.5], y: 0 as const },
    ];
    const model: ModelInputs = {
      model: { id: 2n, baseModelId: 0n, method: "influence" },
      documents: [
        { contributionId: 1n, datanetId: 1n, contributor: A, rows: rowsA, bondedStake: 0n },
        { contributionId: 2n, datanetId: 1n, contributor: B, rows: rowsB, bondedStake: 0n },
      ],
      curators: [],
      tabular: { mean: [0, 0], scale: [1, 1], lambda: 1 },
    };
    const r = request(2n, JSON.stringify({ label: 1 }), 1_000n);
    r.record.prompt = JSON.stringify({ x: [1.8, 0.9] });
    r.payment.requestHash = recordHash(r.record);
    const result = computeSettlement(inputs([model], [r]));
    expect(result.requests[0]!.outcome).to.equal("paid");
    expect(result.earned.get(A)! + (result.earned.get(B) ?? 0n)).to.equal(1_000n);
    expect(result.earned.get(A)! > (result.earned.get(B) ?? 0n)).to.equal(true);
    expect(result.requests[0]!.influence![0]!.contributionId).to.equal("1");
  });

  it("the carry key sorts after every address", function () {
    expect(CARRY > "0xffffffffffffffffffffffffffffffffffffffff").to.equal(true);
  });
});
