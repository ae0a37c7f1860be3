import { expect } from "chai";

import { PoaError } from "../../src/core/errors.js";
import { MAX_UINT256 } from "../../src/core/amount.js";
import { sqlStateOf, type Database } from "../../src/store/database.js";
import { appliedMigrations, migrate, type MigrationSet } from "../../src/store/migrate.js";
import { openDatabase, openStore, redactUrl } from "../../src/store/open.js";
import { STORE_MIGRATIONS } from "../../src/store/schema.js";
import { describeBackends } from "./support/backends.js";

async function rejects(promise: Promise<unknown>): Promise<PoaError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(PoaError);
    return error as PoaError;
  }
  expect.fail("expected a PoaError");
}

describeBackends("store database", (backend) => {
  let db: Database;
  beforeEach(async function () {
    db = await openStore(await backend.fresh(), { lockName: "test" });
  });
  afterEach(async function () {
    await db?.close();
  });

  it("reports its backend and a location without the password", function () {
    expect(db.backend).to.equal(backend.name);
    expect(db.location).to.not.include("poa-test-password");
    expect(db.holder?.name).to.equal("test");
    expect(db.holder?.pid).to.equal(process.pid);
  });

  it("round-trips amounts up to 2^256 - 1 through NUMERIC(78,0) as bigint, exactly", async function () {
    await db.exec("CREATE TABLE amounts (id INTEGER PRIMARY KEY, amount NUMERIC(78,0) NOT NULL, big BIGINT)");
    const values = [0n, 1n, 2n ** 53n + 1n, 10n ** 27n + 7n, MAX_UINT256];
    for (const [i, v] of values.entries())
      await db.query("INSERT INTO amounts VALUES ($1, $2, $3)", [i, v, i === 2 ? 2n ** 63n - 1n : BigInt(i)]);
    const { rows } = await db.query<{ amount: bigint; big: bigint }>("SELECT amount, big FROM amounts ORDER BY id");
    expect(rows.map((r) => r.amount)).to.deep.equal(values);
    expect(rows[2]!.big).to.equal(2n ** 63n - 1n);
    expect(typeof rows[0]!.big).to.equal("bigint", "BIGINT is a bigint even when small");
    const sum = await db.query<{ total: bigint; avg: unknown }>(
      "SELECT sum(amount) AS total, (SELECT avg(x) FROM (VALUES (1::numeric), (2)) v(x)) AS avg FROM amounts",
    );
    expect(sum.rows[0]!.total).to.equal(values.reduce((a, b) => a + b, 0n));
    expect(sum.rows[0]!.avg).to.equal("1.5000000000000000", "a fractional NUMERIC stays exact text");
    // A uint256 overflow is refused by the column type, not wrapped or rounded.
    const error = await rejects(db.query("INSERT INTO amounts VALUES (99, $1)", [MAX_UINT256 * 10n]));
    expect(error.code).to.equal("STORE_QUERY_FAILED");
    expect(sqlStateOf(error)).to.equal("22003"); // numeric_value_out_of_range
  });

  it("returns the same JavaScript values on both backends (bytea, JSON, timestamps, arrays)", async function () {
    const { rows } = await db.query(
      `SELECT '\\x00ff10'::bytea AS b, '{"a":[1,"x"]}'::jsonb AS j, $1::timestamptz AS t, 7::int4 AS i,
              true AS ok, ARRAY[1, 2]::int8[] AS ids, ARRAY['5', '1.5']::numeric[] AS nums, $2::bytea AS echoed`,
      [new Date("2026-01-02T03:04:05.678Z"), new Uint8Array([9, 8, 7])],
    );
    expect(rows[0]).to.deep.equal({
      b: new Uint8Array([0, 255, 16]),
      j: { a: [1, "x"] },
      t: new Date("2026-01-02T03:04:05.678Z"),
      i: 7,
      ok: true,
      ids: [1n, 2n],
      nums: [5n, "1.5"],
      echoed: new Uint8Array([9, 8, 7]),
    });
  });

  it("commits a transaction, rolls back a failed one, and rethrows its error", async function () {
    await db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
    expect(
      await db.transaction(async (tx) => (await tx.query("INSERT INTO t VALUES ('a') RETURNING k")).rows[0]),
    ).to.deep.equal({
      k: "a",
    });
    const boom = new Error("boom");
    let caught: unknown;
    await db
      .transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES ('b')");
        throw boom;
      })
      .catch((e: unknown) => (caught = e));
    expect(caught).to.equal(boom);
    const error = await rejects(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES ('c')");
        await tx.query("INSERT INTO t VALUES ('a')"); // unique violation
      }),
    );
    expect(sqlStateOf(error)).to.equal("23505");
    expect(error.details.constraint).to.equal("t_pkey");
    const { rows } = await db.query<{ k: string }>("SELECT k FROM t ORDER BY k");
    expect(rows.map((r) => r.k)).to.deep.equal(["a"]);
  });

  it("queues other callers behind an open transaction instead of mixing them into it", async function () {
    await db.exec("CREATE TABLE t (k INTEGER)");
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const inTx = db.transaction(async (tx) => {
      await tx.query("INSERT INTO t VALUES (1)");
      order.push("tx wrote");
      await gate;
      await tx.query("INSERT INTO t VALUES (2)");
      throw new Error("roll back");
    });
    // Issued while the transaction is open: must run after it, outside it.
    const outside = db.query("INSERT INTO t VALUES (3)").then(() => order.push("outside wrote"));
    await new Promise((r) => setTimeout(r, 50));
    expect(order).to.deep.equal(["tx wrote"]);
    release();
    await inTx.catch(() => undefined);
    await outside;
    const { rows } = await db.query<{ k: number }>("SELECT k FROM t ORDER BY k");
    expect(rows.map((r) => r.k)).to.deep.equal([3], "the rollback took 1 and 2, not 3");
  });

  it("refuses the database itself inside its own transaction (instead of waiting forever), and a used-up tx", async function () {
    let escaped: { query: (s: string) => Promise<unknown> } | undefined;
    const error = await rejects(
      db.transaction(async (tx) => {
        escaped = tx;
        await db.query("SELECT 1");
      }),
    );
    expect(error.code).to.equal("STORE_MISUSE");
    expect((await rejects(escaped!.query("SELECT 1"))).code).to.equal("STORE_MISUSE");
    expect((await rejects(db.query("SELECT $1::int", [undefined as unknown as null]))).code).to.equal("STORE_MISUSE");
  });

  it("refuses work once closed", async function () {
    await db.close();
    expect((await rejects(db.query("SELECT 1"))).code).to.equal("STORE_CLOSED");
    await db.close(); // idempotent
  });

  it("migrations: recorded per component, idempotent, each in one transaction", async function () {
    const applied = await appliedMigrations(db);
    expect(applied.map((m) => [m.component, m.version])).to.deep.equal(
      STORE_MIGRATIONS.map((m) => ["store", m.version]),
    );
    const extra: MigrationSet = {
      component: "settlement",
      migrations: [
        {
          version: 1,
          name: "balances",
          sql: "CREATE TABLE balance (account TEXT PRIMARY KEY, amount NUMERIC(78,0) NOT NULL)",
        },
        { version: 2, name: "epochs", sql: "CREATE TABLE epoch (n BIGINT PRIMARY KEY)" },
      ],
    };
    expect((await migrate(db, [extra])).applied).to.have.length(2);
    expect((await migrate(db, [extra])).applied).to.have.length(0, "a second run applies nothing");

    // A failing migration leaves neither its first statement nor its record behind.
    const failing: MigrationSet = {
      component: "settlement",
      migrations: [
        ...extra.migrations,
        { version: 3, name: "half", sql: "CREATE TABLE half (x INT); CREATE TABLE balance (y INT)" },
      ],
    };
    const error = await rejects(migrate(db, [failing]));
    expect(error.code).to.equal("STORE_MIGRATION_FAILED");
    expect(error.details.version).to.equal(3);
    const { rows } = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half'");
    expect(rows).to.have.length(0);
    expect((await appliedMigrations(db)).filter((m) => m.component === "settlement")).to.have.length(2);
  });

  it("migrations: an edited applied migration and a schema newer than the program are refused", async function () {
    const v1: MigrationSet = {
      component: "gateway",
      migrations: [{ version: 1, name: "records", sql: "CREATE TABLE rec (h TEXT)" }],
    };
    await migrate(db, [v1]);
    const edited: MigrationSet = {
      component: "gateway",
      migrations: [{ version: 1, name: "records", sql: "CREATE TABLE rec (h TEXT, x INT)" }],
    };
    const changed = await rejects(migrate(db, [edited]));
    expect(changed.code).to.equal("STORE_MIGRATION_CHANGED");
    expect(changed.details).to.include({ component: "gateway", version: 1 });
    await migrate(db, [
      { component: "gateway", migrations: [...v1.migrations, { version: 2, name: "x", sql: "SELECT 1" }] },
    ]);
    const older = await rejects(migrate(db, [v1]));
    expect(older.code).to.equal("STORE_SCHEMA_TOO_NEW");
    expect(older.details).to.include({ database: 2, program: 1 });
    const gap = await rejects(
      migrate(db, [{ component: "x", migrations: [{ version: 2, name: "gap", sql: "SELECT 1" }] }]),
    );
    expect(gap.code).to.equal("STORE_MIGRATION_FAILED");
  });

  it("a reopened store keeps its data and applies nothing again", async function () {
    const location = await backend.fresh();
    const first = await openStore(location, { lockName: "reopen" });
    await first.query("INSERT INTO job_step (job, step, inputs_hash, status) VALUES ('j', 's', $1, 'running')", [
      `0x${"ab".repeat(32)}`,
    ]);
    await first.close();
    const again = await openDatabase(location, { lockName: "reopen" });
    try {
      expect((await migrate(again, [{ component: "store", migrations: STORE_MIGRATIONS }])).applied).to.deep.equal([]);
      const { rows } = await again.query("SELECT job, step FROM job_step");
      expect(rows).to.deep.equal([{ job: "j", step: "s" }]);
    } finally {
      await again.close();
    }
  });
});

describe("store locations", function () {
  it("refuses an empty location and hides passwords", async function () {
    try {
      await openDatabase("  ");
      expect.fail("opened an empty location");
    } catch (error) {
      expect((error as PoaError).code).to.equal("STORE_INVALID_LOCATION");
      expect((error as PoaError).kind).to.equal("usage");
    }
    expect(redactUrl("postgres://me:s3cret@db.example:5432/poa")).to.equal("postgres://me:***@db.example:5432/poa");
    expect(redactUrl("postgresql://me@db/poa")).to.equal("postgresql://me@db/poa");
  });

  it("a server that is not there is STORE_UNAVAILABLE (kind unavailable), with the URL redacted", async function () {
    const { freePort } = await import("../../src/devnet/ports.js");
    const url = `postgres://u:hidden@127.0.0.1:${await freePort()}/x`;
    try {
      await openDatabase(url, { connectTimeoutMs: 2_000 });
      expect.fail("connected to nothing");
    } catch (error) {
      expect((error as PoaError).code).to.equal("STORE_UNAVAILABLE");
      expect((error as PoaError).kind).to.equal("unavailable");
      expect((error as PoaError).message).to.not.include("hidden");
    }
  });
});
