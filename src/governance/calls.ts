/**
 * What a proposal does: a list of calls the timelock will make. Written as a small JSON file, or
 * built from a built-in action ("set the platform fee to 300 bps"). Everything is checked before
 * anything is proposed, because a mistake found after a week of voting costs another week:
 *
 * ```json
 * [
 *   { "target": "FeeRouter", "function": "schedulePlatformFee(uint256)", "args": [300] },
 *   { "target": "OPEN", "function": "transfer", "args": ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "250 OPEN"] }
 * ]
 * ```
 *
 * or `{ "description": "...", "calls": [ ... ] }`. Per call:
 * - `target`: a contract of the deployment by name (`FeeRouter`, `GrantsVault`, `OpenGovernor`,
 *   `OpenTimelock`, `L2OpenToken`, ...; aliases `OPEN`, `Governor`, `Timelock`, `Treasury`), or an
 *   address with code;
 * - `function`: a signature `name(type,...)`, or only the name when the target is a named
 *   contract whose ABI has exactly one function of that name; a named contract must have it, and
 *   it must change state (a view in a proposal does nothing);
 * - `args`: one JSON value per parameter: integers as JSON numbers (safe integers only) or
 *   strings ("1000000000000000000", "0x10", "250 OPEN" = 250 x 10^18), addresses as strings or
 *   contract names, booleans, 0x hex for bytes, arrays for arrays, arrays or objects (by
 *   component name) for structs;
 * - `value` (optional): wei sent with the call, a whole number (default 0).
 * Unknown keys are refused (a misspelt key would otherwise be silently ignored).
 */
import { readFileSync, statSync } from "node:fs";

import { FunctionFragment, Interface, ParamType, getAddress, type Result } from "ethers";

import { checkAddress } from "../core/address.js";
import { parseAmount } from "../core/amount.js";
import { isPoaError, messageOf, PoaError } from "../core/errors.js";
import { TARGET_ABIS, TARGET_ALIASES, nameOf, type Governance } from "./contracts.js";

/** One call of a proposal, encoded. */
export interface ProposalCall {
  target: string;
  value: bigint;
  data: string;
  /** What it does, for people: `FeeRouter.schedulePlatformFee(300)`. */
  label: string;
}

/** What a calls file holds. */
export interface CallsFile {
  calls: ProposalCall[];
  description: string | undefined;
}

const MAX_CALLS = 32;
const CALL_KEYS = new Set(["target", "function", "args", "value"]);

/** Where names and addresses are resolved: the deployment's contracts. */
type Names = Pick<Governance, "addresses">;

class CallError extends Error {}

/** Resolves a target: a deployment contract's name (or alias) or an address. */
export function resolveTarget(names: Names, target: unknown): { address: string; name: string | undefined } {
  if (typeof target !== "string" || target === "")
    throw new CallError('"target" must be a contract name or an address (a string)');
  const canonical = TARGET_ALIASES[target] ?? target;
  const named = names.addresses[canonical];
  if (named !== undefined) return { address: getAddress(named), name: canonical };
  if (target.startsWith("0x")) {
    const checked = checkAddress(target);
    if (!checked.ok)
      throw new CallError(
        checked.problem === "checksum"
          ? `"target" ${target} has a wrong EIP-55 checksum (write it in lower case to skip the check)`
          : `"target" ${target} is not an address (0x and 40 hex digits)`,
      );
    return { address: checked.address, name: nameOf(names, checked.address) };
  }
  const known = [...Object.keys(names.addresses), ...Object.keys(TARGET_ALIASES)].sort();
  throw new CallError(
    `"target" "${target}" is neither a contract of the deployment (${known.join(", ")}) nor an address`,
  );
}

