/**
 * Helpers for Hardhat's in-process OP Stack network (`chainType: "op"`), shared by the tests and
 * the benchmarks: the L2 standard bridge as a signer (to mint bridged OPEN as a deposit would),
 * and the L1Block fee parameters that make receipts carry a real L1 data fee.
 */
import { toBeHex } from "ethers";

/** The L2 standard bridge predeploy: the only minter of bridged OPEN. */
export const L2_STANDARD_BRIDGE = "0x4200000000000000000000000000000000000010";

/** The L1Block predeploy, whose storage holds the L1 fee parameters. */
export const L1_BLOCK = "0x4200000000000000000000000000000000000015";

/** OP Mainnet's Ecotone fee scalars with stated (not live) L1 prices: 10 gwei base, 1 gwei blob. */
export const OP_MAINNET_L1_FEES = {
  baseFeeScalar: 5227n,
  blobBaseFeeScalar: 1_014_213n,
  l1BaseFee: 10n * 10n ** 9n,
  blobBaseFee: 10n ** 9n,
} as const;

interface Connection<S> {
  provider: { request(args: { method: string; params?: unknown[] }): Promise<unknown> };
  ethers: { getSigner(address: string): Promise<S> };
}

/** Impersonates the L2 standard bridge, funds it with 1 ETH for gas, and returns it as a signer. */
export async function bridgeSigner<S>(connection: Connection<S>): Promise<S> {
  await connection.provider.request({ method: "hardhat_impersonateAccount", params: [L2_STANDARD_BRIDGE] });
  await connection.provider.request({
    method: "hardhat_setBalance",
    params: [L2_STANDARD_BRIDGE, "0xde0b6b3a7640000"],
  });
  return connection.ethers.getSigner(L2_STANDARD_BRIDGE);
}

/**
 * Writes the L1 fee parameters into L1Block storage (slot 1 L1 base fee, slot 3
 * `baseFeeScalar << 96 | blobBaseFeeScalar << 64`, slot 7 blob base fee), so that the simulator
 * charges, and receipts report, the Fjord L1 data fee.
 */
export async function setL1Fees<S>(connection: Connection<S>, fees = OP_MAINNET_L1_FEES): Promise<void> {
  const set = (slot: bigint, value: bigint) =>
    connection.provider.request({
      method: "hardhat_setStorageAt",
      params: [L1_BLOCK, toBeHex(slot, 32), toBeHex(value, 32)],
    });
  await set(1n, fees.l1BaseFee);
  await set(3n, (fees.baseFeeScalar << 96n) | (fees.blobBaseFeeScalar << 64n));
  await set(7n, fees.blobBaseFee);
}
