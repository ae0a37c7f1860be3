import { PoaError, UsageError } from "../../core/errors.js";
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

/** Exit code when the check could not be made (node unreachable, no registry, logs missing). */
const COULD_NOT_CHECK = 3;

/** Re-throws `error` as a PoaError with exit code 3: the verdict is "could not check". */
function couldNotCheck(error: unknown): never {
  if (error instanceof UsageError) throw error;
  if (error instanceof PoaError) throw new PoaError(error.message, error.hint, COULD_NOT_CHECK);
  throw new PoaError(
    `could not read the registry: ${(error as Error).message}`,
    "Check --rpc and --registry; if the node refuses large log queries, lower --chunk-size.",
    COULD_NOT_CHECK,
  );
}

/**
 * Asks the node for its chain id with one plain JSON-RPC request. ethers' provider would retry
 * network detection forever in the background and print "JsonRpcProvider failed to detect
 * network" on an unreachable URL; one probe, then a provider with a static network, prints
 * nothing of its own.
 */
async function probeChainId(rpc: string): Promise<bigint> {
  const unreachable = (why: string) =>
    new PoaError(
      `cannot reach a JSON-RPC node at ${rpc} (${why})`,
      "Start an L2 node, e.g. `npx poa devnet`, or pass --rpc <url>.",
      COULD_NOT_CHECK,
    );
  let body: unknown;
  try {
    const response = await fetch(rpc, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    body = await response.json();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw unreachable(cause ?? (error as Error).message);
  }
  const result = (body as { result?: unknown } | null)?.result;
  if (typeof result !== "string" || !/^0x[0-9a-fA-F]+$/.test(result)) {
    throw unreachable("its answer to eth_chainId is not a chain id");
  }
  return BigInt(result);
}

/**
 * Recomputes every published version of a Datanet from chain events alone and compares it with
 * the posted root. Exit code 0 when every version is right, 1 when one is wrong, 2 for a bad
 * command line, 3 when the check could not be made.
 */
export const datanetVerify: Command = {
  name: "datanet verify",
  summary: "Recompute every version root of a Datanet from chain events and compare",
  help: `Usage: poa datanet verify --registry <address> --datanet <id> [--rpc <url>] [--from-block <n>] [--chunk-size <n>]

Reads the Datanet's ContributionSubmitted, ContributionAccepted, ContributionRevoked and
VersionPublished events, rebuilds each version's accepted, non-revoked set as it stood when the
version was published, recomputes its Merkle root (OpenZeppelin StandardMerkleTree over
(contributionId, contentHash)) and compares it with the posted root and count.

Exit codes:
  0  every published version is right (or none is published yet, per the registry's count)
  1  a posted root or count is wrong
  2  the command line is wrong
  3  could not check: node unreachable, no contract at --registry, unknown Datanet, or the logs
     read do not hold every version the registry records (e.g. --from-block too late)

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
    const { JsonRpcProvider, Network, isAddress } = await import("ethers");
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
    const chainId = await probeChainId(rpc);
    const provider = new JsonRpcProvider(rpc, Network.from(chainId), { staticNetwork: true });
    try {
      let reports;
      try {
        if ((await provider.getCode(registryAddress)) === "0x") {
          throw new PoaError(
            `no contract at ${registryAddress} on ${rpc}`,
            "Check --registry and --rpc (right chain?).",
          );
        }
        const registry = DatanetRegistry__factory.connect(registryAddress, provider);
        reports = await verifyDatanetOnChain(registry, datanetId, { fromBlock, chunkSize });
      } catch (error) {
        couldNotCheck(error);
      }
      for (const line of formatVersionReports(datanetId, reports)) console.log(line);
      return reports.every((r) => r.ok) ? 0 : 1;
    } finally {
      provider.destroy();
    }
  },
};
