/**
 * Commands are declared once: name, summary, description, positionals and options (name, type,
 * default, description). Parsing (Node's `util.parseArgs`), validation, conversion to typed
 * values and `--help` are all generated from that declaration, so the help can never disagree
 * with what is accepted.
 */
import { parseArgs } from "node:util";

import { checkAddress } from "../core/address.js";
import { MAX_UINT256, parseAmount } from "../core/amount.js";
import { PoaError } from "../core/errors.js";

/** The value types an option or positional can take. */
export type ValueType =
  | "string"
  | "boolean"
  /** A safe integer, bounded by `min` / `max` (default min 0). */
  | "integer"
  /** A finite decimal number, bounded by `min` / `max`. */
  | "number"
  /** A token amount in decimal OPEN ("1.5"), converted to base units (18 decimals), > 0, <= 2^256-1. */
  | "amount"
  /** An integer number of base units, 0 <= n <= 2^256-1. */
  | "units"
  /** A 20-byte address; mixed case must be a valid EIP-55 checksum. */
  | "address"
  /** 0x and 64 hex digits. */
  | "bytes32"
  /** A file system path (not checked here: the library says what is wrong with it). */
  | "path"
  /** An http(s) URL. */
  | "url"
  /** One of `choices`. */
  | "choice"
  /** A private key: 0x and 64 hex digits (never echoed in errors). */
  | "key";

interface ValueOf {
  string: string;
  boolean: boolean;
  integer: number;
  number: number;
  amount: bigint;
  units: bigint;
  address: string;
  bytes32: string;
  path: string;
  url: string;
  choice: string;
  key: string;
}

export interface OptionDecl {
  type: ValueType;
  description: string;
  /** Shown in the help after the flag, e.g. "<file>"; derived from the type when omitted. */
  placeholder?: string;
  default?: string | number | boolean | bigint;
  required?: boolean;
  /** The option may be given several times; the value is then an array. */
  multiple?: boolean;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** An environment variable read when the option is not given. */
  env?: string;
  /**
   * The option only makes sense when another option has one of these values (e.g. `--lambda`
   * only with `--method influence`); given otherwise, it is refused rather than ignored.
   */
  onlyWith?: { option: string; values: readonly string[] };
  /** Single-letter alias. */
  short?: string;
}

export interface PositionalDecl {
  name: string;
  type: ValueType;
  description: string;
  required?: boolean;
  min?: number;
  max?: number;
  choices?: readonly string[];
}

type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

type Typed<D extends { type: ValueType; choices?: readonly string[] }> = D extends {
  type: "choice";
  choices: readonly (infer C)[];
}
  ? C
  : ValueOf[D["type"]];

type OptionValue<D extends OptionDecl> = D extends { multiple: true }
  ? Typed<D>[]
  : D extends { required: true } | { default: string | number | boolean | bigint }
    ? Typed<D>
    : D extends { type: "boolean" }
      ? boolean
      : Typed<D> | undefined;

/** The typed values a command's `run` receives: options by camelCase name, positionals by name. */
export type Args<O extends Record<string, OptionDecl>, P extends readonly PositionalDecl[]> = {
  [K in keyof O & string as Camel<K>]: OptionValue<O[K]>;
} & {
  [D in P[number] as Camel<D["name"]>]: D extends { required: false } ? Typed<D> | undefined : Typed<D>;
};

export interface CommandSpec<O extends Record<string, OptionDecl>, P extends readonly PositionalDecl[]> {
  /** One or more words: "settle", "datanet add". */
  name: string;
  /** One line, shown in `poa --help`. */
  summary: string;
  /** Paragraphs shown by `poa <command> --help`. */
  description: string;
  positionals?: P;
  options: O;
  /** Command lines that run as written (each starts with `npx poa`). */
  examples: readonly string[];
  /** Extra lines for the exit-code section (the common codes are always listed). */
  exitCodes?: readonly string[];
  /** Returns the exit code (0 when nothing is returned). */
  run(args: Args<O, P>): Promise<number | void>;
}

export interface Command {
  name: string;
  summary: string;
  help(): string;
  /** Parses `argv` (after the command words) and runs; throws PoaError for a bad command line. */
  invoke(argv: readonly string[]): Promise<number>;
}

