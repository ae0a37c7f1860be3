import { concat, encodePacked, keccak256, pad, toHex, type Hex } from "viem";
import { getSourceHash, opaqueDataToDepositData, serializeTransaction } from "viem/op-stack";

import { DEPOSITOR_ACCOUNT, PREDEPLOYS } from "./artifacts.js";

/** A `TransactionDeposited` log of the OptimismPortal, the fields the relayer needs. */
export interface DepositedLog {
  from: Hex;
  to: Hex;
  version: bigint;
  opaqueData: Hex;
  blockHash: Hex;
  blockNumber: bigint;
  /** Index of the log within its L1 block (not within the transaction). */
  logIndex: number;
}

/**
 * The L2 deposit transaction (type 0x7E, unsigned) that an OP Stack node derives from one portal
 * log: `sourceHash = keccak256(bytes32(0) ‖ keccak256(l1BlockHash ‖ uint256(logIndex)))`,
 * `opaqueData = mint ‖ value ‖ gasLimit ‖ isCreation ‖ data`. Pure.
 */
export function depositTransaction(log: DepositedLog): Hex {
  if (log.version !== 0n) throw new Error(`unsupported deposit version ${log.version} in L1 block ${log.blockNumber}`);
  const { mint, value, gas, isCreation, data } = opaqueDataToDepositData(log.opaqueData);
  return serializeTransaction({
    type: "deposit",
    sourceHash: getSourceHash({ domain: "userDeposit", l1BlockHash: log.blockHash, l1LogIndex: log.logIndex }),
    from: log.from,
    ...(isCreation ? {} : { to: log.to }),
    mint,
    value,
    gas,
    isSystemTx: false,
    data,
  });
}

/** The L1 attributes the L1Block predeploy records (Ecotone layout). */
export interface L1Info {
  number: bigint;
  timestamp: bigint;
  baseFee: bigint;
  blobBaseFee: bigint;
  hash: Hex;
  sequenceNumber: bigint;
  baseFeeScalar: number;
  blobBaseFeeScalar: number;
  batcherHash: Hex;
}

/** Calldata of `L1Block.setL1BlockValuesEcotone()`: tightly packed, as the op-node writes it. */
export function l1InfoCalldata(info: L1Info): Hex {
  return encodePacked(
    ["bytes4", "uint32", "uint32", "uint64", "uint64", "uint64", "uint256", "uint256", "bytes32", "bytes32"],
    [
      "0x440a5e20", // setL1BlockValuesEcotone()
      info.baseFeeScalar,
      info.blobBaseFeeScalar,
      info.sequenceNumber,
      info.timestamp,
      info.number,
      info.baseFee,
      info.blobBaseFee,
      info.hash,
      info.batcherHash,
    ],
  );
}

/** The L1-attributes deposit (source-hash domain 1) from the depositor account to L1Block. */
export function l1InfoDeposit(info: L1Info): Hex {
  return serializeTransaction({
    type: "deposit",
    sourceHash: getSourceHash({
      domain: "l1InfoDeposit",
      l1BlockHash: info.hash,
      sequenceNumber: Number(info.sequenceNumber),
    }),
    from: DEPOSITOR_ACCOUNT,
    to: PREDEPLOYS.L1Block,
    mint: 0n,
    value: 0n,
    gas: 1_000_000n,
    isSystemTx: false,
    data: l1InfoCalldata(info),
  });
}

/**
 * A deposit from the depositor account for a one-off system change (the network-upgrade
 * transactions of the OP Stack, source-hash domain 2, identified by an intent string).
 */
export function upgradeDeposit(intent: string, to: Hex, data: Hex): Hex {
  const sourceHash = keccak256(concat([pad(toHex(2), { size: 32 }), keccak256(toHex(intent))]));
  return serializeTransaction({
    type: "deposit",
    sourceHash,
    from: DEPOSITOR_ACCOUNT,
    to,
    mint: 0n,
    value: 0n,
    gas: 1_000_000n,
    isSystemTx: false,
    data,
  });
}

/** The L2 hash of a deposit: keccak256 of its raw bytes. */
export function depositHash(raw: Hex): Hex {
  return keccak256(raw);
}
