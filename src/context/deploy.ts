import { deployProtocol, type DeployResult } from "../../deploy/protocol.js";
import { prepareOutputFile } from "../core/fs.js";
import type { NetworkContext } from "./network.js";

export interface DeployToNetworkOptions {
  /** The record to write (default: the network's). */
  file?: string;
  log?: (line: string) => void;
}

/**
 * Deploys (or completes) the protocol on the network's chains with its key. The record's path is
 * checked before anything is sent, so an unwritable record cannot strand a deployment.
 */
export async function deployToNetwork(
  context: NetworkContext,
  options: DeployToNetworkOptions = {},
): Promise<DeployResult & { file: string }> {
  const file = options.file ?? context.deploymentFile;
  prepareOutputFile(file, "the deployment record");
  const result = await deployProtocol({
    network: context.name,
    signers: context.signers(),
    file,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return { ...result, file };
}
