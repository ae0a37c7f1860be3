/**
 * Versioned schema migrations, per component. Each area that keeps state (the store itself,
 * settlement, the gateway) owns an ordered list of migrations under its own component name;
 * `schema_migrations` records which ones ran, with a checksum of their SQL.
 *
 * Rules:
 * - versions of a component are 1, 2, 3, … with no gap, applied in order, each in its own
 *   transaction together with its `schema_migrations` row (a crash leaves it applied or not);
 * - running `migrate` again applies only what is missing, so it is idempotent;
 * - an applied migration is never edited: a different checksum for an applied version is
 *   refused (STORE_MIGRATION_CHANGED), so two databases with the same versions have the same
 *   schema; change the schema with a new version instead;
 * - a database that has versions this code does not know was written by newer code: refused
 *   (STORE_SCHEMA_TOO_NEW) rather than run old code on a schema it does not understand.
 *
 * On a PostgreSQL server several processes may start at once (a settler and a gateway, each with
 * its own lock name): migrations run under a session advisory lock of their own, so they are
 * applied by one process at a time.
 */
import { PoaError, messageOf } from "../core/errors.js";
import { keccakText } from "../core/hash.js";
import type { Database, Queryable } from "./database.js";

export interface Migration {
  /** 1, 2, 3, … within the component. */
  version: number;
  /** A short name, e.g. "chain logs". */
  name: string;
  /** The SQL to run (one or more statements). */
  sql: string;
}

export interface MigrationSet {
  /** Who owns these tables, e.g. "store", "settlement", "gateway". */
  component: string;
  migrations: readonly Migration[];
}

export interface AppliedMigration {
  component: string;
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

export interface MigrateResult {
  /** What this call applied, in order. */
  applied: { component: string; version: number; name: string }[];
}

/** Key of the advisory lock that serialises migrations on a server (first int4: "POAM"). */
const MIGRATION_LOCK = [0x504f414d, 1] as const;

const BOOTSTRAP = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  component  TEXT        NOT NULL,
  version    INTEGER     NOT NULL CHECK (version > 0),
  name       TEXT        NOT NULL,
  checksum   TEXT        NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (component, version)
)`;

export function checksumOf(migration: Migration): string {
  return keccakText(migration.sql);
}

function checkSet(set: MigrationSet): void {
  set.migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new PoaError(
        "STORE_MIGRATION_FAILED",
        `migrations of "${set.component}" must be numbered 1, 2, 3, … in order`,
        {
          details: { component: set.component, position: i, version: m.version },
        },
      );
  });
}

/** The migrations recorded in the database (all components, in order). */
export async function appliedMigrations(db: Queryable): Promise<AppliedMigration[]> {
  await db.exec(BOOTSTRAP);
  const { rows } = await db.query<{
    component: string;
    version: number;
    name: string;
    checksum: string;
    applied_at: Date;
  }>("SELECT component, version, name, checksum, applied_at FROM schema_migrations ORDER BY component, version");
  return rows.map((r) => ({
    component: r.component,
    version: r.version,
    name: r.name,
    checksum: r.checksum,
    appliedAt: r.applied_at,
  }));
}

/** Applies what is missing of each set, in the order given (see the file comment). */
export async function migrate(db: Database, sets: readonly MigrationSet[]): Promise<MigrateResult> {
  for (const set of sets) checkSet(set);
  const serverLock = db.backend === "postgres";
  if (serverLock) await db.query("SELECT pg_advisory_lock($1::int4, $2::int4)", [...MIGRATION_LOCK]);
  try {
    const applied: MigrateResult["applied"] = [];
    const recorded = await appliedMigrations(db);
    for (const set of sets) {
      const done = new Map(recorded.filter((r) => r.component === set.component).map((r) => [r.version, r]));
      const newest = Math.max(0, ...done.keys());
      if (newest > set.migrations.length)
        throw new PoaError(
          "STORE_SCHEMA_TOO_NEW",
          `the database ${db.location} has "${set.component}" schema version ${newest}, newer than this program knows (${set.migrations.length})`,
          {
            details: {
              location: db.location,
              component: set.component,
              database: newest,
              program: set.migrations.length,
            },
            action: "Run a newer version of this program, or use another database.",
          },
        );
      for (const migration of set.migrations) {
        const checksum = checksumOf(migration);
        const previous = done.get(migration.version);
        if (previous !== undefined) {
          if (previous.checksum !== checksum)
            throw new PoaError(
              "STORE_MIGRATION_CHANGED",
              `migration "${set.component}" ${migration.version} (${migration.name}) differs from the one applied to ${db.location}`,
              {
                details: {
                  location: db.location,
                  component: set.component,
                  version: migration.version,
                  applied: previous.checksum,
                  program: checksum,
                },
                action: "Applied migrations must never change: add a new migration instead, or use a fresh database.",
              },
            );
          continue;
        }
        try {
          await db.transaction(async (tx) => {
            await tx.exec(migration.sql);
            await tx.query(
              "INSERT INTO schema_migrations (component, version, name, checksum) VALUES ($1, $2, $3, $4)",
              [set.component, migration.version, migration.name, checksum],
            );
          });
        } catch (error) {
          throw new PoaError(
            "STORE_MIGRATION_FAILED",
            `migration "${set.component}" ${migration.version} (${migration.name}) failed on ${db.location}: ${messageOf(error)}`,
            { details: { location: db.location, component: set.component, version: migration.version }, cause: error },
          );
        }
        applied.push({ component: set.component, version: migration.version, name: migration.name });
      }
    }
    return { applied };
  } finally {
    if (serverLock)
      await db.query("SELECT pg_advisory_unlock($1::int4, $2::int4)", [...MIGRATION_LOCK]).catch(() => undefined);
  }
}
