/**
 * The one database interface of the project, with the value conventions both backends share.
 *
 * A `Database` is a single connection: statements run one at a time, in the order they were
 * issued, whether they come from one caller or many (a gateway's concurrent requests queue up).
 * `transaction(fn)` holds that connection for `fn`: statements of other callers wait until it
 * commits or rolls back, and `fn` must use the `tx` it is given (calling the database itself from
 * inside `fn` would wait for `fn`, so it is refused with STORE_MISUSE instead of hanging).
 *
 * Values in (parameters): `bigint` is sent as its exact decimal text, `Uint8Array` as bytea,
 * `Date` as a timestamp, `null` as NULL. There is no `undefined` and no JavaScript array: JSON
 * goes in as a string (`JSON.stringify`, cast with `::jsonb`), lists as JSON too.
 *
 * Values out (rows), identical on both backends:
 * - BIGINT (int8) -> `bigint`, always (never a lossy `number`);
 * - NUMERIC -> `bigint` when the value is an integer (every NUMERIC(78,0) amount), otherwise the
 *   exact decimal text (e.g. an AVG), never a lossy `number`;
 * - INTEGER, SMALLINT, REAL, DOUBLE -> `number`; BOOLEAN -> `boolean`; TEXT -> `string`;
 * - BYTEA -> `Uint8Array`; TIMESTAMPTZ -> `Date`; JSON/JSONB -> parsed JSON.
 */
import { AsyncLocalStorage } from "node:async_hooks";

import { PoaError, messageOf } from "../core/errors.js";

export type SqlParam = string | number | bigint | boolean | null | Uint8Array | Date;

export type Row = Record<string, unknown>;

export interface QueryResult<R> {
  rows: R[];
  /** Rows returned, or affected by an INSERT/UPDATE/DELETE. */
  rowCount: number;
}

/** What a transaction body (and the database itself) can run. */
export interface Queryable {
  /** One statement with `$1`-style parameters. */
  query<R extends object = Row>(sql: string, params?: readonly SqlParam[]): Promise<QueryResult<R>>;
  /** One or more statements without parameters (DDL, scripts). */
  exec(sql: string): Promise<void>;
}

export type Backend = "pglite" | "postgres";

/** Who holds the store: written by the holder, shown to anyone refused with STORE_LOCKED. */
export interface LockHolder {
  /** The holder's role, e.g. "settle" or "gateway". */
  name: string;
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  since: string;
}

export interface Database extends Queryable {
  readonly backend: Backend;
  /** The folder, or the server URL with the password hidden. */
  readonly location: string;
  /** The lock this database holds (always for PGlite; for a server unless opened without one). */
  readonly holder: LockHolder | undefined;
  /**
   * Runs `fn` in a transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is
   * rethrown). Nested transactions are not supported.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Releases the lock and the connection. Idempotent. */
  close(): Promise<void>;
}

