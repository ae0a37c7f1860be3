import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse, Signer } from "ethers";

import { deployDatanetRegistry } from "../../deploy/datanets.js";
import { deployRewardDistributor, grantDistributorRoles } from "../../deploy/distributor.js";
import {
  commitAndRegisterModel,
  checkSplitBounds,
  checkWiring,
  DEFAULT_SPLIT_BOUNDS,
  deployFeeRouter,
  deployModelsAndFees,
} from "../../deploy/models.js";
import { deployL2OpenToken, deployOpenToken } from "../../deploy/tokens.js";
import { PoaError } from "../../src/core/errors.js";
import { commitAndSubmit } from "../../src/datanet/index.js";
import { expectPoaError } from "../support/errors.js";
import { FeeRouter__factory } from "../../types/ethers-contracts/index.js";
import type { FeeRouter } from "../../types/ethers-contracts/index.js";

const OPEN = 10n ** 18n;
const DAY = 86_400n;
const BRIDGE = "0x4200000000000000000000000000000000000010";

/** The fields of one RequestPaid event, as the settlement indexes them. */
interface Paid {
  requestId: bigint;
  requestHash: string;
  modelId: bigint;
  payer: string;
  epoch: bigint;
  tokensIn: bigint;
  tokensOut: bigint;
  fee: bigint;
  platform: bigint;
  owner: bigint;
  stakers: bigint;
  contributors: bigint;
}

async function paidEvents(router: FeeRouter, tx: ContractTransactionResponse): Promise<Paid[]> {
  const receipt = await tx.wait();
  if (receipt === null) throw new Error("no receipt");
  const out: Paid[] = [];
  for (const log of receipt.logs) {
    const parsed = router.interface.parseLog(log);
    if (parsed?.name !== "RequestPaid") continue;
    const a = parsed.args;
    out.push({
      requestId: a.requestId,
      requestHash: a.requestHash,
      modelId: a.modelId,
      payer: a.payer,
      epoch: a.epoch,
      tokensIn: a.tokensIn,
      tokensOut: a.tokensOut,
      fee: a.fee,
      platform: a.parts.platform,
      owner: a.parts.owner,
      stakers: a.parts.stakers,
      contributors: a.parts.contributors,
    });
  }
  return out;
}

