/**
 * Options that several commands share, declared once. A command spreads the sets it needs into
 * its own `options`.
 */
import type { NetworkSelection } from "../context/network.js";
import type { OptionDecl } from "./define.js";

export const DEVNET_DIR_OPTION = {
  dir: { type: "path", default: ".devnet", description: "the devnet's state folder (addresses, logs, process)" },
} as const satisfies Record<string, OptionDecl>;

export const NETWORK_OPTIONS = {
  network: {
    type: "string",
    default: "devnet",
    description: "devnet (the local L1 + OP Stack L2 running from --dir) or the name of deployments/<name>.json",
  },
  ...DEVNET_DIR_OPTION,
  deployment: {
    type: "path",
    placeholder: "<file>",
    description: "deployment record (default deployments/<network>.json)",
  },
  "l1-rpc": { type: "url", env: "POA_L1_RPC", description: "L1 RPC URL (default: the running devnet's)" },
  "l2-rpc": { type: "url", env: "POA_L2_RPC", description: "L2 RPC URL (default: the running devnet's)" },
  "private-key": {
    type: "key",
    env: "POA_PRIVATE_KEY",
    description: "key of the account to act with (default on the devnet: its account 0)",
  },
} as const satisfies Record<string, OptionDecl>;

/** The network selection from the shared options' values. */
export function networkSelection(args: {
  network: string;
  dir: string;
  deployment?: string | undefined;
  l1Rpc?: string | undefined;
  l2Rpc?: string | undefined;
  privateKey?: string | undefined;
}): NetworkSelection {
  return {
    network: args.network,
    devnetDir: args.dir,
    ...(args.deployment === undefined ? {} : { deploymentFile: args.deployment }),
    ...(args.l1Rpc === undefined ? {} : { l1Rpc: args.l1Rpc }),
    ...(args.l2Rpc === undefined ? {} : { l2Rpc: args.l2Rpc }),
    ...(args.privateKey === undefined ? {} : { privateKey: args.privateKey }),
  };
}
