import { rmSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { encodeAbiParameters, keccak256, toHex, type Hex } from "viem";
import { getL2TransactionHash } from "viem/op-stack";

import { deployProtocol, PROTOCOL_STEPS } from "../../deploy/protocol.js";
import { formatAmount, parseAmount } from "../../src/core/amount.js";
import { DEFAULTS, validateConfig } from "../../src/devnet/config.js";
import { requireRunningDevnet } from "../../src/devnet/addresses.js";
import { depositTransaction, l1InfoCalldata } from "../../src/devnet/deposit.js";
import { batchInbox } from "../../src/devnet/l1.js";
import { outputRoot } from "../../src/devnet/proposer.js";
import { PoaError } from "../../src/core/errors.js";
import { expectPoaErrorAsync } from "../support/errors.js";
import { tempDir } from "../support/temp.js";

function poaError(fn: () => unknown): PoaError {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(PoaError);
    return error as PoaError;
  }
  throw new Error("expected a PoaError");
}

describe("devnet building blocks (pure)", function () {
  it("derives a deposit transaction whose hash is the one viem computes from the portal log", function () {
    const opaqueData =
      encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [10n ** 18n, 5n]) +
      "00000000000186a0" +
      "00" +
      "abcd";
    const log = {
      from: "0x1111111111111111111111111111111111111111" as Hex,
      to: "0x2222222222222222222222222222222222222222" as Hex,
      version: 0n,
      opaqueData: opaqueData.replace(/^0x/, "0x") as Hex,
      blockHash: keccak256(toHex("l1 block")),
      blockNumber: 7n,
      logIndex: 3,
    };
    const expected = getL2TransactionHash({
      log: {
        args: { from: log.from, to: log.to, version: log.version, opaqueData: log.opaqueData },
        blockHash: log.blockHash,
        logIndex: log.logIndex,
      } as never,
    });
    expect(keccak256(depositTransaction(log))).to.equal(expected);
    // A different log index is a different deposit (no double relay by accident).
    expect(keccak256(depositTransaction({ ...log, logIndex: 4 }))).to.not.equal(expected);
    expect(() => depositTransaction({ ...log, version: 1n })).to.throw("unsupported deposit version 1");
  });

  it("packs the L1 attributes like op-node (164 bytes, Ecotone selector)", function () {
    const data = l1InfoCalldata({
      number: 1n,
      timestamp: 2n,
      baseFee: 3n,
      blobBaseFee: 4n,
      hash: keccak256("0x01"),
      sequenceNumber: 5n,
      baseFeeScalar: 6,
      blobBaseFeeScalar: 7,
      batcherHash: keccak256("0x02"),
    });
    expect((data.length - 2) / 2).to.equal(164);
    expect(data.slice(0, 10)).to.equal("0x440a5e20");
    expect(data.slice(10, 42)).to.equal("00000006" + "00000007" + "0000000000000005");
  });

  it("computes output roots as keccak256(version 0, state root, message passer root, block hash)", function () {
    const [a, b, c] = [keccak256("0x0a"), keccak256("0x0b"), keccak256("0x0c")];
    const expected = keccak256(`0x${"00".repeat(32)}${a.slice(2)}${b.slice(2)}${c.slice(2)}`);
    expect(outputRoot(a, b, c)).to.equal(expected);
    expect(batchInbox(901)).to.equal("0xff00000000000000000000000000000000000385");
  });

  it("rejects bad configuration naming the field (the CLI maps it to its option)", function () {
    const port = poaError(() => validateConfig({ ...DEFAULTS, l1Port: 70_000 }));
    expect(port.code).to.equal("INVALID_VALUE");
    expect(port.message).to.equal("l1Port must be a TCP port between 1 and 65535, got 70000");
    expect(port.details.field).to.equal("l1Port");
    expect(poaError(() => validateConfig({ ...DEFAULTS, l2Port: 8545 })).details.field).to.equal("l2Port");
    expect(poaError(() => validateConfig({ ...DEFAULTS, l2ChainId: 900 })).message).to.equal(
      "L1 and L2 cannot share chain id 900",
    );
    expect(poaError(() => validateConfig({ ...DEFAULTS, l1ChainId: 0 })).details.field).to.equal("l1ChainId");
    expect(poaError(() => validateConfig({ ...DEFAULTS, pollMs: 1 })).message).to.contain("at least 10 ms");
  });

  it("parses amounts exactly and refuses what is not one", function () {
    expect(parseAmount("1")).to.equal(10n ** 18n);
    expect(parseAmount("0.000000000000000001")).to.equal(1n);
    expect(parseAmount("1234.5")).to.equal(12345n * 10n ** 17n);
    expect(formatAmount(12345n * 10n ** 17n)).to.equal("1,234.5");
    expect(poaError(() => parseAmount("-1")).message).to.equal('"-1" is negative: amounts must be positive');
    expect(poaError(() => parseAmount("-1")).code).to.equal("INVALID_AMOUNT");
    expect(poaError(() => parseAmount((2n ** 256n).toString())).message).to.contain("more than a uint256 can hold");
    expect(poaError(() => parseAmount("1e18")).message).to.equal('"1e18" is not an amount');
    expect(poaError(() => parseAmount("0")).message).to.equal("the amount must be greater than zero");
    expect(poaError(() => parseAmount("0.0000000000000000001")).message).to.contain("more than 18 decimals");
  });

  it("says how to start a devnet when none is running", async function () {
    const dir = tempDir("poa-none-");
    try {
      const error = await expectPoaErrorAsync(requireRunningDevnet(dir), "DEVNET_NOT_RUNNING");
      expect(error.action).to.contain("Start a devnet");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("deploys the protocol to Hardhat's in-process OP network too, idempotently", async function () {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const dir = tempDir("poa-inproc-");
    try {
      const [deployer] = await connection.ethers.getSigners();
      const signers = { l1: deployer!, l2: deployer! };
      const file = join(dir, "hardhatOp.json");
      const first = await deployProtocol({ network: "hardhatOp", signers, file });
      expect(first.deployed).to.deep.equal(PROTOCOL_STEPS.map((step) => step.name));
      const l2 = await connection.ethers.getContractAt("L2OpenToken", first.record.contracts.L2OpenToken!.address);
      expect(await l2.remoteToken()).to.equal(first.record.contracts.OpenToken!.address);
      const second = await deployProtocol({ network: "hardhatOp", signers, file });
      expect(second.deployed).to.deep.equal([]);
      expect(second.record.contracts).to.deep.equal(first.record.contracts);
    } finally {
      await connection.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
