import type { Signer } from "ethers";

import { L2OpenToken__factory, OpenToken__factory } from "../types/ethers-contracts/index.js";
import type { L2OpenToken, OpenToken } from "../types/ethers-contracts/index.js";

/** Deploys OPEN on L1, minting the whole supply to `recipient`. */
export async function deployOpenToken(deployer: Signer, recipient: string): Promise<OpenToken> {
  const token = await new OpenToken__factory(deployer).deploy(recipient);
  await token.waitForDeployment();
  return token;
}

/** Deploys bridged OPEN on an OP Stack L2, representing `l1Token`. */
export async function deployL2OpenToken(deployer: Signer, l1Token: string): Promise<L2OpenToken> {
  const token = await new L2OpenToken__factory(deployer).deploy(l1Token);
  await token.waitForDeployment();
  return token;
}
