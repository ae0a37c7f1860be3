/**
 * Revert reasons of the contracts the gateway calls (ModelRegistry, FeeRouter, OPEN), decoded
 * with their own ABIs, so the gateway can tell `UnknownModel` from `ModelIsPaused` from
 * `FeeAboveMax`. `chainError` (src/chain/errors.ts) is used first; when it could not name the
 * custom error, the selector is looked up here.
 */
import { Interface } from "ethers";

import { chainError, formatDecodedError } from "../chain/errors.js";
import { PoaError } from "../core/errors.js";
import {
  FeeRouter__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
} from "../../types/ethers-contracts/index.js";

let known: Interface | undefined;

function gatewayErrors(): Interface {
  if (known !== undefined) return known;
  const seen = new Map<string, object>();
  for (const abi of [FeeRouter__factory.abi, ModelRegistry__factory.abi, L2OpenToken__factory.abi])
    for (const fragment of abi as readonly { type: string; name?: string; inputs?: readonly { type: string }[] }[])
      if (fragment.type === "error")
        seen.set(`${fragment.name}(${(fragment.inputs ?? []).map((i) => i.type).join(",")})`, fragment);
  known = new Interface([...seen.values()] as never);
  return known;
}

/** `chainError(error, what)`, with the custom error named when the gateway's contracts declare it. */
export function revertError(error: unknown, what: string): PoaError {
  const e = chainError(error, what);
  if (e.code !== "CONTRACT_REVERTED" || typeof e.details.error === "string") return e;
  const data = e.details.data;
  if (typeof data !== "string") return e;
  let decoded;
  try {
    decoded = gatewayErrors().parseError(data);
  } catch {
    return e;
  }
  if (decoded === null) return e;
  return new PoaError("CONTRACT_REVERTED", `${what}: the contract refused with ${formatDecodedError(decoded)}`, {
    cause: error,
    details: { error: decoded.name, args: decoded.args.map(String), data },
  });
}
