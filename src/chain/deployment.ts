/**
 * The deployment record: which contract lives where, on which chains. One module defines it,
 * reads it, validates it and writes it; every user (deploy/, the CLI, the demo, settlement)
 * imports it from here.
 *
 * `deployments/<network>.json`:
 * ```json
 * { "network": "devnet", "l1ChainId": 900, "l2ChainId": 901, "l1Genesis": "0x…", "l2Genesis": "0x…",
 *   "contracts": { "L2OpenToken": { "chain": "l2", "address": "0x…", "txHash": "0x…", "gasUsed": "…",
 *                                   "dependsOn": { "OpenToken": "0x…" } } } }
 * ```
 */
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

import { addressProblem } from "../core/address.js";
import { messageOf, PoaError } from "../core/errors.js";
import { writeFileAtomic } from "../core/fs.js";

export type Chain = "l1" | "l2";

export interface DeployedContract {
  chain: Chain;
  address: string;
  txHash: string;
  gasUsed: string;
  /** The addresses this contract was deployed against (constructor arguments), by step name. */
  dependsOn?: Record<string, string>;
}

export interface DeploymentRecord {
  network: string;
  l1ChainId: number;
  l2ChainId: number;
  /** Genesis block hashes: a different hash means a new chain and a new record. */
  l1Genesis: string;
  l2Genesis: string;
  contracts: Record<string, DeployedContract>;
}

/** Where the record of `network` lives by default. */
export function deploymentFile(network: string, root = "deployments"): string {
  return join(root, `${network}.json`);
}

/** Checks the shape of a parsed record; returns it typed or says what is wrong. */
export function validateDeployment(value: unknown, file: string): DeploymentRecord {
  const bad = (why: string) =>
    new PoaError("DEPLOYMENT_INVALID", `${file} is not a deployment record (${why})`, {
      details: { file, problem: why },
      action: "Deploy again to rewrite it, or restore it from version control.",
    });
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("not a JSON object");
  const record = value as Record<string, unknown>;
  if (typeof record.network !== "string") throw bad('"network" is missing');
  for (const key of ["l1ChainId", "l2ChainId"])
    if (!Number.isSafeInteger(record[key]) || (record[key] as number) <= 0) throw bad(`"${key}" is not a chain id`);
  for (const key of ["l1Genesis", "l2Genesis"])
    if (typeof record[key] !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(record[key] as string))
      throw bad(`"${key}" is not a block hash`);
  const contracts = record.contracts;
  if (typeof contracts !== "object" || contracts === null || Array.isArray(contracts))
    throw bad('"contracts" is missing');
  for (const [name, entry] of Object.entries(contracts as Record<string, unknown>)) {
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== "object" || e === null) throw bad(`contract "${name}" is not an object`);
    if (e.chain !== "l1" && e.chain !== "l2") throw bad(`contract "${name}" has no chain "l1" or "l2"`);
    if (addressProblem(e.address) !== undefined) throw bad(`contract "${name}" has no valid address`);
  }
  return value as DeploymentRecord;
}

/** Reads and validates the record in `file`; a missing, unreadable or malformed file is a clear error. */
export function readDeployment(file: string): DeploymentRecord {
  if (!existsSync(file))
    throw new PoaError("DEPLOYMENT_NOT_FOUND", `no deployment record at ${file}`, {
      details: { file },
      action: "Deploy the protocol first.",
    });
  if (statSync(file).isDirectory())
    throw new PoaError("DEPLOYMENT_INVALID", `${file} is a folder, not a deployment record`, {
      details: { file },
      action: "Give the path of the record's JSON file.",
    });
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new PoaError("DEPLOYMENT_INVALID", `cannot read ${file}: ${messageOf(error)}`, {
      details: { file },
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PoaError("DEPLOYMENT_INVALID", `${file} is not valid JSON (${messageOf(error)})`, {
      details: { file },
      cause: error,
      action: "Deploy again to rewrite it, or restore it from version control.",
    });
  }
  return validateDeployment(value, file);
}

/** Writes the record atomically (a crash never leaves half a record). */
export function writeDeployment(file: string, record: DeploymentRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** The address of contract `name`, or a DEPLOYMENT_INVALID error naming the record and the contract. */
export function contractAddress(
  record: DeploymentRecord,
  name: string,
  file = `the ${record.network} deployment`,
): string {
  const entry = record.contracts[name];
  if (entry === undefined)
    throw new PoaError("DEPLOYMENT_INVALID", `${file} has no ${name}`, {
      details: { file, contract: name, network: record.network },
      action: "Deploy the protocol (a re-run deploys only what is missing).",
    });
  return entry.address;
}

export interface ChainIdentity {
  l1ChainId?: number;
  l2ChainId: number;
  l1Genesis?: string;
  l2Genesis?: string;
}

/**
 * Refuses a record written for other chains: another chain id, or the same id with another
 * genesis (a restarted devnet). Only the fields given in `actual` are compared.
 */
export function checkDeploymentChains(record: DeploymentRecord, actual: ChainIdentity, file: string): void {
  const mismatch = (what: string, expected: unknown, found: unknown, why: string) =>
    new PoaError("DEPLOYMENT_WRONG_CHAIN", `${file} was written for ${why}`, {
      details: { file, field: what, recorded: expected, actual: found },
      action: "Deploy to this chain, or point at the record written for it.",
    });
  if (actual.l2ChainId !== record.l2ChainId)
    throw mismatch(
      "l2ChainId",
      record.l2ChainId,
      actual.l2ChainId,
      `L2 chain ${record.l2ChainId}, but the L2 is chain ${actual.l2ChainId}`,
    );
  if (actual.l1ChainId !== undefined && actual.l1ChainId !== record.l1ChainId)
    throw mismatch(
      "l1ChainId",
      record.l1ChainId,
      actual.l1ChainId,
      `L1 chain ${record.l1ChainId}, but the L1 is chain ${actual.l1ChainId}`,
    );
  if (actual.l2Genesis !== undefined && actual.l2Genesis !== record.l2Genesis)
    throw mismatch(
      "l2Genesis",
      record.l2Genesis,
      actual.l2Genesis,
      "another L2 of the same chain id (the devnet was restarted since)",
    );
  if (actual.l1Genesis !== undefined && actual.l1Genesis !== record.l1Genesis)
    throw mismatch(
      "l1Genesis",
      record.l1Genesis,
      actual.l1Genesis,
      "another L1 of the same chain id (the devnet was restarted since)",
    );
}
