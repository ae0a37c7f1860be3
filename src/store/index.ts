/**
 * The state store: PostgreSQL embedded in a folder (PGlite, the default) or on a server, with
 * versioned migrations, one runner at a time, a step journal, a transaction outbox and the chain
 * log index. Imports src/core only. Design: docs/store.md.
 */
export {
  parseNumeric,
  sqlStateOf,
  type Backend,
  type Database,
  type LockHolder,
  type QueryResult,
  type Queryable,
  type Row,
  type SqlParam,
} from "./database.js";
export { isServerUrl, openDatabase, openStore, redactUrl, type OpenOptions, type OpenStoreOptions } from "./open.js";
export {
  appliedMigrations,
  migrate,
  type AppliedMigration,
  type Migration,
  type MigrationSet,
  type MigrateResult,
} from "./migrate.js";
export { STORE_MIGRATIONS, STORE_SCHEMA } from "./schema.js";
export { Journal, inputsHash, type StepContext, type StepRecord, type StepResult, type StepStatus } from "./journal.js";
export {
  Outbox,
  type OutboxEntry,
  type OutboxStage,
  type OutboxStatus,
  type SendOptions,
  type SignedTx,
  type TxReceiptInfo,
  type TxRequest,
  type TxSender,
} from "./outbox.js";
export {
  indexLogs,
  storedLogs,
  streamState,
  type BlockRef,
  type ChainBlock,
  type ChainLog,
  type IndexOptions,
  type IndexProgress,
  type IndexResult,
  type LogQuery,
  type LogReader,
  type StoredLog,
  type StreamState,
} from "./chain-index.js";