/** The function a call names, checked against the target's ABI when the target is a named contract. */
function resolveFunction(name: string | undefined, spec: unknown): FunctionFragment {
  if (typeof spec !== "string" || spec.trim() === "")
    throw new CallError('"function" must be a signature such as "setVetoWindow(uint256)" (a string)');
  const text = spec.trim();
  const abi = name === undefined ? undefined : TARGET_ABIS[name];
  if (!text.includes("(")) {
    if (abi === undefined)
      throw new CallError(
        `"function" "${text}" needs its parameter types, e.g. "${text}(uint256)" (the target is not a named contract, so its ABI is unknown)`,
      );
    const matches = abi.fragments.filter(
      (f): f is FunctionFragment => f.type === "function" && (f as FunctionFragment).name === text,
    );
    if (matches.length === 0) throw new CallError(`${name} has no function "${text}"`);
    if (matches.length > 1)
      throw new CallError(
        `${name} has ${matches.length} functions named "${text}" (${matches.map((f) => f.format("sighash")).join(", ")}): give the signature`,
      );
    return checkMutates(name!, matches[0]!);
  }
  let fragment: FunctionFragment;
  try {
    fragment = FunctionFragment.from(`function ${text}`);
  } catch (error) {
    throw new CallError(`"function" "${text}" is not a function signature (${shortEthersMessage(error)})`);
  }
  if (abi === undefined) return fragment;
  const found = abi.getFunction(fragment.format("sighash"));
  if (found === null) {
    const sameName = abi.fragments
      .filter((f): f is FunctionFragment => f.type === "function" && (f as FunctionFragment).name === fragment.name)
      .map((f) => f.format("sighash"));
    throw new CallError(
      sameName.length > 0
        ? `${name} has no function ${fragment.format("sighash")}; it has ${sameName.join(", ")}`
        : `${name} has no function ${fragment.format("sighash")}`,
    );
  }
  return checkMutates(name!, found);
}

function checkMutates(name: string, fragment: FunctionFragment): FunctionFragment {
  if (fragment.stateMutability === "view" || fragment.stateMutability === "pure")
    throw new CallError(
      `${name}.${fragment.format("sighash")} only reads (${fragment.stateMutability}): a proposal calling it changes nothing`,
    );
  return fragment;
}

function shortEthersMessage(error: unknown): string {
  const short = (error as { shortMessage?: unknown }).shortMessage;
  return (typeof short === "string" ? short : messageOf(error)).replace(/\s*\(argument=.*$/s, "");
}

const UINT = /^uint(\d*)$/;
const INT = /^int(\d*)$/;

/** Converts one JSON value to what ethers encodes for `type`, with an error naming the problem. */
function toAbiValue(value: unknown, type: ParamType, names: Names): unknown {
  const show = JSON.stringify(value) ?? String(value);
  if (type.isArray()) {
    if (!Array.isArray(value)) throw new CallError(`${show} is not an array (the type is ${type.format()})`);
    if (type.arrayLength >= 0 && value.length !== type.arrayLength)
      throw new CallError(`${show} has ${value.length} items; ${type.format()} needs ${type.arrayLength}`);
    return value.map((v) => toAbiValue(v, type.arrayChildren, names));
  }
  if (type.isTuple()) {
    const components = type.components;
    if (Array.isArray(value)) {
      if (value.length !== components.length)
        throw new CallError(`${show} has ${value.length} items; the struct has ${components.length} fields`);
      return components.map((c, i) => toAbiValue(value[i], c, names));
    }
    if (typeof value !== "object" || value === null)
      throw new CallError(`${show} is not a struct (an object by field name, or an array)`);
    const record = value as Record<string, unknown>;
    const fields = components.map((c) => c.name);
    const extra = Object.keys(record).filter((k) => !fields.includes(k));
    if (extra.length > 0)
      throw new CallError(
        `the struct has no field ${extra.map((k) => `"${k}"`).join(", ")} (it has ${fields.join(", ")})`,
      );
    return components.map((c) => {
      if (!(c.name in record)) throw new CallError(`the struct's field "${c.name}" is missing`);
      return toAbiValue(record[c.name], c, names);
    });
  }
  const base = type.baseType;
  const uint = UINT.exec(base);
  const int = INT.exec(base);
  if (uint !== null || int !== null) {
    const bits = BigInt((uint ?? int)![1] || "256");
    let n: bigint;
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value))
        throw new CallError(
          `${show} is not a whole number JSON can hold exactly: write it as a string ("${String(value)}" is ambiguous)`,
        );
      n = BigInt(value);
    } else if (typeof value === "string") {
      const text = value.trim();
      const amount = /^(\d+(?:\.\d+)?)\s*OPEN$/i.exec(text);
      if (amount !== null) {
        try {
          n = parseAmount(amount[1]!);
        } catch (error) {
          throw new CallError(`${show}: ${messageOf(error)}`);
        }
      } else if (/^-?\d+$/.test(text) || /^0x[0-9a-fA-F]+$/.test(text)) n = BigInt(text);
      else throw new CallError(`${show} is not a whole number (decimal, 0x hex, or "<amount> OPEN")`);
    } else throw new CallError(`${show} is not a number (the type is ${base})`);
    const [min, max] = uint !== null ? [0n, 2n ** bits - 1n] : [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n];
    if (n < min || n > max) throw new CallError(`${n} does not fit in a ${base} (${min} to ${max})`);
    return n;
  }
  if (base === "address") {
    if (typeof value !== "string") throw new CallError(`${show} is not an address`);
    return resolveTarget(names, value).address;
  }
  if (base === "bool") {
    if (typeof value !== "boolean") throw new CallError(`${show} is not true or false`);
    return value;
  }
  if (base === "string") {
    if (typeof value !== "string") throw new CallError(`${show} is not a string`);
    return value;
  }
  const bytes = /^bytes(\d*)$/.exec(base);
  if (bytes !== null) {
    if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value))
      throw new CallError(`${show} is not 0x and an even number of hex digits`);
    const size = bytes[1] === "" ? undefined : Number(bytes[1]);
    if (size !== undefined && value.length !== 2 + 2 * size)
      throw new CallError(`${show} is ${(value.length - 2) / 2} bytes; a ${base} is ${size}`);
    return value.toLowerCase();
  }
  throw new CallError(`parameters of type ${base} are not supported in a calls file`);
}

