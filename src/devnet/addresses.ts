import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { Hex } from "viem";

import { addressProblem } from "../core/address.js";
import { messageOf, PoaError } from "../core/errors.js";
import { prepareOutputFolder } from "../core/fs.js";

/** `.devnet/addresses.json`: where everything is. Field names follow supersim's and the SDK's. */
export interface DevnetAddresses {
  l1ChainId: number;
  l2ChainId: number;
  l1Rpc: string;
  l2Rpc: string;
  OptimismPortal: Hex;
  L1CrossDomainMessenger: Hex;
  L1StandardBridge: Hex;
  L2OutputOracle: Hex;
  SystemConfig: Hex;
  SuperchainConfig: Hex;
  L2CrossDomainMessenger: Hex;
  L2StandardBridge: Hex;
  OptimismMintableERC20Factory: Hex;
  L2ToL1MessagePasser: Hex;
  L1Block: Hex;
  GasPriceOracle: Hex;
  Multicall3: Hex;
}

/** `.devnet/process.json`: which process runs the devnet, so another command can find or stop it. */
export interface DevnetProcess {
  pid: number;
  reaperPid: number | undefined;
  anvilPids: number[];
  startedAt: string;
  l1Rpc: string;
  l2Rpc: string;
}

export const ADDRESSES_FILE = "addresses.json";
export const PROCESS_FILE = "process.json";

/** Writes a JSON file atomically (temp file + rename), so a reader never sees half of it. */
export function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

/** Creates the devnet's state folder, refusing a path that cannot be one (a file, /proc, read-only). */
export function ensureDir(dir: string): void {
  prepareOutputFolder(dir, "the devnet state folder");
}

const ADDRESS_FIELDS = [
  "OptimismPortal",
  "L1CrossDomainMessenger",
  "L1StandardBridge",
  "L2OutputOracle",
  "L2StandardBridge",
] as const;

/** Reads `<dir>/addresses.json`, checking its shape: a damaged file is an error that says so. */
export function readAddresses(dir: string): DevnetAddresses {
  const path = join(dir, ADDRESSES_FILE);
  if (!existsSync(path))
    throw new PoaError("DEVNET_NOT_RUNNING", `no devnet addresses at ${path}`, {
      details: { path, dir },
      action: "Start a devnet first.",
    });
  const damaged = (why: string, cause?: unknown) =>
    new PoaError("DEVNET_DIR_INVALID", `${path} is damaged (${why})`, {
      details: { path, dir },
      cause,
      action: "Stop the devnet if one runs from this folder, delete the file and start the devnet again.",
    });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw damaged(error instanceof SyntaxError ? "not valid JSON" : messageOf(error), error);
  }
  const record = value as Record<string, unknown> | null;
  if (typeof record !== "object" || record === null || Array.isArray(record)) throw damaged("not a JSON object");
  for (const key of ["l1Rpc", "l2Rpc"])
    if (typeof record[key] !== "string" || !/^https?:\/\//.test(record[key] as string))
      throw damaged(`"${key}" is not an RPC URL`);
  for (const key of ["l1ChainId", "l2ChainId"])
    if (!Number.isSafeInteger(record[key])) throw damaged(`"${key}" is not a chain id`);
  for (const key of ADDRESS_FIELDS)
    if (addressProblem(record[key]) !== undefined) throw damaged(`"${key}" is not an address`);
  return record as unknown as DevnetAddresses;
}

export function readProcess(dir: string): DevnetProcess | undefined {
  const path = join(dir, PROCESS_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as DevnetProcess;
  } catch {
    return undefined;
  }
}

export function removeProcess(dir: string, pid: number): void {
  const current = readProcess(dir);
  if (current?.pid === pid) rmSync(join(dir, PROCESS_FILE), { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The running devnet recorded in `dir`, if its process is alive and both RPCs answer with the
 * recorded chain ids; undefined otherwise (a stale file from a crashed run does not count).
 * DEVNET_DIR_INVALID when the process is alive but its addresses.json is damaged.
 */
export async function findRunningDevnet(dir: string): Promise<DevnetAddresses | undefined> {
  const proc = readProcess(dir);
  if (proc === undefined || !isAlive(proc.pid)) return undefined;
  let addresses: DevnetAddresses;
  try {
    addresses = readAddresses(dir);
  } catch (error) {
    // A live devnet whose addresses.json is damaged must not pass for "none running": starting
    // another one there would only collide with its ports.
    if (error instanceof PoaError && error.code === "DEVNET_DIR_INVALID") throw error;
    return undefined;
  }
  const chainId = async (url: string) => {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(2000),
      });
      return Number(((await response.json()) as { result: string }).result);
    } catch {
      return undefined;
    }
  };
  const [l1, l2] = await Promise.all([chainId(addresses.l1Rpc), chainId(addresses.l2Rpc)]);
  return l1 === addresses.l1ChainId && l2 === addresses.l2ChainId ? addresses : undefined;
}

/** The addresses of the devnet running from `dir`, or DEVNET_NOT_RUNNING (never started, or stopped since). */
export async function requireRunningDevnet(dir: string): Promise<DevnetAddresses> {
  const running = await findRunningDevnet(dir);
  if (running !== undefined) return running;
  readAddresses(dir); // DEVNET_NOT_RUNNING when there never was one, DEVNET_DIR_INVALID when damaged
  throw new PoaError("DEVNET_NOT_RUNNING", `the devnet recorded in ${dir} is not running`, {
    details: { dir },
    action: "Start the devnet again.",
  });
}