/** A command-line mistake (exit 2), naming the command whose help to read. */
export function usageError(message: string, details: Record<string, unknown> = {}): PoaError {
  return new PoaError("INVALID_VALUE", message, { details: { ...details, usage: true } });
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function placeholderOf(decl: { type: ValueType; placeholder?: string; choices?: readonly string[] }): string {
  if (decl.placeholder !== undefined) return decl.placeholder;
  switch (decl.type) {
    case "integer":
    case "number":
      return "<n>";
    case "amount":
      return "<OPEN>";
    case "units":
      return "<wei>";
    case "address":
      return "<0x…>";
    case "bytes32":
      return "<0x…32 bytes>";
    case "path":
      return "<path>";
    case "url":
      return "<url>";
    case "choice":
      return `<${(decl.choices ?? []).join("|")}>`;
    case "key":
      return "<0x…>";
    default:
      return "<value>";
  }
}

const NEGATIVE_NUMBER = /^-\d/;

/**
 * `util.parseArgs` takes "-5" for an option ("Unknown option '-5'") or refuses it as an ambiguous
 * value. A negative number is always meant as a value: join it to the option before it
 * (`--pool -5` -> `--pool=-5`) or mark it positional, so that the type check can say what is wrong.
 */
function protectNegatives(argv: readonly string[], options: Record<string, OptionDecl>): string[] {
  const out: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const next = argv[i + 1];
    const flag = arg.startsWith("--") && !arg.includes("=") ? arg.slice(2) : undefined;
    if (
      flag !== undefined &&
      options[flag] !== undefined &&
      options[flag]!.type !== "boolean" &&
      next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      out.push(`${arg}=${next}`);
      i++;
    } else if (NEGATIVE_NUMBER.test(arg)) {
      positionals.push(arg);
    } else {
      out.push(arg);
    }
  }
  return positionals.length === 0 ? out : [...out, "--", ...positionals];
}

/** Converts one raw string to its declared type; `label` names it in errors ("--pool", "<amount>"). */
export function convert(
  raw: string,
  decl: { type: ValueType; choices?: readonly string[]; min?: number; max?: number },
  label: string,
): unknown {
  const fail = (what: string) => usageError(`${label} ${what} (got "${raw}")`, { option: label, value: raw });
  switch (decl.type) {
    case "string":
    case "path": {
      if (raw === "") throw fail("must not be empty");
      return raw;
    }
    case "boolean":
      return raw;
    case "integer": {
      if (!/^-?\d+$/.test(raw)) throw fail("must be a whole number");
      const n = Number(raw);
      const min = decl.min ?? 0;
      if (!Number.isSafeInteger(n)) throw fail("is too large");
      if (n < min)
        throw fail(min === 1 ? "must be positive" : min === 0 ? "must not be negative" : `must be at least ${min}`);
      if (decl.max !== undefined && n > decl.max) throw fail(`must be at most ${decl.max}`);
      return n;
    }
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw fail("must be a number");
      if (decl.min !== undefined && n < decl.min)
        throw fail(decl.min === 0 ? "must not be negative" : `must be at least ${decl.min}`);
      if (decl.max !== undefined && n > decl.max) throw fail(`must be at most ${decl.max}`);
      return n;
    }
    case "amount": {
      if (/^-/.test(raw.trim())) throw fail("must be positive");
      try {
        return parseAmount(raw);
      } catch (error) {
        throw usageError(`${label}: ${(error as Error).message}`, { option: label, value: raw });
      }
    }
    case "units": {
      if (/^-/.test(raw)) throw fail("must not be negative");
      if (!/^\d+$/.test(raw)) throw fail("must be a whole number of base units");
      const n = BigInt(raw);
      if (n > MAX_UINT256) throw fail("is larger than a uint256 can hold (2^256 - 1)");
      return n;
    }
    case "address": {
      const checked = checkAddress(raw);
      if (checked.ok) return checked.address;
      throw fail(
        checked.problem === "checksum"
          ? "has a wrong EIP-55 checksum (a mistyped letter?); write it in lower case to skip the checksum"
          : "is not an address (0x and 40 hex digits)",
      );
    }
    case "bytes32": {
      if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) throw fail("must be 0x and 64 hex digits");
      return raw.toLowerCase();
    }
    case "url": {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw fail("is not a URL");
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") throw fail("must be an http:// or https:// URL");
      return raw;
    }
    case "key": {
      if (!/^0x[0-9a-fA-F]{64}$/.test(raw))
        throw usageError(`${label}: the private key must be 0x followed by 64 hex digits`, { option: label });
      return raw;
    }
    case "choice": {
      if (!(decl.choices ?? []).includes(raw)) throw fail(`must be one of ${(decl.choices ?? []).join(", ")}`);
      return raw;
    }
  }
}

function defaultText(decl: OptionDecl): string {
  if (decl.default === undefined || decl.type === "boolean") return "";
  return ` (default ${String(decl.default)})`;
}

export function defineCommand<
  const O extends Record<string, OptionDecl>,
  const P extends readonly PositionalDecl[] = readonly [],
