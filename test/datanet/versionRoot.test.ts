import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { network } from "hardhat";
import { keccak256, toBeHex, type Signer } from "ethers";

import { deployL2OpenToken } from "../../deploy/tokens.js";
import { DEFAULT_DATANET_PARAMS, deployDatanetRegistry } from "../../deploy/datanets.js";
import type { ErrorCode } from "../../src/core/errors.js";
import { expectPoaError } from "../support/errors.js";
import { buildHashTree, bytes32ToHex, processProofFromLeaf } from "../../src/merkle/index.js";
import {
  buildVersionTree,
  commitAndSubmit,
  fetchDatanetHistory,
  findFalseInclusion,
  nextVersion,
  recomputeVersionRoot,
  replayDatanet,
  versionLeafHash,
  versionRootOf,
  verifyVersions,
  type DatanetHistoryEvent,
} from "../../src/datanet/index.js";

const h = (n: number) => keccak256(toBeHex(n, 32));
let position = 0;
const at = () => ({ blockNumber: 1 + Math.floor(position / 10), logIndex: position++ % 10 });
const submitted = (id: number, n = id): DatanetHistoryEvent => ({
  kind: "submitted",
  at: at(),
  contributionId: BigInt(id),
  contentHash: h(n),
});
const accepted = (id: number): DatanetHistoryEvent => ({ kind: "accepted", at: at(), contributionId: BigInt(id) });
const revoked = (id: number): DatanetHistoryEvent => ({ kind: "revoked", at: at(), contributionId: BigInt(id) });
const takenDown = (id: number): DatanetHistoryEvent => ({ kind: "takenDown", at: at(), contributionId: BigInt(id) });
const published = (version: number, root: string, count: number): DatanetHistoryEvent => ({
  kind: "published",
  at: at(),
  version: BigInt(version),
  root,
  count: BigInt(count),
});

/** A PoaError with `code`, whose message matches and which says what to do. */
function expectActionableError(fn: () => unknown, code: ErrorCode, message: RegExp): void {
  expect(expectPoaError(fn, code, message).action, "it says what to do")
    .to.be.a("string")
    .and.not.equal("");
}

