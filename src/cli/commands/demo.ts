import type { Command } from "../command.js";

/**
 * The main job. Today it deploys the protocol to Hardhat's in-process OP Stack network and
 * prints what it deployed; it grows into the full L1 + L2 end-to-end demo as the devnet lands.
 */
export const demo: Command = {
  name: "demo",
  summary: "Deploy the protocol to an in-process OP Stack network and print what was deployed",
  help: `Usage: poa demo

Deploys OPEN (L1 token) and bridged OPEN (L2 token) to Hardhat's in-process OP Stack network
(chainType "op") and prints the addresses and the gas each deployment used.

Example:
  npx poa demo`,
  options: {},
  async run() {
    const { default: hre } = await import("hardhat");
    const { deployL2OpenToken, deployOpenToken } = await import("../../../deploy/tokens.js");
    const connection = await hre.network.create({ network: "hardhatOp", chainType: "op" });
    try {
      const [deployer] = await connection.ethers.getSigners();
      if (deployer === undefined) throw new Error("the in-process network has no accounts");
      const chainId = (await connection.ethers.provider.getNetwork()).chainId;
      console.log(`In-process OP Stack network (chain id ${chainId}), deployer ${deployer.address}\n`);

      const l1 = await deployOpenToken(deployer, deployer.address);
      const l2 = await deployL2OpenToken(deployer, await l1.getAddress());
      const rows: [string, string, bigint][] = [];
      for (const [name, contract] of [
        ["OpenToken (L1 OPEN)", l1],
        ["L2OpenToken (bridged OPEN)", l2],
      ] as const) {
        const receipt = await contract.deploymentTransaction()?.wait();
        rows.push([name, await contract.getAddress(), receipt?.gasUsed ?? 0n]);
      }
      for (const [name, address, gas] of rows) console.log(`  ${name.padEnd(28)} ${address}  ${gas} gas`);
      const supply = await l1.totalSupply();
      console.log(`\nOPEN supply ${supply / 10n ** 18n} OPEN held by ${await deployer.getAddress()}`);
      console.log(`Bridged OPEN remote token ${await l2.remoteToken()}, bridge ${await l2.bridge()}`);
    } finally {
      await connection.close();
    }
  },
};
