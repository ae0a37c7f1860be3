import { parseArgs } from "node:util";

import { PoaError, UsageError } from "../errors.js";
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

/** Runs the CLI and returns the process exit code. Never throws. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      console.log(overview());
      return argv.length === 0 ? 2 : 0;
    }
    const found = findCommand(argv);
    if (found === undefined) throw new UsageError(`unknown command "${argv.join(" ")}"`);
    const { command, rest } = found;
    if (rest.includes("--help") || rest.includes("-h")) {
      console.log(command.help);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message, `Run \`npx poa ${command.name} --help\`.`);
    }
    return (await command.run({ values: parsed.values, positionals: parsed.positionals })) ?? 0;
  } catch (error) {
    if (error instanceof PoaError) {
      console.error(`error: ${error.message}`);
      if (error.hint !== undefined) console.error(error.hint);
      return error.exitCode;
    }
    console.error(error);
    return 1;
  }
}
