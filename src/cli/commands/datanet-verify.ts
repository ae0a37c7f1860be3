import { PoaError } from "../../core/errors.js";
import { defineCommand } from "../define.js";
import { EXIT } from "../hints.js";
import { NETWORK_OPTIONS, networkSelection } from "../options.js";

/** Re-raises anything that stopped the check as "could not check" (exit 3), keeping usage errors. */
function couldNotCheck(error: unknown): never {
  if (error instanceof PoaError && error.kind !== "failure") throw error;
  const message = error instanceof Error ? error.message : String(error);
  throw new PoaError("CANNOT_CHECK", `could not check: ${message}`, {
    cause: error,
    ...(error instanceof PoaError
      ? { details: error.details, ...(error.action === undefined ? {} : { action: error.action }) }
      : {}),
  });
}

/**
 * Recomputes every published version of a Datanet from chain events alone and compares it with
 * the posted root.
 */
export const datanetVerify = defineCommand({
  name: "datanet verify",
  summary: "Recompute every version root of a Datanet from chain events and compare",
  description: `Reads the Datanet's ContributionSubmitted, ContributionAccepted, ContributionRevoked and
VersionPublished events, rebuilds each version's accepted, non-revoked set as it stood when the
version was published, recomputes its Merkle root (OpenZeppelin StandardMerkleTree over
(contributionId, contentHash)) and compares it with the posted root and count.

The registry is the network's DatanetRegistry (from its deployment record) unless --registry
names one; the chain is the network's L2 unless --l2-rpc names one.`,
  options: {
    datanet: { type: "integer", min: 1, required: true, description: "the Datanet id (1, 2, ...)" },
    registry: { type: "address", description: "the DatanetRegistry (default: the deployment record's)" },
    ...NETWORK_OPTIONS,
    "from-block": {
      type: "integer",
      min: 0,
      default: 0,
      description: "first block to read (not after the Datanet's creation)",
    },
    "chunk-size": {
      type: "integer",
      min: 1,
      default: 50_000,
      description: "blocks per log query (lower it if the node refuses)",
    },
  },
  exitCodes: [
    "   for this command: 0 every published version is right (or none is published yet);",
    "   1 a posted root or count is wrong; 3 the node is unreachable, --registry is not a",
    "   DatanetRegistry, the Datanet is unknown, or the logs read miss versions the registry records",
  ],
  examples: [
    "npx poa datanet verify --datanet 1",
    "npx poa datanet verify --datanet 1 --l2-rpc http://127.0.0.1:9545 --registry 0x5FbDB2315678afecb367f032d93F642f64180aa3",
  ],
  async run(args) {
    const { DatanetRegistry__factory } = await import("../../../types/ethers-contracts/index.js");
    const { formatVersionReports, verifyDatanetOnChain } = await import("../../datanet/index.js");
    const { chainProvider, probeChainId } = await import("../../chain/provider.js");
    const { onChain } = await import("../../chain/errors.js");
    const { contractAddress } = await import("../../chain/deployment.js");
    let rpc = args.l2Rpc;
    let registryAddress = args.registry;
    if (rpc === undefined || registryAddress === undefined) {
      const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
      const context = await resolveNetwork(networkSelection(args));
      context.close();
      rpc ??= context.endpoints.l2Rpc;
      if (registryAddress === undefined)
        registryAddress = contractAddress(await loadDeployment(context), "DatanetRegistry", context.deploymentFile);
    }
    let reports;
    try {
      const chainId = await probeChainId(rpc);
      const provider = chainProvider(rpc, chainId);
      try {
        if ((await onChain("read the registry's code", () => provider.getCode(registryAddress))) === "0x")
          throw new PoaError("CONTRACT_NOT_FOUND", `no contract at ${registryAddress} on ${rpc}`, {
            details: { address: registryAddress, rpc },
            action: "Check the registry address and the chain.",
          });
        const registry = DatanetRegistry__factory.connect(registryAddress, provider);
        try {
          await registry.datanetCount();
        } catch (error) {
          throw new PoaError(
            "CONTRACT_NOT_FOUND",
            `${registryAddress} is not a DatanetRegistry (it does not answer datanetCount())`,
            {
              details: { address: registryAddress },
              cause: error,
              action: "Give the DatanetRegistry's address (from deployments/<network>.json), not another contract's.",
            },
          );
        }
        reports = await verifyDatanetOnChain(registry, BigInt(args.datanet), {
          fromBlock: args.fromBlock,
          chunkSize: args.chunkSize,
        });
      } finally {
        provider.destroy();
      }
    } catch (error) {
      couldNotCheck(error);
    }
    for (const line of formatVersionReports(BigInt(args.datanet), reports)) console.log(line);
    return reports.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
  },
});
