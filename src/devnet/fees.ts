import { hexToBytes, serializeTransaction, type Hex, type Transaction } from "viem";

import { bedrockArtifact, PREDEPLOYS } from "./artifacts.js";
import { devnetChain, publicClient, rpc, type Public } from "./rpc.js";

/**
 * Length of the FastLZ (level 1) compression of `data`, exactly as the OP Stack's Fjord fee
 * rule computes it (Solady's `LibZip.flzCompress`, used by GasPriceOracle and op-geth). Pure.
 */
export function flzCompressedLength(data: Uint8Array): number {
  const ib = data;
  const b = ib.length - 4;
  const ht = new Int32Array(8192);
  let out = 0;
  let a = 0;
  let i = 2;
  const u24 = (p: number) => (ib[p] ?? 0) | ((ib[p + 1] ?? 0) << 8) | ((ib[p + 2] ?? 0) << 16);
  // (2654435769 * x) >> 19 on 256-bit words; x < 2^24, so the product < 2^56: exact in BigInt.
  const hash = (x: number) => Number((2654435769n * BigInt(x)) >> 19n) & 8191;
  const literals = (r: number) => {
    while (r >= 32) {
      out += 33;
      r -= 32;
    }
    if (r > 0) out += r + 1;
  };
  while (i < b - 9) {
    let r = 0;
    let d = 0;
    let s = 0;
    let c = 0;
    for (;;) {
      s = u24(i);
      const h = hash(s);
      r = ht[h] ?? 0;
      ht[h] = i;
      d = i - r;
      c = d < 8192 ? u24(r) : 0x1000000;
      if (!(i < b - 9)) break;
      i += 1;
      if (s === c) break;
    }
    if (i >= b - 9) break;
    i -= 1;
    if (i > a) literals(i - a);
    let l = 0;
    const p = r + 3;
    const q = i + 3;
    // As in the reference: the byte that ends the match is counted in `l` too.
    for (let e = b - q; l < e; l++) if (ib[p + l] !== ib[q + l]) e = 0;
    i += l;
    d -= 1;
    while (l > 262) {
      out += 3;
      l -= 262;
    }
    out += l < 7 ? 2 : 3;
    ht[hash(u24(i))] = i;
    i += 1;
    ht[hash(u24(i))] = i;
    i += 1;
    a = i;
  }
  literals(b + 4 - a);
  return out;
}

/** The L1 fee parameters an OP Stack L2 reads from L1Block (through GasPriceOracle). */
export interface L1FeeParams {
  l1BaseFee: bigint;
  blobBaseFee: bigint;
  baseFeeScalar: bigint;
  blobBaseFeeScalar: bigint;
}

/**
 * Fjord L1 data fee of a transaction whose bytes compress to `flzLength`:
 * `max(100e6, 836500 * flzLength - 42585600) * (16 * baseFeeScalar * l1BaseFee +
 * blobBaseFeeScalar * blobBaseFee) / 1e12`, rounded down. Pure.
 */
export function fjordL1Fee(flzLength: number, p: L1FeeParams): bigint {
  const estimated = 836_500n * BigInt(flzLength) - 42_585_600n;
  const size = estimated < 100_000_000n ? 100_000_000n : estimated;
  const weighted = 16n * p.baseFeeScalar * p.l1BaseFee + p.blobBaseFeeScalar * p.blobBaseFee;
  return (size * weighted) / 1_000_000_000_000n;
}

/** Reads the fee parameters from GasPriceOracle at a block. */
export async function readL1FeeParams(l2: Public, blockNumber: bigint): Promise<L1FeeParams> {
  const abi = bedrockArtifact("GasPriceOracle").abi;
  const read = (functionName: string) =>
    l2.readContract({ address: PREDEPLOYS.GasPriceOracle, abi, functionName, blockNumber }) as Promise<bigint | number>;
  const [l1BaseFee, blobBaseFee, baseFeeScalar, blobBaseFeeScalar] = await Promise.all(
    ["l1BaseFee", "blobBaseFee", "baseFeeScalar", "blobBaseFeeScalar"].map(read),
  );
  return {
    l1BaseFee: BigInt(l1BaseFee!),
    blobBaseFee: BigInt(blobBaseFee!),
    baseFeeScalar: BigInt(baseFeeScalar!),
    blobBaseFeeScalar: BigInt(blobBaseFeeScalar!),
  };
}

/** The unsigned RLP of a transaction, the input GasPriceOracle.getL1Fee expects. */
export function unsignedSerialized(tx: Transaction): Hex {
  const { r: _r, s: _s, v: _v, yParity: _y, ...rest } = tx as Transaction & { yParity?: number };
  return serializeTransaction({ ...(rest as object), data: tx.input } as never);
}

export interface L1FeeOfTx {
  /** The L1 data fee the L2 charged (Fjord rule on the signed transaction's bytes). */
  l1Fee: bigint;
  /** GasPriceOracle.getL1Fee(unsigned tx) at the parent block: the on-chain estimate (+68 bytes for the signature). */
  oracleEstimate: bigint;
  l2GasFee: bigint;
}

/**
 * The L1 data fee an L2 transaction paid. anvil's receipts carry no `l1Fee` field, so it is
 * computed from the signed transaction's bytes and the L1Block parameters at the parent block,
 * and returned together with GasPriceOracle's own estimate for comparison. Deposits pay none.
 */
export async function l1FeeOf(l2: Public, hash: Hex): Promise<L1FeeOfTx> {
  const [tx, receipt] = await Promise.all([l2.getTransaction({ hash }), l2.getTransactionReceipt({ hash })]);
  const l2GasFee = receipt.gasUsed * receipt.effectiveGasPrice;
  if ((tx.type as string) === "deposit") return { l1Fee: 0n, oracleEstimate: 0n, l2GasFee: 0n };
  const parent = receipt.blockNumber - 1n;
  const raw = await rpc<Hex>(l2, "eth_getRawTransactionByHash", [hash]);
  const params = await readL1FeeParams(l2, parent);
  const oracleEstimate = (await l2.readContract({
    address: PREDEPLOYS.GasPriceOracle,
    abi: bedrockArtifact("GasPriceOracle").abi,
    functionName: "getL1Fee",
    args: [unsignedSerialized(tx)],
    blockNumber: parent,
  })) as bigint;
  return { l1Fee: fjordL1Fee(flzCompressedLength(hexToBytes(raw)), params), oracleEstimate, l2GasFee };
}

export interface L2FeeReport {
  txs: { hash: string; gasUsed: bigint; l2Fee: bigint; l1Fee: bigint }[];
  /** The L1 fee parameters at the latest block. */
  params: L1FeeParams;
}

/**
 * Gas, L2 execution fee and L1 data fee of each L2 transaction, read from the L2 at `l2Rpc`
 * (for summaries; callers need no client of their own).
 */
export async function l2FeeReport(l2Rpc: string, l2ChainId: number, hashes: readonly string[]): Promise<L2FeeReport> {
  const l2 = publicClient(devnetChain(l2ChainId, "L2", l2Rpc));
  const txs: L2FeeReport["txs"] = [];
  for (const hash of hashes) {
    const [fee, receipt] = await Promise.all([
      l1FeeOf(l2, hash as Hex),
      l2.getTransactionReceipt({ hash: hash as Hex }),
    ]);
    txs.push({ hash, gasUsed: receipt.gasUsed, l2Fee: fee.l2GasFee, l1Fee: fee.l1Fee });
  }
  return { txs, params: await readL1FeeParams(l2, await l2.getBlockNumber()) };
}
