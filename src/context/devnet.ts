import { resolve } from "node:path";

import { deployProtocol, type DeployResult } from "../../deploy/protocol.js";
import { PoaError } from "../core/errors.js";
import { findRunningDevnet, readAddresses, type DevnetAddresses } from "../devnet/addresses.js";
import { TEST_MNEMONIC } from "../devnet/config.js";
import { deriveAccounts } from "../devnet/devnet.js";
import { devnetSigners } from "../chain/provider.js";

export const DEFAULT_DEPLOYMENT_FILE = "deployments/devnet.json";

/** The key to act with: an explicit one, else POA_PRIVATE_KEY, else devnet account 0. */
export function resolveKey(privateKey?: string): `0x${string}` {
  const key = privateKey ?? process.env.POA_PRIVATE_KEY ?? deriveAccounts(TEST_MNEMONIC, 1)[0]!.privateKey;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key))
    throw new PoaError("DEPLOYMENT_INVALID", "the private key must be 0x followed by 64 hex digits", {
      action: "Pass --private-key 0x… or set POA_PRIVATE_KEY.",
    });
  return key as `0x${string}`;
}

/** The addresses of the devnet running from `dir`, or a PoaError saying how to start one. */
export async function runningDevnet(dir: string): Promise<DevnetAddresses> {
  const running = await findRunningDevnet(dir);
  if (running !== undefined) return running;
  readAddresses(dir); // throws "no devnet addresses" with a hint when there never was one
  throw new PoaError("DEPLOYMENT_INVALID", `the devnet recorded in ${dir} is not running`, {
    action: "Start it with `npx poa devnet` in another terminal.",
  });
}

export interface DeployToDevnetOptions {
  dir: string;
  file?: string;
  privateKey?: string;
  addresses?: DevnetAddresses;
  log?: (line: string) => void;
}

/** Deploys (or completes) the protocol on the devnet; the record goes to deployments/devnet.json. */
export async function deployToDevnet(options: DeployToDevnetOptions): Promise<DeployResult & { file: string }> {
  const addresses = options.addresses ?? (await runningDevnet(options.dir));
  const file = resolve(options.file ?? DEFAULT_DEPLOYMENT_FILE);
  const result = await deployProtocol({
    network: "devnet",
    signers: devnetSigners(addresses, resolveKey(options.privateKey)),
    file,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return { ...result, file };
}
