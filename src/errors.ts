/**
 * The one error type the library throws for problems a user can fix. `message` says what is
 * wrong; `hint` says what to do. The CLI prints both and exits with `exitCode`.
 */
export class PoaError extends Error {
  override readonly name = "PoaError";
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
  }
}

export const GENERIC_USAGE_HINT = "Run `npx poa --help` for the list of commands.";

/**
 * A command line that cannot be understood: unknown command, missing or bad option (exit 2).
 * Without a hint, the CLI points at the help of the command that raised it.
 */
export class UsageError extends PoaError {
  constructor(message: string, hint?: string) {
    super(message, hint ?? GENERIC_USAGE_HINT, 2);
  }
}
