import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";

import { keccakHex } from "../../src/core/hash.js";
import { rootOfMembers, verifyTrainingInputs, type FetchedVersion } from "../../src/factory/index.js";
import { refused, versionOf } from "./fixtures.js";

const texts = ["the first contribution", "a second one", "and a third, different text"];

describe("training input verification", function () {
  it("rebuilds the root exactly as OpenZeppelin's StandardMerkleTree does", function () {
    const v = versionOf(3n, 1n, texts, 40n);
    const tree = StandardMerkleTree.of(
      v.contributions.map((c) => [c.id, c.contentHash]),
      ["uint256", "bytes32"],
    );
    expect(rootOfMembers(v.contributions)).to.equal(tree.root);
    expect(v.root).to.equal(tree.root);
  });

  it("accepts consistent versions and returns them in canonical order", function () {
    const a = versionOf(2n, 1n, texts);
    const b = versionOf(1n, 4n, ["one more"], 10n);
    const shuffled: FetchedVersion = { ...a, contributions: [...a.contributions].reverse() };
    const verified = verifyTrainingInputs([shuffled, b]);
    expect(verified.map((v) => `${v.datanetId}/${v.version}`)).to.deep.equal(["1/4", "2/1"]);
    expect(verified[1]!.contributions.map((c) => c.id)).to.deep.equal([1n, 2n, 3n]);
  });

  it("refuses bytes that do not match the on-chain content hash, naming the contribution", function () {
    const v = versionOf(5n, 2n, texts);
    const tampered: FetchedVersion = {
      ...v,
      contributions: v.contributions.map((c) =>
        c.id === 2n ? { ...c, bytes: new TextEncoder().encode("a second 0ne") } : c,
      ),
    };
    const error = refused("CONTENT_HASH_MISMATCH", () => verifyTrainingInputs([tampered]));
    expect(error.message).to.contain("Datanet 5 version 2").and.to.contain("contribution 2");
    expect(error.details.contributionId).to.equal("2");
  });

  it("refuses a set whose leaves do not rebuild the root (a member swapped, missing or extra)", function () {
    const v = versionOf(1n, 1n, texts);
    const other = versionOf(1n, 1n, ["the first contribution", "a second one", "an unpublished text"]);
    // Bytes and hashes consistent with each other, but not the published set.
    const swapped: FetchedVersion = { ...v, contributions: other.contributions };
    expect(refused("VERSION_ROOT_MISMATCH", () => verifyTrainingInputs([swapped])).message).to.contain(
      "Datanet 1 version 1",
    );
    const missing: FetchedVersion = { ...v, count: 2n, contributions: v.contributions.slice(0, 2) };
    refused("VERSION_ROOT_MISMATCH", () => verifyTrainingInputs([missing]));
    const wrongRoot: FetchedVersion = { ...v, root: keccakHex(new Uint8Array([1])) };
    refused("VERSION_ROOT_MISMATCH", () => verifyTrainingInputs([wrongRoot]));
  });

  it("refuses a count that differs from the on-chain count", function () {
    const v = versionOf(1n, 1n, texts);
    const error = refused("TRAINING_INPUT_INVALID", () => verifyTrainingInputs([{ ...v, count: 4n }]));
    expect(error.details.expected).to.equal("4");
  });

  it("refuses an empty version, a revoked one, and no version at all", function () {
    const v = versionOf(1n, 1n, texts);
    expect(
      refused("TRAINING_INPUT_INVALID", () => verifyTrainingInputs([{ ...v, count: 0n, contributions: [] }])).message,
    ).to.contain("empty");
    refused("VERSION_REVOKED", () => verifyTrainingInputs([{ ...v, revoked: true }]));
    refused("TRAINING_INPUT_INVALID", () => verifyTrainingInputs([]));
  });

  it("refuses duplicates: a version twice, a contribution twice, one content hash twice", function () {
    const v = versionOf(1n, 1n, texts);
    expect(refused("TRAINING_INPUT_INVALID", () => verifyTrainingInputs([v, v])).message).to.contain("twice");
    const twice: FetchedVersion = { ...v, contributions: [...v.contributions, v.contributions[0]!] };
    expect(refused("TRAINING_INPUT_INVALID", () => verifyTrainingInputs([twice])).message).to.contain("contribution 1");
    const copy = versionOf(1n, 1n, ["same bytes", "same bytes"]);
    const error = refused("TRAINING_INPUT_INVALID", () => verifyTrainingInputs([copy]));
    expect(error.message).to.contain("contributions 1 and 2");
  });

  it("refuses a contributor that is not an address and an id that is not a uint256", function () {
    const v = versionOf(1n, 1n, texts);
    const bad: FetchedVersion = {
      ...v,
      contributions: v.contributions.map((c) => (c.id === 3n ? { ...c, contributor: "0x1234" } : c)),
    };
    expect(refused("INVALID_ADDRESS", () => verifyTrainingInputs([bad])).message).to.contain("contribution 3");
    const negative: FetchedVersion = {
      ...v,
      contributions: v.contributions.map((c) => (c.id === 1n ? { ...c, id: -1n } : c)),
    };
    refused("TRAINING_INPUT_INVALID", () => verifyTrainingInputs([negative]));
  });
});
