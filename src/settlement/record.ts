/**
 * The canonical inference record: what one paid request was, and the hash that binds it to its
 * on-chain payment. The gateway writes one per paid request; the FeeRouter's `RequestPaid` event
 * carries its hash as `requestHash`; the settlement (and anyone verifying it) accepts a record for
 * a payment only when the hash of the record equals that `requestHash`.
 *
 * The hash is an EIP-712-style struct hash (no domain signature: nothing is signed), computed
 * from static ABI words only, so any language can reproduce it:
 *
 *     requestHash = keccak256(abi.encode(
 *         RECORD_TYPEHASH, chainId, modelId, payer, tokensIn, tokensOut,
 *         keccak256(bytes(prompt)), keccak256(bytes(output)), nonce))
 *     RECORD_TYPEHASH = keccak256("InferenceRecord(uint256 chainId,uint256 modelId,address payer,
 *         uint256 tokensIn,uint256 tokensOut,bytes32 promptHash,bytes32 outputHash,bytes32 nonce)")
 *
 * `prompt` and `output` are the exact UTF-8 texts the model read and wrote (for a chat request,
 * the rendered conversation); `tokensIn` and `tokensOut` are their token counts under the
 * project's tokenizer (src/attribution/tokenize.ts), which is also what the fee was computed from,
 * so metering is checkable from the record alone. The chain id binds a record to one chain; the
 * nonce (32 random bytes) makes two identical requests two records.
 *
 * On disk a record is one JSON object per line (JSON Lines), with `requestHash` written next to
 * the fields; see `recordLine` and `parseRecordLine`.
 */
import { checkAddress, type Address } from "../core/address.js";
import { canonicalJson } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import { keccak, keccakText, toHex, type Hex } from "../core/hash.js";
import { inputError } from "../core/jsonl.js";
import { MAX_UINT256 } from "../core/amount.js";

export const RECORD_TYPE =
  "InferenceRecord(uint256 chainId,uint256 modelId,address payer,uint256 tokensIn,uint256 tokensOut,bytes32 promptHash,bytes32 outputHash,bytes32 nonce)";
export const RECORD_TYPEHASH: Hex = keccakText(RECORD_TYPE);

export interface InferenceRecord {
  chainId: number;
  modelId: bigint;
  payer: Address;
  tokensIn: number;
  tokensOut: number;
  prompt: string;
  output: string;
  /** 32 bytes, 0x-prefixed lower-case hex. */
  nonce: Hex;
}

function word(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function hexWord(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2).padStart(64, "0"), "hex"));
}

/** The record's hash: the `requestHash` its payment must carry. Pure. */
export function recordHash(record: InferenceRecord): Hex {
  const words = [
    hexWord(RECORD_TYPEHASH),
    word(BigInt(record.chainId)),
    word(record.modelId),
    hexWord(record.payer),
    word(BigInt(record.tokensIn)),
    word(BigInt(record.tokensOut)),
    keccak(new TextEncoder().encode(record.prompt)),
    keccak(new TextEncoder().encode(record.output)),
    hexWord(record.nonce),
  ];
  const encoded = new Uint8Array(32 * words.length);
  words.forEach((w, i) => encoded.set(w, 32 * i));
  return toHex(keccak(encoded));
}

/** The record as one canonical JSON line (with its hash), ending in a newline. Pure. */
export function recordLine(record: InferenceRecord): string {
  return (
    canonicalJson(
      {
        chainId: record.chainId,
        modelId: record.modelId.toString(),
        nonce: record.nonce,
        output: record.output,
        payer: record.payer,
        prompt: record.prompt,
        requestHash: recordHash(record),
        tokensIn: record.tokensIn,
        tokensOut: record.tokensOut,
      },
      0,
    ) + "\n"
  );
}

const SHAPE =
  '{"chainId", "modelId": "<decimal>", "payer": "0x…", "tokensIn", "tokensOut", "prompt", "output", "nonce": "0x…32 bytes", "requestHash": "0x…"}';

/**
 * Parses and checks one record of a records file: every field present and well-formed, and
 * `requestHash` (when present) equal to the hash of the fields. Errors name the file and line.
 */
export function parseRecordLine(value: unknown, file: string, line: number): InferenceRecord & { requestHash: Hex } {
  const bad = (what: string) => inputError(file, line, what, `Each line must be an inference record: ${SHAPE}.`);
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw bad("expected a JSON object");
  const row = value as Record<string, unknown>;
  const int = (key: string, max = Number.MAX_SAFE_INTEGER) => {
    const v = row[key];
    if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > max)
      throw bad(`field "${key}" must be a non-negative integer`);
    return v as number;
  };
  const str = (key: string) => {
    const v = row[key];
    if (typeof v !== "string") throw bad(`field "${key}" must be a string`);
    return v;
  };
  const bytes32 = (key: string): Hex => {
    const v = str(key);
    if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw bad(`field "${key}" must be 0x and 64 hex digits`);
    return v.toLowerCase() as Hex;
  };
  const modelText = str("modelId");
  if (!/^[0-9]+$/.test(modelText) || BigInt(modelText) > MAX_UINT256 || BigInt(modelText) === 0n)
    throw bad(`field "modelId" must be a positive decimal integer (a model id)`);
  const payer = checkAddress(row.payer);
  if (!payer.ok) throw bad(`field "payer" is not an address (${payer.problem})`);
  const record: InferenceRecord = {
    chainId: int("chainId"),
    modelId: BigInt(modelText),
    payer: payer.address,
    tokensIn: int("tokensIn"),
    tokensOut: int("tokensOut"),
    prompt: str("prompt"),
    output: str("output"),
    nonce: bytes32("nonce"),
  };
  const computed = recordHash(record);
  if (row.requestHash !== undefined) {
    const claimed = bytes32("requestHash");
    if (claimed !== computed)
      throw new PoaError(
        "INTEGRITY_MISMATCH",
        `${file}:${line}: the record's requestHash ${claimed} is not the hash of its fields (${computed})`,
        {
          details: { file, line, claimed, computed },
          action: "The record was changed after it was written: restore it from the gateway's store.",
        },
      );
  }
  return { ...record, requestHash: computed };
}
