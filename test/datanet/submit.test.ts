/**
 * `commitAndSubmit`: the library's one way to submit a contribution (commit, then reveal a block
 * later), against a real registry.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, keccak256, toBeHex, type Signer } from "ethers";

import { deployL2OpenToken } from "../../deploy/tokens.js";
import { DEFAULT_DATANET_PARAMS, deployDatanetRegistry } from "../../deploy/datanets.js";
import { PoaError } from "../../src/core/errors.js";
import { commitAndSubmit, contributionCommitment, newSalt } from "../../src/datanet/index.js";
import { expectPoaError, expectPoaErrorAsync } from "../support/errors.js";

const OPEN = 10n ** 18n;
const h = (n: number) => keccak256(toBeHex(n, 32));

describe("commitAndSubmit (commit, then reveal)", function () {
  it("computes the registry's commitment, off-chain and without a client", async function () {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const [deployer] = await connection.ethers.getSigners();
    const open = await deployL2OpenToken(deployer!, "0x000000000000000000000000000000000000dEaD");
    const registry = await deployDatanetRegistry(deployer!, {
      token: await open.getAddress(),
      treasury: await deployer!.getAddress(),
      governance: await deployer!.getAddress(),
    });
    for (let i = 0; i < 5; i++) {
      const salt = newSalt();
      const who = connection.ethers.Wallet.createRandom().address;
      const mine = contributionCommitment(h(i), who, salt);
      expect(mine).to.equal(await registry.contributionCommitment(h(i), who, salt));
      expect(mine).to.equal(
        keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "bytes32"], [h(i), who, salt])),
      );
      // Case does not matter; the address is checked.
      expect(contributionCommitment(h(i).toUpperCase().replace("0X", "0x"), who.toLowerCase(), salt)).to.equal(mine);
    }
    expect(newSalt()).to.match(/^0x[0-9a-f]{64}$/);
    expect(newSalt()).to.not.equal(newSalt());
    expectPoaError(() => contributionCommitment(h(1), "0x1234", newSalt()), "INVALID_ADDRESS");
    expectPoaError(
      () => contributionCommitment("0x12", deployer!.address, newSalt()),
      "MERKLE_INVALID",
      /content hash/,
    );
    await connection.close();
  });

  it("submits in two blocks, and retries a failed reveal under the same commitment and precedence", async function () {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const { ethers, provider } = connection;
    const [deployer, owner, alice] = (await ethers.getSigners()) as unknown as [Signer, Signer, Signer];
    const open = await deployL2OpenToken(deployer, "0x000000000000000000000000000000000000dEaD");
    const registry = await deployDatanetRegistry(deployer, {
      token: await open.getAddress(),
      treasury: await deployer.getAddress(),
      governance: await deployer.getAddress(),
    });
    const bridge = "0x4200000000000000000000000000000000000010";
    await provider.request({ method: "hardhat_impersonateAccount", params: [bridge] });
    await provider.request({ method: "hardhat_setBalance", params: [bridge, "0xde0b6b3a7640000"] });
    await open.connect(await ethers.getSigner(bridge)).mint(await alice.getAddress(), 100n * OPEN);
    await registry.connect(owner).createDatanet(0, "ipfs://d", DEFAULT_DATANET_PARAMS);

    const contribution = { datanetId: 1n, contentHash: h(1), uri: "ipfs://a", sizeBytes: 10n, stake: 10n * OPEN };
    // No allowance yet: the commitment is mined, the reveal reverts, decoded from the registry's ABI.
    const salt = newSalt();
    const failed = await expectPoaErrorAsync(
      commitAndSubmit(registry.connect(alice), { ...contribution, salt }),
      "CONTRACT_REVERTED",
      /submit a contribution to Datanet 1/,
    );
    expect(failed).to.be.instanceOf(PoaError);
    const commitment = contributionCommitment(h(1), await alice.getAddress(), salt);
    const committedAt = await registry.commitmentBlock(commitment);
    expect(committedAt).to.be.greaterThan(0n);

    // Retry with the same salt: the commitment is reused (no new transaction), precedence kept.
    await open.connect(alice).approve(await registry.getAddress(), 10n * OPEN);
    const done = await commitAndSubmit(registry.connect(alice), { ...contribution, salt });
    expect(done.commitReceipt).to.equal(undefined);
    expect(done.commitBlock).to.equal(committedAt);
    expect(done.contributionId).to.equal(1n);
    expect(await registry.contentCommitBlock(1n, h(1))).to.equal(committedAt);
    expect(await registry.commitmentBlock(commitment)).to.equal(0n); // used up

    // A fresh submission: two transactions in two blocks.
    await open.connect(alice).approve(await registry.getAddress(), 10n * OPEN);
    const second = await commitAndSubmit(registry.connect(alice), { ...contribution, contentHash: h(2) });
    expect(second.submitReceipt.blockNumber).to.equal(second.commitReceipt!.blockNumber + 1);
    expect(second.salt).to.match(/^0x[0-9a-f]{64}$/);

    await expectPoaErrorAsync(
      commitAndSubmit(registry.connect(ethers.provider), contribution),
      "INVALID_VALUE",
      /not connected to a signer/,
    );
    await connection.close();
  });
});
