/**
 * Gas of real transactions (receipt.gasUsed, including the 21,000 base) for OPEN on L1 and on
 * the L2, on Hardhat's in-process OP Stack network.
 */
import { network } from "hardhat";

import { deployL2OpenToken, deployOpenToken } from "../deploy/tokens.js";
import { signPermit } from "../src/chain/permit.js";
import { bridgeSigner } from "../test/support/op-network.js";
import type { BenchSection } from "./run.js";

export default async function tokensBench(): Promise<BenchSection> {
  const connection = await network.create({ network: "hardhatOp", chainType: "op" });
  const { ethers } = connection;
  const [deployer, alice, bob, carol, dave] = await ethers.getSigners();
  if (!deployer || !alice || !bob || !carol || !dave) throw new Error("need 5 accounts");

  const gas = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) =>
    (await (await tx).wait())!.gasUsed;

  const l1 = await deployOpenToken(deployer, deployer.address);
  const l2 = await deployL2OpenToken(deployer, await l1.getAddress());
  const bridge = await bridgeSigner(connection);

  const rows: [string, bigint][] = [];
  rows.push(["L1 transfer, new recipient", await gas(l1.transfer(alice.address, 1000n))]);
  rows.push(["L1 transfer, recipient holds OPEN", await gas(l1.transfer(alice.address, 1000n))]);
  rows.push(["L2 bridge mint (deposit finalization)", await gas(l2.connect(bridge).mint(alice.address, 10n ** 21n))]);
  await l2.connect(bridge).mint(bob.address, 10n ** 21n);
  rows.push(["L2 transfer, undelegated, new recipient", await gas(l2.connect(alice).transfer(carol.address, 1000n))]);
  rows.push(["L2 delegate (self, first time)", await gas(l2.connect(alice).delegate(alice.address))]);
  await l2.connect(bob).delegate(bob.address);
  rows.push(["L2 transfer between delegated accounts", await gas(l2.connect(alice).transfer(bob.address, 1000n))]);

  // A fixed deadline (2100-01-01) keeps the signature, hence its calldata cost, the same every run.
  const deadline = 4_102_444_800n;
  const sig = await signPermit(l2, alice, dave.address, 5n, deadline);
  rows.push([
    "L2 permit (relayed by a third party)",
    await gas(l2.connect(dave).permit(alice.address, dave.address, 5n, deadline, sig.v, sig.r, sig.s)),
  ]);
  await connection.close();

  const table = rows.map(([name, g]) => `| ${name} | ${g.toLocaleString("en-US")} |`).join("\n");
  return {
    title: "OPEN token gas (real transactions)",
    markdown: `Receipt \`gasUsed\` (execution plus the 21,000 base) on Hardhat's in-process OP Stack network.
Anchors from shared/notes/anchors.md (OpenZeppelin 5): transfer 34.5k (recipient holds) / 51.6k
(new recipient); ERC20Votes transfer between delegated accounts 104.7k; \`delegate()\` 95.7k.

| operation | gas |
|---|---|
${table}`,
  };
}
