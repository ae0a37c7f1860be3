import { keccak256, type Hex } from "viem";
import { extractTransactionDepositedLogs } from "viem/op-stack";

import { depositTransaction, l1InfoDeposit, type DepositedLog, type L1Info } from "./deposit.js";
import { rpc, type Public } from "./rpc.js";

export interface RelayerOptions {
  l1: Public;
  l2: Public;
  portal: Hex;
  /** First L1 block to scan. */
  fromBlock: bigint;
  baseFeeScalar: number;
  blobBaseFeeScalar: number;
  batcherHash: Hex;
  log: (line: string) => void;
}

/** Polls until the L2 has a receipt for `hash` (anvil mines each deposit on arrival). */
export async function waitForReceipt(client: Public, hash: Hex, timeoutMs = 10_000): Promise<{ status: Hex }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await rpc<{ status: Hex } | null>(client, "eth_getTransactionReceipt", [hash]);
    if (receipt !== null) return receipt;
    if (Date.now() > deadline) throw new Error(`no receipt for ${hash} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Reads the L1 attributes of block `number` for the L1Block predeploy. */
export async function readL1Info(
  l1: Public,
  number: bigint,
  sequenceNumber: bigint,
  scalars: { baseFeeScalar: number; blobBaseFeeScalar: number; batcherHash: Hex },
): Promise<L1Info> {
  const [block, blobBaseFee] = await Promise.all([
    l1.getBlock({ blockNumber: number }),
    rpc<Hex>(l1, "eth_blobBaseFee"),
  ]);
  return {
    number: block.number,
    timestamp: block.timestamp,
    baseFee: block.baseFeePerGas ?? 0n,
    blobBaseFee: BigInt(blobBaseFee),
    hash: block.hash,
    sequenceNumber,
    ...scalars,
  };
}

/**
 * The deposit relayer (the part of an op-node that derives deposits): scans the portal's
 * `TransactionDeposited` logs with a block cursor and, for every L1 block that has any, first
 * writes that block's attributes into L1Block (so L2 fees follow L1 fees), then sends each
 * deposit to the L2 in L1 order (log index within the block). A tick never skips a block: the
 * cursor only moves after every deposit of the range has a receipt.
 */
export class DepositRelayer {
  cursor: bigint;
  relayed = 0;
  private sequence = 0n;

  constructor(private readonly options: RelayerOptions) {
    this.cursor = options.fromBlock;
  }

  async tick(): Promise<void> {
    const { l1, l2, portal } = this.options;
    const head = await l1.getBlockNumber();
    if (head < this.cursor) return;
    const raw = await l1.getLogs({ address: portal, fromBlock: this.cursor, toBlock: head });
    const logs = extractTransactionDepositedLogs({ logs: raw }) as unknown as {
      args: { from: Hex; to: Hex; version: bigint; opaqueData: Hex };
      blockHash: Hex;
      blockNumber: bigint;
      logIndex: number;
    }[];
    logs.sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    );
    let infoBlock: bigint | undefined;
    for (const log of logs) {
      if (log.blockNumber !== infoBlock) {
        infoBlock = log.blockNumber;
        await this.writeL1Info(log.blockNumber);
      }
      const deposit: DepositedLog = {
        ...log.args,
        blockHash: log.blockHash,
        blockNumber: log.blockNumber,
        logIndex: log.logIndex,
      };
      const tx = depositTransaction(deposit);
      // A deposit has no nonce: sending it twice would mint twice. A retried tick (after an
      // error half-way through a range) skips the deposits that already have an L2 receipt.
      if ((await rpc(l2, "eth_getTransactionReceipt", [keccak256(tx)])) !== null) continue;
      const hash = await rpc<Hex>(l2, "eth_sendRawTransaction", [tx]);
      const receipt = await waitForReceipt(l2, hash);
      this.relayed += 1;
      this.options.log(
        `relayed deposit L1 block ${log.blockNumber} log ${log.logIndex} -> L2 ${hash} status ${Number(receipt.status)}`,
      );
    }
    this.cursor = head + 1n;
  }

  /** Sends the L1-attributes deposit for L1 block `number`. */
  async writeL1Info(number: bigint): Promise<void> {
    const { l1, l2 } = this.options;
    const info = await readL1Info(l1, number, this.sequence++, this.options);
    const hash = await rpc<Hex>(l2, "eth_sendRawTransaction", [l1InfoDeposit(info)]);
    const receipt = await waitForReceipt(l2, hash);
    if (Number(receipt.status) !== 1) throw new Error(`L1 attributes deposit for L1 block ${number} failed (${hash})`);
  }
}
