/**
 * Opening the store: a folder (PGlite, embedded, the default) or a `postgres://` URL (a
 * PostgreSQL server through `pg`). Both give the same `Database` (src/store/database.ts) over one
 * connection, run the same migrations and return the same JavaScript values.
 *
 * One runner at a time:
 * - a folder belongs to one process (folder-lock.ts); PGlite itself has no locking, so the lock
 *   is taken before PGlite opens the folder;
 * - on a server, `pg_try_advisory_lock` on the session connection, keyed by the lock name: two
 *   runners with the same name are refused, runners with different names (a settler beside a
 *   gateway) may share a database. The lock lives as long as the connection: if the connection
 *   drops, the lock is gone, so the Database refuses every later statement (STORE_UNAVAILABLE)
 *   rather than go on unprotected.
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";

import { PoaError, messageOf } from "../core/errors.js";
import { keccakText } from "../core/hash.js";
import { SerialDatabase, parseNumeric, type Connection, type Database, type LockHolder, type Row } from "./database.js";
import { acquireFolderLock } from "./folder-lock.js";
import { migrate, type MigrationSet } from "./migrate.js";
import { STORE_SCHEMA } from "./schema.js";

export interface OpenOptions {
  /** The runner's role, part of the lock and shown to anyone refused (default "poa"). */
  lockName?: string;
  /** Keep trying for this long when the lock is held (default 0: refuse at once). */
  waitMs?: number;
  /**
   * PostgreSQL server only: take no lock, for tools that only read beside a runner. A folder is
   * always locked (two processes on one PGlite folder would corrupt it).
   */
  noLock?: boolean;
  /** Server connection timeout (default 10 s). */
  connectTimeoutMs?: number;
}

export interface OpenStoreOptions extends OpenOptions {
  /** Migrations of other components (settlement, gateway), applied after the store's own. */
  migrations?: readonly MigrationSet[];
}

/** True for `postgres://` and `postgresql://` URLs. */
export function isServerUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/i, "$1:***@");
}

/** Opens the database at `location` and takes its lock; no migrations (see `openStore`). */
export async function openDatabase(location: string, options: OpenOptions = {}): Promise<Database> {
  if (typeof location !== "string" || location.trim() === "")
    throw new PoaError("STORE_INVALID_LOCATION", "no database given: a folder or a postgres:// URL is needed", {
      action: "Give a folder for the embedded database, or a postgres://user:password@host:port/database URL.",
    });
  return isServerUrl(location) ? openServer(location, options) : openFolder(location, options);
}

