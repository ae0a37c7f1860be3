/**
 * What the command line says after an error: a hint that may name flags and commands (the
 * library's own `action` never does), and the exit code of the error's kind.
 */
import type { ErrorCode, ErrorKind, PoaError } from "../core/errors.js";

export const EXIT = { ok: 0, failure: 1, usage: 2, unavailable: 3, interrupted: 130 } as const;

export function exitCodeOf(kind: ErrorKind): number {
  return kind === "usage" ? EXIT.usage : kind === "unavailable" ? EXIT.unavailable : EXIT.failure;
}

/** A library field name as its command-line flag: l1Port -> --l1-port. */
export function flagOf(field: string): string {
  return `--${field.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
}

type Hint = (error: PoaError, command: string) => string | undefined;

const HINTS: Partial<Record<ErrorCode, Hint>> = {
  DEVNET_NOT_RUNNING: () =>
    "Start one with `npx poa devnet` in another terminal (or pass --dir <folder> of the devnet you started).",
  DEVNET_ALREADY_RUNNING: () =>
    "Use it (commands find it through --dir), stop it with `npx poa devnet stop`, or start another with --dir <other folder> --l1-port <n> --l2-port <n>.",
  DEVNET_DIR_INVALID: (e) =>
    `Stop any devnet using it (\`npx poa devnet stop --dir ${String(e.details.dir ?? ".devnet")}\`), delete ${String(e.details.path ?? "the file")} and start the devnet again.`,
  PORT_IN_USE: (e) =>
    `Stop what listens there (\`npx poa devnet stop\` if it is a devnet of this folder), or pass ${e.details.field === undefined ? "another port" : `${flagOf(String(e.details.field))} <port>`}.`,
  DEPLOYMENT_NOT_FOUND: () => "Deploy first: `npx poa devnet deploy` (or pass --deployment <file>).",
  DEPLOYMENT_INVALID: () => "Run `npx poa devnet deploy` to rewrite it, or pass --deployment <file> of a valid record.",
  DEPLOYMENT_WRONG_CHAIN: () =>
    "Run `npx poa devnet deploy` for the chains now running (or pass --deployment with the record written for them).",
  INVALID_PRIVATE_KEY: () => "Pass --private-key 0x… (64 hex digits) or set POA_PRIVATE_KEY.",
  RPC_UNREACHABLE: () => "Is the chain running? Start the devnet with `npx poa devnet`, or pass --l2-rpc <url>.",
  INDEX_INVALID: () => "Rebuild it: `npx poa index build --corpus <file.jsonl> --out <dir>`.",
  INDEX_TAMPERED: () => "Rebuild it from the corpus: `npx poa index build --corpus <file.jsonl> --out <dir>`.",
  ANVIL_NOT_FOUND: () => "Run `npm install` (it installs @foundry-rs/anvil), or set POA_ANVIL to an anvil binary.",
  WITHDRAWAL_NOT_FOUND: () => "List your withdrawals with `npx poa bridge withdrawals`.",
  INVALID_VALUE: (e, command) =>
    e.details.usage === true || e.details.field !== undefined ? `Run \`npx poa ${command} --help\`.` : undefined,
  STORE_LOCKED: (e, command) =>
    command.startsWith("serve") || command === "records export"
      ? `Another process holds the gateway store (${String((e.details.holder as { name?: unknown } | undefined)?.name ?? "a runner")}): stop that \`poa serve\` first, or run the gateway with --store postgres://… so the store can be read beside it.`
      : undefined,
  STORE_INVALID_LOCATION: (_e, command) =>
    command.startsWith("serve") || command === "records export"
      ? "Pass --store <the folder `poa serve` ran with> (or its postgres:// URL)."
      : undefined,
  STATE_CONFLICT: (_e, command) =>
    command === "serve"
      ? "A gateway store keeps the records of one chain and operator: pass another --store for this one."
      : undefined,
  CONTRACT_NOT_FOUND: (_e, command) =>
    command === "serve"
      ? "Deploy the protocol (`npx poa devnet deploy`) or pass --deployment <file> for this chain."
      : undefined,
  INVALID_AMOUNT: (_e, command) => `Run \`npx poa ${command} --help\`.`,
  INVALID_ADDRESS: (_e, command) => `Run \`npx poa ${command} --help\`.`,
  PROPOSAL_NOT_FOUND: () => "List the proposals with `npx poa gov status`.",
  PROPOSAL_STATE: (e, command) =>
    e.details.at !== undefined
      ? `On the devnet, add --wait to move its clock on (or run \`npx poa devnet advance <seconds>\`); see \`npx poa gov status\`.`
      : command.startsWith("gov ")
        ? "See its state with `npx poa gov status`."
        : undefined,
  INSUFFICIENT_VOTES: (e) =>
    e.details.proposal === undefined
      ? "Delegate OPEN to the proposer first: `npx poa gov delegate` (votes count from the next second)."
      : "Delegate now (`npx poa gov delegate`) to vote on proposals made after it.",
  TOO_EARLY: () =>
    "On the devnet, add --wait to move its clock on (or run `npx poa devnet advance <seconds>`); elsewhere, run it again then.",
  GRANT_NOT_FOUND: () => "List the grants with `npx poa grants status`.",
  GRANT_STATE: (e) =>
    e.details.grantId === undefined
      ? undefined
      : `See the grant with \`npx poa grants status --grant ${String(e.details.grantId)}\`.`,
  NOT_AUTHORIZED: () =>
    'Pass --private-key of the account that holds the role (docs/governance.md, "Who can do what").',
};

/** The line printed after `error: …`: the command-line hint for this code, else the library's action. */
export function hintFor(error: PoaError, command: string): string | undefined {
  return HINTS[error.code]?.(error, command) ?? error.action;
}
