import { rmSync } from "node:fs";

import { expect } from "chai";

import { ContentStore } from "../../src/content/index.js";
import { keccakHex } from "../../src/core/hash.js";
import {
  FACTORY_CODE_VERSION,
  loadModel,
  readManifest,
  rootOfMembers,
  trainModel,
  verifyTrainingInputs,
  type TextAdapterModel,
  type TextBaseModel,
} from "../../src/factory/index.js";
import { CONTRIBUTORS, refused, versionOf } from "./fixtures.js";
import { tempDir } from "../support/temp.js";

const general = [
  "a domestic animal kept for companionship\n\na small carnivorous mammal",
  "the act of moving from one place to another",
  "a building where people live; a house or flat",
  "a piece of furniture for sitting on",
];
const domain = [
  "the sofa is soft and the cat sleeps on the sofa",
  "a kitten sleeps on a soft sofa",
  "the dog sleeps on the floor",
];

function base(order = 3) {
  return trainModel({
    kind: "text-base",
    versions: verifyTrainingInputs([versionOf(1n, 1n, general)]),
    options: { order },
  });
}

describe("model artifacts", function () {
  this.timeout(60_000);

  it("are byte-identical for the same versions and options, whatever the input order", function () {
    const a = base();
    const b = base();
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).to.equal(true);
    const v1 = versionOf(1n, 1n, general);
    const v2 = versionOf(3n, 2n, domain, 100n);
    const forward = trainModel({ kind: "text-base", versions: verifyTrainingInputs([v1, v2]) });
    const reversed = { ...v1, contributions: [...v1.contributions].reverse() };
    const backward = trainModel({ kind: "text-base", versions: verifyTrainingInputs([v2, reversed]) });
    expect(forward.hash).to.equal(backward.hash);
    expect(base(4).hash).to.not.equal(a.hash); // the options are part of the artifact
  });

  it("are hashed with keccak256 and stored content-addressed; the loaded copy generates the same text", async function () {
    const root = tempDir("poa-artifact-");
    try {
      const trained = base();
      expect(trained.hash).to.equal(keccakHex(trained.bytes));
      const store = new ContentStore(root);
      const stored = await store.put(trained.bytes);
      expect(stored.contentHash).to.equal(trained.hash);
      const bytes = await store.get(stored.cid, { contentHash: trained.hash, label: "the base model" });
      const loaded = loadModel(bytes) as TextBaseModel;
      expect(loaded.artifactHash).to.equal(trained.hash);
      const options = { seed: 4, maxTokens: 12, topP: 0.9 };
      expect(loaded.generate("a small", options)).to.deep.equal(
        (trained.model as TextBaseModel).generate("a small", options),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("carry a manifest of versions, roots, contributions, kind, base, options and code version", function () {
    const b = base();
    const v = versionOf(7n, 2n, domain, 30n);
    const adapter = trainModel({
      kind: "text-adapter",
      versions: verifyTrainingInputs([v]),
      base: b.model as TextBaseModel,
    });
    const manifest = readManifest(adapter.bytes);
    expect(manifest).to.deep.include({
      format: "poa-model",
      formatVersion: 1,
      kind: "text-adapter",
      code: FACTORY_CODE_VERSION,
    });
    expect(manifest.attribution).to.equal("spans");
    expect(manifest.base).to.deep.include({ artifactHash: b.hash, order: 3 });
    expect(manifest.options).to.deep.equal({ order: 3 });
    expect(manifest.trainedOn).to.deep.equal([
      {
        datanetId: "7",
        version: "2",
        root: v.root,
        count: "3",
        contributions: v.contributions.map((c) => ({
          id: String(c.id),
          contentHash: c.contentHash,
          contributor: c.contributor,
        })),
      },
    ]);
    const lambda = (manifest.model as { lambda: number }).lambda;
    expect((adapter.model as TextAdapterModel).lambda).to.equal(lambda);
  });

  it("an adapter loads only over the base its manifest names", function () {
    const b = base();
    const other = base(4);
    const adapter = trainModel({
      kind: "text-adapter",
      versions: verifyTrainingInputs([versionOf(2n, 1n, domain)]),
      base: b.model as TextBaseModel,
    });
    refused("ADAPTER_BASE_MISMATCH", () => loadModel(adapter.bytes));
    const error = refused("ADAPTER_BASE_MISMATCH", () =>
      loadModel(adapter.bytes, { base: other.model as TextBaseModel }),
    );
    expect(error.details.expected).to.equal(b.hash);
    const loaded = loadModel(adapter.bytes, { base: b.model as TextBaseModel }) as TextAdapterModel;
    expect(loaded.memoryBytes).to.be.lessThan((b.model as TextBaseModel).memoryBytes);
    refused("ADAPTER_BASE_MISMATCH", () =>
      trainModel({ kind: "text-adapter", versions: verifyTrainingInputs([versionOf(2n, 1n, domain)]) }),
    );
  });

  it("refuse damaged bytes: wrong magic, truncation, a section outside the file, another format version", function () {
    const { bytes } = base();
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0x51;
    refused("ARTIFACT_INVALID", () => loadModel(wrongMagic));
    refused("ARTIFACT_INVALID", () => loadModel(bytes.subarray(0, bytes.length - 64)));
    refused("ARTIFACT_INVALID", () => loadModel(bytes.subarray(0, 10)));
    const version2 = bytes.slice();
    new DataView(version2.buffer).setUint32(8, 2, true);
    refused("ARTIFACT_INVALID", () => loadModel(version2));
    // A flipped byte in a table still parses, but it is no longer the registered artifact.
    const flipped = bytes.slice();
    flipped[flipped.length - 5]! ^= 0xff;
    expect(keccakHex(flipped)).to.not.equal(keccakHex(bytes));
  });

  it("refuse to train on a text contribution that is not UTF-8, naming it", function () {
    const contributions = [new TextEncoder().encode("fine text"), Uint8Array.from([0x66, 0xff, 0xfe, 0x67])].map(
      (bytes, i) => ({ id: BigInt(i + 1), contentHash: keccakHex(bytes), contributor: CONTRIBUTORS[i]!, bytes }),
    );
    const version = { datanetId: 4n, version: 1n, root: rootOfMembers(contributions), count: 2n, contributions };
    const error = refused("TRAINING_INPUT_INVALID", () =>
      trainModel({ kind: "text-base", versions: verifyTrainingInputs([version]) }),
    );
    expect(error.message).to.contain("contribution 2 of Datanet 4 version 1");
  });

  it("refuse to train a text model on versions without any text", function () {
    refused("TRAINING_INPUT_INVALID", () =>
      trainModel({ kind: "text-base", versions: verifyTrainingInputs([versionOf(1n, 1n, [" \n\n ", "\t"])]) }),
    );
    const b = base();
    refused("TRAINING_INPUT_INVALID", () =>
      trainModel({
        kind: "text-adapter",
        versions: verifyTrainingInputs([versionOf(2n, 1n, ["  "])]),
        base: b.model as TextBaseModel,
      }),
    );
  });
});