/** A value as a label shows it. */
function showValue(value: unknown, names: Names): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return nameOf(names, value) ?? value;
  if (Array.isArray(value) || (typeof value === "object" && value !== null && "length" in value))
    return `[${Array.from(value as ArrayLike<unknown>, (v) => showValue(v, names)).join(", ")}]`;
  return String(value);
}

/** A call as people read it: `FeeRouter.schedulePlatformFee(300)`. */
export function labelOf(
  names: Names,
  target: string,
  fragment: FunctionFragment,
  args: readonly unknown[],
  value = 0n,
): string {
  const who = nameOf(names, target) ?? target;
  const shown = args.map((a) => showValue(a, names)).join(", ");
  return `${who}.${fragment.name}(${shown})${value > 0n ? ` with ${value} wei` : ""}`;
}

/** Encodes one call from its JSON form; `where` names it in errors ("calls.json: call 2"). */
export function encodeCall(names: Names, spec: unknown, where: string): ProposalCall {
  const fail = (message: string, cause?: unknown) =>
    new PoaError("INVALID_INPUT_FILE", `${where}: ${message}`, {
      details: { where },
      ...(cause === undefined ? {} : { cause }),
      action:
        'Each call is {"target": <name or address>, "function": "name(types)", "args": [...], "value": <wei, optional>}.',
    });
  try {
    if (typeof spec !== "object" || spec === null || Array.isArray(spec))
      throw new CallError('a call must be an object {"target", "function", "args"}');
    const record = spec as Record<string, unknown>;
    const unknown = Object.keys(record).filter((k) => !CALL_KEYS.has(k));
    if (unknown.length > 0)
      throw new CallError(
        `unknown key ${unknown.map((k) => `"${k}"`).join(", ")} (a call has target, function, args, value)`,
      );
    const { address, name } = resolveTarget(names, record.target);
    const fragment = resolveFunction(name, record.function);
    const args = record.args ?? [];
    if (!Array.isArray(args)) throw new CallError('"args" must be an array');
    if (args.length !== fragment.inputs.length)
      throw new CallError(
        `${fragment.format("sighash")} takes ${fragment.inputs.length} argument(s), "args" has ${args.length}`,
      );
    const values = fragment.inputs.map((input, i) => {
      try {
        return toAbiValue(args[i], input, names);
      } catch (error) {
        if (error instanceof CallError)
          throw new CallError(
            `argument ${i + 1}${input.name === "" ? "" : ` "${input.name}"`} (${input.format()}): ${error.message}`,
          );
        throw error;
      }
    });
    let value = 0n;
    if (record.value !== undefined) {
      const v = record.value;
      if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) value = BigInt(v);
      else if (typeof v === "string" && /^\d+$/.test(v.trim())) value = BigInt(v.trim());
      else throw new CallError(`"value" ${JSON.stringify(v)} is not a whole number of wei`);
    }
    let data: string;
    try {
      data = new Interface([fragment]).encodeFunctionData(fragment, values);
    } catch (error) {
      throw new CallError(`cannot encode the arguments (${shortEthersMessage(error)})`);
    }
    return { target: address, value, data, label: labelOf(names, address, fragment, values, value) };
  } catch (error) {
    if (error instanceof CallError) throw fail(`${describeSpec(spec)}${error.message}`);
    if (isPoaError(error)) throw error;
    throw fail(messageOf(error), error);
  }
}

