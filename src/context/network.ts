/**
 * Which chains and which deployment a command acts on. A network is named: `devnet` is the local
 * L1 + OP Stack L2 started from a state folder (its RPC URLs and ports come from the running
 * devnet, whatever ports it was started with); any other name needs its RPC URLs. Its deployment
 * record is `deployments/<network>.json` unless another file is given, and it is checked against
 * the chains it is used with (chain ids, and genesis hashes, so a restarted devnet is caught).
 */
import { resolve } from "node:path";

import type { JsonRpcProvider, Signer } from "ethers";

import { checkDeploymentChains, deploymentFile, readDeployment, type DeploymentRecord } from "../chain/deployment.js";
import { onChain } from "../chain/errors.js";
import { addressOfKey, parsePrivateKey, type PrivateKey } from "../chain/keys.js";
import { chainProvider, chainSigners, probeChainId, type ChainEndpoints } from "../chain/provider.js";
import { PoaError } from "../core/errors.js";
import { requireRunningDevnet, type DevnetAddresses } from "../devnet/addresses.js";
import { TEST_MNEMONIC } from "../devnet/config.js";
import { deriveAccounts } from "../devnet/devnet.js";

export const DEVNET = "devnet";

export interface NetworkSelection {
  /** "devnet" (default) or the name of another network. */
  network?: string;
  /** The devnet's state folder (default .devnet). */
  devnetDir?: string;
  /** The deployment record (default deployments/<network>.json). */
  deploymentFile?: string;
  /** RPC URLs: required for networks other than the devnet, overrides for the devnet. */
  l1Rpc?: string;
  l2Rpc?: string;
  /** The key to act with; on the devnet the default is its account 0. */
  privateKey?: string;
}

export interface NetworkContext {
  name: string;
  endpoints: ChainEndpoints;
  /** The running devnet's addresses (OP Stack contracts), for the devnet. */
  devnet: DevnetAddresses | undefined;
  deploymentFile: string;
  key: PrivateKey | undefined;
  l1: JsonRpcProvider;
  l2: JsonRpcProvider;
  /** The signing account (requires a key). */
  account(): string;
  /** Nonce-managed signers for the key on L1 and L2 (requires a key). */
  signers(): { l1: Signer; l2: Signer };
  /** Signers for another key on the same chains. */
  signersFor(key: PrivateKey): { l1: Signer; l2: Signer };
  /** Stops the providers' polling. */
  close(): void;
}

/** Devnet account `index` of the test mnemonic (never for real funds). */
export function devnetKey(index = 0): PrivateKey {
  return deriveAccounts(TEST_MNEMONIC, 1, index)[0]!.privateKey;
}

export async function resolveNetwork(selection: NetworkSelection = {}): Promise<NetworkContext> {
  const name = selection.network ?? DEVNET;
  let devnet: DevnetAddresses | undefined;
  let endpoints: ChainEndpoints;
  if (name === DEVNET) {
    devnet = await requireRunningDevnet(selection.devnetDir ?? ".devnet");
    endpoints = {
      l1Rpc: selection.l1Rpc ?? devnet.l1Rpc,
      l1ChainId: devnet.l1ChainId,
      l2Rpc: selection.l2Rpc ?? devnet.l2Rpc,
      l2ChainId: devnet.l2ChainId,
    };
  } else {
    if (selection.l2Rpc === undefined)
      throw new PoaError("INVALID_VALUE", `network "${name}" needs its L2 RPC URL`, {
        details: { network: name, missing: "l2Rpc" },
        action: "Give the L2 RPC URL (and the L1's for bridging).",
      });
    const l2ChainId = await probeChainId(selection.l2Rpc);
    const l1ChainId = selection.l1Rpc === undefined ? 0 : await probeChainId(selection.l1Rpc);
    endpoints = { l1Rpc: selection.l1Rpc ?? "", l1ChainId, l2Rpc: selection.l2Rpc, l2ChainId };
  }
  const key =
    selection.privateKey !== undefined
      ? parsePrivateKey(selection.privateKey)
      : name === DEVNET
        ? devnetKey(0)
        : undefined;
  const l1 = chainProvider(endpoints.l1Rpc || endpoints.l2Rpc, endpoints.l1ChainId || endpoints.l2ChainId);
  const l2 = chainProvider(endpoints.l2Rpc, endpoints.l2ChainId, true);
  const needKey = (): PrivateKey => {
    if (key === undefined)
      throw new PoaError("INVALID_PRIVATE_KEY", `no private key given to act on network "${name}"`, {
        details: { network: name },
        action: "Give the key of the account to act with.",
      });
    return key;
  };
  let cached: { l1: Signer; l2: Signer } | undefined;
  return {
    name,
    endpoints,
    devnet,
    deploymentFile: resolve(selection.deploymentFile ?? deploymentFile(name)),
    key,
    l1,
    l2,
    account: () => addressOfKey(needKey()),
    signers: () => (cached ??= chainSigners(endpoints, needKey())),
    signersFor: (other) => chainSigners(endpoints, other),
    close() {
      l1.destroy();
      l2.destroy();
    },
  };
}

/**
 * The network's deployment record, checked against the chains: chain ids, and genesis hashes
 * (a devnet restarted since the deployment has new ones).
 */
export async function loadDeployment(context: NetworkContext): Promise<DeploymentRecord> {
  const record = readDeployment(context.deploymentFile);
  const [l2Genesis, l1Genesis] = await onChain(`read the genesis blocks of network "${context.name}"`, () =>
    Promise.all([context.l2.getBlock(0), context.endpoints.l1Rpc === "" ? undefined : context.l1.getBlock(0)]),
  );
  checkDeploymentChains(
    record,
    {
      l2ChainId: context.endpoints.l2ChainId,
      ...(context.endpoints.l1Rpc === "" ? {} : { l1ChainId: context.endpoints.l1ChainId }),
      ...(l2Genesis?.hash == null ? {} : { l2Genesis: l2Genesis.hash }),
      ...(l1Genesis?.hash == null ? {} : { l1Genesis: l1Genesis.hash }),
    },
    context.deploymentFile,
  );
  return record;
}