/** The minimal connection a backend provides; the Database around it adds ordering and errors. */
export interface Connection {
  query(sql: string, params: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** NUMERIC text -> bigint when integral, else the exact text. */
export function parseNumeric(text: string): bigint | string {
  return /^-?\d+$/.test(text) ? BigInt(text) : text;
}

/** Parameters as both drivers take them: bigint as decimal text, everything else unchanged. */
export function serializeParams(params: readonly SqlParam[]): unknown[] {
  return params.map((p, i) => {
    if (typeof p === "bigint") return p.toString();
    if (p === undefined)
      throw new PoaError("STORE_MISUSE", `query parameter $${i + 1} is undefined`, {
        details: { index: i + 1 },
        action: "Pass null for SQL NULL.",
      });
    return p;
  });
}

/** Postgres error fields both drivers expose (`code` is the SQLSTATE). */
interface DriverError {
  code?: unknown;
  constraint?: unknown;
  detail?: unknown;
  table?: unknown;
}

const SQL_SNIPPET = 300;

/** A driver's error as a PoaError with the SQLSTATE, so callers can tell a unique violation apart. */
export function queryError(error: unknown, sql: string, location: string): PoaError {
  if (error instanceof PoaError) return error;
  const e = (error ?? {}) as DriverError;
  const sqlState = typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  if (sqlState === undefined && isConnectionError(error))
    return new PoaError("STORE_UNAVAILABLE", `lost the connection to the database ${location}: ${messageOf(error)}`, {
      details: { location },
      cause: error,
      action: "Check that the database server is running, then run the work again (it resumes).",
    });
  return new PoaError("STORE_QUERY_FAILED", `database query failed: ${messageOf(error)}`, {
    details: {
      sqlState,
      constraint: typeof e.constraint === "string" ? e.constraint : undefined,
      table: typeof e.table === "string" ? e.table : undefined,
      detail: typeof e.detail === "string" ? e.detail : undefined,
      sql: sql.length > SQL_SNIPPET ? `${sql.slice(0, SQL_SNIPPET)}…` : sql,
      location,
    },
    cause: error,
  });
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = messageOf(error);
  return (
    (typeof code === "string" && /^E[A-Z]+$/.test(code)) ||
    /Connection terminated|connection (?:is )?closed|Client has encountered a connection error|not queryable/i.test(
      message,
    )
  );
}

/** SQLSTATE of a STORE_QUERY_FAILED error (e.g. "23505" for a unique violation), if any. */
export function sqlStateOf(error: unknown): string | undefined {
  if (!(error instanceof PoaError) || error.code !== "STORE_QUERY_FAILED") return undefined;
  const state = error.details.sqlState;
  return typeof state === "string" ? state : undefined;
}

/** A FIFO mutex: `run` calls execute one at a time, in call order. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * A Database over one backend connection. Both backends use it, so ordering, transactions,
 * errors and the closed state behave the same way on PGlite and on a server.
 */
export class SerialDatabase implements Database {
  private readonly mutex = new Mutex();
  /** Set inside a transaction body: calls to the database itself from there are refused. */
  private readonly inTransaction = new AsyncLocalStorage<true>();
  private closed = false;
  private broken: PoaError | undefined;

  constructor(
    readonly backend: Backend,
    readonly location: string,
    private readonly connection: Connection,
    readonly holder: LockHolder | undefined,
    private readonly release: () => Promise<void>,
  ) {}

  /**
   * Marks the connection unusable (e.g. the server connection dropped, which also dropped its
   * advisory lock): every later statement fails with `error`.
   */
  fail(error: PoaError): void {
    this.broken ??= error;
  }

  private check(what: string): void {
    if (this.closed)
      throw new PoaError("STORE_CLOSED", `the database ${this.location} is closed`, {
        details: { location: this.location },
      });
    if (this.broken !== undefined) throw this.broken;
    if (this.inTransaction.getStore() === true)
      throw new PoaError(
        "STORE_MISUSE",
        `${what} on the database itself from inside one of its transactions would wait for that transaction forever`,
        { details: { location: this.location }, action: "Use the transaction object passed to the transaction body." },
      );
  }

  private async run(sql: string, params: readonly SqlParam[]): Promise<QueryResult<Row>> {
    if (this.broken !== undefined) throw this.broken;
    try {
      const result = await this.connection.query(sql, serializeParams(params));
      return { rows: result.rows, rowCount: result.rowCount };
    } catch (error) {
      throw queryError(error, sql, this.location);
    }
  }

  private async runExec(sql: string): Promise<void> {
    if (this.broken !== undefined) throw this.broken;
    try {
      await this.connection.exec(sql);
    } catch (error) {
      throw queryError(error, sql, this.location);
    }
  }

  async query<R extends object = Row>(sql: string, params: readonly SqlParam[] = []): Promise<QueryResult<R>> {
    this.check("a query");
    return this.mutex.run(() => this.run(sql, params)) as Promise<QueryResult<R>>;
  }

  async exec(sql: string): Promise<void> {
    this.check("a statement");
    return this.mutex.run(() => this.runExec(sql));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.check("a transaction");
    return this.mutex.run(async () => {
      let open = true;
      const guard = () => {
        if (!open)
          throw new PoaError("STORE_MISUSE", "a transaction object was used after its transaction ended", {
            details: { location: this.location },
          });
      };
      const tx: Queryable = {
        query: async <R extends object = Row>(sql: string, params: readonly SqlParam[] = []) => {
          guard();
          return (await this.run(sql, params)) as QueryResult<R>;
        },
        exec: async (sql: string) => {
          guard();
          await this.runExec(sql);
        },
      };
      await this.runExec("BEGIN");
      let result: T;
      try {
        result = await this.inTransaction.run(true, () => fn(tx));
      } catch (error) {
        open = false;
        await this.runExec("ROLLBACK").catch(() => undefined);
        throw error;
      }
      open = false;
      await this.runExec("COMMIT");
      return result;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.inTransaction.getStore() === true)
      throw new PoaError("STORE_MISUSE", "the database cannot be closed from inside one of its transactions", {
        details: { location: this.location },
      });
    this.closed = true;
    // Wait for statements already queued, then let go of the connection and the lock.
    await this.mutex.run(async () => {
      try {
        await this.connection.close();
      } finally {
        await this.release();
      }
    });
  }
}
