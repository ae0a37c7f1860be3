/**
 * The library's errors. Every failure a caller can act on is a `PoaError` with:
 *
 * - `code`: a stable identifier from `ERROR_CODES` (match on it, never on the message);
 * - `kind`: what sort of failure it is, which the CLI turns into an exit code;
 * - `details`: the structured facts behind the message (a file, a line, an address, amounts);
 * - `cause`: the underlying error, if any (walk the chain with `walk()`);
 * - `action`: optionally, what to do about it, phrased for any caller (never a CLI flag: the
 *   command line adds its own hints, see src/cli/hints.ts).
 *
 * Anything else that escapes the library is a bug.
 */

/**
 * - `usage`: the caller asked for something that cannot make sense (a malformed value, a missing
 *   argument). The CLI exits 2.
 * - `failure`: the request was understood and refused or failed: a check found a problem, the
 *   chain reverted, an input file is wrong. The CLI exits 1.
 * - `unavailable`: something the work needs could not be reached or read (an RPC endpoint, a
 *   content file, a locked database), so nothing could be checked or done; retrying later may
 *   work. The CLI exits 3.
 */
export type ErrorKind = "usage" | "failure" | "unavailable";

/**
 * Every error code the library raises, with its kind. Codes are UPPER_SNAKE_CASE and stable:
 * renaming one is a breaking change. Grouped by the area that raises them.
 */
