/**
 * The other processes of the store's tests (real processes: locks, crashes with SIGKILL). Run as
 * `node --import tsx test/store/support/child.ts <role> <json-args>`; prints JSON lines on stdout.
 * Loading this file (as mocha does with every file under test/) runs nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

import { JsonRpcProvider, Wallet } from "ethers";

import { EthersLogReader } from "../../../src/chain/logs.js";
import { WalletTxSender } from "../../../src/chain/tx-sender.js";
import { PoaError } from "../../../src/core/errors.js";
import type { Hex } from "../../../src/core/hash.js";
import { indexLogs } from "../../../src/store/chain-index.js";
import { Journal } from "../../../src/store/journal.js";
import { openStore } from "../../../src/store/open.js";
import { Outbox, type OutboxStage } from "../../../src/store/outbox.js";

const CHILD = fileURLToPath(import.meta.url);

/** The test chain's provider (chain id from the args, default the one of support/chain.ts). */
const provider = (url: string, chainId = 31_901) =>
  new JsonRpcProvider(url, chainId, { staticNetwork: true, pollingInterval: 20, cacheTimeout: -1 });

function say(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`);
}

function errorJson(error: unknown) {
  return error instanceof PoaError
    ? { code: error.code, kind: error.kind, message: error.message, details: error.details }
    : { message: String(error) };
}

const die = () => process.kill(process.pid, "SIGKILL");

const roles: Record<string, (args: Record<string, unknown>) => Promise<void>> = {
  /** Opens the store and holds it until killed. */
  async hold(a) {
    const db = await openStore(a.location as string, { lockName: a.lockName as string });
    say({ ready: process.pid, holder: db.holder });
    await new Promise(() => {});
  },

  /** Tries to open the store once; prints ok or the error. */
  async open(a) {
    try {
      const db = await openStore(a.location as string, {
        lockName: a.lockName as string,
        waitMs: (a.waitMs as number) ?? 0,
      });
      say({ ok: true, pid: process.pid });
      await db.close();
    } catch (error) {
      say({ ok: false, error: errorJson(error) });
    }
  },

  /**
   * Waits until `at` (epoch ms), takes the lock (waiting up to `waitMs`), records its holding
   * interval in the store, holds for `holdMs`, and releases.
   */
  async race(a) {
    await new Promise((r) => setTimeout(r, Math.max(0, (a.at as number) - Date.now())));
    let db;
    try {
      db = await openStore(a.location as string, { lockName: "race", waitMs: a.waitMs as number });
    } catch (error) {
      say({ ok: false, error: errorJson(error) });
      return;
    }
    await db.exec("CREATE TABLE IF NOT EXISTS holding (pid INTEGER, t0 TIMESTAMPTZ, t1 TIMESTAMPTZ)");
    const t0 = new Date();
    await new Promise((r) => setTimeout(r, a.holdMs as number));
    await db.query("INSERT INTO holding VALUES ($1, $2, clock_timestamp())", [process.pid, t0]);
    await db.close();
    say({ ok: true, pid: process.pid });
  },

  /**
   * A three-step job; `killIn` names a step whose body dies (SIGKILL) after writing part of its
   * work, `killAfter` a step after whose completion the process dies.
   */
  async journal(a) {
    const db = await openStore(a.location as string, { lockName: "journal" });
    await db.exec("CREATE TABLE IF NOT EXISTS effects (step TEXT, attempt INTEGER, item INTEGER)");
    const journal = new Journal(db, "job-1");
    for (const step of ["read", "compute", "publish"]) {
      const result = await journal.run(step, { step, input: a.input as string }, async (ctx) => {
        say({ running: step, attempt: ctx.attempt, resumed: ctx.resumed });
        // Idempotent body: replaces whatever an interrupted attempt left.
        await db.query("DELETE FROM effects WHERE step = $1", [step]);
        for (let i = 0; i < 3; i++) {
          await db.query("INSERT INTO effects VALUES ($1, $2, $3)", [step, ctx.attempt, i]);
          if (a.killIn === step && i === 1) die();
        }
        return { step, items: 3 };
      });
      say({ step, skipped: result.skipped, attempt: result.attempt });
      if (a.killAfter === step) die();
    }
    await db.close();
    say({ done: true });
  },

  /** Indexes with one block per chunk, printing each chunk; the parent kills it at some point. */
  async index(a) {
    const db = await openStore(a.location as string, { lockName: "index", waitMs: 10_000 });
    const reader = new EthersLogReader(provider(a.url as string), a.contracts as never);
    await indexLogs(db, reader, {
      stream: a.stream as string,
      startBlock: BigInt(a.startBlock as string),
      confirmations: a.confirmations as number,
      maxChunk: 1,
      onProgress: (p) => say(p),
    });
    await db.close();
    say({ done: true });
  },

  /** Sends one outbox transaction; dies at stage `killAt`. */
  async outbox(a) {
    const db = await openStore(a.location as string, { lockName: "outbox", waitMs: 10_000 });
    const sender = new WalletTxSender(new Wallet(a.key as string, provider(a.url as string)));
    try {
      const entry = await new Outbox(db).send(
        a.id as string,
        { to: a.to as string, data: a.data as Hex, value: BigInt((a.value as string | undefined) ?? "0") },
        sender,
        {
          pollMs: 20,
          onStage: (stage: OutboxStage) => {
            say({ stage });
            if (stage === a.killAt) die();
          },
        },
      );
      say({ entry });
    } catch (error) {
      say({ error: errorJson(error) });
    }
    await db.close();
  },
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const role = roles[process.argv[2] ?? ""];
  if (role === undefined) throw new Error(`unknown role ${process.argv[2]}`);
  await role(JSON.parse(process.argv[3] ?? "{}") as Record<string, unknown>);
}

// ---------------------------------------------------------------------------------------------
// The parent's side
// ---------------------------------------------------------------------------------------------

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Parsed JSON lines so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the first line matching `predicate` (rejects on exit without one, or after `ms`). */
  waitFor(predicate: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  kill(): Promise<void>;
}

/** Starts a child in `role` with `args`. */
export function startChild(role: string, args: Record<string, unknown>): Child {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, role, JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const part of parts) if (part.trim() !== "") lines.push(JSON.parse(part) as Record<string, unknown>);
    for (const l of listeners) l();
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      for (const l of listeners) l();
      resolve({ code, signal });
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    process: child,
    pid: child.pid!,
    lines,
    exited,
    stderr: () => stderr,
    waitFor(predicate, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find(predicate);
          if (found !== undefined) {
            cleanup();
            resolve(found);
          } else if (done || child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`child ${role} exited without the expected line:\n${JSON.stringify(lines)}\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`child ${role}: no expected line within ${ms} ms:\n${JSON.stringify(lines)}\n${stderr}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Runs a child to its end and returns its lines (fails on a non-zero exit). */
export async function runChild(role: string, args: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const child = startChild(role, args);
  const { code, signal } = await child.exited;
  if (code !== 0) throw new Error(`child ${role} exited with ${code ?? signal}:\n${child.stderr()}`);
  return child.lines;
}
