import { encodeAbiParameters, encodeFunctionData, keccak256, type Hex } from "viem";

import { bedrockArtifact, PREDEPLOYS } from "./artifacts.js";
import { rpc, type Public, type Sender } from "./rpc.js";

/**
 * The output root of an L2 block (version 0):
 * `keccak256(abi.encode(bytes32(0), stateRoot, messagePasserStorageRoot, blockHash))`. Pure.
 */
export function outputRoot(stateRoot: Hex, messagePasserStorageRoot: Hex, blockHash: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }],
      [
        "0x0000000000000000000000000000000000000000000000000000000000000000",
        stateRoot,
        messagePasserStorageRoot,
        blockHash,
      ],
    ),
  );
}

export interface ProposerOptions {
  l1: Public;
  l2: Public;
  oracle: Hex;
  sender: Sender;
  /** Pins the L1 base fee of the next L1 block (the clock's job, shared). */
  beforeL1Block: () => Promise<void>;
  log: (line: string) => void;
}

/**
 * The output proposer: posts an output root to the L2OutputOracle for every L2 block, in order
 * (submission interval 1), with the message passer's storage root from `eth_getProof` at that
 * block, so that any withdrawal can be proven one L1 block after its L2 block was proposed.
 */
export class OutputProposer {
  next: bigint | undefined;
  proposed = 0;

  constructor(private readonly options: ProposerOptions) {}

  async tick(): Promise<void> {
    const { l1, l2, oracle, sender } = this.options;
    const abi = bedrockArtifact("L2OutputOracle").abi;
    if (this.next === undefined)
      this.next = (await l1.readContract({ address: oracle, abi, functionName: "nextBlockNumber" })) as bigint;
    const head = await l2.getBlockNumber();
    if (head < this.next) return;
    for (let n = this.next; n <= head; n++) {
      const [block, proof] = await Promise.all([
        l2.getBlock({ blockNumber: n }),
        rpc<{ storageHash: Hex }>(l2, "eth_getProof", [PREDEPLOYS.L2ToL1MessagePasser, [], `0x${n.toString(16)}`]),
      ]);
      const root = outputRoot(block.stateRoot, proof.storageHash, block.hash);
      await this.options.beforeL1Block();
      await sender.send(`propose L2 block ${n}`, {
        to: oracle,
        data: encodeFunctionData({
          abi,
          functionName: "proposeL2Output",
          args: [root, n, "0x0000000000000000000000000000000000000000000000000000000000000000", 0n],
        }),
        gas: 300_000n,
      });
      this.next = n + 1n;
      this.proposed += 1;
    }
    try {
      await sender.settle();
    } catch (error) {
      // Re-read the oracle on the next tick instead of trusting the local counter.
      this.next = undefined;
      sender.reset();
      throw error;
    }
    this.options.log(`proposed outputs up to L2 block ${head}`);
  }
}
