import { parseArgs } from "node:util";

import { GENERIC_USAGE_HINT, PoaError, UsageError } from "../core/errors.js";
import type { Command } from "./command.js";
import { commands } from "./commands/index.js";

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: poa <command> [options]

Proof of Attribution: Datanets, models, inference fees and epoch reward settlement on an
OP Stack L2.

Commands:
${lines.join("\n")}

Run \`poa <command> --help\` for a command's options and an example.`;
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

/** Runs the CLI and returns the process exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv.length === 0) {
      console.error(overview());
      return 2;
    }
    if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      console.log(overview());
      return 0;
    }
    const found = findCommand(argv);
    if (found === undefined) {
      const group = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
      if (group.length > 0) {
        // A group word alone (`poa index`, `poa datanet --help`): list its subcommands.
        console.log(group.map((c) => `  ${c.name}  ${c.summary}`).join("\n"));
        return argv.length === 1 || argv[1] === "--help" || argv[1] === "-h" ? 0 : 2;
      }
      throw new UsageError(`unknown command "${argv.join(" ")}"`);
    }
    const { command, rest } = found;
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(command.help);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        options: command.options,
        allowPositionals: command.positionals === true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message, `Run \`npx poa ${command.name} --help\`.`);
    }
    try {
      return (await command.run({ values: parsed.values, positionals: parsed.positionals })) ?? 0;
    } catch (error) {
      // A usage error raised inside a command points at that command's help.
      if (error instanceof UsageError && error.hint === GENERIC_USAGE_HINT) {
        throw new UsageError(error.message, `Run \`npx poa ${command.name} --help\`.`);
      }
      throw error;
    }
  } catch (error) {
    if (error instanceof PoaError) {
      console.error(`error: ${error.message}`);
      if (error.hint !== undefined) console.error(error.hint);
      return error.exitCode;
    }
    const missing = missingBuildOutput(error);
    if (missing !== undefined) {
      console.error(`error: the compiled contracts are missing (${missing}).`);
      console.error("Run `npx hardhat build` (or `npm start`, which builds first), then run the command again.");
      return 1;
    }
    console.error(error);
    return 1;
  }
}
