/**
 * `poa datanet verify` without the command line: reads a Datanet's history from a registry,
 * recomputes every published version and reports, version by version, whether the posted root
 * is the one the events give and whether the registry marked the version disputed.
 */
import { onChain } from "../chain/errors.js";
import { PoaError } from "../core/errors.js";
import type { DatanetRegistry } from "../../types/ethers-contracts/index.js";
import { fetchDatanetHistory, type HistoryRange } from "./chain.js";
import { verifyVersions, type VersionCheck } from "./versionRoot.js";

/** One published version as checked. */
export interface VersionReport extends VersionCheck {
  readonly disputed: boolean;
}

/**
 * Checks every published version of `datanetId`. Throws PoaError for an unknown Datanet and when
 * the logs read hold fewer (or more) versions than the registry records: an empty report then
 * always means "no version published", never "nothing was read".
 */
export async function verifyDatanetOnChain(
  registry: DatanetRegistry,
  datanetId: bigint,
  range: HistoryRange = {},
): Promise<VersionReport[]> {
  const count = await onChain("read the DatanetRegistry", () => registry.datanetCount());
  if (datanetId < 1n || datanetId > count) {
    throw new PoaError("NOT_FOUND", `Datanet ${datanetId} does not exist on this registry (it has ${count})`, {
      action: `Use an id from 1 to ${count}.`,
    });
  }
  // The registry's own version count, read before and after the logs: a version published in
  // between may be in the logs or not, anything outside the two counts means logs are missing.
  const before = BigInt((await registry.getDatanet(datanetId)).versionCount);
  const checks = verifyVersions(await fetchDatanetHistory(registry, datanetId, range));
  const after = BigInt((await registry.getDatanet(datanetId)).versionCount);
  const found = BigInt(checks.length);
  if (found < before || found > after) {
    throw new PoaError(
      "CHAIN_DATA_INVALID",
      `found ${found} VersionPublished event(s) for Datanet ${datanetId}, but the registry records ${after} version(s)`,
      {
        details: { found: found.toString(), recorded: after.toString(), fromBlock: range.fromBlock },
        action:
          range.fromBlock !== undefined && range.fromBlock > 0
            ? `Start reading at the Datanet's creation block or 0 (not ${range.fromBlock}), from a node that serves all logs.`
            : "The node did not return every log: use an archive or full node of this chain, and smaller log queries.",
      },
    );
  }
  const reports: VersionReport[] = [];
  for (const check of checks) {
    const disputed = (await registry.getVersion(datanetId, check.version)).disputed;
    reports.push({ ...check, disputed });
  }
  return reports;
}

/** Human-readable lines, one per version, deterministic. */
export function formatVersionReports(datanetId: bigint, reports: readonly VersionReport[]): string[] {
  if (reports.length === 0) return [`Datanet ${datanetId}: no version published yet`];
  return reports.map((r) => {
    const verdict = r.ok ? "ok   " : "WRONG";
    const flag = r.disputed ? " (disputed on-chain)" : "";
    const detail = r.ok
      ? `root ${r.postedRoot}, ${r.postedCount} contributions`
      : `posted root ${r.postedRoot}, expected ${r.expectedRoot}; count posted ${r.postedCount}, expected ${r.expectedCount}`;
    return `Datanet ${datanetId} version ${r.version}: ${verdict} ${detail}${flag}`;
  });
}
