import { PoaError, UsageError } from "../../errors.js";
import type { Command } from "../command.js";

function required(value: unknown, flag: string): string {
  if (typeof value !== "string" || value === "") {
    throw new UsageError(`missing --${flag}`, "Run `npx poa datanet verify --help`.");
  }
  return value;
}

function parseNonNegative(value: string, flag: string): bigint {
  if (!/^\d+$/.test(value)) {
    throw new UsageError(
      `--${flag} must be a non-negative integer, got "${value}"`,
      "Run `npx poa datanet verify --help`.",
    );
  }
  return BigInt(value);
}

/**
 * Recomputes every published version of a Datanet from chain events alone and compares it with
 * the posted root. Exit code 0 when every version is right, 1 when one is wrong.
 */
export const datanetVerify: Command = {
  name: "datanet verify",
  summary: "Recompute every version root of a Datanet from chain events and compare",
  help: `Usage: poa datanet verify --registry <address> --datanet <id> [--rpc <url>] [--from-block <n>] [--chunk-size <n>]

Reads the Datanet's ContributionSubmitted, ContributionAccepted, ContributionRevoked and
VersionPublished events, rebuilds each version's accepted, non-revoked set as it stood when the
version was published, recomputes its Merkle root (OpenZeppelin StandardMerkleTree over
(contributionId, contentHash)) and compares it with the posted root and count.
Exits 0 when every version is right, 1 when any is wrong.

Options:
  --registry <address>  the DatanetRegistry
  --datanet <id>        the Datanet id (1, 2, ...)
  --rpc <url>           JSON-RPC endpoint of the L2 (default http://127.0.0.1:8545)
  --from-block <n>      first block to read (default 0; must not be after the Datanet's creation)
  --chunk-size <n>      blocks per log query (default 50000; lower it if the node refuses)

Example:
  npx poa datanet verify --registry 0x5FbDB2315678afecb367f032d93F642f64180aa3 --datanet 1`,
  options: {
    registry: { type: "string" },
    datanet: { type: "string" },
    rpc: { type: "string", default: "http://127.0.0.1:8545" },
    "from-block": { type: "string", default: "0" },
    "chunk-size": { type: "string", default: "50000" },
  },
  async run({ values }) {
    const { JsonRpcProvider, isAddress } = await import("ethers");
    const registryAddress = required(values.registry, "registry");
    if (!isAddress(registryAddress)) {
      throw new UsageError(
        `--registry "${registryAddress}" is not an address`,
        "Pass the 0x… address of the DatanetRegistry.",
      );
    }
    const datanetId = parseNonNegative(required(values.datanet, "datanet"), "datanet");
    const fromBlock = Number(parseNonNegative(required(values["from-block"], "from-block"), "from-block"));
    const chunkSize = Number(parseNonNegative(required(values["chunk-size"], "chunk-size"), "chunk-size"));
    if (chunkSize === 0)
      throw new UsageError("--chunk-size must be at least 1", "Run `npx poa datanet verify --help`.");
    const rpc = required(values.rpc, "rpc");

    const { DatanetRegistry__factory } = await import("../../../types/ethers-contracts/index.js");
    const { formatVersionReports, verifyDatanetOnChain } = await import("../../datanet/index.js");
    const provider = new JsonRpcProvider(rpc, undefined, { staticNetwork: true });
    try {
      try {
        await provider.getBlockNumber();
      } catch {
        throw new PoaError(
          `cannot reach a JSON-RPC node at ${rpc}`,
          "Start the L2 (npx poa devnet) or pass --rpc <url>.",
        );
      }
      if ((await provider.getCode(registryAddress)) === "0x") {
        throw new PoaError(`no contract at ${registryAddress} on ${rpc}`, "Check --registry and --rpc (right chain?).");
      }
      const registry = DatanetRegistry__factory.connect(registryAddress, provider);
      const reports = await verifyDatanetOnChain(registry, datanetId, { fromBlock, chunkSize });
      for (const line of formatVersionReports(datanetId, reports)) console.log(line);
      return reports.every((r) => r.ok) ? 0 : 1;
    } finally {
      provider.destroy();
    }
  },
};
