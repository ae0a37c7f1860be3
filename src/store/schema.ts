/**
 * The store's own tables (component "store"): the step journal, the transaction outbox and the
 * chain log index. Conventions for every component's schema (docs/store.md):
 *
 * - on-chain amounts: NUMERIC(78,0) (a uint256 fits), with a CHECK where they cannot be negative;
 * - block numbers, chain ids, nonces, timestamps in seconds: BIGINT; log and tx indexes: INTEGER;
 * - hashes and addresses: TEXT, lower-case 0x hex, format enforced by CHECK (joins and lookups
 *   compare strings, so one spelling only); the code that shows addresses checksums them;
 * - decoded event arguments: JSONB with integers as decimal strings (see src/chain/logs.ts);
 * - bookkeeping times: TIMESTAMPTZ.
 */
import type { Migration, MigrationSet } from "./migrate.js";

const HASH = "'^0x[0-9a-f]{64}$'";
const ADDRESS = "'^0x[0-9a-f]{40}$'";

const JOURNAL_AND_OUTBOX = `
CREATE TABLE job_step (
  job          TEXT        NOT NULL,
  step         TEXT        NOT NULL,
  inputs_hash  TEXT        NOT NULL CHECK (inputs_hash ~ ${HASH}),
  status       TEXT        NOT NULL CHECK (status IN ('running', 'done')),
  outputs      JSONB,
  attempts     INTEGER     NOT NULL DEFAULT 1 CHECK (attempts > 0),
  last_error   TEXT,
  started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  finished_at  TIMESTAMPTZ,
  PRIMARY KEY (job, step),
  CHECK ((status = 'done') = (finished_at IS NOT NULL))
);

CREATE TABLE outbox_tx (
  id           TEXT          PRIMARY KEY,
  chain_id     BIGINT        NOT NULL,
  sender       TEXT          NOT NULL CHECK (sender ~ ${ADDRESS}),
  to_address   TEXT          NOT NULL CHECK (to_address ~ ${ADDRESS}),
  data         TEXT          NOT NULL CHECK (data ~ '^0x[0-9a-f]*$' AND length(data) % 2 = 0),
  value        NUMERIC(78,0) NOT NULL DEFAULT 0 CHECK (value >= 0),
  status       TEXT          NOT NULL CHECK (status IN ('intent', 'signed', 'mined', 'reverted')),
  nonce        BIGINT        CHECK (nonce >= 0),
  tx_hash      TEXT          CHECK (tx_hash ~ ${HASH}),
  raw_tx       TEXT,
  block_number BIGINT,
  block_hash   TEXT          CHECK (block_hash ~ ${HASH}),
  gas_used     NUMERIC(78,0),
  attempts     INTEGER       NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  replaced     JSONB         NOT NULL DEFAULT '[]'::jsonb,
  created_at   TIMESTAMPTZ   NOT NULL DEFAULT now(),
  updated_at   TIMESTAMPTZ   NOT NULL DEFAULT now(),
  CHECK ((status = 'intent') = (tx_hash IS NULL)),
  CHECK ((status = 'intent') = (nonce IS NULL)),
  CHECK ((status IN ('mined', 'reverted')) = (block_number IS NOT NULL))
);
CREATE UNIQUE INDEX outbox_tx_hash ON outbox_tx (tx_hash) WHERE tx_hash IS NOT NULL;
CREATE INDEX outbox_tx_open ON outbox_tx (status) WHERE status IN ('intent', 'signed');
`;

const CHAIN_LOGS = `
CREATE TABLE chain_stream (
  stream        TEXT        PRIMARY KEY,
  chain_id      BIGINT      NOT NULL,
  addresses     JSONB       NOT NULL,
  start_block   BIGINT      NOT NULL CHECK (start_block >= 0),
  cursor_number BIGINT      NOT NULL CHECK (cursor_number >= start_block - 1),
  cursor_hash   TEXT        CHECK (cursor_hash ~ ${HASH}),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK ((cursor_hash IS NULL) = (cursor_number < 0))
);

CREATE TABLE chain_block (
  stream          TEXT   NOT NULL REFERENCES chain_stream (stream) ON DELETE CASCADE,
  block_number    BIGINT NOT NULL CHECK (block_number >= 0),
  block_hash      TEXT   NOT NULL CHECK (block_hash ~ ${HASH}),
  parent_hash     TEXT   NOT NULL CHECK (parent_hash ~ ${HASH}),
  block_timestamp BIGINT NOT NULL,
  PRIMARY KEY (stream, block_number)
);

CREATE TABLE chain_log (
  stream       TEXT    NOT NULL,
  block_number BIGINT  NOT NULL,
  log_index    INTEGER NOT NULL CHECK (log_index >= 0),
  block_hash   TEXT    NOT NULL CHECK (block_hash ~ ${HASH}),
  tx_hash      TEXT    NOT NULL CHECK (tx_hash ~ ${HASH}),
  tx_index     INTEGER NOT NULL CHECK (tx_index >= 0),
  address      TEXT    NOT NULL CHECK (address ~ ${ADDRESS}),
  topic0       TEXT    CHECK (topic0 ~ ${HASH}),
  topic1       TEXT    CHECK (topic1 ~ ${HASH}),
  topic2       TEXT    CHECK (topic2 ~ ${HASH}),
  topic3       TEXT    CHECK (topic3 ~ ${HASH}),
  data         TEXT    NOT NULL CHECK (data ~ '^0x[0-9a-f]*$' AND length(data) % 2 = 0),
  contract     TEXT,
  event        TEXT,
  args         JSONB,
  PRIMARY KEY (stream, block_number, log_index),
  FOREIGN KEY (stream, block_number) REFERENCES chain_block (stream, block_number) ON DELETE CASCADE,
  CHECK ((event IS NULL) = (args IS NULL))
);
CREATE INDEX chain_log_event ON chain_log (stream, event, block_number, log_index);
CREATE INDEX chain_log_tx ON chain_log (tx_hash);
`;

export const STORE_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "step journal and transaction outbox", sql: JOURNAL_AND_OUTBOX },
  { version: 2, name: "chain log index", sql: CHAIN_LOGS },
];

export const STORE_SCHEMA: MigrationSet = { component: "store", migrations: STORE_MIGRATIONS };
