import { expect } from "chai";
import { network } from "hardhat";
import { deployL2OpenToken, deployOpenToken } from "../../deploy/tokens.js";
import { signPermit } from "../../src/chain/permit.js";
import { L2_STANDARD_BRIDGE, bridgeSigner } from "../support/op-network.js";

describe("OPEN tokens on an OP Stack network (ethers, real signatures)", function () {
  async function fixture() {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const { ethers } = connection;
    const [deployer, alice, bob] = await ethers.getSigners();
    if (deployer === undefined || alice === undefined || bob === undefined) throw new Error("need 3 accounts");
    const l1 = await deployOpenToken(deployer, deployer.address);
    const l2 = await deployL2OpenToken(deployer, await l1.getAddress());
    return { connection, ethers, deployer, alice, bob, l1, l2 };
  }

  it("mints exactly 1e9 OPEN once on L1 to the recipient", async function () {
    const { l1, deployer, connection } = await fixture();
    expect(await l1.totalSupply()).to.equal(10n ** 27n);
    expect(await l1.balanceOf(deployer.address)).to.equal(10n ** 27n);
    expect(await l1.decimals()).to.equal(18n);
    expect(await l1.symbol()).to.equal("OPEN");
    await connection.close();
  });

  it("accepts an EIP-2612 permit signed by a wallet (L1 and L2)", async function () {
    const { l1, l2, alice, bob, deployer, ethers, connection } = await fixture();
    const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 3600);

    const sig1 = await signPermit(l1, alice, bob.address, 5n, deadline);
    await expect(l1.connect(deployer).permit(alice.address, bob.address, 5n, deadline, sig1.v, sig1.r, sig1.s))
      .to.emit(l1, "Approval")
      .withArgs(alice.address, bob.address, 5n);

    const sig2 = await signPermit(l2, alice, bob.address, 9n, deadline);
    await l2.permit(alice.address, bob.address, 9n, deadline, sig2.v, sig2.r, sig2.s);
    expect(await l2.allowance(alice.address, bob.address)).to.equal(9n);

    // A signature over a different value must not verify.
    const bad = await signPermit(l2, alice, bob.address, 1n, deadline);
    await expect(
      l2.permit(alice.address, bob.address, 2n, deadline, bad.v, bad.r, bad.s),
    ).to.be.revertedWithCustomError(l2, "ERC2612InvalidSigner");
    await connection.close();
  });

  it("lets only the L2 standard bridge mint and burn", async function () {
    const { l2, alice, connection } = await fixture();
    await expect(l2.connect(alice).mint(alice.address, 1n))
      .to.be.revertedWithCustomError(l2, "NotBridge")
      .withArgs(alice.address, L2_STANDARD_BRIDGE);

    const bridge = await bridgeSigner(connection);
    await expect(l2.connect(bridge).mint(alice.address, 100n)).to.emit(l2, "Mint").withArgs(alice.address, 100n);
    await expect(l2.connect(bridge).burn(alice.address, 40n)).to.emit(l2, "Burn").withArgs(alice.address, 40n);
    expect(await l2.totalSupply()).to.equal(60n);
    await connection.close();
  });

  it("checkpoints votes by timestamp after delegation", async function () {
    const { l2, alice, bob, connection, ethers } = await fixture();
    await l2.connect(await bridgeSigner(connection)).mint(alice.address, 1000n);

    await l2.connect(alice).delegate(bob.address);
    const t = (await ethers.provider.getBlock("latest"))!.timestamp;
    expect(await l2.clock()).to.equal(BigInt(t));
    expect(await l2.CLOCK_MODE()).to.equal("mode=timestamp");
    expect(await l2.getVotes(bob.address)).to.equal(1000n);
    await connection.provider.request({ method: "evm_mine", params: [] });
    expect(await l2.getPastVotes(bob.address, t)).to.equal(1000n);
    await connection.close();
  });

  it("advertises the OptimismMintableERC20 interfaces the bridge checks", async function () {
    const { l2, connection } = await fixture();
    expect(await l2.supportsInterface("0x01ffc9a7")).to.equal(true);
    expect(await l2.supportsInterface("0xec4fc8e3")).to.equal(true);
    expect(await l2.supportsInterface("0x1d1d8b63")).to.equal(true);
    expect(await l2.supportsInterface("0xffffffff")).to.equal(false);
    await connection.close();
  });
});
