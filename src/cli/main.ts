import { chainError } from "../chain/errors.js";
import { isPoaError, messageOf, type PoaError } from "../core/errors.js";
import type { Command } from "./define.js";
import { commands } from "./commands/index.js";
import { EXIT, exitCodeOf, hintFor } from "./hints.js";

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: poa <command> [options]

Proof of Attribution: Datanets, models, inference fees and epoch reward settlement on an
OP Stack L2.

Commands:
${lines.join("\n")}

Run \`poa <command> --help\` for a command's options and an example.
Exit codes: 0 success, 1 failed, 2 bad command line, 3 could not check or reach what is needed.`;
}

/** The command whose (possibly multi-word) name is the longest prefix of `argv`. */
export function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of commands) {
    const words = command.name.split(" ");
    const matches = words.every((word, i) => argv[i] === word);
    if (matches && (best === undefined || words.length > best.command.name.split(" ").length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

/** The generated folder a failed import points into (types/ or artifacts/), if that is the cause. */
function missingBuildOutput(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code !== "ERR_MODULE_NOT_FOUND" || message === undefined) return undefined;
  const match = /Cannot find module '([^']*\/(?:types|artifacts)\/[^']*)'/.exec(message);
  return match?.[1];
}

/** Error codes ethers (v5 and v6) uses: an escaped one is still a chain error, not a bug. */
const ETHERS_CODES =
  /^(CALL_EXCEPTION|INSUFFICIENT_FUNDS|NETWORK_ERROR|SERVER_ERROR|TIMEOUT|UNKNOWN_ERROR|NONCE_EXPIRED|REPLACEMENT_UNDERPRICED|TRANSACTION_REPLACED|UNPREDICTABLE_GAS_LIMIT|ACTION_REJECTED|BAD_DATA)$/;

function report(error: PoaError, command: string): number {
  console.error(`error: ${error.message}`);
  const hint = hintFor(error, command);
  if (hint !== undefined) console.error(hint);
  if (process.env.POA_DEBUG === "1") console.error(error);
  return exitCodeOf(error.kind);
}

/** Runs the CLI and returns the process exit code. Never throws; never prints a stack trace unless POA_DEBUG=1. */
export async function main(argv: readonly string[]): Promise<number> {
  let commandName = "";
  try {
    if (argv.length === 0) {
      console.error(overview());
      return EXIT.usage;
    }
    if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      console.log(overview());
      return EXIT.ok;
    }
    const found = findCommand(argv);
    if (found === undefined) {
      const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
      if (group.length > 0) {
        // A group word alone (`poa index`, `poa datanet --help`): list its subcommands.
        const width = Math.max(...group.map((c) => c.name.length));
        const list = group.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
        if (argv.length === 1 || argv[1] === "--help" || argv[1] === "-h") {
          console.log(list);
          return EXIT.ok;
        }
        console.error(`error: unknown command "${argv.slice(0, 2).join(" ")}"\n${list}`);
        return EXIT.usage;
      }
      console.error(`error: unknown command "${argv[0]}"`);
      console.error("Run `npx poa --help` for the list of commands.");
      return EXIT.usage;
    }
    const { command, rest } = found;
    commandName = command.name;
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(command.help());
      return EXIT.ok;
    }
    return await command.invoke(rest);
  } catch (error) {
    if (isPoaError(error)) return report(error, commandName);
    const missing = missingBuildOutput(error);
    if (missing !== undefined) {
      console.error(`error: the compiled contracts are missing (${missing}).`);
      console.error("Run `npm run build` (or `npm start`, which builds first), then run the command again.");
      return EXIT.failure;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "string" && ETHERS_CODES.test(code))
      return report(chainError(error, commandName === "" ? "poa" : `poa ${commandName}`), commandName);
    console.error(`error: internal error in poa ${commandName}: ${messageOf(error)}`);
    console.error("This is a bug. Run again with POA_DEBUG=1 to see the stack trace, and please report it.");
    if (process.env.POA_DEBUG === "1") console.error(error);
    return EXIT.failure;
  }
}
