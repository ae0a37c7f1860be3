/**
 * I-4: the daily byte cap counts declared sizes, which the chain cannot check; the Datanet
 * commands and the settlement compare them with the real bytes (`checkDeclaredSize`) and flag an
 * under-declaration for `penalize`.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { Signer } from "ethers";

import { deployL2OpenToken } from "../../deploy/tokens.js";
import { DEFAULT_DATANET_PARAMS, deployDatanetRegistry } from "../../deploy/datanets.js";
import { keccakText } from "../../src/core/hash.js";
import {
  checkDeclaredSize,
  commitAndSubmit,
  MAX_DECLARED_SIZE,
  SIZE_UNDER_DECLARED_REASON,
} from "../../src/datanet/index.js";
import { expectPoaError } from "../support/errors.js";

describe("declared contribution sizes (I-4)", function () {
  it("says match, under-declared (flag for penalize) or over-declared (reported only)", function () {
    const bytes = new Uint8Array(1_000);
    expect(checkDeclaredSize(1_000n, bytes)).to.deep.equal({
      declared: 1_000n,
      actual: 1_000n,
      verdict: "match",
      mismatch: false,
      uncountedBytes: 0n,
      penalize: false,
      reason: undefined,
    });
    // 1 byte declared for 1,000: 999 bytes escaped the daily cap.
    expect(checkDeclaredSize(1, bytes)).to.deep.equal({
      declared: 1n,
      actual: 1_000n,
      verdict: "under-declared",
      mismatch: true,
      uncountedBytes: 999n,
      penalize: true,
      reason: SIZE_UNDER_DECLARED_REASON,
    });
    // Over-declaring only spends the contributor's own cap: a mismatch, not a penalty.
    const over = checkDeclaredSize(5_000n, 1_000n);
    expect(over.verdict).to.equal("over-declared");
    expect(over.mismatch).to.equal(true);
    expect(over.penalize).to.equal(false);
    expect(over.uncountedBytes).to.equal(0n);
    // Sizes as numbers or bigints, bytes or their length: the same verdict.
    expect(checkDeclaredSize(7, 8)).to.deep.equal(checkDeclaredSize(7n, new Uint8Array(8)));
    expect(checkDeclaredSize(MAX_DECLARED_SIZE, MAX_DECLARED_SIZE + 1n).uncountedBytes).to.equal(1n);
    expect(SIZE_UNDER_DECLARED_REASON).to.equal(keccakText("datanet: declared size below the content's size"));
  });

  it("refuses sizes that are not byte counts, naming the field", function () {
    expect(
      expectPoaError(() => checkDeclaredSize(-1n, 1n), "VALUE_OUT_OF_RANGE", /declared size -1 is negative/).details,
    ).to.deep.include({ field: "declared" });
    expectPoaError(() => checkDeclaredSize(1n, -2), "VALUE_OUT_OF_RANGE", /actual size -2 is negative/);
    expectPoaError(() => checkDeclaredSize(1.5, 1n), "INVALID_VALUE", /declared size 1.5 is not a whole number/);
    expectPoaError(() => checkDeclaredSize(1n, Number.NaN), "INVALID_VALUE", /actual size NaN/);
    expectPoaError(
      () => checkDeclaredSize(MAX_DECLARED_SIZE + 1n, 1n),
      "VALUE_OUT_OF_RANGE",
      /above the registry's maximum/,
    );
  });

  it("flags a 1-byte declaration of 10 kB on a real registry, and the penalty uses its reason", async function () {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const { ethers, provider } = connection;
    const [deployer, owner, curator, alice] = (await ethers.getSigners()) as unknown as [
      Signer,
      Signer,
      Signer,
      Signer,
    ];
    const open = await deployL2OpenToken(deployer, "0x000000000000000000000000000000000000dEaD");
    const registry = await deployDatanetRegistry(deployer, {
      token: await open.getAddress(),
      treasury: await deployer.getAddress(),
      governance: await deployer.getAddress(),
    });
    const bridge = "0x4200000000000000000000000000000000000010";
    await provider.request({ method: "hardhat_impersonateAccount", params: [bridge] });
    await provider.request({ method: "hardhat_setBalance", params: [bridge, "0xde0b6b3a7640000"] });
    for (const who of [curator, alice]) {
      await open.connect(await ethers.getSigner(bridge)).mint(await who.getAddress(), 10_000n * 10n ** 18n);
      await open.connect(who).approve(await registry.getAddress(), ethers.MaxUint256);
    }
    await registry.connect(owner).createDatanet(0, "ipfs://d", { ...DEFAULT_DATANET_PARAMS, quorum: 1n });
    await registry.connect(owner).appointCurator(1n, await curator.getAddress());
    await registry.connect(curator).depositCuratorBond(1n, 1_000n * 10n ** 18n);

    const bytes = new TextEncoder().encode("x".repeat(10_000));
    const contentHash = ethers.keccak256(bytes);
    await commitAndSubmit(registry.connect(alice), {
      datanetId: 1n,
      contentHash,
      uri: "ipfs://big",
      sizeBytes: 1n, // 10,000 bytes declared as 1
      stake: 10n ** 19n,
    });
    expect(
      await registry.bytesSubmittedOn(
        1n,
        await alice.getAddress(),
        BigInt(Math.floor((await ethers.provider.getBlock("latest"))!.timestamp / 86_400)),
      ),
    ).to.equal(1n);
    await registry.connect(curator).vote(1n, true);

    const check = checkDeclaredSize((await registry.getContribution(1n)).sizeBytes, bytes);
    expect(check.penalize).to.equal(true);
    expect(check.uncountedBytes).to.equal(9_999n);
    await expect(registry.connect(deployer).penalize(1n, 5_000, check.reason!))
      .to.emit(registry, "ContributionRevoked")
      .withArgs(1n, 1n, 5n * 10n ** 18n, 5n * 10n ** 18n, 1n, SIZE_UNDER_DECLARED_REASON);
    await connection.close();
  });
});