describe("Datanet version roots (pure)", function () {
  it("builds the same root whatever the order of members or events", function () {
    const a = buildVersionTree([
      { contributionId: 1n, contentHash: h(1) },
      { contributionId: 2n, contentHash: h(2) },
      { contributionId: 3n, contentHash: h(3) },
    ]).root;
    const b = buildVersionTree([
      { contributionId: 3n, contentHash: h(3) },
      { contributionId: 1n, contentHash: h(1) },
      { contributionId: 2n, contentHash: h(2) },
    ]).root;
    expect(a).to.equal(b);

    const events = [submitted(1), submitted(2), accepted(1), accepted(2)];
    const shuffled = [events[3]!, events[1]!, events[0]!, events[2]!];
    expect(nextVersion(shuffled).root).to.equal(nextVersion(events).root);
  });

  it("computes the library's root without the library (versionRootOf), for every size 1..40 and 1000", function () {
    for (const n of [...Array.from({ length: 40 }, (_, i) => i + 1), 1000]) {
      // Ids with gaps and random-looking hashes, in a scrambled order.
      const members = Array.from({ length: n }, (_, i) => ({
        contributionId: BigInt((i * 7919) % 10007) + 1n,
        contentHash: h(i * 31 + n),
      }));
      expect(versionRootOf(members), `n = ${n}`).to.equal(buildVersionTree(members).root);
    }
    expectActionableError(() => versionRootOf([]), "STATE_CONFLICT", /nothing to publish/);
    expectActionableError(
      () => versionRootOf([{ contributionId: -1n, contentHash: h(1) }]),
      "VALUE_OUT_OF_RANGE",
      /does not fit a uint256/,
    );
    expectActionableError(
      () => versionRootOf([{ contributionId: 1n, contentHash: "0x12" }]),
      "MERKLE_INVALID",
      /not 32 bytes/,
    );
  });

  it("encodes Datanet leaves as the library does, on the shared Merkle core (leaves, proofs, roots)", function () {
    for (const n of [1, 2, 3, 17, 64]) {
      const members = Array.from({ length: n }, (_, i) => ({
        // Ids at the edges of uint256 as well as small ones; upper-case hex hashes are accepted.
        contributionId: i === 0 ? (1n << 256n) - 1n : i === 1 ? 0n : BigInt(i * 104729),
        contentHash:
          i % 2 === 0
            ? h(i + n)
            : h(i + n)
                .toUpperCase()
                .replace("0X", "0x"),
      }));
      const library = buildVersionTree(members);
      const leaves = new Uint8Array(n * 32);
      members.forEach((m, i) => {
        const leaf = versionLeafHash(m);
        expect(bytes32ToHex(leaf), `leaf ${i} of ${n}`).to.equal(
          StandardMerkleTree.of<[bigint, string]>([[m.contributionId, m.contentHash]], ["uint256", "bytes32"]).root,
        );
        leaves.set(leaf, i * 32);
      });
      const core = buildHashTree(leaves);
      expect(core.root).to.equal(library.root);
      expect(versionRootOf(members)).to.equal(library.root);
      for (let i = 0; i < n; i++) {
        expect(core.proof(i), `proof ${i} of ${n}`).to.deep.equal(library.getProof(i));
        expect(processProofFromLeaf(versionLeafHash(members[i]!), library.getProof(i))).to.equal(library.root);
      }
    }
    expectActionableError(
      () => versionLeafHash({ contributionId: 1n, contentHash: "0x" + "g".repeat(64) }),
      "MERKLE_INVALID",
      /not 32 bytes/,
    );
    expectActionableError(
      () => versionLeafHash({ contributionId: 1n << 256n, contentHash: h(1) }),
      "VALUE_OUT_OF_RANGE",
      /does not fit a uint256/,
    );
  });

  it("excludes revoked contributions from later versions only", function () {
    const v1 = buildVersionTree([
      { contributionId: 1n, contentHash: h(1) },
      { contributionId: 2n, contentHash: h(2) },
    ]).root;
    const v2 = buildVersionTree([{ contributionId: 1n, contentHash: h(1) }]).root;
    const events = [
      submitted(1),
      submitted(2),
      accepted(1),
      accepted(2),
      published(1, v1, 2),
      revoked(2),
      published(2, v2, 1),
    ];
    const replay = replayDatanet(events);
    expect(replay.versions.map((v) => v.members.map((m) => m.contributionId))).to.deep.equal([[1n, 2n], [1n]]);
    expect(verifyVersions(events).every((c) => c.ok)).to.equal(true);
    expect(recomputeVersionRoot(events, 1n)).to.equal(v1);
  });

  it("excludes taken-down contributions from versions published after the takedown, like revoked ones", function () {
    const v1 = buildVersionTree([
      { contributionId: 1n, contentHash: h(1) },
      { contributionId: 2n, contentHash: h(2) },
    ]).root;
    const v2 = buildVersionTree([{ contributionId: 2n, contentHash: h(2) }]).root;
    const events = [
      submitted(1),
      submitted(2),
      submitted(3),
      accepted(1),
      accepted(2),
      published(1, v1, 2),
      takenDown(1), // accepted, in version 1: out of version 2 on
      takenDown(3), // pending: in no version, before or after
      published(2, v2, 1),
    ];
    const replay = replayDatanet(events);
    expect(replay.versions.map((v) => v.members.map((m) => m.contributionId))).to.deep.equal([[1n, 2n], [2n]]);
    expect(replay.live.map((m) => m.contributionId)).to.deep.equal([2n]);
    expect(verifyVersions(events).every((c) => c.ok)).to.equal(true);
    // A version 2 that still held the taken-down contribution is flagged, and disputable.
    const stale = [...events.slice(0, -1), published(2, v1, 2)];
    expect(verifyVersions(stale).map((c) => c.ok)).to.deep.equal([true, false]);
    expect(findFalseInclusion(stale, 2n, buildVersionTree(replay.versions[0]!.members))?.contributionId).to.equal(1n);
    expect(nextVersion(events).count).to.equal(1n);
  });

  it("flags a posted root or count that the events do not give", function () {
    const right = buildVersionTree([{ contributionId: 1n, contentHash: h(1) }]).root;
    const checks = verifyVersions([submitted(1), accepted(1), published(1, h(99), 1), published(2, right, 2)]);
    expect(checks.map((c) => c.ok)).to.deep.equal([false, false]);
    expect(checks[0]!.expectedRoot).to.equal(right);
    expect(checks[1]!.expectedCount).to.equal(1n);
  });

  it("refuses an incomplete or inconsistent history with a hint", function () {
    expectActionableError(
      () => replayDatanet([takenDown(7)]),
      "CHAIN_DATA_INVALID",
      /contribution 7 was taken down but its submission is not/,
    );
    expectActionableError(
      () => replayDatanet([submitted(7), takenDown(7), accepted(7)]),
      "CHAIN_DATA_INVALID",
      /contribution 7 was accepted after its takedown/,
    );
    expectActionableError(
      () => replayDatanet([accepted(7)]),
      "CHAIN_DATA_INVALID",
      /contribution 7 was accepted but its submission is not/,
    );
    expectActionableError(
      () => replayDatanet([submitted(7), revoked(7)]),
      "CHAIN_DATA_INVALID",
      /contribution 7 was revoked but is not accepted/,
    );
    expectActionableError(
      () => replayDatanet([submitted(1), accepted(1), published(2, h(1), 1)]),
      "CHAIN_DATA_INVALID",
      /found version 2 where version 1/,
    );
    expectActionableError(() => nextVersion([submitted(1)]), "STATE_CONFLICT", /nothing to publish/);
    // Logs read from after the members were accepted: a version with no member is never "wrong".
    expectActionableError(
      () => verifyVersions([published(1, h(1), 1)]),
      "CHAIN_DATA_INVALID",
      /version 1 has no member in the events read/,
    );
    expectActionableError(() => recomputeVersionRoot([submitted(1)], 1n), "NOT_FOUND", /version 1 is not published/);
  });

  it("finds the leaf to dispute in a published tree, and nothing in a correct one", function () {
    const wrongTree = buildVersionTree([
      { contributionId: 1n, contentHash: h(1) },
      { contributionId: 2n, contentHash: h(2) },
    ]);
    const rightTree = buildVersionTree([{ contributionId: 1n, contentHash: h(1) }]);
    const events = [
      submitted(1),
      submitted(2),
      accepted(1),
      published(1, wrongTree.root, 1),
      published(2, rightTree.root, 1),
    ];
    const dispute = findFalseInclusion(events, 1n, wrongTree);
    expect(dispute?.contributionId).to.equal(2n);
    expect(findFalseInclusion(events, 2n, rightTree)).to.equal(undefined);
    expectActionableError(() => findFalseInclusion(events, 2n, wrongTree), "VERSION_ROOT_MISMATCH", /posted/);
  });
});

