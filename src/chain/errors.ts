/**
 * Turns what ethers throws into PoaErrors a person can act on: a revert is decoded with the
 * project's ABIs into its custom error and arguments (`NothingToClaim(0xabc…)`, never
 * `custom error 0xacfcb26a`), an unreachable node is RPC_UNREACHABLE, a transaction the account
 * cannot pay for is INSUFFICIENT_FUNDS. The original error stays the `cause`.
 */
import { Interface, isError, type ErrorDescription } from "ethers";

import { isPoaError, messageOf, PoaError } from "../core/errors.js";
import { factories } from "../../types/ethers-contracts/index.js";

let projectErrors: Interface | undefined;

/** Every custom error of every project contract (and OpenZeppelin's, which they inherit), once. */
function errorInterface(): Interface {
  if (projectErrors !== undefined) return projectErrors;
  const seen = new Map<string, object>();
  const visited = new Set<unknown>();
  const visit = (node: unknown) => {
    // Factories are classes (functions) with a static `abi`; the index nests them in objects.
    if ((typeof node !== "object" && typeof node !== "function") || node === null || visited.has(node)) return;
    visited.add(node);
    const abi = (node as { abi?: unknown }).abi;
    if (Array.isArray(abi)) {
      for (const fragment of abi as { type?: string; name?: string; inputs?: { type: string }[] }[]) {
        if (fragment.type !== "error" || fragment.name === undefined) continue;
        const signature = `${fragment.name}(${(fragment.inputs ?? []).map((i) => i.type).join(",")})`;
        seen.set(signature, fragment);
      }
    }
    if (typeof node === "object") for (const value of Object.values(node)) visit(value);
  };
  visit(factories);
  projectErrors = new Interface([...seen.values()] as never);
  return projectErrors;
}

/** The revert data carried by an ethers error (or one of its causes), if any. */
function revertData(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
    const nested = (current as { error?: { data?: unknown } }).error?.data;
    if (typeof nested === "string" && /^0x[0-9a-fA-F]{8}/.test(nested)) return nested;
    current =
      (current as { cause?: unknown; info?: { error?: unknown } }).cause ??
      (current as { info?: { error?: unknown } }).info?.error;
  }
  return undefined;
}

/** Formats a decoded custom error the way Solidity declares it: `Name(arg, arg)`. */
export function formatDecodedError(decoded: ErrorDescription): string {
  const args = decoded.args.map((a: unknown) => (typeof a === "bigint" ? a.toString() : String(a)));
  return `${decoded.name}(${args.join(", ")})`;
}

/** Decodes revert data with the project's ABIs (undefined for unknown selectors). */
export function decodeRevert(data: string): { name: string; args: unknown[]; text: string } | undefined {
  if (data.startsWith("0x08c379a0") || data.startsWith("0x4e487b71")) {
    try {
      const standard = new Interface(["error Error(string)", "error Panic(uint256)"]).parseError(data);
      if (standard !== null)
        return { name: standard.name, args: [...standard.args], text: formatDecodedError(standard) };
    } catch {
      return undefined;
    }
  }
  try {
    const decoded = errorInterface().parseError(data);
    if (decoded === null) return undefined;
    return { name: decoded.name, args: [...decoded.args], text: formatDecodedError(decoded) };
  } catch {
    return undefined;
  }
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|UND_ERR_\w+)$/.test(code)
    )
      return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Every message in an ethers error: its own, the node's (`info.error`, `error`), its causes'. */
function allMessages(error: unknown): string {
  const out: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    const e = current as {
      message?: unknown;
      shortMessage?: unknown;
      info?: { error?: { message?: unknown } };
      error?: { message?: unknown };
    };
    for (const m of [e.message, e.shortMessage, e.info?.error?.message, e.error?.message])
      if (typeof m === "string") out.push(m);
    current = (current as { cause?: unknown }).cause;
  }
  return out.join("\n");
}

/**
 * A PoaError for anything a chain call threw, with `what` naming the action ("claim for 0x…").
 * PoaErrors pass through unchanged.
 */
export function chainError(error: unknown, what: string): PoaError {
  if (isPoaError(error)) return error;
  const net = networkCode(error);
  if (net !== undefined || (isError(error, "NETWORK_ERROR") as boolean))
    return new PoaError("RPC_UNREACHABLE", `${what}: the node cannot be reached (${net ?? "network error"})`, {
      cause: error,
      details: { networkCode: net },
      action: "Check that the chain is running and the RPC URL is right.",
    });
  if (isError(error, "INSUFFICIENT_FUNDS") || /insufficient funds/i.test(allMessages(error)))
    return new PoaError(
      "INSUFFICIENT_FUNDS",
      `${what}: the account cannot pay for the transaction (too little ETH for value and gas)`,
      {
        cause: error,
        action: "Fund the account with ETH on that chain, or send less.",
      },
    );
  const data = revertData(error);
  if (data !== undefined) {
    const decoded = decodeRevert(data);
    const reason = decoded?.text ?? `unknown custom error ${data.slice(0, 10)}`;
    return new PoaError("CONTRACT_REVERTED", `${what}: the contract refused with ${reason}`, {
      cause: error,
      details: { error: decoded?.name, args: decoded?.args.map(String), data },
    });
  }
  if (isError(error, "CALL_EXCEPTION"))
    return new PoaError(
      "CONTRACT_REVERTED",
      `${what}: the call reverted without a reason (is this the right contract?)`,
      {
        cause: error,
        action: "Check the contract address and the network.",
      },
    );
  const short = (error as { shortMessage?: unknown }).shortMessage;
  return new PoaError("CONTRACT_REVERTED", `${what}: ${typeof short === "string" ? short : messageOf(error)}`, {
    cause: error,
  });
}

/** Runs `action`, turning whatever it throws into a PoaError through `chainError`. */
export async function onChain<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw chainError(error, what);
  }
}