/** Opens the database and brings the store's schema (and `migrations`) up to date. */
export async function openStore(location: string, options: OpenStoreOptions = {}): Promise<Database> {
  const db = await openDatabase(location, options);
  try {
    await migrate(db, [STORE_SCHEMA, ...(options.migrations ?? [])]);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return db;
}

// ---------------------------------------------------------------------------------------------
// PGlite in a folder
// ---------------------------------------------------------------------------------------------

const INT8 = 20;
const NUMERIC = 1700;
const INT8_ARRAY = 1016;
const NUMERIC_ARRAY = 1231;
const BYTEA = 17;
const TEXT_ARRAY = 1009;

async function openFolder(location: string, options: OpenOptions): Promise<Database> {
  const folder = resolve(location);
  const lock = await acquireFolderLock(folder, { name: options.lockName ?? "poa", waitMs: options.waitMs });
  try {
    const { PGlite } = await import("@electric-sql/pglite");
    const pg = await PGlite.create({
      dataDir: join(folder, "pgdata"),
      parsers: { [INT8]: (text: string) => BigInt(text), [NUMERIC]: parseNumeric },
    });
    const connection: Connection = {
      async query(sql, params) {
        const result = await pg.query<Row>(sql, params as unknown[]);
        return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
      },
      async exec(sql) {
        await pg.exec(sql);
      },
      close: () => pg.close(),
    };
    return new SerialDatabase("pglite", folder, connection, lock.holder, async () => lock.release());
  } catch (error) {
    lock.release();
    if (error instanceof PoaError) throw error;
    throw new PoaError("STORE_UNAVAILABLE", `cannot open the embedded database in ${folder}: ${messageOf(error)}`, {
      details: { location: folder },
      cause: error,
      action: "Check that the folder is a store folder (or empty) and writable.",
    });
  }
}

// ---------------------------------------------------------------------------------------------
// A PostgreSQL server
// ---------------------------------------------------------------------------------------------

/** First key of the runner's advisory lock ("POAS"); the second is derived from the lock name. */
const RUNNER_LOCK_CLASS = 0x504f4153;

/** The advisory lock key pair for a lock name (both positive int4). */
export function runnerLockKey(name: string): [number, number] {
  return [RUNNER_LOCK_CLASS, Number.parseInt(keccakText(`poa-store-lock:${name}`).slice(2, 10), 16) & 0x7fffffff];
}

async function openServer(url: string, options: OpenOptions): Promise<Database> {
  const location = redactUrl(url);
  const name = options.lockName ?? "poa";
  const { default: pg } = await import("pg");
  const parseBytea = pg.types.getTypeParser(BYTEA, "text") as (text: string) => Buffer;
  // The text[] parser keeps each element's exact text (pg's own numeric[] parser makes floats).
  const parseTextArray = pg.types.getTypeParser(TEXT_ARRAY as number, "text") as (text: string) => (string | null)[];
  const parsers: Record<number, (text: string) => unknown> = {
    [INT8]: (text) => BigInt(text),
    [NUMERIC]: parseNumeric,
    [BYTEA]: (text) => {
      const buffer = parseBytea(text);
      return new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
    },
    [INT8_ARRAY]: (text) => parseTextArray(text).map((x) => (x === null ? null : BigInt(x))),
    [NUMERIC_ARRAY]: (text) => parseTextArray(text).map((x) => (x === null ? null : parseNumeric(x))),
  };
  const since = new Date().toISOString();
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    // Shown by pg_stat_activity, which is how a refused runner learns who holds the lock.
    application_name: `poa ${name} pid=${process.pid} host=${hostname()}`.slice(0, 63),
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        parsers[oid] ?? pg.types.getTypeParser(oid, (format ?? "text") as "text")) as typeof pg.types.getTypeParser,
    },
  });
  let db: SerialDatabase | undefined;
  client.on("error", (error) => {
    db?.fail(
      new PoaError("STORE_UNAVAILABLE", `lost the connection to the database ${location}: ${messageOf(error)}`, {
        details: { location },
        cause: error,
        action: "The run's lock went with the connection: check the server, then run the work again (it resumes).",
      }),
    );
  });
  try {
    await client.connect();
  } catch (error) {
    throw new PoaError("STORE_UNAVAILABLE", `cannot connect to the database ${location}: ${messageOf(error)}`, {
      details: { location },
      cause: error,
      action:
        "Check that the PostgreSQL server is running and the URL (user, password, host, port, database) is right.",
    });
  }
  const connection: Connection = {
    async query(sql, params) {
      const result = await client.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql) {
      await client.query(sql);
    },
    async close() {
      await unlock();
      await client.end();
    },
  };
  let holder: LockHolder | undefined;
  let unlock = async () => {};
  if (options.noLock !== true) {
    try {
      await lockServer(client, location, name, options.waitMs ?? 0);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    holder = { name, pid: process.pid, hostname: hostname(), since };
    const key = runnerLockKey(name);
    unlock = async () => {
      // Closing the connection releases it anyway; unlocking first is for connection poolers.
      await client.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", key).catch(() => undefined);
    };
  }
  db = new SerialDatabase("postgres", location, connection, holder, async () => {});
  return db;
}

interface HolderRow {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  backend_start: Date | null;
}

async function lockServer(
  client: { query<R extends object>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> },
  location: string,
  name: string,
  waitMs: number,
): Promise<void> {
  const key = runnerLockKey(name);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::int4, $2::int4) AS ok", key);
    if (rows[0]?.ok === true) return;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 50)));
  }
  const { rows } = await client.query<HolderRow>(
    `SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int4::oid AND l.objid = $2::int4::oid
        AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    key,
  );
  const h = rows[0];
  const client_ = h?.application_name?.match(/pid=(\d+) host=(\S+)/);
  const who =
    h === undefined
      ? "another session"
      : client_ !== null && client_ !== undefined
        ? `process ${client_[1]} on ${client_[2]} (server session ${h.pid}, since ${h.backend_start?.toISOString() ?? "?"})`
        : `server session ${h.pid} (${h.application_name ?? "no application name"}, from ${h.client_addr ?? "local socket"})`;
  throw new PoaError("STORE_LOCKED", `the database ${location} is in use by another "${name}" run: ${who}`, {
    details: {
      location,
      lockName: name,
      holder:
        h === undefined
          ? undefined
          : {
              serverPid: h.pid,
              applicationName: h.application_name,
              clientAddr: h.client_addr,
              pid: client_?.[1] === undefined ? undefined : Number(client_[1]),
              hostname: client_?.[2],
              since: h.backend_start?.toISOString(),
            },
    },
    action: "Wait until it finishes, or stop it, then run again.",
  });
}