describe("models and fees end to end (real DatanetRegistry, ModelRegistry, FeeRouter, RewardDistributor)", function () {
  async function fixture() {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const { ethers, networkHelpers } = connection;
    const signers = await ethers.getSigners();
    const [deployer, governance, guardian, treasury, datanetOwner, curator, contributor, builder, gateway, settler] =
      signers;
    if (settler === undefined) throw new Error("need 10 accounts");

    const l1 = await deployOpenToken(deployer!, deployer!.address);
    const open = await deployL2OpenToken(deployer!, await l1.getAddress());
    await networkHelpers.impersonateAccount(BRIDGE);
    await networkHelpers.setBalance(BRIDGE, 10n ** 18n);
    const bridge = await ethers.getSigner(BRIDGE);
    const mint = async (to: Signer, amount: bigint) =>
      (await open.connect(bridge).mint(await to.getAddress(), amount)).wait();

    const datanets = await deployDatanetRegistry(deployer!, {
      token: await open.getAddress(),
      treasury: treasury!.address,
      governance: governance!.address,
      guardian: guardian!.address,
    });

    const genesis = BigInt(await networkHelpers.time.latest());
    const distributor = await deployRewardDistributor(deployer!, {
      admin: deployer!.address,
      open: await open.getAddress(),
      genesis,
      epochLength: DAY,
      challengeWindow: 3_600n,
      settlerBond: 10n ** 17n,
      challengerBond: 10n ** 17n,
    });
    await grantDistributorRoles(distributor, deployer!, { settlers: [settler.address] });

    const { registry, router } = await deployModelsAndFees(deployer!, {
      datanets: await datanets.getAddress(),
      token: await open.getAddress(),
      distributor: await distributor.getAddress(),
      treasury: treasury!.address,
      admin: governance!.address,
      guardian: guardian!.address,
    });

    return {
      connection,
      ethers,
      networkHelpers,
      open,
      datanets,
      distributor,
      registry,
      router,
      mint,
      genesis,
      deployer: deployer!,
      governance: governance!,
      treasury: treasury!,
      datanetOwner: datanetOwner!,
      curator: curator!,
      contributor: contributor!,
      builder: builder!,
      gateway: gateway!,
      settler,
    };
  }

  type Fixture = Awaited<ReturnType<typeof fixture>>;

  /** A Datanet with one accepted contribution, published as version 1 with its real Merkle root. */
  async function publishDatanet(f: Fixture): Promise<{ datanetId: bigint; version: bigint }> {
    const { datanets, open, mint, datanetOwner, curator, contributor } = f;
    const datanetAddress = await datanets.getAddress();
    await (
      await datanets.connect(datanetOwner).createDatanet(0, "ipfs://medical-qa", {
        minStake: 10n * OPEN,
        dailyByteCap: 10_000_000n,
        bondPeriod: 7n * DAY,
        slashBps: 2_000n,
        quorum: 1n,
        reviewPeriod: 7n * DAY,
      })
    ).wait();
    const datanetId = await datanets.datanetCount();
    await (await datanets.connect(datanetOwner).appointCurator(datanetId, curator.address)).wait();
    await mint(curator, 1_000n * OPEN);
    await (await open.connect(curator).approve(datanetAddress, 1_000n * OPEN)).wait();
    await (await datanets.connect(curator).depositCuratorBond(datanetId, 1_000n * OPEN)).wait();

    const contentHash = f.ethers.keccak256(f.ethers.toUtf8Bytes("Q: what lowers blood pressure? A: ..."));
    await mint(contributor, 10n * OPEN);
    await (await open.connect(contributor).approve(datanetAddress, 10n * OPEN)).wait();
    // A contribution is a commitment, then its reveal a block later (the registry's front-running guard).
    const { contributionId } = await commitAndSubmit(datanets.connect(contributor), {
      datanetId,
      contentHash,
      uri: "ipfs://qa-1",
      sizeBytes: 1_234n,
      stake: 10n * OPEN,
    });
    await (await datanets.connect(curator).vote(contributionId, true)).wait();

    const tree = StandardMerkleTree.of([[contributionId.toString(), contentHash]], ["uint256", "bytes32"]);
    await (await datanets.connect(datanetOwner).publishVersion(datanetId, tree.root, 1n, "ipfs://v1")).wait();
    expect(await datanets.isPublishedVersion(datanetId, 1n)).to.equal(true);
    expect(await datanets.versionRoot(datanetId, 1n)).to.equal(tree.root);
    return { datanetId, version: 1n };
  }

  function registration(artifact: string, trainedOn: { datanetId: bigint; version: bigint }[], baseModelId = 0n) {
    return {
      baseModelId,
      artifactHash: artifact,
      metadataURI: "ipfs://model-card",
      trainedOn,
      attributionMethod: 0n,
      pricePerKInput: 2n * OPEN,
      pricePerKOutput: 6n * OPEN,
      ownerBps: 3_000n,
      stakersBps: 2_000n,
      contributorsBps: 5_000n,
    };
  }

  it("registers a model on a published version, pays single and batched, escrows per epoch, settles and claims", async function () {
    const f = await fixture();
    const {
      ethers,
      networkHelpers,
      open,
      registry,
      router,
      distributor,
      builder,
      gateway,
      settler,
      curator,
      contributor,
    } = f;
    const routerAddress = await router.getAddress();
    const v = await publishDatanet(f);

    // Register a base model and a LoRA adapter on it, both trained on the published version.
    await commitAndRegisterModel(registry.connect(builder), registration(ethers.id("base-weights"), [v]));
    await commitAndRegisterModel(registry.connect(builder), registration(ethers.id("lora-weights"), [v], 1n));
    expect(await registry.modelCount()).to.equal(2n);
    const model = await registry.getModel(2n);
    expect(model.baseModelId).to.equal(1n);
    expect(model.trainedOn[0]!.datanetId).to.equal(v.datanetId);

    // An unpublished version is refused with the exact error.
    await expect(
      registry.connect(builder).registerModel(registration(ethers.id("x"), [{ ...v, version: 2n }]), ethers.ZeroHash),
    )
      .to.be.revertedWithCustomError(registry, "UnpublishedDatanetVersion")
      .withArgs(v.datanetId, 2n);

    await f.mint(gateway, 10_000n * OPEN);
    await (await open.connect(gateway).approve(routerAddress, ethers.MaxUint256)).wait();

    // Epoch 0: one single payment and a batch of 20 to the adapter.
    const [quoted] = await router.quote(2n, 1_000n, 500n);
    expect(quoted).to.equal(5n * OPEN);
    const single = await paidEvents(
      router,
      await router.connect(gateway).pay(2n, ethers.id("req-0"), 1_000n, 500n, quoted),
    );
    const requests = Array.from({ length: 20 }, (_, i) => ({
      requestHash: ethers.id(`req-${i + 1}`),
      tokensIn: BigInt(100 + i),
      tokensOut: BigInt(37 * i + 1),
      maxFee: quoted,
    }));
    const batch = await paidEvents(router, await router.connect(gateway).payBatch(2n, requests));
    expect(batch.map((e) => e.requestId)).to.deep.equal(requests.map((_, i) => BigInt(i + 2)));
    const epoch0 = [...single, ...batch];
    for (const e of epoch0) {
      expect(e.platform + e.owner + e.stakers + e.contributors).to.equal(e.fee);
      expect(e.epoch).to.equal(0n);
      expect(e.modelId).to.equal(2n);
      expect(e.payer).to.equal(gateway.address);
    }
    const sum = (xs: Paid[], k: keyof Paid) => xs.reduce((s, e) => s + (e[k] as bigint), 0n);
    const escrow0 = sum(epoch0, "stakers") + sum(epoch0, "contributors");
    expect(await distributor.epochEscrow(0n)).to.equal(escrow0);
    const booked0 = await router.escrowed(0n, 2n);
    expect(booked0.stakers).to.equal(sum(epoch0, "stakers"));
    expect(booked0.contributors).to.equal(sum(epoch0, "contributors"));
    expect(await router.creditOf(builder.address)).to.equal(sum(epoch0, "owner"));

    // Epoch 1 (the distributor's clock): the next payment is escrowed separately.
    await networkHelpers.time.increaseTo(f.genesis + DAY);
    expect(await router.currentEpoch()).to.equal(await distributor.currentEpoch());
    const epoch1 = await paidEvents(
      router,
      await router.connect(gateway).pay(1n, ethers.id("req-next"), 2_000n, 0n, ethers.MaxUint256),
    );
    expect(epoch1[0]!.epoch).to.equal(1n);
    const escrow1 = epoch1[0]!.stakers + epoch1[0]!.contributors;
    expect(await distributor.epochEscrow(1n)).to.equal(escrow1);
    expect(await distributor.epochEscrow(0n)).to.equal(escrow0, "epoch 0 unchanged");

    // The router holds exactly the owner credits and the platform fees.
    expect(await open.balanceOf(routerAddress)).to.equal(
      (await router.totalCredits()) + (await router.platformFeesAccrued()),
    );

    // Settle epoch 0: stakers' pool to the curator, contributors' pool to the contributor.
    const tree = StandardMerkleTree.of(
      [
        [curator.address, sum(epoch0, "stakers").toString()],
        [contributor.address, sum(epoch0, "contributors").toString()],
      ],
      ["address", "uint256"],
    );
    await (
      await distributor
        .connect(settler)
        .propose(0n, tree.root, escrow0, ethers.id("report"), "ipfs://report", { value: 10n ** 17n })
    ).wait();
    await networkHelpers.time.increase(3_601);
    await (await distributor.finalize()).wait();
    const before = await open.balanceOf(contributor.address);
    for (const [i, [account, amount]] of tree.entries()) {
      if (account === undefined || amount === undefined) throw new Error("malformed leaf");
      await (await distributor.claim(account, amount, tree.getProof(i))).wait();
    }
    expect((await open.balanceOf(contributor.address)) - before).to.equal(sum(epoch0, "contributors"));
    expect(await open.balanceOf(await distributor.getAddress())).to.equal(escrow1, "only epoch 1's escrow is left");

    // The owner pulls its credit, anyone sweeps the platform fees: the router ends empty.
    const credit = await router.creditOf(builder.address);
    await (await router.connect(builder).withdrawCredit(builder.address, credit)).wait();
    await (await router.sweepPlatformFees()).wait();
    expect(await open.balanceOf(routerAddress)).to.equal(0n);
    expect(await open.balanceOf(f.treasury.address)).to.equal(sum([...epoch0, ...epoch1], "platform"));
    await f.connection.close();
  });

  it("refuses reused request hashes, fees above max and payments to adapters of a retired base", async function () {
    const f = await fixture();
    const { ethers, open, registry, router, builder, gateway } = f;
    const v = await publishDatanet(f);
    await commitAndRegisterModel(registry.connect(builder), registration(ethers.id("base"), [v]));
    await commitAndRegisterModel(registry.connect(builder), registration(ethers.id("lora"), [v], 1n));
    await f.mint(gateway, 100n * OPEN);
    await (await open.connect(gateway).approve(await router.getAddress(), ethers.MaxUint256)).wait();

    await (await router.connect(gateway).pay(1n, ethers.id("r"), 1_000n, 0n, 2n * OPEN)).wait();
    await expect(router.connect(gateway).pay(1n, ethers.id("r"), 1_000n, 0n, 2n * OPEN))
      .to.be.revertedWithCustomError(router, "RequestAlreadyPaid")
      .withArgs(gateway.address, ethers.id("r"), 1n);
    await expect(router.connect(gateway).pay(1n, ethers.id("s"), 1_000n, 0n, 2n * OPEN - 1n))
      .to.be.revertedWithCustomError(router, "FeeAboveMax")
      .withArgs(ethers.id("s"), 2n * OPEN, 2n * OPEN - 1n);
    await expect(router.connect(gateway).pay(1n, ethers.id("s"), 0n, 0n, 2n * OPEN))
      .to.be.revertedWithCustomError(router, "ZeroTokens")
      .withArgs(ethers.id("s"));

    await (await registry.connect(builder).retireModel(1n)).wait();
    await expect(router.connect(gateway).pay(2n, ethers.id("s"), 1_000n, 0n, 2n * OPEN))
      .to.be.revertedWithCustomError(registry, "BaseModelNotActive")
      .withArgs(2n, 1n, 3n);
    await f.connection.close();
  });

  it("deploy helpers reject bad configuration before sending a transaction", async function () {
    const f = await fixture();
    expectPoaError(() => checkSplitBounds({ ...DEFAULT_SPLIT_BOUNDS, minOwnerBps: 8_000 }), "INVALID_VALUE", /owner/);
    expectPoaError(
      () =>
        checkSplitBounds({
          ...DEFAULT_SPLIT_BOUNDS,
          maxOwnerBps: 1_000,
          maxStakersBps: 1_000,
          maxContributorsBps: 1_000,
        }),
      "INVALID_VALUE",
      /no split can satisfy/,
    );
    const nonce = await f.deployer.getNonce();
    let error: unknown;
    try {
      await deployFeeRouter(f.deployer, {
        token: await f.open.getAddress(),
        registry: await f.registry.getAddress(),
        distributor: f.gateway.address, // an account, not a contract
        treasury: f.treasury.address,
        admin: f.governance.address,
        guardian: f.governance.address,
      });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(PoaError);
    expect((error as PoaError).code).to.equal("CONTRACT_NOT_FOUND");
    expect((error as PoaError).message).to.match(/RewardDistributor .* has no contract code/);
    expect((error as PoaError).action).to.match(/Deploy the RewardDistributor first/);
    expect(await f.deployer.getNonce()).to.equal(nonce, "no transaction was sent");
    await f.connection.close();
  });

  it("refuses a distributor that escrows another token, before deploying and when checking the wiring", async function () {
    const f = await fixture();
    // A real RewardDistributor on the same clock, escrowing another (real) OPEN deployment.
    const otherL1 = await deployOpenToken(f.deployer, f.deployer.address);
    const otherOpen = await deployL2OpenToken(f.deployer, await otherL1.getAddress());
    const wrong = await deployRewardDistributor(f.deployer, {
      admin: f.deployer.address,
      open: await otherOpen.getAddress(),
      genesis: await f.router.genesis(),
      epochLength: await f.router.epochLength(),
      challengeWindow: 3_600n,
      settlerBond: 10n ** 17n,
      challengerBond: 10n ** 17n,
    });
    const openAddress = await f.open.getAddress();
    const wrongAddress = await wrong.getAddress();
    const otherAddress = await otherOpen.getAddress();
    const params = {
      token: openAddress,
      registry: await f.registry.getAddress(),
      distributor: wrongAddress,
      treasury: f.treasury.address,
      admin: f.governance.address,
      guardian: f.governance.address,
    };

    const nonce = await f.deployer.getNonce();
    const deployError = await deployFeeRouter(f.deployer, params).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(deployError).to.be.instanceOf(PoaError);
    expect((deployError as PoaError).code).to.equal("DEPLOYMENT_INVALID");
    expect((deployError as PoaError).message).to.equal(
      `the RewardDistributor ${wrongAddress} escrows token ${otherAddress}, not the fee token ${openAddress}`,
    );
    expect((deployError as PoaError).action).to.match(/same OPEN token/);
    expect(await f.deployer.getNonce()).to.equal(nonce, "no transaction was sent");

    // The contract refuses it on its own, naming both tokens.
    const factory = new FeeRouter__factory(f.deployer);
    await expect(
      factory.deploy(openAddress, params.registry, wrongAddress, params.treasury, 500n, params.admin, params.guardian),
    )
      .to.be.revertedWithCustomError(factory, "DistributorTokenMismatch")
      .withArgs(openAddress, otherAddress);

    // Checking a deployed router against a configuration naming the wrong distributor.
    const wiringError = await checkWiring(f.router, wrongAddress).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(wiringError).to.be.instanceOf(PoaError);
    expect((wiringError as PoaError).code).to.equal("DEPLOYMENT_INVALID");
    expect((wiringError as PoaError).message).to.match(/escrows token .* not the fee token/);
    await checkWiring(f.router, await f.distributor.getAddress());
    await f.connection.close();
  });
});