>(spec: CommandSpec<O, P>): Command {
  const positionals: readonly PositionalDecl[] = spec.positionals ?? [];
  const options: Record<string, OptionDecl> = spec.options;

  const help = (): string => {
    const usage = [
      `poa ${spec.name}`,
      ...positionals.map((p) => (p.required === false ? `[<${p.name}>]` : `<${p.name}>`)),
      ...Object.entries(options)
        .filter(([, d]) => d.required === true)
        .map(([n, d]) => `--${n} ${placeholderOf(d)}`),
      Object.values(options).some((d) => d.required !== true) ? "[options]" : "",
    ]
      .filter(Boolean)
      .join(" ");
    const rows: [string, string][] = [
      ...positionals.map((p): [string, string] => [`<${p.name}>`, p.description]),
      ...Object.entries(options).map(([n, d]): [string, string] => [
        `${d.short === undefined ? "" : `-${d.short}, `}--${n}${d.type === "boolean" ? "" : ` ${placeholderOf(d)}`}`,
        `${d.description}${defaultText(d)}${d.required === true ? " (required)" : ""}${d.multiple === true ? " (repeatable)" : ""}${d.env === undefined ? "" : ` (or $${d.env})`}${d.onlyWith === undefined ? "" : ` (only with --${d.onlyWith.option} ${d.onlyWith.values.join("|")})`}`,
      ]),
      ["-h, --help", "show this help"],
    ];
    const width = Math.min(34, Math.max(...rows.map(([l]) => l.length)));
    const table = rows
      .map(([l, r]) => (l.length > width ? `  ${l}\n  ${" ".repeat(width)}  ${r}` : `  ${l.padEnd(width)}  ${r}`))
      .join("\n");
    return [
      `Usage: ${usage}`,
      "",
      spec.description.trim(),
      "",
      "Options:",
      table,
      "",
      "Exit codes:",
      ...[
        "0  success",
        "1  failed (a check found a problem, the chain refused, an input is wrong)",
        "2  bad command line",
        "3  could not check or reach what is needed (RPC down, content missing, store locked)",
        ...(spec.exitCodes ?? []),
      ].map((l) => `  ${l}`),
      "",
      spec.examples.length === 1 ? "Example:" : "Examples:",
      ...spec.examples.map((e) => `  ${e}`),
    ].join("\n");
  };

  const invoke = async (argv: readonly string[]): Promise<number> => {
    const parseOptions: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }> = {};
    for (const [name, decl] of Object.entries(options)) {
      parseOptions[name] = {
        type: decl.type === "boolean" ? "boolean" : "string",
        ...(decl.multiple === true ? { multiple: true } : {}),
        ...(decl.short === undefined ? {} : { short: decl.short }),
      };
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: protectNegatives(argv, options),
        options: parseOptions,
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
      throw usageError(message.replace(/^Unknown option '(.*)'$/, "unknown option $1"));
    }
    const given = parsed.positionals;
    if (given.length > positionals.length) {
      const extra = given[positionals.length]!;
      throw usageError(
        positionals.length === 0
          ? `unexpected argument "${extra}" (this command takes only options)`
          : `unexpected argument "${extra}" (this command takes ${positionals.map((p) => `<${p.name}>`).join(" ")})`,
      );
    }
    const args: Record<string, unknown> = {};
    for (const [name, decl] of Object.entries(options)) {
      let raw = parsed.values[name] as string | boolean | (string | boolean)[] | undefined;
      if (
        raw === undefined &&
        decl.env !== undefined &&
        process.env[decl.env] !== undefined &&
        process.env[decl.env] !== ""
      )
        raw = process.env[decl.env];
      if (raw !== undefined && decl.onlyWith !== undefined) {
        const other = parsed.values[decl.onlyWith.option] ?? options[decl.onlyWith.option]?.default;
        if (!decl.onlyWith.values.includes(String(other)))
          throw usageError(
            `--${name} only applies with --${decl.onlyWith.option} ${decl.onlyWith.values.join(" or ")}${other === undefined ? "" : ` (this is --${decl.onlyWith.option} ${String(other)})`}`,
          );
      }
      if (raw === undefined) {
        if (decl.required === true) throw usageError(`missing --${name} ${placeholderOf(decl)}: ${decl.description}`);
        args[camel(name)] =
          decl.multiple === true
            ? []
            : decl.type === "boolean"
              ? false
              : decl.default === undefined
                ? undefined
                : decl.default === ""
                  ? ""
                  : convert(String(decl.default), decl, `--${name}`);
        continue;
      }
      if (decl.type === "boolean") {
        args[camel(name)] = raw === true || raw === "true";
        continue;
      }
      args[camel(name)] = Array.isArray(raw)
        ? raw.map((r) => convert(String(r), decl, `--${name}`))
        : convert(String(raw), decl, `--${name}`);
    }
    positionals.forEach((decl, i) => {
      const raw = given[i];
      if (raw === undefined) {
        if (decl.required !== false) throw usageError(`missing <${decl.name}>: ${decl.description}`);
        return;
      }
      args[camel(decl.name)] = convert(raw, decl, `<${decl.name}>`);
    });
    return (await spec.run(args as Args<O, P>)) ?? 0;
  };

  return { name: spec.name, summary: spec.summary, help, invoke };
}