describe("Datanet version roots against the contract (random histories)", function () {
  it("recomputes every version of a random history exactly as the registry records membership", async function () {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const { ethers, provider } = connection;
    const signers = await ethers.getSigners();
    if (signers.length < 9) throw new Error("need 9 accounts");
    type Five = [Signer, Signer, Signer, Signer, Signer];
    const [deployer, owner, c1, c2, c3] = signers.slice(0, 5) as unknown as Five;
    const contributors: Signer[] = signers.slice(5);
    const open = await deployL2OpenToken(deployer, "0x000000000000000000000000000000000000dEaD");
    const registry = await deployDatanetRegistry(deployer, {
      token: await open.getAddress(),
      treasury: await deployer.getAddress(),
      governance: await deployer.getAddress(),
    });
    const bridge = "0x4200000000000000000000000000000000000010";
    await provider.request({ method: "hardhat_impersonateAccount", params: [bridge] });
    await provider.request({ method: "hardhat_setBalance", params: [bridge, "0xde0b6b3a7640000"] });
    const bridgeSigner = await ethers.getSigner(bridge);
    const everyone = [c1, c2, c3, ...contributors.slice(0, 4)];
    for (const who of everyone) {
      await open.connect(bridgeSigner).mint(await who.getAddress(), 10_000n * 10n ** 18n);
      await open.connect(who).approve(await registry.getAddress(), ethers.MaxUint256);
    }
    // Two Datanets interleaved, so the verifier must keep them apart.
    for (let d = 0; d < 2; d++) {
      await registry.connect(owner).createDatanet(d, `ipfs://${d}`, { ...DEFAULT_DATANET_PARAMS, quorum: 1n });
      for (const c of [c1, c2, c3]) {
        await registry.connect(owner).appointCurator(BigInt(d + 1), await c.getAddress());
        await registry.connect(c).depositCuratorBond(BigInt(d + 1), 1_000n * 10n ** 18n);
      }
    }

    // A deterministic pseudo-random walk (xorshift32) of 60 steps.
    let seed = 0x9e3779b9;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const pending: bigint[] = [];
    const acceptedIds: bigint[] = [];
    let content = 0;
    let takedowns = 0;
    const takenDownAccepted: bigint[] = [];
    for (let step = 0; step < 80; step++) {
      const action = rand(11);
      const datanetId = BigInt(1 + rand(2));
      if (action < 4) {
        const who = contributors[rand(4)]!;
        const submitted = await commitAndSubmit(registry.connect(who), {
          datanetId,
          contentHash: h(1000 + content++),
          uri: "ipfs://x",
          sizeBytes: 1_000n,
          stake: 10n ** 19n,
        });
        pending.push(submitted.contributionId);
      } else if (action < 7 && pending.length > 0) {
        const id = pending.splice(rand(pending.length), 1)[0]!;
        await registry.connect([c1, c2, c3][rand(3)]!).vote(id, rand(4) !== 0);
        if ((await registry.getContribution(id)).status === 2n) acceptedIds.push(id);
      } else if (action === 7 && acceptedIds.length > 0) {
        const id = acceptedIds.splice(rand(acceptedIds.length), 1)[0]!;
        await registry.connect(deployer).penalize(id, 1_000, ethers.ZeroHash);
      } else if (action === 8 && (acceptedIds.length > 0 || pending.length > 0)) {
        // A takedown (the deployer holds TAKEDOWN_ROLE as governance): mostly of accepted data,
        // sometimes of data still under review.
        const list = acceptedIds.length > 0 && rand(4) !== 0 ? acceptedIds : pending.length > 0 ? pending : acceptedIds;
        const id = list.splice(rand(list.length), 1)[0]!;
        if (list === acceptedIds) takenDownAccepted.push(id);
        await registry.connect(deployer).takeDown(id, ethers.ZeroHash);
        takedowns++;
      } else {
        const live = (await registry.getDatanet(datanetId)).liveAcceptedCount;
        if (live === 0n) continue;
        const next = nextVersion(await fetchDatanetHistory(registry, datanetId));
        expect(next.count).to.equal(live);
        await registry.connect(owner).publishVersion(datanetId, next.root, next.count, "");
      }
    }

    let versionsChecked = 0;
    for (const datanetId of [1n, 2n]) {
      const events = await fetchDatanetHistory(registry, datanetId);
      const checks = verifyVersions(events);
      expect(checks.every((c) => c.ok)).to.equal(true);
      expect(BigInt(checks.length)).to.equal((await registry.getDatanet(datanetId)).versionCount);
      // Membership as replayed from events equals the registry's own record, id by id.
      for (const version of replayDatanet(events).versions) {
        const members = new Set(version.members.map((m) => m.contributionId));
        for (let id = 1n; id <= (await registry.contributionCount()); id++) {
          const c = await registry.getContribution(id);
          if (c.datanetId !== datanetId) continue;
          expect(await registry.isInVersion(id, version.version), `id ${id} v${version.version}`).to.equal(
            members.has(id),
          );
        }
        expect(await registry.versionRoot(datanetId, version.version)).to.equal(version.postedRoot);
        versionsChecked++;
      }
    }
    expect(versionsChecked, "the walk published versions").to.be.greaterThan(3);
    expect(takedowns, "the walk took data down").to.be.greaterThan(1);
    // Some accepted contribution was in a version before its takedown and left the next one.
    let leftAVersion = 0;
    for (const id of takenDownAccepted) {
      const c = await registry.getContribution(id);
      const published = (await registry.getDatanet(c.datanetId)).versionCount;
      if (c.firstVersion > 0n && c.firstVersion < c.revokedFromVersion && c.revokedFromVersion <= published) {
        expect(await registry.isInVersion(id, c.revokedFromVersion - 1n)).to.equal(true);
        expect(await registry.isInVersion(id, c.revokedFromVersion)).to.equal(false);
        leftAVersion++;
      }
    }
    expect(leftAVersion, "a taken-down member left a later version").to.be.greaterThan(0);
    // Reading the logs in small block ranges (as public RPCs require) gives the same history.
    const whole = await fetchDatanetHistory(registry, 1n);
    const chunked = await fetchDatanetHistory(registry, 1n, { chunkSize: 7 });
    expect(chunked.length).to.equal(whole.length);
    expect(verifyVersions(chunked)).to.deep.equal(verifyVersions(whole));
    await connection.close();
  });
});
