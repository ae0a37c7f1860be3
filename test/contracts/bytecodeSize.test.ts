import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { network } from "hardhat";

import { deployDatanetLibraries, deployDatanetRegistry } from "../../deploy/datanets.js";
import { deployL2OpenToken } from "../../deploy/tokens.js";
import {
  BYTECODE_SIZES_FILE,
  CODE_SIZE_CEILING,
  CODE_SIZE_LIMIT,
  INITCODE_SIZE_CEILING,
  REFRESH_COMMAND,
  checkSizeCeilings,
  computeBytecodeSizes,
  diffBytecodeSizes,
  type BytecodeSizes,
} from "../../scripts/lib/contract-snapshots.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("bytecode sizes: every contract 5% under the limits (snapshots/contracts/bytecode-sizes.json)", function () {
  let current: BytecodeSizes;
  let committed: BytecodeSizes;

  before(function () {
    current = computeBytecodeSizes(root);
    committed = JSON.parse(readFileSync(join(root, BYTECODE_SIZES_FILE), "utf8")) as BytecodeSizes;
  });

  it("measures every protocol contract and every library the registry links", function () {
    expect(Object.keys(current)).to.include.members([
      "DatanetRegistry",
      "DatanetBoundsLogic",
      "DatanetCuratorLogic",
      "DatanetPenaltyLogic",
      "DatanetVersionLogic",
      "FeeRouter",
      "L2OpenToken",
      "ModelRegistry",
      "OpenToken",
      "RewardDistributor",
    ]);
  });

  it(`keeps every contract at most ${CODE_SIZE_CEILING} bytes (24,576 - 5%) and its creation code at most ${INITCODE_SIZE_CEILING}`, function () {
    expect(checkSizeCeilings(current).map((p) => p.message)).to.deep.equal([]);
  });

  it("matches the committed snapshot", function () {
    const changes = diffBytecodeSizes(committed, current);
    expect(changes, `${BYTECODE_SIZES_FILE} is stale; run \`${REFRESH_COMMAND}\` and commit it`).to.deep.equal([]);
  });

  it("measures what the chain holds: deployed code has the snapshot's size", async function () {
    const connection = await network.create();
    try {
      const [deployer] = await connection.ethers.getSigners();
      const open = await deployL2OpenToken(deployer!, deployer!.address);
      const libraries = await deployDatanetLibraries(deployer!);
      const registry = await deployDatanetRegistry(
        deployer!,
        { token: await open.getAddress(), treasury: deployer!.address, governance: deployer!.address },
        libraries,
      );
      const size = async (address: string) => ((await connection.ethers.provider.getCode(address)).length - 2) / 2;
      expect(await size(await registry.getAddress())).to.equal(current.DatanetRegistry!.deployedBytes);
      expect(await size(await open.getAddress())).to.equal(current.L2OpenToken!.deployedBytes);
      for (const [fqn, address] of Object.entries(libraries)) {
        const name = fqn.split(":")[1]!;
        expect(await size(address), name).to.equal(current[name]!.deployedBytes);
      }
    } finally {
      await connection.close();
    }
  });

  describe("the check itself", function () {
    it("fails one byte above the ceiling, naming the contract and what to do, and passes at it", function () {
      expect(checkSizeCeilings({ A: { deployedBytes: CODE_SIZE_CEILING, initcodeBytes: INITCODE_SIZE_CEILING } })).to.be
        .empty;
      const over = checkSizeCeilings({ A: { deployedBytes: CODE_SIZE_CEILING + 1, initcodeBytes: 1 } });
      expect(over).to.have.length(1);
      expect(over[0]!.message).to.contain("A is 23,348 bytes").and.contain("23,347-byte ceiling");
      expect(over[0]!.message).to.contain("docs/contracts.md");
      expect(CODE_SIZE_CEILING).to.equal(Math.floor(CODE_SIZE_LIMIT * 0.95));
      expect(checkSizeCeilings({ A: { deployedBytes: 1, initcodeBytes: INITCODE_SIZE_CEILING + 1 } })).to.have.length(
        1,
      );
    });

    it("reports a changed, a new and a removed contract", function () {
      const lines = diffBytecodeSizes(
        { A: { deployedBytes: 100, initcodeBytes: 150 }, Gone: { deployedBytes: 1, initcodeBytes: 1 } },
        { A: { deployedBytes: 90, initcodeBytes: 140 }, New: { deployedBytes: 5, initcodeBytes: 7 } },
      );
      expect(lines).to.deep.equal([
        "A: 100 -> 90 bytes (-10), creation 150 -> 140",
        "New: new, 5 bytes",
        "Gone: no longer compiled",
      ]);
    });
  });
});
