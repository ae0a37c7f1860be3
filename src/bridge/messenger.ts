import optimism from "@poa/optimism-sdk";

import type { DevnetAddresses } from "../devnet/addresses.js";

const { sdk, ethers5 } = optimism;
const ZERO = "0x0000000000000000000000000000000000000000";

export type Messenger = InstanceType<typeof sdk.CrossChainMessenger>;
export type Wallet5 = InstanceType<typeof ethers5.Wallet>;

/** Priority fee an OP Stack wallet typically pays on L2 (0.001 gwei); ethers v5 would suggest 1.5 gwei. */
const L2_PRIORITY_FEE = 1_000_000;

/**
 * An ethers v5 provider for one devnet chain that polls fast (anvil mines instantly). On the L2
 * (`opFees`) it suggests OP-like fees: a 0.001 gwei tip over the block's base fee.
 */
export function provider5(url: string, chainId: number, opFees = false) {
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

export interface MessengerSigners {
  l1: Wallet5;
  l2: Wallet5;
}

/** Wallets (ethers v5, as the SDK needs) for one private key on both chains. */
export function signers(addresses: DevnetAddresses, privateKey: string): MessengerSigners {
  return {
    l1: new ethers5.Wallet(privateKey, provider5(addresses.l1Rpc, addresses.l1ChainId)),
    l2: new ethers5.Wallet(privateKey, provider5(addresses.l2Rpc, addresses.l2ChainId, true)),
  };
}

/**
 * The Optimism SDK's CrossChainMessenger configured for a custom (devnet) chain: the Bedrock L1
 * contracts from addresses.json, the legacy entries (AddressManager, StateCommitmentChain,
 * CanonicalTransactionChain, BondManager) zero, the standard and ETH bridge adapters.
 */
export function createMessenger(addresses: DevnetAddresses, wallets: MessengerSigners): Messenger {
  const bridge = { l1Bridge: addresses.L1StandardBridge, l2Bridge: addresses.L2StandardBridge };
  return new sdk.CrossChainMessenger({
    l1ChainId: addresses.l1ChainId,
    l2ChainId: addresses.l2ChainId,
    l1SignerOrProvider: wallets.l1,
    l2SignerOrProvider: wallets.l2,
    bedrock: true,
    contracts: {
      l1: {
        AddressManager: ZERO,
        StateCommitmentChain: ZERO,
        CanonicalTransactionChain: ZERO,
        BondManager: ZERO,
        L1CrossDomainMessenger: addresses.L1CrossDomainMessenger,
        L1StandardBridge: addresses.L1StandardBridge,
        OptimismPortal: addresses.OptimismPortal,
        L2OutputOracle: addresses.L2OutputOracle,
      },
    },
    bridges: {
      Standard: { Adapter: sdk.StandardBridgeAdapter, ...bridge },
      ETH: { Adapter: sdk.ETHBridgeAdapter, ...bridge },
    },
  });
}
