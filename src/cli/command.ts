import type { ParseArgsConfig } from "node:util";

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** What a command receives: parsed option values and the positional arguments. */
export interface CommandInput {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * One `poa` command. `name` may have several words ("index build"); the CLI picks the command
 * whose name is the longest prefix of the arguments. `help` is printed by `--help`.
 */
export interface Command {
  name: string;
  summary: string;
  /** Full help: usage line, what it does, options, an example. */
  help: string;
  options: OptionSpec;
  /** True when the command takes positional arguments (all others refuse stray words). */
  positionals?: boolean;
  /** Returns the process exit code (0 when omitted). Throws PoaError for user errors. */
  run(input: CommandInput): Promise<number | void>;
}
