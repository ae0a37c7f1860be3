import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse, Signer } from "ethers";

import {
  checkRoles,
  deployGovernance,
  formatRoleTable,
  governanceConfig,
  handOver,
  protocolAddresses,
  roleNames,
  wireTimelock,
} from "../../deploy/governance.js";
import type { RoleExpectations } from "../../deploy/governance.js";
import { CORE_STEPS, deployProtocol, PROTOCOL_STEPS } from "../../deploy/protocol.js";
import { PoaError } from "../../src/core/errors.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  GrantsVault__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
  OpenGovernor__factory,
  OpenTimelock__factory,
  RewardDistributor__factory,
} from "../../types/ethers-contracts/index.js";
import type { OpenGovernor } from "../../types/ethers-contracts/index.js";
import { bridgeSigner } from "../support/op-network.js";

const OPEN = 10n ** 18n;
const DAY = 86_400;

/** The PoaError a promise rejects with (fails the test if it resolves or throws something else). */
async function poaError(promise: Promise<unknown>): Promise<PoaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected a PoaError").to.be.instanceOf(PoaError);
  return error as PoaError;
}

describe("governance over the real protocol (deploy/protocol.ts + deploy/governance.ts, in-process OP network)", function () {
  /**
   * The protocol deployed by deployProtocol without its governance steps (CORE_STEPS), with a
   * separate guardian and settler; then governance deployed by hand, not yet handed over.
   */
  async function fixture() {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    const { ethers, networkHelpers } = connection;
    const [deployer, guardian, council, settler, alice, bob, stranger] = await ethers.getSigners();
    if (stranger === undefined) throw new Error("need 7 accounts");
    const { record } = await deployProtocol({
      network: "hardhatOp",
      signers: { l1: deployer!, l2: deployer! },
      steps: CORE_STEPS,
      roles: { guardian: guardian!.address, settler: settler!.address },
    });
    const address = (name: string) => record.contracts[name]!.address;
    const protocol = protocolAddresses({ address });
    const token = address("L2OpenToken");
    const config = governanceConfig("mainnet");
    const gov = await deployGovernance(deployer!, {
      token,
      roles: { guardian: guardian!.address, council: council!.address },
      config,
    });
    const expectations: RoleExpectations = {
      protocol,
      governance: {
        OpenTimelock: await gov.timelock.getAddress(),
        OpenGovernor: await gov.governor.getAddress(),
        GrantsVault: await gov.vault.getAddress(),
      },
      token,
      guardian: guardian!.address,
      council: council!.address,
      settler: settler!.address,
    };

    // Voters hold bridged OPEN (minted as the bridge would on a deposit) and delegate to themselves.
    const bridge = await bridgeSigner(connection);
    const open = L2OpenToken__factory.connect(token, deployer!);
    for (const [voter, amount] of [
      [alice!, 30_000_000n * OPEN],
      [bob!, 20_000_000n * OPEN],
    ] as const) {
      await (await open.connect(bridge).mint(voter.address, amount)).wait();
      await (await open.connect(voter).delegate(voter.address)).wait();
    }
    await networkHelpers.time.increase(1);

    return {
      connection,
      ethers,
      networkHelpers,
      record,
      protocol,
      expectations,
      config,
      open,
      ...gov,
      deployer: deployer!,
      guardian: guardian!,
      council: council!,
      settler: settler!,
      alice: alice!,
      bob: bob!,
      stranger,
    };
  }
  type Fixture = Awaited<ReturnType<typeof fixture>>;

  /** propose (alice) -> vote (alice and bob for) -> queue(id) -> execute(id), moving time as needed. */
  async function govern(
    f: Fixture,
    governor: OpenGovernor,
    calls: { target: string; data: string }[],
    description: string,
  ): Promise<{ id: bigint; receipts: Record<string, bigint> }> {
    const { ethers, networkHelpers, alice, bob, stranger } = f;
    const targets = calls.map((c) => c.target);
    const values = calls.map(() => 0n);
    const datas = calls.map((c) => c.data);
    const gas: Record<string, bigint> = {};
    const mined = async (name: string, tx: Promise<ContractTransactionResponse>) => {
      const receipt = await (await tx).wait();
      gas[name] = receipt!.gasUsed;
    };
    await mined("propose", governor.connect(alice).propose(targets, values, datas, description));
    const id = await governor.getProposalId(targets, values, datas, ethers.id(description));
    await networkHelpers.time.increaseTo((await governor.proposalSnapshot(id)) + 1n);
    await mined("castVote", governor.connect(alice).castVote(id, 1));
    await mined("castVote (second voter)", governor.connect(bob).castVote(id, 1));
    await networkHelpers.time.increaseTo((await governor.proposalDeadline(id)) + 1n);
    expect(await governor.state(id)).to.equal(4n, "Succeeded");
    const descriptionHash = ethers.id(description);
    await mined("queue", governor.connect(stranger).queue(targets, values, datas, descriptionHash));
    await networkHelpers.time.increaseTo(await governor.proposalEta(id));
    await mined("execute", governor.connect(stranger).execute(targets, values, datas, descriptionHash));
    expect(await governor.state(id)).to.equal(7n, "Executed");
    return { id, receipts: gas };
  }

  it("hands every protocol admin role and the treasury to the timelock, and checks every holder", async function () {
    const f = await fixture();
    const { deployer, settler, guardian, protocol, expectations, timelock } = f;
    try {
      const timelockAddress = await timelock.getAddress();

      // Before the hand-over the deployer holds the admin roles: the check says so and fails.
      const before = await poaError(checkRoles(deployer, expectations));
      expect(before.code).to.equal("INVARIANT_BROKEN");
      expect(before.message).to.contain("DEFAULT_ADMIN_ROLE");
      expect(before.message).to.contain(deployer.address.toLowerCase());

      // A settler that is also the resolver is refused before any transaction.
      const nonce = await deployer.getNonce();
      const refused = await poaError(
        handOver(deployer, {
          timelock: timelockAddress,
          protocol,
          guardian: guardian.address,
          settler: settler.address,
          resolver: settler.address,
        }),
      );
      expect(refused.code).to.equal("INVALID_VALUE");
      expect(refused.message).to.contain("is also the resolver");
      expect(await deployer.getNonce()).to.equal(nonce, "no transaction sent");

      const actions = await handOver(deployer, {
        timelock: timelockAddress,
        protocol,
        guardian: guardian.address,
        settler: settler.address,
      });
      expect(actions.length).to.be.greaterThan(0);
      expect(
        await handOver(deployer, {
          timelock: timelockAddress,
          protocol,
          guardian: guardian.address,
          settler: settler.address,
        }),
      ).to.deep.equal([], "idempotent");

      const rows = await checkRoles(deployer, expectations);
      const table = formatRoleTable(rows, roleNames(expectations));
      for (const contract of [
        "DatanetRegistry",
        "ModelRegistry",
        "FeeRouter",
        "RewardDistributor",
        "OpenTimelock",
        "GrantsVault",
      ]) {
        const admin = rows.find((r) => r.contract === contract && r.role === "DEFAULT_ADMIN_ROLE");
        expect(admin?.actual, `${contract} admin`).to.deep.equal([timelockAddress.toLowerCase()]);
      }
      expect(rows.every((r) => r.ok)).to.equal(true);
      expect(table).to.match(/RewardDistributor\s+RESOLVER_ROLE\s+timelock\s+ok/);
      expect(table).to.match(/OpenTimelock\s+EXECUTOR_ROLE\s+anyone\s+ok/);
      expect(table).not.to.contain(deployer.address.toLowerCase(), "the deployer holds nothing");

      // The treasuries moved: swept platform fees and slashes now go to the timelock.
      expect(await FeeRouter__factory.connect(protocol.FeeRouter, deployer).treasury()).to.equal(timelockAddress);
      expect(await DatanetRegistry__factory.connect(protocol.DatanetRegistry, deployer).treasury()).to.equal(
        timelockAddress,
      );
    } finally {
      await f.connection.close();
    }
  });

  it("refuses every admin action without the timelock, per role, after the hand-over", async function () {
    const f = await fixture();
    const { deployer, settler, guardian, council, stranger, protocol, timelock, vault, governor } = f;
    try {
      const timelockAddress = await timelock.getAddress();
      await handOver(deployer, {
        timelock: timelockAddress,
        protocol,
        guardian: guardian.address,
        settler: settler.address,
      });
      const datanets = DatanetRegistry__factory.connect(protocol.DatanetRegistry, deployer);
      const models = ModelRegistry__factory.connect(protocol.ModelRegistry, deployer);
      const router = FeeRouter__factory.connect(protocol.FeeRouter, deployer);
      const distributor = RewardDistributor__factory.connect(protocol.RewardDistributor, deployer);
      const admin = await router.DEFAULT_ADMIN_ROLE();
      for (const who of [deployer, guardian, council, settler, stranger] as Signer[]) {
        const me = await who.getAddress();
        const denied = async (contract: { interface: unknown }, tx: Promise<unknown>) =>
          expect(tx)
            .to.be.revertedWithCustomError(contract as never, "AccessControlUnauthorizedAccount")
            .withArgs(me, admin);
        await denied(router, router.connect(who).schedulePlatformFee(0n));
        await denied(router, router.connect(who).setTreasury(me));
        await denied(models, models.connect(who).setNoticeDelay(3_600n));
        await denied(datanets, datanets.connect(who).setTreasury(me));
        await denied(distributor, distributor.connect(who).setChallengeWindow(7_200n));
        await denied(distributor, distributor.connect(who).grantRole(await distributor.SETTLER_ROLE(), me));
        await denied(vault, vault.connect(who).setVetoWindow(7_200n));
        await denied(vault, vault.connect(who).unpause());
        await expect(governor.connect(who).setVotingPeriod(1n))
          .to.be.revertedWithCustomError(governor, "GovernorOnlyExecutor")
          .withArgs(me);
        await expect(timelock.connect(who).updateDelay(0n))
          .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller")
          .withArgs(me);
      }
      // The guardian pauses; it cannot touch funds or parameters (checked above).
      await (await router.connect(guardian).pause()).wait();
      expect(await router.paused()).to.equal(true);
    } finally {
      await f.connection.close();
    }
  });

  it("propose -> vote -> queue -> execute changes the FeeRouter's platform fee", async function () {
    const f = await fixture();
    const { deployer, settler, guardian, protocol, timelock, governor, networkHelpers } = f;
    try {
      await handOver(deployer, {
        timelock: await timelock.getAddress(),
        protocol,
        guardian: guardian.address,
        settler: settler.address,
      });
      const router = FeeRouter__factory.connect(protocol.FeeRouter, deployer);
      const models = ModelRegistry__factory.connect(protocol.ModelRegistry, deployer);
      expect(await router.platformFeeBps()).to.equal(500n);

      const { receipts } = await govern(
        f,
        governor,
        [{ target: protocol.FeeRouter, data: router.interface.encodeFunctionData("schedulePlatformFee", [800n]) }],
        "Raise the platform fee to 8%",
      );
      // The fee change itself waits the registry's notice delay (payers are never front-run).
      expect(await router.platformFeeBps()).to.equal(500n);
      await networkHelpers.time.increase(await models.noticeDelay());
      expect(await router.platformFeeBps()).to.equal(800n);
      for (const name of ["propose", "castVote", "queue", "execute"]) expect(receipts[name]).to.be.greaterThan(0n);
    } finally {
      await f.connection.close();
    }
  });

  it("a grant funded from the timelock's treasury by a proposal: council review, veto, release, cancellation", async function () {
    const f = await fixture();
    const { connection, networkHelpers, deployer, council, guardian, stranger, governor, vault, open, timelock } = f;
    try {
      const grantee = stranger;
      const vaultAddress = await vault.getAddress();
      const timelockAddress = await timelock.getAddress();
      const bridge = await bridgeSigner(connection);
      await (await open.connect(bridge).mint(timelockAddress, 1_000_000n * OPEN)).wait();
      const amount = 40_000n * OPEN;
      const now = BigInt(await networkHelpers.time.latest());
      const milestones = [
        { weightBps: 5_000n, deadline: now + 120n * BigInt(DAY), specHash: f.ethers.id("dataset v1") },
        { weightBps: 5_000n, deadline: now + 240n * BigInt(DAY), specHash: f.ethers.id("model v1") },
      ];
      // One proposal: approve exactly the amount, then create (Exploration tier).
      await govern(
        f,
        governor,
        [
          {
            target: await open.getAddress(),
            data: open.interface.encodeFunctionData("approve", [vaultAddress, amount]),
          },
          {
            target: vaultAddress,
            data: vault.interface.encodeFunctionData("createGrant", [
              grantee.address,
              0n,
              amount,
              milestones,
              f.ethers.id("agreement"),
            ]),
          },
        ],
        "OpenCircle grant #1",
      );
      expect(await open.balanceOf(vaultAddress)).to.equal(amount);
      expect(await open.allowance(timelockAddress, vaultAddress)).to.equal(0n);

      // Milestone 0: submitted, approved by the council, vetoed by the guardian, resubmitted,
      // approved again, released by anyone after the window.
      const evidence = f.ethers.id("ipfs://bafy-dataset-v1");
      await (await vault.connect(grantee).submitEvidence(1n, 0n, evidence)).wait();
      await (await vault.connect(council).approveMilestone(1n, 0n, evidence)).wait();
      await (await vault.connect(guardian).vetoMilestone(1n, 0n, f.ethers.id("duplicate data"))).wait();
      await networkHelpers.time.increase(4 * DAY);
      await expect(vault.release(1n, 0n))
        .to.be.revertedWithCustomError(vault, "MilestoneNotApproved")
        .withArgs(1n, 0n, 4n);
      const better = f.ethers.id("ipfs://bafy-dataset-v1-deduplicated");
      await (await vault.connect(grantee).submitEvidence(1n, 0n, better)).wait();
      await (await vault.connect(council).approveMilestone(1n, 0n, better)).wait();
      await networkHelpers.time.increase(f.config.vetoWindow);
      await (await vault.connect(deployer).release(1n, 0n)).wait();
      expect(await open.balanceOf(grantee.address)).to.equal(amount / 2n);

      // Governance cancels: the other half returns to the timelock.
      const treasuryBefore = await open.balanceOf(timelockAddress);
      await govern(
        f,
        governor,
        [
          {
            target: vaultAddress,
            data: vault.interface.encodeFunctionData("cancelGrant", [1n, f.ethers.id("stopped")]),
          },
        ],
        "Cancel grant #1",
      );
      expect(await open.balanceOf(timelockAddress)).to.equal(treasuryBefore + amount / 2n);
      expect(await open.balanceOf(vaultAddress)).to.equal(0n);
      await expect(vault.release(1n, 1n)).to.be.revertedWithCustomError(vault, "GrantNotActive").withArgs(1n, 3n);
    } finally {
      await f.connection.close();
    }
  });

  it("the guardian cancels a queued proposal; it never executes", async function () {
    const f = await fixture();
    const { ethers, networkHelpers, alice, bob, guardian, governor, vault } = f;
    try {
      const targets = [await vault.getAddress()];
      const datas = [vault.interface.encodeFunctionData("setVetoWindow", [7_200n])];
      const description = "shorter veto window";
      await (await governor.connect(alice).propose(targets, [0n], datas, description)).wait();
      const id = await governor.getProposalId(targets, [0n], datas, ethers.id(description));
      await networkHelpers.time.increaseTo((await governor.proposalSnapshot(id)) + 1n);
      await (await governor.connect(alice).castVote(id, 1)).wait();
      await (await governor.connect(bob).castVote(id, 1)).wait();
      await networkHelpers.time.increaseTo((await governor.proposalDeadline(id)) + 1n);
      const descriptionHash = ethers.id(description);
      await (await governor.queue(targets, [0n], datas, descriptionHash)).wait();
      expect(await governor.state(id)).to.equal(5n, "Queued");
      await expect(governor.connect(guardian).cancel(targets, [0n], datas, descriptionHash)).to.emit(
        governor,
        "ProposalCanceled",
      );
      expect(await governor.state(id)).to.equal(2n, "Canceled");
      await networkHelpers.time.increase(3 * DAY);
      await expect(governor.execute(targets, [0n], datas, descriptionHash)).to.be.revertedWithCustomError(
        governor,
        "GovernorUnexpectedProposalState",
      );
      expect(await vault.vetoWindow()).to.equal(f.config.vetoWindow);
    } finally {
      await f.connection.close();
    }
  });

  it("deployProtocol deploys governance too: deploys, wires, hands over and checks in one run (devnet config)", async function () {
    const connection = await network.create({ network: "hardhatOp", chainType: "op" });
    try {
      const [deployer, guardian, council] = await connection.ethers.getSigners();
      const { record, deployed } = await deployProtocol({
        network: "hardhatOp",
        signers: { l1: deployer!, l2: deployer! },
        governance: { network: "devnet" },
        // The deployer stays the settler; the resolver is the timelock, never the settler.
        roles: { guardian: guardian!.address, council: council!.address },
      });
      expect(deployed).to.deep.equal(PROTOCOL_STEPS.map((s) => s.name));
      expect(deployed.slice(-3)).to.deep.equal(["OpenTimelock", "OpenGovernor", "GrantsVault"]);
      const address = (name: string) => record.contracts[name]!.address;
      const timelock = OpenTimelock__factory.connect(address("OpenTimelock"), deployer!);
      const governor = OpenGovernor__factory.connect(address("OpenGovernor"), deployer!);
      const vault = GrantsVault__factory.connect(address("GrantsVault"), deployer!);
      expect(await governor.votingPeriod()).to.equal(300n, "devnet: a five-minute vote");
      expect(await timelock.getMinDelay()).to.equal(60n);
      expect(await vault.vetoWindow()).to.equal(3_600n);
      const rows = await checkRoles(deployer!, {
        protocol: protocolAddresses({ address }),
        governance: {
          OpenTimelock: address("OpenTimelock"),
          OpenGovernor: address("OpenGovernor"),
          GrantsVault: address("GrantsVault"),
        },
        token: address("L2OpenToken"),
        guardian: guardian!.address,
        council: council!.address,
        settler: deployer!.address,
      });
      expect(rows.every((r) => r.ok)).to.equal(true);
      // The governance wires are idempotent on their own.
      const nonce = await deployer!.getNonce();
      await wireTimelock(timelock, deployer!, { governor: address("OpenGovernor"), guardian: guardian!.address });
      await handOver(deployer!, {
        timelock: address("OpenTimelock"),
        protocol: protocolAddresses({ address }),
        guardian: guardian!.address,
        settler: deployer!.address,
      });
      expect(await deployer!.getNonce()).to.equal(nonce, "nothing left to do");
    } finally {
      await connection.close();
    }
  });
});
