/**
 * Datanet benchmarks: real transaction gas (receipt gasUsed, 21,000 base included) of every
 * registry operation on Hardhat's in-process OP Stack network, the cost of publishing and
 * disputing a version as the Datanet grows (it must not grow with it), and the time to
 * recompute a version root from events off-chain.
 */
import { performance } from "node:perf_hooks";

import { keccak256, toBeHex, type ContractTransactionResponse, type Signer } from "ethers";
import { network } from "hardhat";

import type { BenchSection } from "./run.js";
import { deployL2OpenToken } from "../deploy/tokens.js";
import { bridgeSigner } from "../test/support/op-network.js";
import { DEFAULT_DATANET_PARAMS, deployDatanetRegistry } from "../deploy/datanets.js";
import {
  buildVersionTree,
  contributionCommitment,
  fetchDatanetHistory,
  nextVersion,
  versionRootOf,
  type VersionMember,
} from "../src/datanet/index.js";

const OPEN = 10n ** 18n;
const h = (n: number) => keccak256(toBeHex(n, 32));

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  return receipt.gasUsed;
}

export default async function bench(): Promise<BenchSection> {
  const connection = await network.create({ network: "hardhatOp", chainType: "op" });
  const { ethers } = connection;
  const signers = await ethers.getSigners();
  const [deployer, owner, c1, c2, alice, bob] = signers as unknown as [Signer, Signer, Signer, Signer, Signer, Signer];
  const open = await deployL2OpenToken(deployer, "0x000000000000000000000000000000000000dEaD");
  const registry = await deployDatanetRegistry(deployer, {
    token: await open.getAddress(),
    treasury: await deployer.getAddress(),
    governance: await deployer.getAddress(),
  });
  const deployReceipt = await registry.deploymentTransaction()!.wait();
  const bridge = await bridgeSigner(connection);
  for (const who of [c1, c2, alice, bob]) {
    await open.connect(bridge).mint(await who.getAddress(), 1_000_000n * OPEN);
    await open.connect(who).approve(await registry.getAddress(), ethers.MaxUint256);
  }

  const rows: [string, bigint][] = [];
  const d = 1n;
  rows.push([
    "createDatanet",
    await gasOf(registry.connect(owner).createDatanet(0, "ipfs://d", DEFAULT_DATANET_PARAMS)),
  ]);
  rows.push(["appointCurator", await gasOf(registry.connect(owner).appointCurator(d, await c1.getAddress()))]);
  await registry.connect(owner).appointCurator(d, await c2.getAddress());
  rows.push(["depositCuratorBond", await gasOf(registry.connect(c1).depositCuratorBond(d, 1_000n * OPEN))]);
  await registry.connect(c2).depositCuratorBond(d, 1_000n * OPEN);

  // Every submission is a commitment, then its reveal in a later block (front-running guard).
  let next = 1;
  const salt = h(0);
  const commit = async (who: Signer, n: number) =>
    gasOf(registry.connect(who).commitContribution(contributionCommitment(h(n), await who.getAddress(), salt)));
  const reveal = (who: Signer, n: number) =>
    registry.connect(who).submit(d, h(n), "ipfs://bafy-contribution", 50_000n, 10n * OPEN, salt);
  const submit = async (who: Signer) => {
    const n = next++;
    await commit(who, n);
    return gasOf(reveal(who, n));
  };
  let n = next++;
  const commitGas = await commit(alice, n);
  rows.push(["commitContribution", commitGas]);
  const firstReveal = await gasOf(reveal(alice, n));
  rows.push(["submit: the reveal (contributor's first of the UTC day)", firstReveal]);
  n = next++;
  await commit(alice, n);
  const laterReveal = await gasOf(reveal(alice, n));
  rows.push(["submit: the reveal (later the same day)", laterReveal]);
  rows.push(["commit + reveal (later the same day), both transactions", commitGas + laterReveal]);
  const ref = await gasOf(open.connect(bob).transfer(await alice.getAddress(), 1n));
  rows.push(["vote (not deciding)", await gasOf(registry.connect(c1).vote(1n, true))]);
  rows.push(["vote reaching quorum: accept (finalize)", await gasOf(registry.connect(c2).vote(1n, true))]);
  await registry.connect(c1).vote(2n, false);
  rows.push(["vote reaching quorum: reject (finalize)", await gasOf(registry.connect(c2).vote(2n, false))]);
  rows.push(["withdraw (rejected rest)", await gasOf(registry.connect(alice).withdraw(2n))]);
  await submit(bob);
  await connection.provider.request({
    method: "evm_increaseTime",
    params: [Number(DEFAULT_DATANET_PARAMS.reviewPeriod)],
  });
  rows.push([
    "withdraw (pending, after the review deadline: full refund)",
    await gasOf(registry.connect(bob).withdraw(3n)),
  ]);
  rows.push(["sweepSlashed", await gasOf(registry.sweepSlashed())]);
  rows.push(["takeDown (accepted)", await gasOf(registry.connect(deployer).takeDown(1n, h(0)))]);
  await open.connect(bob).transfer(await registry.getAddress(), 1n);
  rows.push(["skim (OPEN sent by a plain transfer)", await gasOf(registry.skim())]);

  // Versions at growing sizes: publish cost must stay flat, dispute cost grows with log2(N).
  const sizes = [1, 10, 100];
  const versionRows: string[] = [];
  let accepted = 0; // contribution 1 was taken down above
  let version = 0;
  for (const size of sizes) {
    while (accepted < size) {
      await submit(accepted % 2 === 0 ? alice : bob); // 50 kB each: far under the 10 MB day
      const id = await registry.contributionCount();
      await registry.connect(c1).vote(id, true);
      await registry.connect(c2).vote(id, true);
      accepted++;
    }
    const started = performance.now();
    const events = await fetchDatanetHistory(registry, d);
    const v = nextVersion(events);
    const recomputeMs = performance.now() - started;
    const publishGas = await gasOf(registry.connect(owner).publishVersion(d, v.root, v.count, "ipfs://tree.json"));
    version++;
    // The dispute of a false leaf: publish a root that wrongly includes a rejected contribution.
    const members: VersionMember[] = [...v.tree.entries()].map(([, [id, hash]]) => ({
      contributionId: BigInt(id),
      contentHash: hash,
    }));
    members.pop();
    members.push({ contributionId: 2n, contentHash: h(2) });
    const wrong = buildVersionTree(members);
    await registry.connect(owner).publishVersion(d, wrong.root, v.count, "");
    version++;
    const index = [...wrong.entries()].find(([, [id]]) => BigInt(id) === 2n)![0];
    const proof = wrong.getProof(index);
    const disputeGas = await gasOf(registry.disputeVersion(d, BigInt(version), 2n, h(2), proof));
    versionRows.push(
      `| ${size} | ${publishGas.toLocaleString("en-US")} | ${proof.length} | ${disputeGas.toLocaleString("en-US")} | ${recomputeMs.toFixed(1)} ms |`,
    );
  }
  await connection.close();

  // Off-chain only: how long anyone needs to rebuild a big version's root.
  const bigRows: string[] = [];
  for (const n of [10_000, 100_000]) {
    const members = Array.from({ length: n }, (_, i) => ({ contributionId: BigInt(i + 1), contentHash: h(i + 1) }));
    const t0 = performance.now();
    const library = buildVersionTree(members).root;
    const t1 = performance.now();
    const direct = versionRootOf(members);
    const t2 = performance.now();
    if (library !== direct) throw new Error("versionRootOf disagrees with the library");
    const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    bigRows.push(
      `| ${n.toLocaleString("en-US")} | ${secs(t1 - t0)} | ${secs(t2 - t1)} | ${((t1 - t0) / (t2 - t1)).toFixed(1)}x |`,
    );
  }

  const markdown = `
Real transaction gas (receipt \`gasUsed\`, including the 21,000 base) on Hardhat's in-process
OP Stack network, OPEN = the bridged \`L2OpenToken\` (ERC20Votes + permit). Reference measured in
the same run: an OPEN \`transfer\` between two holders costs ${ref.toLocaleString("en-US")} gas.
DatanetRegistry deployment: ${deployReceipt!.gasUsed.toLocaleString("en-US")} gas. A submission is two
transactions since the front-running guard: a commitment, then its reveal (\`submit\`) a block later.

| operation | gas |
|---|---|
${rows.map(([label, g]) => `| ${label} | ${g.toLocaleString("en-US")} |`).join("\n")}

Versions as the Datanet grows (N accepted contributions). Publishing posts a constant-size
record (root, count), so its cost does not depend on N; a dispute costs one Merkle proof of
log2(N) levels; the recompute column is fetching the events and rebuilding the root in TypeScript.

| N | publishVersion gas | proof length | disputeVersion gas | recompute from events |
|---|---|---|---|---|
${versionRows.join("\n")}

Rebuilding a version root off-chain, one core: the OpenZeppelin library's tree object
(\`buildVersionTree\`, what the owner publishes for proofs) against the root alone
(\`versionRootOf\`, same root, what a verifier needs), side by side in this run:

| members | StandardMerkleTree.of | versionRootOf | ratio |
|---|---|---|---|
${bigRows.join("\n")}
`;
  return { title: "Datanets", markdown };
}