export const ERROR_CODES = {
  // Values and files handed to the library.
  INVALID_VALUE: "usage",
  INVALID_AMOUNT: "usage",
  INVALID_ADDRESS: "usage",
  INVALID_INPUT_FILE: "failure",
  FILE_NOT_FOUND: "failure",
  FILE_NOT_WRITABLE: "failure",
  VALUE_OUT_OF_RANGE: "failure",
  DUPLICATE_ENTRY: "failure",

  // Networks, deployments, accounts, transactions.
  RPC_UNREACHABLE: "unavailable",
  DEPLOYMENT_NOT_FOUND: "failure",
  DEPLOYMENT_INVALID: "failure",
  DEPLOYMENT_WRONG_CHAIN: "failure",
  CONTRACT_NOT_FOUND: "failure",
  CONTRACT_REVERTED: "failure",
  INSUFFICIENT_FUNDS: "failure",
  INVALID_PRIVATE_KEY: "usage",
  TIMEOUT: "unavailable",

  // The local devnet.
  DEVNET_NOT_RUNNING: "failure",
  DEVNET_ALREADY_RUNNING: "failure",
  DEVNET_START_FAILED: "failure",
  DEVNET_DIR_INVALID: "failure",
  PORT_IN_USE: "failure",
  ANVIL_NOT_FOUND: "failure",

  // The OP Stack bridge.
  BRIDGE_MESSAGE_FAILED: "failure",
  BRIDGE_TOKEN_PAIR_UNSUPPORTED: "failure",
  WITHDRAWAL_NOT_FOUND: "failure",

  // Attribution, indexes, Merkle trees, Datanet versions.
  INDEX_INVALID: "failure",
  INDEX_TAMPERED: "failure",
  ATTRIBUTION_INPUT_INVALID: "failure",
  MERKLE_INVALID: "failure",
  VERSION_ROOT_MISMATCH: "failure",
  CHAIN_DATA_INVALID: "failure",

  // The content store and the Model Factory.
  CONTENT_NOT_FOUND: "failure",
  CONTENT_HASH_MISMATCH: "failure",
  TRAINING_INPUT_INVALID: "failure",
  TRAINING_ROW_INVALID: "failure",
  VERSION_REVOKED: "failure",
  ARTIFACT_INVALID: "failure",
  ADAPTER_BASE_MISMATCH: "failure",
  DATASET_UNAVAILABLE: "unavailable",

  // The state store (PGlite folder or PostgreSQL server), its journal and outbox.
  STORE_LOCKED: "unavailable",
  STORE_UNAVAILABLE: "unavailable",
  STORE_INVALID_LOCATION: "usage",
  STORE_CLOSED: "failure",
  STORE_MISUSE: "failure",
  STORE_QUERY_FAILED: "failure",
  STORE_SCHEMA_TOO_NEW: "failure",
  STORE_MIGRATION_CHANGED: "failure",
  STORE_MIGRATION_FAILED: "failure",
  JOURNAL_INPUTS_CHANGED: "failure",
  OUTBOX_CONFLICT: "failure",
  OUTBOX_TX_REVERTED: "failure",

  // Reading the chain's logs into the store.
  CHAIN_LOGS_REFUSED: "unavailable",
  CHAIN_REORGED: "failure",
  INDEX_CONFIG_CHANGED: "failure",

  // Governance (proposals, votes, the timelock) and OpenCircle grants.
  PROPOSAL_NOT_FOUND: "failure",
  PROPOSAL_STATE: "failure",
  INSUFFICIENT_VOTES: "failure",
  ALREADY_VOTED: "failure",
  TOO_EARLY: "failure",
  DEADLINE_PASSED: "failure",
  GRANT_NOT_FOUND: "failure",
  GRANT_STATE: "failure",
  NOT_AUTHORIZED: "failure",

  // The inference gateway (src/gateway): requests, models, keys, credit, payment backlog.
  REQUEST_INVALID: "usage",
  REQUEST_TOO_LARGE: "usage",
  PROMPT_TOO_LONG: "usage",
  MODEL_NOT_FOUND: "failure",
  MODEL_PAUSED: "failure",
  MODEL_RETIRED: "failure",
  MODEL_KIND_MISMATCH: "failure",
  ARTIFACT_URI_INVALID: "failure",
  API_KEY_INVALID: "failure",
  API_KEY_SIGNATURE_INVALID: "failure",
  CREDIT_INSUFFICIENT: "failure",
  FEE_ABOVE_MAX: "failure",
  RATE_LIMITED: "unavailable",
  BACKLOG_FULL: "unavailable",
  BACKEND_FAILED: "unavailable",

  // Generic integrity and state.
  INTEGRITY_MISMATCH: "failure",
  STATE_CONFLICT: "failure",
  NOT_FOUND: "failure",
  CANNOT_CHECK: "unavailable",
  INVARIANT_BROKEN: "failure",
  INTERRUPTED: "failure",
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface PoaErrorOptions {
  /** Structured facts behind the message, for callers and logs. */
  details?: Record<string, unknown>;
  /** The underlying error. */
  cause?: unknown;
  /** What to do about it, in words that suit any caller (no command-line flags). */
  action?: string;
}

export class PoaError extends Error {
  override readonly name: string = "PoaError";
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly details: Readonly<Record<string, unknown>>;
  readonly action: string | undefined;

  constructor(code: ErrorCode, message: string, options: PoaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = ERROR_CODES[code];
    this.details = Object.freeze({ ...options.details });
    this.action = options.action;
  }

  /**
   * Walks the cause chain from this error: returns the first error for which `predicate` holds,
   * or, without a predicate, the deepest cause.
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    return walkCauses(this, predicate);
  }
}

/** `error`'s cause chain, starting with `error` itself (cycles are cut). */
export function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && !chain.includes(current)) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** The first error of the cause chain matching `predicate`, or the deepest one without it. */
export function walkCauses(error: unknown, predicate?: (error: unknown) => boolean): unknown {
  const chain = causes(error);
  if (predicate === undefined) return chain[chain.length - 1];
  return chain.find(predicate);
}

/** True when `error` is a PoaError (with `code`, when given). */
export function isPoaError(error: unknown, code?: ErrorCode): error is PoaError {
  return error instanceof PoaError && (code === undefined || error.code === code);
}

/** The message of anything thrown, for wrapping foreign errors into a PoaError's message. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
