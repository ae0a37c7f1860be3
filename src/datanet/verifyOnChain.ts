/**
 * `poa datanet verify` without the command line: reads a Datanet's history from a registry,
 * recomputes every published version and reports, version by version, whether the posted root
 * is the one the events give and whether the registry marked the version disputed.
 */
import { PoaError } from "../errors.js";
import type { DatanetRegistry } from "../../types/ethers-contracts/index.js";
import { fetchDatanetHistory, type HistoryRange } from "./chain.js";
import { verifyVersions, type VersionCheck } from "./versionRoot.js";

/** One published version as checked. */
export interface VersionReport extends VersionCheck {
  readonly disputed: boolean;
}

/** Checks every published version of `datanetId`. Throws PoaError for an unknown Datanet. */
export async function verifyDatanetOnChain(
  registry: DatanetRegistry,
  datanetId: bigint,
  range: HistoryRange = {},
): Promise<VersionReport[]> {
  const count = await registry.datanetCount();
  if (datanetId < 1n || datanetId > count) {
    throw new PoaError(
      `Datanet ${datanetId} does not exist on this registry (it has ${count})`,
      "Pass an id from 1 to datanetCount() with --datanet.",
    );
  }
  const checks = verifyVersions(await fetchDatanetHistory(registry, datanetId, range));
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