function describeSpec(spec: unknown): string {
  if (typeof spec !== "object" || spec === null) return "";
  const { target, function: fn } = spec as { target?: unknown; function?: unknown };
  return typeof target === "string" && typeof fn === "string" ? `(${target}.${fn.split("(")[0]}) ` : "";
}

/** Reads and checks a calls file (see the module comment). */
export function readCallsFile(names: Names, path: string): CallsFile {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new Error("not a file");
    text = readFileSync(path, "utf8");
  } catch {
    throw new PoaError("FILE_NOT_FOUND", `cannot read the calls file ${path}`, {
      details: { path },
      action: "Give the path of a JSON file listing the proposal's calls.",
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PoaError("INVALID_INPUT_FILE", `${path} is not valid JSON (${messageOf(error)})`, {
      details: { path },
      cause: error,
      action:
        'Write a JSON array of calls: [{"target": "FeeRouter", "function": "schedulePlatformFee(uint256)", "args": [300]}].',
    });
  }
  let description: string | undefined;
  let list: unknown = parsed;
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
    const record = parsed as Record<string, unknown>;
    const extra = Object.keys(record).filter((k) => k !== "calls" && k !== "description");
    if (extra.length > 0 || !("calls" in record))
      throw new PoaError(
        "INVALID_INPUT_FILE",
        `${path}: expected an array of calls or {"description", "calls"}${extra.length > 0 ? ` (unknown key ${extra.map((k) => `"${k}"`).join(", ")})` : ' ("calls" is missing)'}`,
        { details: { path } },
      );
    if (record.description !== undefined && typeof record.description !== "string")
      throw new PoaError("INVALID_INPUT_FILE", `${path}: "description" must be a string`, { details: { path } });
    description = record.description as string | undefined;
    list = record.calls;
  }
  if (!Array.isArray(list))
    throw new PoaError("INVALID_INPUT_FILE", `${path}: the calls must be a JSON array`, { details: { path } });
  if (list.length === 0)
    throw new PoaError("INVALID_INPUT_FILE", `${path} lists no call: a proposal does at least one thing`, {
      details: { path },
    });
  if (list.length > MAX_CALLS)
    throw new PoaError("INVALID_INPUT_FILE", `${path} lists ${list.length} calls, more than ${MAX_CALLS}`, {
      details: { path },
      action: "Split it into several proposals.",
    });
  return { calls: list.map((spec, i) => encodeCall(names, spec, `${path}: call ${i + 1}`)), description };
}

/** Decodes a call of a past proposal for display (the ABI of its target when it is a named contract). */
export function describeCall(names: Names, target: string, value: bigint, data: string): string {
  const name = nameOf(names, target);
  const abi = name === undefined ? undefined : TARGET_ABIS[name];
  if (abi !== undefined && data.length >= 10) {
    try {
      const fragment = abi.getFunction(data.slice(0, 10));
      if (fragment !== null) {
        const args: Result = abi.decodeFunctionData(fragment, data);
        return labelOf(names, target, fragment, [...args], value);
      }
    } catch {
      // fall through: shown raw
    }
  }
  return `${name ?? target} call ${data.slice(0, 10)}${data.length > 10 ? "…" : ""}${value > 0n ? ` with ${value} wei` : ""}`;
}
