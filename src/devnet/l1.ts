import { encodeDeployData, encodeFunctionData, getContractAddress, pad, type Hex } from "viem";

import { bedrockArtifact, type BedrockContract } from "./artifacts.js";
import type { Sender } from "./rpc.js";

/** The L1 side of the OP Stack, every contract behind its own `Proxy`. */
export interface L1Contracts {
  SuperchainConfig: Hex;
  L2OutputOracle: Hex;
  SystemConfig: Hex;
  OptimismPortal: Hex;
  L1CrossDomainMessenger: Hex;
  L1StandardBridge: Hex;
}

export interface L1Options {
  /** Proxy admin, SystemConfig owner, guardian and challenger. */
  admin: Hex;
  proposer: Hex;
  l2ChainId: number;
  baseFeeScalar: number;
  blobBaseFeeScalar: number;
}

const PROXIED = [
  "SuperchainConfig",
  "L2OutputOracle",
  "SystemConfig",
  "OptimismPortal",
  "L1CrossDomainMessenger",
  "L1StandardBridge",
] as const satisfies readonly (keyof L1Contracts & BedrockContract)[];

/** L2 gas limit and resource metering: maxResourceLimit + systemTxMaxGas <= gasLimit. */
export const L2_GAS_LIMIT = 30_000_000n;
export const RESOURCE_CONFIG = {
  maxResourceLimit: 20_000_000,
  elasticityMultiplier: 10,
  baseFeeMaxChangeDenominator: 8,
  minimumBaseFee: 1_000_000_000,
  systemTxMaxGas: 1_000_000,
  maximumBaseFee: 2n ** 128n - 1n,
} as const;

/**
 * Deploys the OP Stack L1 contracts: all six proxies first (so every initializer gets final
 * addresses), then the implementations, then `upgradeToAndCall(impl, initialize(...))` on each
 * proxy. Implementations lock themselves in their constructors, so only proxies are usable.
 * Every transaction is sent with a precomputed nonce and the receipts checked at the end.
 */
export async function deployL1Contracts(sender: Sender, options: L1Options): Promise<L1Contracts> {
  const proxy = bedrockArtifact("Proxy");
  const start = BigInt(await sender.nextNonce());
  const at = (offset: number) => getContractAddress({ from: sender.address, nonce: start + BigInt(offset) });

  const proxies = Object.fromEntries(PROXIED.map((name, i) => [name, at(i)])) as unknown as L1Contracts;
  const impls = Object.fromEntries(PROXIED.map((name, i) => [name, at(PROXIED.length + i)])) as unknown as L1Contracts;

  for (const name of PROXIED)
    await sender.send(`Proxy for ${name}`, {
      data: encodeDeployData({ abi: proxy.abi, bytecode: proxy.bytecode, args: [options.admin] }),
      gas: 1_500_000n,
    });
  for (const name of PROXIED) await sender.send(`${name} implementation`, { data: bedrockArtifact(name).bytecode });

  const init: Record<(typeof PROXIED)[number], readonly unknown[]> = {
    SuperchainConfig: [options.admin, false],
    L2OutputOracle: [1n, 1n, 0n, 0n, options.proposer, options.admin, 0n],
    SystemConfig: [
      options.admin,
      options.baseFeeScalar,
      options.blobBaseFeeScalar,
      pad(options.admin, { size: 32 }),
      L2_GAS_LIMIT,
      options.admin,
      RESOURCE_CONFIG,
      batchInbox(options.l2ChainId),
      {
        l1CrossDomainMessenger: proxies.L1CrossDomainMessenger,
        l1ERC721Bridge: "0x0000000000000000000000000000000000000000",
        l1StandardBridge: proxies.L1StandardBridge,
        disputeGameFactory: "0x0000000000000000000000000000000000000000",
        optimismPortal: proxies.OptimismPortal,
        optimismMintableERC20Factory: "0x0000000000000000000000000000000000000000",
        gasPayingToken: "0x0000000000000000000000000000000000000000",
      },
    ],
    OptimismPortal: [proxies.L2OutputOracle, proxies.SystemConfig, proxies.SuperchainConfig],
    L1CrossDomainMessenger: [proxies.SuperchainConfig, proxies.OptimismPortal, proxies.SystemConfig],
    L1StandardBridge: [proxies.L1CrossDomainMessenger, proxies.SuperchainConfig, proxies.SystemConfig],
  };
  for (const name of PROXIED) {
    const data = encodeFunctionData({ abi: bedrockArtifact(name).abi, functionName: "initialize", args: init[name] });
    await sender.send(`initialize ${name}`, {
      to: proxies[name],
      data: encodeFunctionData({ abi: proxy.abi, functionName: "upgradeToAndCall", args: [impls[name], data] }),
      gas: 3_000_000n,
    });
  }
  await sender.settle();
  return proxies;
}

/** The conventional batch inbox address of an OP chain: 0xff00…00<chain id>. */
export function batchInbox(l2ChainId: number): Hex {
  const id = l2ChainId.toString(16).padStart(8, "0");
  return `0xff${"0".repeat(30)}${id}`;
}
