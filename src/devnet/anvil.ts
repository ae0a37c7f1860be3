import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync, closeSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { PoaError } from "../core/errors.js";

const require = createRequire(import.meta.url);

/**
 * Path of the native anvil binary from `@foundry-rs/anvil`'s platform package (spawned directly,
 * not through the package's Node wrapper, so that one PID is one chain). `POA_ANVIL` overrides.
 */
export function anvilBinary(): string {
  const override = process.env.POA_ANVIL;
  if (override !== undefined && override !== "") return override;
  const os = process.platform === "win32" ? "win32" : process.platform;
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  try {
    const pkg = require.resolve(`@foundry-rs/anvil-${os}-${arch}/package.json`);
    const binary = join(dirname(pkg), "bin", process.platform === "win32" ? "anvil.exe" : "anvil");
    if (existsSync(binary)) return binary;
  } catch {
    // fall through
  }
  throw new PoaError("ANVIL_NOT_FOUND", `no anvil binary for ${process.platform}/${process.arch} in node_modules`, {
    action:
      "Install the project's dependencies (they include @foundry-rs/anvil), or point POA_ANVIL at an anvil binary.",
  });
}

/**
 * Keeps a reaper process (src/devnet/reaper.mjs) that kills every registered process group
 * when this process dies, however it dies. One per process, started on first use.
 */
class Reaper {
  private child: ChildProcess | undefined;

  private ensure(): ChildProcess {
    if (this.child === undefined) {
      const script = fileURLToPath(new URL("./reaper.mjs", import.meta.url));
      this.child = spawn(process.execPath, [script], { stdio: ["pipe", "ignore", "ignore"], detached: true });
      this.child.unref();
      // The pipe must not keep the event loop alive either.
      (this.child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    }
    return this.child;
  }

  /** Registers a process group, and a folder to remove once the group is gone (as JSON: any path fits a line). */
  add(pgid: number, folder?: string): void {
    this.ensure().stdin?.write(folder === undefined ? `add ${pgid}\n` : `add ${pgid} ${JSON.stringify(folder)}\n`);
  }

  del(pgid: number): void {
    this.child?.stdin?.write(`del ${pgid}\n`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
}

export const reaper = new Reaper();

export interface AnvilOptions {
  name: string;
  host: string;
  port: number;
  chainId: number;
  mnemonic: string;
  accounts: number;
  logFile: string;
  optimism?: boolean;
  /** Genesis timestamp (seconds). */
  timestamp?: number;
  baseFee?: bigint;
  extraArgs?: string[];
}

export interface AnvilProcess {
  name: string;
  pid: number;
  rpcUrl: string;
  /** Stops the process group (SIGTERM, then SIGKILL after `graceMs`) and resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Removes a folder, best effort: a states folder that cannot be removed must not stop a chain. */
function removeFolder(folder: string): void {
  try {
    rmSync(folder, { recursive: true, force: true });
  } catch {
    // left for the next start's sweep
  }
}

/**
 * A fresh folder, next to the log, for the states anvil moves out of memory: it keeps the recent
 * blocks' states in memory and writes older ones to disk, gigabytes over a long run. Without one,
 * anvil writes them under ~/.foundry/anvil/tmp and leaves them there when it is killed. The folder
 * is removed when anvil exits (here, or by the reaper when this process dies first); folders of
 * this log left by chains that were killed together with their reaper are removed now. Each start
 * gets its own name, so a late reaper can never remove a newer chain's folder.
 */
function statesFolder(logFile: string): string {
  const dir = resolve(dirname(logFile));
  const prefix = `${basename(logFile, extname(logFile))}-states-`;
  for (const name of readdirSync(dir)) if (name.startsWith(prefix)) removeFolder(join(dir, name));
  return mkdtempSync(join(dir, prefix));
}

/** Starts one anvil in its own process group on 127.0.0.1 and waits until it answers RPC. */
export async function startAnvil(options: AnvilOptions): Promise<AnvilProcess> {
  const args = [
    "--host",
    options.host,
    "--port",
    String(options.port),
    "--chain-id",
    String(options.chainId),
    "--mnemonic",
    options.mnemonic,
    "--accounts",
    String(options.accounts),
    "--no-request-size-limit",
  ];
  if (options.optimism === true) args.push("--network", "optimism");
  if (options.timestamp !== undefined) args.push("--timestamp", String(options.timestamp));
  if (options.baseFee !== undefined) args.push("--block-base-fee-per-gas", options.baseFee.toString());
  args.push(...(options.extraArgs ?? []));

  const binary = anvilBinary();
  const statesDir = statesFolder(options.logFile);
  args.push("--cache-path", statesDir);
  const log = openSync(options.logFile, "a");
  const child = spawn(binary, args, { stdio: ["ignore", log, log], detached: true });
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) {
    removeFolder(statesDir);
    throw new PoaError("DEVNET_START_FAILED", `could not start anvil for ${options.name}`, {
      action: `See ${options.logFile}.`,
    });
  }
  reaper.add(pid, statesDir);
  child.unref();
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      removeFolder(statesDir);
      resolve(code);
    }),
  );
  let running = true;
  void exited.then(() => {
    running = false;
    reaper.del(pid);
  });

  const rpcUrl = `http://${options.host}:${options.port}`;
  const stop = async (graceMs = 2000) => {
    if (!running) return;
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone
      }
    }, graceMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!running)
      throw new PoaError("DEVNET_START_FAILED", `${options.name} (anvil) exited during start-up`, {
        action: `Its output is in ${options.logFile}.`,
      });
    try {
      const response = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      const body = (await response.json()) as { result?: string };
      if (body.result !== undefined && Number(body.result) === options.chainId) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new PoaError("DEVNET_START_FAILED", `${options.name} (anvil) did not answer on ${rpcUrl} within 15 s`, {
        action: `See ${options.logFile}.`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { name: options.name, pid, rpcUrl, stop, exited };
}
