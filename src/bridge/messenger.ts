/**
 * The Optimism SDK's CrossChainMessenger, wired for any OP Stack chain pair. Internal to
 * src/bridge: its ethers v5 objects never leave this folder (src/bridge/index.ts exports plain
 * values only).
 */
import optimism from "@poa/optimism-sdk";

import type { OpStackBridgeConfig } from "./types.js";

const { sdk, ethers5 } = optimism;
const ZERO = "0x0000000000000000000000000000000000000000";

export type Messenger = InstanceType<typeof sdk.CrossChainMessenger>;
export type Wallet5 = InstanceType<typeof ethers5.Wallet>;

/** Priority fee an OP Stack wallet typically pays on L2 (0.001 gwei); ethers v5 would suggest 1.5 gwei. */
const L2_PRIORITY_FEE = 1_000_000;

/**
 * An ethers v5 provider for one chain that polls fast (anvil mines instantly). On the L2
 * (`opFees`) it suggests OP-like fees: a 0.001 gwei tip over the block's base fee.
 */
function provider5(url: string, chainId: number, opFees = false) {
  const provider = new ethers5.providers.StaticJsonRpcProvider(url, chainId);
  provider.pollingInterval = 100;
  if (opFees) {
    provider.getFeeData = async () => {
      const block = await provider.getBlock("latest");
      const baseFee = block.baseFeePerGas ?? ethers5.BigNumber.from(0);
      const tip = ethers5.BigNumber.from(L2_PRIORITY_FEE);
      return {
        lastBaseFeePerGas: baseFee,
        maxFeePerGas: baseFee.mul(2).add(tip),
        maxPriorityFeePerGas: tip,
        gasPrice: baseFee.add(tip),
      };
    };
  }
  return provider;
}

/**
 * The SDK's CrossChainMessenger for a custom chain pair, acting with `privateKey`: the Bedrock L1
 * contracts, the legacy entries (AddressManager, StateCommitmentChain, CanonicalTransactionChain,
 * BondManager) zero, the standard and ETH bridge adapters.
 */
export function createMessenger(config: OpStackBridgeConfig, privateKey: string): Messenger {
  const bridge = { l1Bridge: config.L1StandardBridge, l2Bridge: config.L2StandardBridge };
  return new sdk.CrossChainMessenger({
    l1ChainId: config.l1ChainId,
    l2ChainId: config.l2ChainId,
    l1SignerOrProvider: new ethers5.Wallet(privateKey, provider5(config.l1Rpc, config.l1ChainId)),
    l2SignerOrProvider: new ethers5.Wallet(privateKey, provider5(config.l2Rpc, config.l2ChainId, true)),
    bedrock: true,
    contracts: {
      l1: {
        AddressManager: ZERO,
        StateCommitmentChain: ZERO,
        CanonicalTransactionChain: ZERO,
        BondManager: ZERO,
        L1CrossDomainMessenger: config.L1CrossDomainMessenger,
        L1StandardBridge: config.L1StandardBridge,
        OptimismPortal: config.OptimismPortal,
        L2OutputOracle: config.L2OutputOracle,
      },
    },
    bridges: {
      Standard: { Adapter: sdk.StandardBridgeAdapter, ...bridge },
      ETH: { Adapter: sdk.ETHBridgeAdapter, ...bridge },
    },
  });
}
