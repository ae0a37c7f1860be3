/**
 * The settlement's tables (component "settlement"), next to the store's own (journal, outbox,
 * chain log index): the records a run used, and the cumulative balances it computed, per run.
 * Conventions: docs/store.md.
 */
import type { MigrationSet } from "../store/index.js";

const HASH = "'^0x[0-9a-f]{64}$'";
const ADDRESS = "'^0x[0-9a-f]{40}$'";

export const SETTLEMENT_SCHEMA: MigrationSet = {
  component: "settlement",
  migrations: [
    {
      version: 1,
      name: "runs, balances and records",
      sql: `
CREATE TABLE settlement_run (
  job          TEXT          PRIMARY KEY,
  network      TEXT          NOT NULL,
  from_epoch   BIGINT        NOT NULL CHECK (from_epoch >= 0),
  to_epoch     BIGINT        NOT NULL CHECK (to_epoch >= from_epoch),
  root         TEXT          NOT NULL CHECK (root ~ ${HASH}),
  total        NUMERIC(78,0) NOT NULL CHECK (total >= 0),
  report_hash  TEXT          NOT NULL CHECK (report_hash ~ ${HASH}),
  report_uri   TEXT          NOT NULL,
  folder       TEXT          NOT NULL,
  accounts     INTEGER       NOT NULL CHECK (accounts >= 0),
  created_at   TIMESTAMPTZ   NOT NULL DEFAULT now()
);

CREATE TABLE settlement_balance (
  job          TEXT          NOT NULL REFERENCES settlement_run (job) ON DELETE CASCADE,
  account      TEXT          NOT NULL CHECK (account ~ ${ADDRESS}),
  cumulative   NUMERIC(78,0) NOT NULL CHECK (cumulative >= 0),
  earned       NUMERIC(78,0) NOT NULL CHECK (earned >= 0),
  PRIMARY KEY (job, account)
);

CREATE TABLE settlement_record (
  request_hash TEXT          PRIMARY KEY CHECK (request_hash ~ ${HASH}),
  job          TEXT          NOT NULL REFERENCES settlement_run (job) ON DELETE CASCADE,
  model_id     NUMERIC(78,0) NOT NULL,
  payer        TEXT          NOT NULL CHECK (payer ~ ${ADDRESS}),
  line         TEXT          NOT NULL
);
`,
    },
  ],
};
