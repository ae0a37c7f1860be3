/**
 * The gateway's tables (component "gateway"), following the store's conventions (docs/store.md):
 * amounts NUMERIC(78,0), hashes and addresses lower-case hex TEXT checked by CHECK, block numbers
 * BIGINT.
 *
 * - `gateway_config`: the chain, FeeRouter and operator this store belongs to (one row). A store
 *   is never reused with another chain, router or operator: its records and payments would mix.
 * - `gateway_api_key`: key hash -> account, with the signature that bound it.
 * - `gateway_record`: one row per served request: the canonical inference record's fields
 *   (src/settlement/record.ts; `request_hash` is its hash, the on-chain `requestHash`), the user
 *   charged (`account`), the fee charged and the payment guard (`max_fee`), and the payment:
 *   `state` unpaid -> batched -> paid (or `held` while the model cannot be paid, `void` when it
 *   never can be), with the FeeRouter's request id, fee, block and transaction once paid.
 * - `gateway_batch`: one `payBatch` transaction each: its records, its calldata (what the outbox
 *   sends, fixed at creation), and its outcome.
 */
import type { MigrationSet } from "../store/index.js";

const HASH = "'^0x[0-9a-f]{64}$'";
const ADDRESS = "'^0x[0-9a-f]{40}$'";

const V1 = `
CREATE TABLE gateway_config (
  id          SMALLINT    PRIMARY KEY CHECK (id = 1),
  chain_id    BIGINT      NOT NULL,
  fee_router  TEXT        NOT NULL CHECK (fee_router ~ ${ADDRESS}),
  operator    TEXT        NOT NULL CHECK (operator ~ ${ADDRESS}),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE gateway_api_key (
  key_hash    TEXT        PRIMARY KEY CHECK (key_hash ~ ${HASH}),
  account     TEXT        NOT NULL CHECK (account ~ ${ADDRESS}),
  signature   TEXT        NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at  TIMESTAMPTZ
);

CREATE SEQUENCE gateway_batch_seq;

CREATE TABLE gateway_batch (
  batch_id          BIGINT        PRIMARY KEY,
  model_id          NUMERIC(78,0) NOT NULL CHECK (model_id > 0),
  outbox_id         TEXT          NOT NULL UNIQUE,
  calldata          TEXT          NOT NULL CHECK (calldata ~ '^0x[0-9a-f]*$'),
  requests          INTEGER       NOT NULL CHECK (requests > 0),
  status            TEXT          NOT NULL CHECK (status IN ('open', 'paid', 'failed')),
  tx_hash           TEXT          CHECK (tx_hash ~ ${HASH}),
  block_number      BIGINT,
  gas_used          NUMERIC(78,0),
  first_request_id  NUMERIC(78,0),
  total_fee         NUMERIC(78,0),
  failure           TEXT,
  created_at        TIMESTAMPTZ   NOT NULL DEFAULT now(),
  finished_at       TIMESTAMPTZ,
  CHECK ((status = 'paid') = (tx_hash IS NOT NULL AND block_number IS NOT NULL))
);
CREATE INDEX gateway_batch_open ON gateway_batch (batch_id) WHERE status = 'open';

CREATE TABLE gateway_record (
  seq           BIGINT        GENERATED ALWAYS AS IDENTITY UNIQUE,
  request_hash  TEXT          PRIMARY KEY CHECK (request_hash ~ ${HASH}),
  chain_id      BIGINT        NOT NULL,
  model_id      NUMERIC(78,0) NOT NULL CHECK (model_id > 0),
  payer         TEXT          NOT NULL CHECK (payer ~ ${ADDRESS}),
  tokens_in     BIGINT        NOT NULL CHECK (tokens_in >= 0),
  tokens_out    BIGINT        NOT NULL CHECK (tokens_out >= 0),
  prompt        TEXT          NOT NULL,
  output        TEXT          NOT NULL,
  nonce         TEXT          NOT NULL CHECK (nonce ~ ${HASH}),
  endpoint      TEXT          NOT NULL CHECK (endpoint IN ('completions', 'chat', 'predictions')),
  account       TEXT          NOT NULL CHECK (account ~ ${ADDRESS}),
  fee           NUMERIC(78,0) NOT NULL CHECK (fee > 0),
  max_fee       NUMERIC(78,0) NOT NULL CHECK (max_fee >= fee),
  created_at    TIMESTAMPTZ   NOT NULL DEFAULT now(),
  state         TEXT          NOT NULL DEFAULT 'unpaid' CHECK (state IN ('unpaid', 'batched', 'paid', 'held', 'void')),
  batch_id      BIGINT        REFERENCES gateway_batch (batch_id),
  request_id    NUMERIC(78,0),
  paid_fee      NUMERIC(78,0),
  paid_block    BIGINT,
  paid_tx       TEXT          CHECK (paid_tx ~ ${HASH}),
  epoch         NUMERIC(78,0),
  note          TEXT,
  CHECK ((state = 'paid') = (request_id IS NOT NULL)),
  CHECK (state <> 'batched' OR batch_id IS NOT NULL)
);
CREATE INDEX gateway_record_unpaid ON gateway_record (model_id, seq) WHERE state = 'unpaid';
CREATE INDEX gateway_record_batch ON gateway_record (batch_id);
CREATE INDEX gateway_record_paid ON gateway_record (paid_block, seq) WHERE state = 'paid';
CREATE INDEX gateway_record_account ON gateway_record (account);
CREATE UNIQUE INDEX gateway_record_request_id ON gateway_record (request_id) WHERE request_id IS NOT NULL;
`;

export const GATEWAY_SCHEMA: MigrationSet = {
  component: "gateway",
  migrations: [{ version: 1, name: "records, batches, keys", sql: V1 }],
};
