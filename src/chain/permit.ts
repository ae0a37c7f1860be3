import { Signature } from "ethers";
import type { Signer } from "ethers";

/** The views of an EIP-2612 token that a permit signature needs (OpenZeppelin ERC20Permit). */
export interface PermitToken {
  eip712Domain(): Promise<{ name: string; version: string; chainId: bigint; verifyingContract: string }>;
  nonces(owner: string): Promise<bigint>;
}

const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/**
 * Signs an EIP-2612 permit of `value` from `owner` to `spender` with the token's own EIP-712
 * domain (read from ERC-5267 `eip712Domain()`) and the owner's current nonce.
 */
export async function signPermit(
  token: PermitToken,
  owner: Signer,
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<Signature> {
  const domain = await token.eip712Domain();
  const ownerAddress = await owner.getAddress();
  const signature = await owner.signTypedData(
    {
      name: domain.name,
      version: domain.version,
      chainId: domain.chainId,
      verifyingContract: domain.verifyingContract,
    },
    PERMIT_TYPES,
    { owner: ownerAddress, spender, value, nonce: await token.nonces(ownerAddress), deadline },
  );
  return Signature.from(signature);
}
