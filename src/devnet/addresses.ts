import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { Hex } from "viem";

import { PoaError } from "../errors.js";

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

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export function readAddresses(dir: string): DevnetAddresses {
  const path = join(dir, ADDRESSES_FILE);
  if (!existsSync(path))
    throw new PoaError(`no devnet addresses at ${path}`, "Start one with `npx poa devnet` (in another terminal).");
  return JSON.parse(readFileSync(path, "utf8")) as DevnetAddresses;
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
 */
export async function findRunningDevnet(dir: string): Promise<DevnetAddresses | undefined> {
  const proc = readProcess(dir);
  if (proc === undefined || !isAlive(proc.pid)) return undefined;
  let addresses: DevnetAddresses;
  try {
    addresses = readAddresses(dir);
  } catch {
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
