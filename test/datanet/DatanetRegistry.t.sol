// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {DatanetRegistry} from "../../contracts/datanet/DatanetRegistry.sol";
import {IErrors} from "../../contracts/interfaces/IErrors.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";
import {ITreasuryConfig} from "../../contracts/interfaces/ITreasuryConfig.sol";
import {DatanetFixture} from "./DatanetFixture.sol";

/// @notice Unit and fuzz tests of every path of the DatanetRegistry, and its gas snapshots.
contract DatanetRegistryTest is DatanetFixture {
    bytes32 internal constant H1 = keccak256("contribution one");
    bytes32 internal constant H2 = keccak256("contribution two");
    bytes32 internal constant H3 = keccak256("contribution three");
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    // =========================================================================================
    // Construction and governance
    // =========================================================================================

    function test_constructor_setsRolesAndBounds_succeeds() public view {
        assertEq(registry.version(), "4.0.0");
        assertEq(registry.token(), address(open));
        assertEq(registry.treasury(), treasury);
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), governance), "governance admin");
        assertTrue(registry.hasRole(registry.PENALTY_ROLE(), governance), "governance penalises");
        assertTrue(registry.hasRole(registry.TAKEDOWN_ROLE(), governance), "governance takes down");
        assertEq(registry.TAKEDOWN_ROLE(), keccak256("TAKEDOWN_ROLE"), "takedown role id");
        assertTrue(registry.hasRole(registry.GUARDIAN_ROLE(), guardian), "guardian");
        assertEq(registry.bounds().maxDailyByteCap, TEN_MB, "10 MB cap");
        assertEq(registry.datanetCount(), 1, "one datanet");
        assertEq(registry.PENALTY_ROLE(), keccak256("PENALTY_ROLE"), "role id");
    }

    function test_constructor_zeroAddress_reverts() public {
        vm.expectRevert(IErrors.ZeroAddress.selector);
        new DatanetRegistry(IERC20(address(0)), treasury, governance, guardian, defaultBounds());
        vm.expectRevert(IErrors.ZeroAddress.selector);
        new DatanetRegistry(IERC20(address(open)), address(0), governance, guardian, defaultBounds());
        vm.expectRevert(IErrors.ZeroAddress.selector);
        new DatanetRegistry(IERC20(address(open)), treasury, address(0), guardian, defaultBounds());
    }

    function test_setBounds_byGovernance_succeeds() public {
        IDatanetRegistry.Bounds memory b = defaultBounds();
        b.maxQuorum = 5;
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.BoundsUpdated(b);
        vm.prank(governance);
        registry.setBounds(b);
        assertEq(registry.bounds().maxQuorum, 5, "updated");
    }

    function test_setBounds_notGovernance_reverts() public {
        IDatanetRegistry.Bounds memory b = defaultBounds();
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                owner,
                registry.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(owner);
        registry.setBounds(b);
    }

    function test_setBounds_invalid_reverts() public {
        IDatanetRegistry.Bounds memory b = defaultBounds();
        b.minStakeFloor = 2;
        b.minStakeCeiling = 1;
        _expectBoundsInvalid(b, IDatanetRegistry.BoundField.MinStake, 2, 1);

        b = defaultBounds();
        b.maxDailyByteCap = 0;
        _expectBoundsInvalid(b, IDatanetRegistry.BoundField.DailyByteCap, 1, 0);

        b = defaultBounds();
        b.minBondPeriod = 3 days;
        b.maxBondPeriod = 2 days;
        _expectBoundsInvalid(b, IDatanetRegistry.BoundField.BondPeriod, 3 days, 2 days);

        b = defaultBounds();
        b.maxSlashBps = 10_001;
        _expectBoundsInvalid(b, IDatanetRegistry.BoundField.SlashBps, 100, 10_001);

        b = defaultBounds();
        b.minSlashBps = 600;
        b.maxSlashBps = 500;
        _expectBoundsInvalid(b, IDatanetRegistry.BoundField.SlashBps, 600, 500);

        b = defaultBounds();
        b.minQuorum = 0;
        _expectBoundsInvalid(b, IDatanetRegistry.BoundField.Quorum, 0, 15);

        b = defaultBounds();
        b.minQuorum = 4;
        b.maxQuorum = 3;
        _expectBoundsInvalid(b, IDatanetRegistry.BoundField.Quorum, 4, 3);

        b = defaultBounds();
        b.minReviewPeriod = 0;
        _expectBoundsInvalid(b, IDatanetRegistry.BoundField.ReviewPeriod, 0, 30 days);

        b = defaultBounds();
        b.minReviewPeriod = 8 days;
        b.maxReviewPeriod = 7 days;
        _expectBoundsInvalid(b, IDatanetRegistry.BoundField.ReviewPeriod, 8 days, 7 days);
    }

    function _expectBoundsInvalid(
        IDatanetRegistry.Bounds memory b,
        IDatanetRegistry.BoundField field,
        uint256 min,
        uint256 max
    ) internal {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.BoundsInvalid.selector, field, min, max));
        vm.prank(governance);
        registry.setBounds(b);
    }

    function test_setBounds_notRetroactive_succeeds() public {
        IDatanetRegistry.Bounds memory b = defaultBounds();
        b.maxQuorum = 1;
        vm.prank(governance);
        registry.setBounds(b);
        // The Datanet keeps quorum 2 until its owner changes its parameters.
        assertEq(registry.getDatanet(datanetId).params.quorum, 2, "kept");
        IDatanetRegistry.Params memory p = defaultParams();
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.QuorumOutOfBounds.selector, 2, 1, 1));
        vm.prank(owner);
        registry.setParams(datanetId, p);
    }

    function test_setTreasury_succeeds() public {
        address t2 = makeAddr("treasury2");
        vm.expectEmit(address(registry));
        emit ITreasuryConfig.TreasuryUpdated(treasury, t2);
        vm.prank(governance);
        registry.setTreasury(t2);
        assertEq(registry.treasury(), t2);
    }

    function test_setTreasury_zeroOrNotGovernance_reverts() public {
        vm.expectRevert(IErrors.ZeroAddress.selector);
        vm.prank(governance);
        registry.setTreasury(address(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                guardian,
                registry.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(guardian);
        registry.setTreasury(guardian);
    }

    function test_pause_blocksEntryButNotExits_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.prank(guardian);
        registry.pause();

        bytes32 salt = keccak256("salt");
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(alice);
        registry.commitContribution(keccak256(abi.encode(H2, alice, salt)));
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _reveal(alice, H2, 100, 10 ether, salt);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(curator1);
        registry.vote(id, true);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(owner);
        registry.createDatanet(IDatanetRegistry.DataKind.Image, "x", defaultParams());

        // Exits stay open while paused (a pending stake from its review deadline).
        vm.warp(START + REVIEW_PERIOD);
        vm.prank(alice);
        assertEq(registry.withdraw(id), 10 ether, "refund while paused");

        // The guardian stops; only governance restarts.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                guardian,
                registry.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(guardian);
        registry.unpause();
        assertTrue(registry.paused(), "still paused after the guardian's attempt");
        vm.prank(governance);
        registry.unpause();
        _submit(alice, H2, 100, 10 ether);
    }

    /// @notice Issue 15, I-3: OPEN sent to the registry by a plain transfer is credited to no
    ///         one, so "OPEN held == stakes + bonds + unswept slashes" no longer held and the
    ///         OPEN was stuck. Anyone now moves exactly that excess to the treasury; what the
    ///         registry owes is untouched and the equality holds again.
    function test_skim_strayTransfer_toTreasury_succeeds() public {
        _submit(alice, H1, 100, 10 ether);
        uint256 owed = registry.totalStaked() + registry.totalCuratorBonds() + registry.slashedUnswept();
        vm.prank(bob);
        open.transfer(address(registry), 7 ether);
        assertEq(open.balanceOf(address(registry)), owed + 7 ether, "the stray OPEN breaks the equality");

        vm.expectEmit(address(registry));
        emit ITreasuryConfig.ExcessSkimmed(bob, treasury, 7 ether);
        vm.prank(bob);
        assertEq(registry.skim(), 7 ether, "the excess");
        vm.snapshotGasLastCall("DatanetRegistry", "skim");
        assertEq(open.balanceOf(treasury), 7 ether, "exactly the excess, to the treasury");
        assertEq(open.balanceOf(address(registry)), owed, "the equality holds again");
        assertEq(registry.totalStaked(), 10 ether, "stakes untouched");

        vm.expectRevert(abi.encodeWithSelector(IErrors.NothingToSkim.selector, owed, owed));
        registry.skim();
        // Slashed OPEN is owed to the treasury through sweepSlashed, never skimmed.
        uint256 id = _submit(alice, H2, 100, 10 ether);
        _reject(id);
        vm.expectRevert(abi.encodeWithSelector(IErrors.NothingToSkim.selector, owed + 10 ether, owed + 10 ether));
        registry.skim();
        // While paused too: it only moves what no one is owed.
        vm.prank(guardian);
        registry.pause();
        vm.prank(bob);
        open.transfer(address(registry), 1);
        assertEq(registry.skim(), 1, "never paused");
    }

    function test_pause_notGuardian_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                governance,
                registry.GUARDIAN_ROLE()
            )
        );
        vm.prank(governance);
        registry.pause();
    }

    // =========================================================================================
    // Datanets
    // =========================================================================================

    function test_createDatanet_succeeds() public {
        IDatanetRegistry.Params memory p = defaultParams();
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetCreated(2, bob, IDatanetRegistry.DataKind.Audio, "ipfs://audio", p);
        vm.prank(bob);
        uint256 id = registry.createDatanet(IDatanetRegistry.DataKind.Audio, "ipfs://audio", p);
        assertEq(id, 2, "second id");
        IDatanetRegistry.Datanet memory d = registry.getDatanet(id);
        assertEq(d.owner, bob, "owner");
        assertEq(uint256(d.kind), uint256(IDatanetRegistry.DataKind.Audio), "kind");
        assertEq(d.params.minStake, 10 ether, "params");
        assertEq(d.versionCount, 0, "no version");
    }

    function test_createDatanet_paramsOutOfBounds_reverts() public {
        IDatanetRegistry.Params memory p = defaultParams();
        p.minStake = 0.5 ether;
        _expectCreateRevert(
            p,
            abi.encodeWithSelector(IDatanetRegistry.MinStakeOutOfBounds.selector, 0.5 ether, 1 ether, 1_000_000 ether)
        );
        p = defaultParams();
        p.minStake = 1_000_001 ether;
        _expectCreateRevert(
            p,
            abi.encodeWithSelector(
                IDatanetRegistry.MinStakeOutOfBounds.selector,
                1_000_001 ether,
                1 ether,
                1_000_000 ether
            )
        );
        p = defaultParams();
        p.dailyByteCap = uint32(TEN_MB + 1);
        _expectCreateRevert(
            p,
            abi.encodeWithSelector(IDatanetRegistry.DailyByteCapOutOfBounds.selector, TEN_MB + 1, TEN_MB)
        );
        p = defaultParams();
        p.dailyByteCap = 0;
        _expectCreateRevert(p, abi.encodeWithSelector(IDatanetRegistry.DailyByteCapOutOfBounds.selector, 0, TEN_MB));
        p = defaultParams();
        p.bondPeriod = 91 days;
        _expectCreateRevert(
            p,
            abi.encodeWithSelector(IDatanetRegistry.BondPeriodOutOfBounds.selector, 91 days, 1 days, 90 days)
        );
        p = defaultParams();
        p.slashBps = 50;
        _expectCreateRevert(p, abi.encodeWithSelector(IDatanetRegistry.SlashShareOutOfBounds.selector, 50, 100, 5_000));
        p = defaultParams();
        p.quorum = 16;
        _expectCreateRevert(p, abi.encodeWithSelector(IDatanetRegistry.QuorumOutOfBounds.selector, 16, 1, 15));
        p = defaultParams();
        p.quorum = 0;
        _expectCreateRevert(p, abi.encodeWithSelector(IDatanetRegistry.QuorumOutOfBounds.selector, 0, 1, 15));
        p = defaultParams();
        p.reviewPeriod = 1 days - 1;
        _expectCreateRevert(
            p,
            abi.encodeWithSelector(IDatanetRegistry.ReviewPeriodOutOfBounds.selector, 1 days - 1, 1 days, 30 days)
        );
        p = defaultParams();
        p.reviewPeriod = 30 days + 1;
        _expectCreateRevert(
            p,
            abi.encodeWithSelector(IDatanetRegistry.ReviewPeriodOutOfBounds.selector, 30 days + 1, 1 days, 30 days)
        );
    }

    function _expectCreateRevert(IDatanetRegistry.Params memory p, bytes memory err) internal {
        vm.expectRevert(err);
        vm.prank(bob);
        registry.createDatanet(IDatanetRegistry.DataKind.Tabular, "x", p);
    }

    function test_setParams_succeeds() public {
        IDatanetRegistry.Params memory p = defaultParams();
        p.quorum = 3;
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetParamsUpdated(datanetId, p);
        vm.prank(owner);
        registry.setParams(datanetId, p);
        assertEq(registry.getDatanet(datanetId).params.quorum, 3, "quorum");
    }

    function test_ownerOnly_notOwner_reverts() public {
        bytes memory err = abi.encodeWithSelector(IDatanetRegistry.NotDatanetOwner.selector, datanetId, bob, owner);
        vm.startPrank(bob);
        vm.expectRevert(err);
        registry.setParams(datanetId, defaultParams());
        vm.expectRevert(err);
        registry.setMetadataURI(datanetId, "x");
        vm.expectRevert(err);
        registry.transferDatanetOwnership(datanetId, bob);
        vm.expectRevert(err);
        registry.appointCurator(datanetId, bob);
        vm.expectRevert(err);
        registry.removeCurator(datanetId, curator1);
        vm.expectRevert(err);
        registry.publishVersion(datanetId, bytes32(uint256(1)), 1, "");
        vm.stopPrank();
    }

    function test_unknownDatanet_reverts() public {
        bytes memory err = abi.encodeWithSelector(IDatanetRegistry.UnknownDatanet.selector, 7);
        vm.expectRevert(err);
        registry.getDatanet(7);
        bytes32 salt = _commit(alice, H1);
        vm.expectRevert(err);
        vm.prank(alice);
        registry.submit(7, H1, "u", 1, 10 ether, salt);
        vm.expectRevert(err);
        registry.setParams(7, defaultParams());
        vm.expectRevert(err);
        registry.acceptDatanetOwnership(7);
        vm.expectRevert(err);
        vm.prank(alice);
        registry.depositCuratorBond(7, 1);
    }

    function test_setMetadataURI_emits_succeeds() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetMetadataUpdated(datanetId, "ipfs://v2");
        vm.prank(owner);
        registry.setMetadataURI(datanetId, "ipfs://v2");
    }

    function test_ownership_twoStep_succeeds() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetOwnershipTransferStarted(datanetId, owner, bob);
        vm.prank(owner);
        registry.transferDatanetOwnership(datanetId, bob);
        assertEq(registry.getDatanet(datanetId).owner, owner, "not yet");
        assertEq(registry.getDatanet(datanetId).pendingOwner, bob, "pending");

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.DatanetOwnershipTransferred(datanetId, owner, bob);
        vm.prank(bob);
        registry.acceptDatanetOwnership(datanetId);
        assertEq(registry.getDatanet(datanetId).owner, bob, "transferred");
        assertEq(registry.getDatanet(datanetId).pendingOwner, address(0), "cleared");
    }

    function test_acceptDatanetOwnership_notPending_reverts() public {
        vm.prank(owner);
        registry.transferDatanetOwnership(datanetId, bob);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.NotPendingDatanetOwner.selector, datanetId, alice, bob)
        );
        vm.prank(alice);
        registry.acceptDatanetOwnership(datanetId);

        // Cancelling (pending = 0) locks the old nominee out.
        vm.prank(owner);
        registry.transferDatanetOwnership(datanetId, address(0));
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.NotPendingDatanetOwner.selector, datanetId, bob, address(0))
        );
        vm.prank(bob);
        registry.acceptDatanetOwnership(datanetId);
    }

    // =========================================================================================
    // Curators
    // =========================================================================================

    function test_appointCurator_twiceOrZero_reverts() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.AlreadyCurator.selector, datanetId, curator1));
        registry.appointCurator(datanetId, curator1);
        vm.expectRevert(IErrors.ZeroAddress.selector);
        registry.appointCurator(datanetId, address(0));
        vm.stopPrank();
        assertEq(registry.getDatanet(datanetId).curatorCount, 3, "three");
    }

    function test_removeCurator_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorRemoved(datanetId, curator1);
        vm.prank(owner);
        registry.removeCurator(datanetId, curator1);
        assertEq(registry.getDatanet(datanetId).curatorCount, 2, "two");
        assertFalse(registry.canVote(datanetId, curator1), "cannot vote");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.NotCurator.selector, datanetId, curator1));
        vm.prank(curator1);
        registry.vote(id, true);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.NotCurator.selector, datanetId, curator1));
        vm.prank(owner);
        registry.removeCurator(datanetId, curator1);
        // The bond remains the curator's own.
        assertEq(registry.getCurator(datanetId, curator1).bond, CURATOR_BOND, "bond kept");
    }

    function test_vote_bondTooLow_reverts() public {
        address c4 = makeAddr("curator4");
        vm.prank(owner);
        registry.appointCurator(datanetId, c4);
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.CuratorBondTooLow.selector, datanetId, c4, 0, CURATOR_BOND)
        );
        vm.prank(c4);
        registry.vote(id, true);

        _fund(c4, CURATOR_BOND);
        vm.prank(c4);
        registry.depositCuratorBond(datanetId, CURATOR_BOND - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.CuratorBondTooLow.selector,
                datanetId,
                c4,
                CURATOR_BOND - 1,
                CURATOR_BOND
            )
        );
        vm.prank(c4);
        registry.vote(id, true);
        vm.prank(c4);
        registry.depositCuratorBond(datanetId, 1);
        assertTrue(registry.canVote(datanetId, c4), "bonded");
        vm.prank(c4);
        registry.vote(id, true);
    }

    function test_curatorUnbonding_fullCycle_succeeds() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorUnbondingStarted(datanetId, curator1, START + 14 days);
        vm.prank(curator1);
        registry.startCuratorUnbonding(datanetId);
        assertFalse(registry.canVote(datanetId, curator1), "no vote while unbonding");

        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.CuratorUnbonding.selector, datanetId, curator1, START + 14 days)
        );
        vm.prank(curator1);
        registry.vote(id, true);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.CuratorUnbonding.selector, datanetId, curator1, START + 14 days)
        );
        vm.prank(curator1);
        registry.depositCuratorBond(datanetId, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.CuratorUnbonding.selector, datanetId, curator1, START + 14 days)
        );
        vm.prank(curator1);
        registry.startCuratorUnbonding(datanetId);

        vm.warp(START + 14 days - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.CuratorBondLocked.selector,
                datanetId,
                curator1,
                START + 14 days,
                START + 14 days - 1
            )
        );
        vm.prank(curator1);
        registry.withdrawCuratorBond(datanetId);

        vm.warp(START + 14 days);
        vm.prank(curator1);
        registry.withdrawCuratorBond(datanetId);
        assertEq(open.balanceOf(curator1), CURATOR_BOND, "bond back");
        assertEq(registry.totalCuratorBonds(), 2 * uint256(CURATOR_BOND), "two bonds left");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.CuratorNotUnbonding.selector, datanetId, curator1));
        vm.prank(curator1);
        registry.withdrawCuratorBond(datanetId);
    }

    function test_curatorBond_badInput_reverts() public {
        vm.expectRevert(IErrors.ZeroAmount.selector);
        vm.prank(curator1);
        registry.depositCuratorBond(datanetId, 0);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.CuratorBondTooLow.selector, datanetId, bob, 0, 1));
        vm.prank(bob);
        registry.startCuratorUnbonding(datanetId);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.CuratorNotUnbonding.selector, datanetId, bob));
        vm.prank(bob);
        registry.withdrawCuratorBond(datanetId);
    }

    function test_slashCuratorBond_succeeds() public {
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.CuratorBondSlashed(datanetId, curator1, 400 ether, "collusion");
        vm.prank(governance);
        registry.slashCuratorBond(datanetId, curator1, 400 ether, "collusion");
        assertEq(registry.getCurator(datanetId, curator1).bond, 600 ether, "bond left");
        assertEq(registry.slashedUnswept(), 400 ether, "to the pool");
        assertFalse(registry.canVote(datanetId, curator1), "below the bond");

        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.SlashExceedsBond.selector,
                datanetId,
                curator1,
                601 ether,
                600 ether
            )
        );
        vm.prank(governance);
        registry.slashCuratorBond(datanetId, curator1, 601 ether, "");
        vm.expectRevert(IErrors.ZeroAmount.selector);
        vm.prank(governance);
        registry.slashCuratorBond(datanetId, curator1, 0, "");
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                owner,
                registry.PENALTY_ROLE()
            )
        );
        vm.prank(owner);
        registry.slashCuratorBond(datanetId, curator1, 1, "");
    }

    // =========================================================================================
    // Submit
    // =========================================================================================

    function test_submit_succeeds() public {
        uint256 day = START / 1 days;
        bytes32 salt = keccak256("alice's salt");
        bytes32 commitment = registry.contributionCommitment(H1, alice, salt);
        assertEq(commitment, keccak256(abi.encode(H1, alice, salt)), "the commitment formula");
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionCommitted(commitment, alice);
        vm.prank(alice);
        registry.commitContribution(commitment);
        vm.snapshotGasLastCall("DatanetRegistry", "commitContribution");
        assertEq(registry.commitmentBlock(commitment), START_BLOCK, "committed at this block");
        vm.roll(START_BLOCK + 1);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionSubmitted(
            1,
            datanetId,
            alice,
            H1,
            "ipfs://data",
            1234,
            10 ether,
            day,
            START + REVIEW_PERIOD
        );
        vm.prank(alice);
        uint256 id = registry.submit(datanetId, H1, "ipfs://data", 1234, 10 ether, salt);
        vm.snapshotGasLastCall("DatanetRegistry", "submit (reveal, first of the day)");
        assertEq(registry.commitmentBlock(commitment), 0, "commitment used up");
        assertEq(registry.contentCommitBlock(datanetId, H1), START_BLOCK, "precedence recorded");

        assertEq(id, 1, "first id");
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(c.contributor, alice, "contributor");
        assertEq(uint256(c.status), uint256(IDatanetRegistry.Status.Pending), "pending");
        assertEq(c.stake, 10 ether, "stake");
        assertEq(c.sizeBytes, 1234, "size");
        assertEq(c.datanetId, datanetId, "datanet");
        assertEq(c.contentHash, H1, "hash");
        assertEq(registry.contributionOfContent(datanetId, H1), 1, "content owner");
        assertEq(registry.bytesSubmittedOn(datanetId, alice, day), 1234, "usage");
        assertEq(registry.totalStaked(), 10 ether, "staked");
        assertEq(open.balanceOf(address(registry)), 10 ether + 3 * uint256(CURATOR_BOND), "held");

        salt = _commit(alice, H2);
        vm.prank(alice);
        registry.submit(datanetId, H2, "ipfs://data", 1234, 10 ether, salt);
        vm.snapshotGasLastCall("DatanetRegistry", "submit (reveal)");
    }

    function test_submit_badInput_reverts() public {
        bytes32 zeroSalt = _commit(alice, bytes32(0));
        bytes32 salt = _commit(alice, H1);
        vm.startPrank(alice);
        vm.expectRevert(IDatanetRegistry.ZeroContentHash.selector);
        registry.submit(datanetId, bytes32(0), "u", 1, 10 ether, zeroSalt);
        vm.expectRevert(IDatanetRegistry.ZeroSize.selector);
        registry.submit(datanetId, H1, "u", 0, 10 ether, salt);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.StakeBelowMinimum.selector, datanetId, 10 ether - 1, 10 ether)
        );
        registry.submit(datanetId, H1, "u", 1, 10 ether - 1, salt);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.StakeTooLarge.selector,
                uint256(type(uint128).max) + 1,
                type(uint128).max
            )
        );
        registry.submit(datanetId, H1, "u", 1, uint256(type(uint128).max) + 1, salt);
        vm.stopPrank();
        assertEq(registry.contributionCount(), 0, "nothing recorded");
    }

    function test_submit_duplicateContent_reverts() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        // Pending: a copy committed later is refused.
        bytes32 salt = _commit(bob, H1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DuplicateContent.selector, datanetId, H1, id));
        _reveal(bob, H1, 100, 10 ether, salt);
        // Accepted: refused whatever the commitment (a copy committed in the same block also
        // has no precedence).
        _accept(id);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DuplicateContent.selector, datanetId, H1, id));
        _reveal(bob, H1, 100, 10 ether, salt);
        // Revoked: barred for good.
        vm.prank(governance);
        registry.penalize(id, 10_000, "adversarial");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DuplicateContent.selector, datanetId, H1, id));
        _reveal(bob, H1, 100, 10 ether, salt);
        // Another Datanet may hold the same content (the same commitment serves any Datanet).
        vm.prank(owner);
        uint256 other = registry.createDatanet(IDatanetRegistry.DataKind.Text, "other", defaultParams());
        vm.prank(bob);
        registry.submit(other, H1, "u", 100, 10 ether, salt);
    }

    function test_submit_afterRejectOrWithdraw_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        _reject(id);
        assertEq(registry.contributionOfContent(datanetId, H1), 0, "freed by rejection");
        uint256 id2 = _submit(bob, H1, 100, 10 ether);
        vm.warp(block.timestamp + REVIEW_PERIOD);
        vm.prank(bob);
        registry.withdraw(id2);
        assertEq(registry.contributionOfContent(datanetId, H1), 0, "freed by withdrawal");
        uint256 id3 = _submit(alice, H1, 100, 10 ether);
        assertEq(registry.contributionOfContent(datanetId, H1), id3, "held again");
    }

    function test_submit_overDailyCap_reverts() public {
        uint256 day = START / 1 days;
        _submit(alice, H1, TEN_MB - 10, 10 ether);
        bytes32 salt = _commit(alice, H2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DailyByteCapExceeded.selector,
                datanetId,
                alice,
                day,
                TEN_MB - 10,
                11,
                TEN_MB
            )
        );
        _reveal(alice, H2, 11, 10 ether, salt);
        // Exactly up to the cap is allowed; the cap is per contributor.
        _submit(alice, H2, 10, 10 ether);
        _submit(bob, H3, TEN_MB, 10 ether);
        // A single item above the cap.
        salt = _commit(alice, keccak256("big"));
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DailyByteCapExceeded.selector,
                datanetId,
                alice,
                day + 1,
                0,
                TEN_MB + 1,
                TEN_MB
            )
        );
        vm.warp((day + 1) * 1 days);
        _reveal(alice, keccak256("big"), TEN_MB + 1, 10 ether, salt);
    }

    /// @notice The day is the UTC day index `timestamp / 1 days`: 23:59:59 still counts against
    ///         the day, 00:00:00 starts a fresh one.
    function test_submit_dailyCapUtcBoundary_succeeds() public {
        uint256 day = START / 1 days;
        uint256 lastSecond = (day + 1) * 1 days - 1;
        vm.warp(lastSecond);
        _submit(alice, H1, TEN_MB, 10 ether);
        bytes32 salt = _commit(alice, H2);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DailyByteCapExceeded.selector,
                datanetId,
                alice,
                day,
                TEN_MB,
                1,
                TEN_MB
            )
        );
        _reveal(alice, H2, 1, 10 ether, salt);

        vm.warp(lastSecond + 1);
        _submit(alice, H2, TEN_MB, 10 ether);
        assertEq(registry.bytesSubmittedOn(datanetId, alice, day), 0, "yesterday no longer kept");
        assertEq(registry.bytesSubmittedOn(datanetId, alice, day + 1), TEN_MB, "today");
    }

    function testFuzz_submit_dailyCap(uint256 a, uint256 b, uint256 gap) public {
        a = bound(a, 1, TEN_MB);
        b = bound(b, 1, TEN_MB);
        gap = bound(gap, 0, 3 days);
        _submit(alice, H1, a, 10 ether);
        vm.warp(START + gap);
        bool sameDay = (START + gap) / 1 days == START / 1 days;
        if (sameDay && a + b > TEN_MB) {
            bytes32 salt = _commit(alice, H2);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IDatanetRegistry.DailyByteCapExceeded.selector,
                    datanetId,
                    alice,
                    START / 1 days,
                    a,
                    b,
                    TEN_MB
                )
            );
            _reveal(alice, H2, b, 10 ether, salt);
        } else {
            _submit(alice, H2, b, 10 ether);
            assertEq(
                registry.bytesSubmittedOn(datanetId, alice, (START + gap) / 1 days),
                sameDay ? a + b : b,
                "counted"
            );
        }
    }

    // =========================================================================================
    // Permit
    // =========================================================================================

    function _signPermit(uint256 value, uint256 deadline) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, alice, address(registry), value, open.nonces(alice), deadline)
        );
        (v, r, s) = vm.sign(aliceKey, keccak256(abi.encodePacked("\x19\x01", open.DOMAIN_SEPARATOR(), structHash)));
    }

    function test_submitWithPermit_succeeds() public {
        bytes32 salt = _commit(alice, H1);
        vm.prank(alice);
        open.approve(address(registry), 0);
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(10 ether, block.timestamp + 1 hours);
        vm.prank(alice);
        uint256 id = registry.submitWithPermit(
            datanetId,
            H1,
            "u",
            100,
            10 ether,
            salt,
            block.timestamp + 1 hours,
            v,
            r,
            s
        );
        vm.snapshotGasLastCall("DatanetRegistry", "submitWithPermit (reveal)");
        assertEq(registry.getContribution(id).stake, 10 ether, "staked");
        assertEq(open.allowance(alice, address(registry)), 0, "permit consumed");
    }

    /// @notice Someone copies the permit and the reveal from the mempool: the permit alone is
    ///         all they can use (the reveal needs the caller's own commitment), and the
    ///         contributor's transaction still goes through on the allowance it set.
    function test_submitWithPermit_frontRun_succeeds() public {
        bytes32 salt = _commit(alice, H1);
        vm.prank(alice);
        open.approve(address(registry), 0);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(10 ether, deadline);
        bytes32 bobsView = keccak256(abi.encode(H1, bob, salt));
        vm.expectRevert(abi.encodeWithSelector(IErrors.UnknownCommitment.selector, bobsView));
        vm.prank(bob);
        registry.submitWithPermit(datanetId, H1, "u", 100, 10 ether, salt, deadline, v, r, s);
        vm.prank(bob);
        open.permit(alice, address(registry), 10 ether, deadline, v, r, s);
        vm.prank(alice);
        uint256 id = registry.submitWithPermit(datanetId, H1, "u", 100, 10 ether, salt, deadline, v, r, s);
        assertEq(registry.getContribution(id).stake, 10 ether, "staked");
        assertEq(registry.getContribution(id).contributor, alice, "the author's");
    }

    function test_submitWithPermit_badPermitNoAllowance_reverts() public {
        vm.prank(alice);
        open.approve(address(registry), 3 ether);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(9 ether, deadline); // signed for another value
        bytes32 salt = _commit(alice, H1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.PermitFailed.selector, alice, 3 ether, 10 ether));
        vm.prank(alice);
        registry.submitWithPermit(datanetId, H1, "u", 100, 10 ether, salt, deadline, v, r, s);
    }

    // =========================================================================================
    // Votes
    // =========================================================================================

    function test_vote_acceptAtQuorum_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionVoted(id, curator1, true, 1, 0);
        vm.prank(curator1);
        registry.vote(id, true);
        vm.snapshotGasLastCall("DatanetRegistry", "vote");
        assertEq(uint256(_status(id)), uint256(IDatanetRegistry.Status.Pending), "still pending");
        assertTrue(registry.hasVoted(id, curator1), "recorded");

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionAccepted(id, datanetId, START + 7 days, 1);
        vm.prank(curator2);
        registry.vote(id, true);
        vm.snapshotGasLastCall("DatanetRegistry", "finalize (accept at quorum)");

        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(uint256(c.status), uint256(IDatanetRegistry.Status.Accepted), "accepted");
        assertEq(c.bondedUntil, START + 7 days, "bonded");
        assertEq(c.firstVersion, 1, "in version 1 on");
        assertEq(registry.getDatanet(datanetId).liveAcceptedCount, 1, "live");
    }

    function test_vote_rejectAtQuorum_slashesToTreasuryPool_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.prank(curator1);
        registry.vote(id, true);
        vm.prank(curator2);
        registry.vote(id, false);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionRejected(id, datanetId, 2 ether, 8 ether);
        vm.prank(curator3);
        registry.vote(id, false);
        vm.snapshotGasLastCall("DatanetRegistry", "finalize (reject at quorum)");

        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(uint256(c.status), uint256(IDatanetRegistry.Status.Rejected), "rejected");
        assertEq(c.stake, 8 ether, "rest refundable");
        assertEq(registry.slashedUnswept(), 2 ether, "slashed");
        assertEq(registry.totalStaked(), 8 ether, "live stake");

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.SlashedSwept(treasury, 2 ether);
        assertEq(registry.sweepSlashed(), 2 ether, "swept");
        assertEq(open.balanceOf(treasury), 2 ether, "treasury paid");
        vm.expectRevert(IErrors.NothingToSweep.selector);
        registry.sweepSlashed();
    }

    /// @notice Audit L-3: the quorum is stored at submission. Lowering it from 3 to 1 after two
    ///         accept votes no longer lets one reject vote override the accept majority (before
    ///         the fix it rejected and slashed 2 OPEN); the contribution stays pending and the
    ///         third accept decides it.
    function test_vote_quorumLoweredMidReview_keepsSubmittedQuorum_succeeds() public {
        address c4 = makeAddr("curator4");
        _appointAndBond(datanetId, c4);
        IDatanetRegistry.Params memory p = defaultParams();
        p.quorum = 3;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        uint256 id = _submit(alice, H1, 100, 10 ether);
        assertEq(registry.getContribution(id).quorum, 3, "quorum stored");
        assertEq(registry.getContribution(id).slashBps, p.slashBps, "slash share stored");
        vm.prank(curator1);
        registry.vote(id, true);
        vm.prank(curator2);
        registry.vote(id, true);

        p.quorum = 1;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        vm.prank(curator3);
        registry.vote(id, false);
        assertEq(uint256(_status(id)), uint256(IDatanetRegistry.Status.Pending), "one reject decides nothing");
        assertEq(registry.slashedUnswept(), 0, "nothing slashed");

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionAccepted(id, datanetId, block.timestamp + p.bondPeriod, 1);
        vm.prank(c4);
        registry.vote(id, true);
        assertEq(uint256(_status(id)), uint256(IDatanetRegistry.Status.Accepted), "third accept decides");

        // A contribution submitted after the change is judged by the new quorum of 1.
        uint256 later = _submit(alice, H2, 100, 10 ether);
        vm.prank(curator1);
        registry.vote(later, false);
        assertEq(uint256(_status(later)), uint256(IDatanetRegistry.Status.Rejected), "new terms for new data");
    }

    /// @notice Raising the quorum and the slash share mid-review changes neither for a
    ///         contribution already submitted: two rejects still decide, at the old 20%.
    function test_vote_paramsRaisedMidReview_keepSubmittedTerms_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        IDatanetRegistry.Params memory p = defaultParams();
        p.quorum = 3;
        p.slashBps = 5_000;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        vm.prank(curator1);
        registry.vote(id, false);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionRejected(id, datanetId, 2 ether, 8 ether);
        vm.prank(curator2);
        registry.vote(id, false);
        assertEq(registry.slashedUnswept(), 2 ether, "20% as submitted, not 50%");
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.NotPending.selector, id, IDatanetRegistry.Status.Rejected)
        );
        vm.prank(curator3);
        registry.vote(id, false);
    }

    /// @notice Issue 15, L-1: the bond period is fixed at submission. An owner who raises it from
    ///         7 to 90 days while the contribution is under review lengthens neither the lock nor
    ///         the penalty window (before the fix the acceptance read the new 90 days).
    function test_vote_bondPeriodRaisedMidReview_keepsSubmittedBondPeriod_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        IDatanetRegistry.Params memory p = defaultParams();
        p.bondPeriod = 90 days;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        vm.prank(curator1);
        registry.vote(id, true);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionAccepted(id, datanetId, START + 7 days, 1);
        vm.prank(curator2);
        registry.vote(id, true);
        assertEq(registry.getContribution(id).bondedUntil, START + 7 days, "bonded for the 7 days submitted under");

        vm.warp(START + 7 days);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.BondPeriodOver.selector, id, START + 7 days, START + 7 days)
        );
        vm.prank(governance);
        registry.penalize(id, 100, "");
        vm.prank(alice);
        assertEq(registry.withdraw(id), 10 ether, "withdrawable after the submitted bond");
    }

    /// @notice L-1, any change either way: the bond is the one in force at submission.
    function testFuzz_vote_bondPeriodChangedMidReview_keepsSubmitted(uint32 submitted, uint32 later) public {
        IDatanetRegistry.Bounds memory b = defaultBounds();
        submitted = uint32(bound(submitted, b.minBondPeriod, b.maxBondPeriod));
        later = uint32(bound(later, b.minBondPeriod, b.maxBondPeriod));
        IDatanetRegistry.Params memory p = defaultParams();
        p.bondPeriod = submitted;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        uint256 id = _submit(alice, H1, 100, 10 ether);
        p.bondPeriod = later;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        vm.warp(START + 1 hours);
        _accept(id);
        assertEq(registry.getContribution(id).bondedUntil, START + 1 hours + submitted, "submitted bond period");
    }

    /// @notice Random ballots from five curators with a random quorum: the contribution is
    ///         decided exactly by the first vote that brings its own side to the quorum, and
    ///         no vote is accepted after that.
    function testFuzz_vote_decidesAtQuorum(uint8 quorum, uint256 ballots) public {
        quorum = uint8(bound(quorum, 1, 5));
        address[5] memory cs = [curator1, curator2, curator3, makeAddr("curator4"), makeAddr("curator5")];
        _appointAndBond(datanetId, cs[3]);
        _appointAndBond(datanetId, cs[4]);
        IDatanetRegistry.Params memory p = defaultParams();
        p.quorum = quorum;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        uint256 id = _submit(alice, H1, 100, 10 ether);

        uint256 accepts;
        uint256 rejects;
        for (uint256 i = 0; i < 5; ++i) {
            bool accept = (ballots >> i) & 1 == 1;
            bool decided = accepts >= quorum || rejects >= quorum;
            if (decided) {
                vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.NotPending.selector, id, _status(id)));
            }
            vm.prank(cs[i]);
            registry.vote(id, accept);
            if (decided) continue;
            if (accept) ++accepts;
            else ++rejects;
            IDatanetRegistry.Status expected =
                accepts >= quorum
                    ? IDatanetRegistry.Status.Accepted
                    : rejects >= quorum
                        ? IDatanetRegistry.Status.Rejected
                        : IDatanetRegistry.Status.Pending;
            assertEq(uint256(_status(id)), uint256(expected), "status after vote");
        }
    }

    /// @notice Any parameters: accepted exactly when every field is within the bounds, else
    ///         refused with the error of the first field out of bounds, in checking order.
    function testFuzz_setParams_withinBoundsOnly(uint256[6] memory raw, uint8 outOfRange) public {
        // Each field is drawn inside its bounds, or (one bit of `outOfRange` per field) just
        // outside them, so both outcomes are common.
        IDatanetRegistry.Bounds memory bb = defaultBounds();
        uint128 minStake = uint128(_pick(raw[0], bb.minStakeFloor, bb.minStakeCeiling, outOfRange & 1 != 0));
        uint32 cap = uint32(_pick(raw[1], 1, bb.maxDailyByteCap, outOfRange & 2 != 0));
        uint32 bondPeriod = uint32(_pick(raw[2], bb.minBondPeriod, bb.maxBondPeriod, outOfRange & 4 != 0));
        uint16 slashBps = uint16(_pick(raw[3], bb.minSlashBps, bb.maxSlashBps, outOfRange & 8 != 0));
        uint8 quorum = uint8(_pick(raw[4], bb.minQuorum, bb.maxQuorum, outOfRange & 16 != 0));
        uint32 review = uint32(_pick(raw[5], bb.minReviewPeriod, bb.maxReviewPeriod, outOfRange & 32 != 0));
        IDatanetRegistry.Params memory p = IDatanetRegistry.Params(minStake, cap, bondPeriod, slashBps, quorum, review);
        IDatanetRegistry.Bounds memory b = defaultBounds();
        bytes memory err;
        if (minStake < b.minStakeFloor || minStake > b.minStakeCeiling) {
            err = abi.encodeWithSelector(
                IDatanetRegistry.MinStakeOutOfBounds.selector,
                minStake,
                b.minStakeFloor,
                b.minStakeCeiling
            );
        } else if (cap == 0 || cap > b.maxDailyByteCap) {
            err = abi.encodeWithSelector(IDatanetRegistry.DailyByteCapOutOfBounds.selector, cap, b.maxDailyByteCap);
        } else if (bondPeriod < b.minBondPeriod || bondPeriod > b.maxBondPeriod) {
            err = abi.encodeWithSelector(
                IDatanetRegistry.BondPeriodOutOfBounds.selector,
                bondPeriod,
                b.minBondPeriod,
                b.maxBondPeriod
            );
        } else if (slashBps < b.minSlashBps || slashBps > b.maxSlashBps) {
            err = abi.encodeWithSelector(
                IDatanetRegistry.SlashShareOutOfBounds.selector,
                slashBps,
                b.minSlashBps,
                b.maxSlashBps
            );
        } else if (quorum < b.minQuorum || quorum > b.maxQuorum) {
            err = abi.encodeWithSelector(IDatanetRegistry.QuorumOutOfBounds.selector, quorum, b.minQuorum, b.maxQuorum);
        } else if (review < b.minReviewPeriod || review > b.maxReviewPeriod) {
            err = abi.encodeWithSelector(
                IDatanetRegistry.ReviewPeriodOutOfBounds.selector,
                review,
                b.minReviewPeriod,
                b.maxReviewPeriod
            );
        }
        if (err.length != 0) vm.expectRevert(err);
        vm.prank(owner);
        registry.setParams(datanetId, p);
        if (err.length == 0) assertEq(registry.getDatanet(datanetId).params.bondPeriod, bondPeriod, "stored");
        assertEq(err.length == 0, outOfRange & 63 == 0, "accepted iff every field in bounds");
    }

    /// @dev A value in [lo, hi], or when `outside`, lo - 1 (if lo > 0) or hi + 1.
    function _pick(uint256 raw, uint256 lo, uint256 hi, bool outside) internal pure returns (uint256) {
        if (!outside) return bound(raw, lo, hi);
        return raw % 2 == 0 && lo > 0 ? lo - 1 : hi + 1;
    }

    function test_views_unknownOrPast_succeeds() public {
        assertFalse(registry.isInVersion(999, 1), "unknown contribution is in no version");
        _submit(alice, H1, 500, 10 ether);
        uint256 today = block.timestamp / 1 days;
        assertEq(registry.bytesSubmittedOn(datanetId, alice, today - 1), 0, "another day reads 0");
        assertEq(registry.bytesSubmittedOn(datanetId, bob, today), 0, "another contributor");
        IDatanetRegistry.Curator memory c = registry.getCurator(datanetId, curator1);
        assertTrue(c.appointed, "appointed");
        assertEq(c.bond, CURATOR_BOND, "bond");
        assertEq(c.unbondingAt, 0, "bonded");
        assertFalse(registry.canVote(datanetId, bob), "not a curator");
    }

    function test_vote_badInput_reverts() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownContribution.selector, 99));
        vm.prank(curator1);
        registry.vote(99, true);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.NotCurator.selector, datanetId, bob));
        vm.prank(bob);
        registry.vote(id, true);

        vm.prank(curator1);
        registry.vote(id, true);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.AlreadyVoted.selector, id, curator1));
        vm.prank(curator1);
        registry.vote(id, false);

        vm.prank(curator2);
        registry.vote(id, true);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.NotPending.selector, id, IDatanetRegistry.Status.Accepted)
        );
        vm.prank(curator3);
        registry.vote(id, true);
    }

    function test_vote_selfReview_reverts() public {
        _fund(curator1, 10 ether);
        uint256 id = _submit(curator1, H1, 100, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.SelfReview.selector, id, curator1));
        vm.prank(curator1);
        registry.vote(id, true);
    }

    // =========================================================================================
    // Withdraw
    // =========================================================================================

    /// @notice A review the curators did not decide by its deadline: the whole stake comes back
    ///         from the deadline on, and the content hash is free again.
    function test_withdraw_pendingAtReviewDeadline_fullRefund_succeeds() public {
        uint256 before = open.balanceOf(alice);
        uint256 id = _submit(alice, H1, 100, 10 ether);
        assertEq(registry.getContribution(id).reviewDeadline, START + REVIEW_PERIOD, "deadline stored");
        vm.warp(START + REVIEW_PERIOD);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionWithdrawn(id, datanetId);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.StakeReleased(id, alice, 10 ether);
        vm.prank(alice);
        assertEq(registry.withdraw(id), 10 ether, "full");
        vm.snapshotGasLastCall("DatanetRegistry", "withdraw (pending, after the review deadline)");
        assertEq(open.balanceOf(alice), before, "whole stake back");
        assertEq(uint256(_status(id)), uint256(IDatanetRegistry.Status.Withdrawn), "withdrawn");
        assertEq(registry.contributionOfContent(datanetId, H1), 0, "content free again");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.StakeAlreadyReleased.selector, id));
        vm.prank(alice);
        registry.withdraw(id);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.NotPending.selector, id, IDatanetRegistry.Status.Withdrawn)
        );
        vm.prank(curator1);
        registry.vote(id, true);
    }

    /// @notice Issue 15, L-2: after one reject vote the owner removes the other curators, so the
    ///         quorum can never be reached. The stake is no longer held hostage: once the review
    ///         deadline (fixed at submission) has passed, the contributor withdraws in full
    ///         (before the fix the only way out cost the 20% slash).
    function test_withdraw_afterReviewDeadline_quorumUnreachable_fullRefund_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.prank(curator1);
        registry.vote(id, false);
        vm.startPrank(owner);
        registry.removeCurator(datanetId, curator2);
        registry.removeCurator(datanetId, curator3);
        vm.stopPrank();

        // A deadline fixed at submission: lengthening the review period later changes nothing.
        IDatanetRegistry.Params memory p = defaultParams();
        p.reviewPeriod = 30 days;
        vm.prank(owner);
        registry.setParams(datanetId, p);

        vm.warp(START + REVIEW_PERIOD);
        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        assertEq(registry.withdraw(id), 10 ether, "full refund after the review deadline");
        assertEq(open.balanceOf(alice) - before, 10 ether, "paid in full");
        assertEq(registry.slashedUnswept(), 0, "nothing slashed");
    }

    /// @notice Issue 15, the known "escape by withdrawal": at quorum 1 the first reject vote is
    ///         also the deciding one, so a contributor who saw it coming withdrew first with a
    ///         full refund. A pending stake can no longer leave before its review deadline: the
    ///         vote lands and slashes.
    function test_withdraw_pendingBeforeReviewDeadline_quorumOne_reverts() public {
        IDatanetRegistry.Params memory p = defaultParams();
        p.quorum = 1;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        uint256 id = _submit(alice, H1, 100, 10 ether);

        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.UnderReview.selector, id, START + REVIEW_PERIOD, START)
        );
        vm.prank(alice);
        registry.withdraw(id);

        vm.prank(curator1);
        registry.vote(id, false);
        assertEq(uint256(_status(id)), uint256(IDatanetRegistry.Status.Rejected), "the reject vote decided");
        assertEq(registry.slashedUnswept(), 2 ether, "and slashed");
    }

    /// @notice The last second of the review: a withdrawal is refused and a vote still counts;
    ///         from the deadline on, the opposite. No instant where both or neither is possible.
    function test_vote_atReviewDeadline_reverts() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.warp(START + REVIEW_PERIOD - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.UnderReview.selector,
                id,
                START + REVIEW_PERIOD,
                START + REVIEW_PERIOD - 1
            )
        );
        vm.prank(alice);
        registry.withdraw(id);
        vm.prank(curator1);
        registry.vote(id, false);

        vm.warp(START + REVIEW_PERIOD);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.ReviewClosed.selector,
                id,
                START + REVIEW_PERIOD,
                START + REVIEW_PERIOD
            )
        );
        vm.prank(curator2);
        registry.vote(id, false);
        assertEq(uint256(_status(id)), uint256(IDatanetRegistry.Status.Pending), "undecided");
        vm.prank(alice);
        assertEq(registry.withdraw(id), 10 ether, "the reject vote cast in time costs nothing undecided");
    }

    /// @notice Any votes (short of a decision), any moment: a pending stake leaves exactly when
    ///         the review deadline has passed, and then in full; the deadline is the one of
    ///         the review period in force at submission, whatever the owner sets later.
    function testFuzz_withdraw_pending_onlyFromDeadline_inFull(
        uint256 stake,
        uint32 period,
        uint32 laterPeriod,
        uint256 elapsed,
        bool rejectVote
    ) public {
        IDatanetRegistry.Bounds memory b = defaultBounds();
        stake = bound(stake, 10 ether, 1_000_000 ether);
        period = uint32(bound(period, b.minReviewPeriod, b.maxReviewPeriod));
        laterPeriod = uint32(bound(laterPeriod, b.minReviewPeriod, b.maxReviewPeriod));
        elapsed = bound(elapsed, 0, 2 * uint256(b.maxReviewPeriod));
        IDatanetRegistry.Params memory p = defaultParams();
        p.reviewPeriod = period;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        _fund(alice, stake);
        uint256 id = _submit(alice, H1, 100, stake);
        p.reviewPeriod = laterPeriod;
        vm.prank(owner);
        registry.setParams(datanetId, p);
        vm.prank(curator1);
        registry.vote(id, !rejectVote);

        vm.warp(START + elapsed);
        if (elapsed < period) {
            vm.expectRevert(
                abi.encodeWithSelector(IDatanetRegistry.UnderReview.selector, id, START + period, START + elapsed)
            );
            vm.prank(alice);
            registry.withdraw(id);
        } else {
            uint256 before = open.balanceOf(alice);
            vm.prank(alice);
            assertEq(registry.withdraw(id), stake, "full");
            assertEq(open.balanceOf(alice) - before, stake, "paid");
            assertEq(registry.slashedUnswept(), 0, "nothing slashed");
            assertEq(registry.totalStaked(), 0, "released");
        }
    }

    /// @notice Issue 15, front-running (audit M-2): Bob sees Alice's contribution in the mempool
    ///         and copies its content hash, directly or with a commitment of his own revealed a
    ///         block later, ahead of Alice's delayed transaction. Alice committed first, so she
    ///         ends up the contributor of record (on main Bob's copy won and Alice was refused).
    function test_submit_copierWhoSawTheReveal_neverWins_succeeds() public {
        bytes32 aliceSalt = _commit(alice, H1);
        // Copying Alice's reveal as is: her commitment names her, not Bob.
        vm.expectRevert(
            abi.encodeWithSelector(IErrors.UnknownCommitment.selector, keccak256(abi.encode(H1, bob, aliceSalt)))
        );
        _reveal(bob, H1, 100, 10 ether, aliceSalt);
        // Committing afresh and revealing a block later, before Alice's transaction lands.
        uint256 copy = _reveal(bob, H1, 100, 10 ether, _commit(bob, H1));
        assertEq(registry.contributionOfContent(datanetId, H1), copy, "the copy holds the content for now");

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionDisplaced(copy, datanetId, copy + 1, 0);
        uint256 id = _reveal(alice, H1, 100, 10 ether, aliceSalt);
        vm.snapshotGasLastCall("DatanetRegistry", "submit (reveal, displacing a later commitment)");
        assertEq(registry.contributionOfContent(datanetId, H1), id, "the earliest commitment wins");
        assertEq(registry.getContribution(id).contributor, alice, "Alice is the contributor of record");
        assertEq(registry.contentCommitBlock(datanetId, H1), START_BLOCK, "under her commitment's block");
        assertEq(uint256(_status(copy)), uint256(IDatanetRegistry.Status.Displaced), "the copy is out");
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.NotPending.selector, copy, IDatanetRegistry.Status.Displaced)
        );
        vm.prank(curator1);
        registry.vote(copy, true);
        // Nothing was decided against the copy: its stake comes back, at once.
        vm.prank(bob);
        assertEq(registry.withdraw(copy), 10 ether, "refunded");
        assertEq(registry.totalStaked(), 10 ether, "only Alice's stake held");
    }

    /// @notice A displaced copy that a curator had already voted to reject pays its slash share,
    ///         as a rejection would: displacing one's own contribution with an older commitment
    ///         of the same content cannot end a review that was going against it for free.
    function test_submit_displacedAfterRejectVote_slashes_succeeds() public {
        bytes32 aliceSalt = _commit(alice, H1);
        uint256 copy = _submit(bob, H1, 100, 10 ether);
        vm.prank(curator1);
        registry.vote(copy, false);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionDisplaced(copy, datanetId, copy + 1, 2 ether);
        _reveal(alice, H1, 100, 10 ether, aliceSalt);
        assertEq(registry.slashedUnswept(), 2 ether, "slashed like a rejection");
        vm.prank(bob);
        assertEq(registry.withdraw(copy), 8 ether, "the rest");
    }

    /// @notice Once a pending holder's review deadline has passed, any reveal of the same content
    ///         displaces it (whatever the commitments), with its whole stake back: an abandoned
    ///         review cannot bar the content for good.
    function test_submit_expiredHolder_displacedByAnyReveal_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.prank(curator1);
        registry.vote(id, false);
        bytes32 bobSalt = _commit(bob, H1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DuplicateContent.selector, datanetId, H1, id));
        _reveal(bob, H1, 100, 10 ether, bobSalt);

        vm.warp(START + REVIEW_PERIOD);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionDisplaced(id, datanetId, id + 1, 0);
        uint256 later = _reveal(bob, H1, 100, 10 ether, bobSalt);
        assertEq(registry.contributionOfContent(datanetId, H1), later, "the new review holds it");
        vm.prank(alice);
        assertEq(registry.withdraw(id), 10 ether, "the expired review's stake in full");
        assertEq(registry.slashedUnswept(), 0, "nothing slashed after the deadline");
    }

    /// @notice The residual the docs state: a copy already accepted (a quorum voted before the
    ///         author's late reveal landed) keeps the content; precedence displaces pending
    ///         contributions only. Commitments made in the same block have no precedence over
    ///         each other either: the first reveal keeps it.
    function test_submit_earlierCommitment_acceptedOrSameBlockHolder_reverts() public {
        bytes32 aliceSalt = _commit(alice, H1);
        uint256 copy = _submit(bob, H1, 100, 10 ether);
        _accept(copy);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DuplicateContent.selector, datanetId, H1, copy));
        _reveal(alice, H1, 100, 10 ether, aliceSalt);

        bytes32 c1 = keccak256(abi.encode(H2, alice, aliceSalt));
        bytes32 c2 = keccak256(abi.encode(H2, bob, aliceSalt));
        vm.prank(alice);
        registry.commitContribution(c1);
        vm.prank(bob);
        registry.commitContribution(c2);
        vm.roll(block.number + 1);
        uint256 first = _reveal(bob, H2, 100, 10 ether, aliceSalt);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DuplicateContent.selector, datanetId, H2, first));
        _reveal(alice, H2, 100, 10 ether, aliceSalt);
    }

    function test_commitContribution_badUse_reverts() public {
        bytes32 salt = keccak256("s");
        bytes32 commitment = keccak256(abi.encode(H1, alice, salt));
        // Never committed.
        vm.expectRevert(abi.encodeWithSelector(IErrors.UnknownCommitment.selector, commitment));
        _reveal(alice, H1, 100, 10 ether, salt);
        // Revealed in the block it was made.
        vm.prank(alice);
        registry.commitContribution(commitment);
        vm.expectRevert(abi.encodeWithSelector(IErrors.CommitmentExists.selector, commitment, START_BLOCK));
        vm.prank(bob); // anyone may send it, but only once while unrevealed
        registry.commitContribution(commitment);
        vm.expectRevert(
            abi.encodeWithSelector(IErrors.CommitmentTooRecent.selector, commitment, START_BLOCK, START_BLOCK)
        );
        _reveal(alice, H1, 100, 10 ether, salt);
        // Another salt, or another sender, is another commitment.
        vm.roll(START_BLOCK + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IErrors.UnknownCommitment.selector, keccak256(abi.encode(H1, alice, bytes32(0))))
        );
        _reveal(alice, H1, 100, 10 ether, bytes32(0));
        // Used once.
        _reveal(alice, H1, 100, 10 ether, salt);
        assertEq(registry.commitmentBlock(commitment), 0, "used up");
        vm.expectRevert(abi.encodeWithSelector(IErrors.UnknownCommitment.selector, commitment));
        _reveal(alice, H1, 100, 10 ether, salt);
    }

    /// @notice Two contributors commit to the same content at random blocks and reveal in a
    ///         random order (the later one after the earlier one's review has started or not):
    ///         the contribution of record is always the one with the earlier commitment, or, for
    ///         commitments of one block, the first revealed; the other keeps its stake.
    function testFuzz_submit_precedenceByEarliestCommitment(
        uint8 aliceBlock,
        uint8 bobBlock,
        bool aliceRevealsFirst,
        bool voteBetween
    ) public {
        uint256 aAt = START_BLOCK + bound(aliceBlock, 0, 20);
        uint256 bAt = START_BLOCK + bound(bobBlock, 0, 20);
        bytes32 aSalt = keccak256("a");
        bytes32 bSalt = keccak256("b");
        for (uint256 n = START_BLOCK; n <= 21 + START_BLOCK; ++n) {
            vm.roll(n);
            if (n == aAt) {
                vm.prank(alice);
                registry.commitContribution(keccak256(abi.encode(H1, alice, aSalt)));
            }
            if (n == bAt) {
                vm.prank(bob);
                registry.commitContribution(keccak256(abi.encode(H1, bob, bSalt)));
            }
        }
        vm.roll(START_BLOCK + 22);
        (address first, bytes32 firstSalt, uint256 firstAt) = aliceRevealsFirst
            ? (alice, aSalt, aAt)
            : (bob, bSalt, bAt);
        (address second, bytes32 secondSalt, uint256 secondAt) = aliceRevealsFirst
            ? (bob, bSalt, bAt)
            : (alice, aSalt, aAt);
        uint256 firstId = _reveal(first, H1, 100, 10 ether, firstSalt);
        if (voteBetween) {
            vm.prank(curator1);
            registry.vote(firstId, true); // an accept vote: no slash on displacement
        }
        if (secondAt < firstAt) {
            uint256 secondId = _reveal(second, H1, 100, 10 ether, secondSalt);
            assertEq(registry.getContribution(registry.contributionOfContent(datanetId, H1)).contributor, second);
            assertEq(uint256(_status(firstId)), uint256(IDatanetRegistry.Status.Displaced), "displaced");
            vm.prank(first);
            assertEq(registry.withdraw(firstId), 10 ether, "refunded in full");
            assertEq(registry.contentCommitBlock(datanetId, H1), secondAt, "precedence of the winner");
            assertEq(uint256(_status(secondId)), uint256(IDatanetRegistry.Status.Pending), "under review");
        } else {
            vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DuplicateContent.selector, datanetId, H1, firstId));
            _reveal(second, H1, 100, 10 ether, secondSalt);
            assertEq(registry.getContribution(registry.contributionOfContent(datanetId, H1)).contributor, first);
        }
    }

    function test_withdraw_acceptedAfterBond_exactlyOnce_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        _accept(id);
        vm.warp(START + 7 days - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.StillBonded.selector, id, START + 7 days, START + 7 days - 1)
        );
        vm.prank(alice);
        registry.withdraw(id);

        vm.warp(START + 7 days);
        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        registry.withdraw(id);
        vm.snapshotGasLastCall("DatanetRegistry", "withdraw (accepted, after bond)");
        assertEq(open.balanceOf(alice) - before, 10 ether, "stake back");
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(uint256(c.status), uint256(IDatanetRegistry.Status.Accepted), "stays accepted");
        assertTrue(c.stakeReleased, "released");
        assertEq(c.stake, 0, "nothing held");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.StakeAlreadyReleased.selector, id));
        vm.prank(alice);
        registry.withdraw(id);
    }

    function test_withdraw_rejectedRest_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        _reject(id);
        uint256 before = open.balanceOf(alice);
        vm.prank(alice);
        assertEq(registry.withdraw(id), 8 ether, "rest");
        assertEq(open.balanceOf(alice) - before, 8 ether, "paid");
        assertEq(registry.totalStaked(), 0, "none held");
    }

    function test_withdraw_notContributorOrUnknown_reverts() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.NotContributor.selector, id, bob, alice));
        vm.prank(bob);
        registry.withdraw(id);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownContribution.selector, 5));
        registry.withdraw(5);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownContribution.selector, 5));
        registry.getContribution(5);
    }

    // =========================================================================================
    // Penalty
    // =========================================================================================

    function test_penalize_duringBond_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        _accept(id);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionRevoked(id, datanetId, 7.5 ether, 2.5 ether, 1, "poisoned");
        vm.prank(governance);
        registry.penalize(id, 7_500, "poisoned");
        vm.snapshotGasLastCall("DatanetRegistry", "penalize");
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(uint256(c.status), uint256(IDatanetRegistry.Status.Revoked), "revoked");
        assertEq(c.revokedFromVersion, 1, "excluded from version 1 on");
        assertEq(registry.getDatanet(datanetId).liveAcceptedCount, 0, "not live");
        assertEq(registry.slashedUnswept(), 7.5 ether, "slashed");
        // The rest is withdrawable at once.
        vm.prank(alice);
        assertEq(registry.withdraw(id), 2.5 ether, "rest");
    }

    function test_penalize_badInput_reverts() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.startPrank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.NotAccepted.selector, id, IDatanetRegistry.Status.Pending)
        );
        registry.penalize(id, 100, "");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownContribution.selector, 42));
        registry.penalize(42, 100, "");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.SlashShareTooHigh.selector, 10_001));
        registry.penalize(id, 10_001, "");
        vm.stopPrank();

        _accept(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                owner,
                registry.PENALTY_ROLE()
            )
        );
        vm.prank(owner);
        registry.penalize(id, 100, "");

        vm.warp(START + 7 days);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.BondPeriodOver.selector, id, START + 7 days, START + 7 days)
        );
        vm.prank(governance);
        registry.penalize(id, 100, "");
    }

    /// @notice Issue 15, L-3: data must be removable after its bond period, when `penalize`
    ///         refuses (a takedown request, not the contributor's fault): it leaves every later
    ///         version, nothing is slashed. Before the fix there was no such path.
    function test_takeDown_afterBondPeriod_excludedFromLaterVersions_succeeds() public {
        uint256 a = _submit(alice, H1, 100, 10 ether);
        uint256 b = _submit(bob, H2, 100, 10 ether);
        _accept(a);
        _accept(b);
        vm.prank(owner);
        registry.publishVersion(datanetId, _pair(_leaf(a, H1), _leaf(b, H2)), 2, "");

        vm.warp(START + 7 days);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.BondPeriodOver.selector, a, START + 7 days, START + 7 days)
        );
        vm.prank(governance);
        registry.penalize(a, 0, "");

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionTakenDown(a, datanetId, 2, "dmca");
        vm.prank(governance);
        registry.takeDown(a, "dmca");
        vm.snapshotGasLastCall("DatanetRegistry", "takeDown (accepted)");
        IDatanetRegistry.Contribution memory c = registry.getContribution(a);
        assertEq(uint256(c.status), uint256(IDatanetRegistry.Status.TakenDown), "taken down");
        assertEq(c.revokedFromVersion, 2, "out from version 2 on");
        assertEq(registry.getDatanet(datanetId).liveAcceptedCount, 1, "no longer live");
        assertEq(registry.contributionOfContent(datanetId, H1), a, "its content stays barred");
        vm.prank(owner);
        registry.publishVersion(datanetId, _leaf(b, H2), 1, "");
        assertTrue(registry.isInVersion(a, 1), "earlier versions are immutable");
        assertFalse(registry.isInVersion(a, 2), "not in the version published after the takedown");
        assertTrue(registry.isInVersion(b, 2), "the others stay");
        vm.prank(alice);
        assertEq(registry.withdraw(a), 10 ether, "nothing slashed");
        assertEq(registry.slashedUnswept(), 0, "nothing slashed");
    }

    /// @notice A takedown during the bond period: no slash, and the stake is free at once (no
    ///         penalty can follow it); `penalize` then refuses.
    function test_takeDown_duringBond_stakeFreeAtOnce_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        _accept(id);
        vm.prank(governance);
        registry.takeDown(id, "gdpr erasure");
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.NotAccepted.selector, id, IDatanetRegistry.Status.TakenDown)
        );
        vm.prank(governance);
        registry.penalize(id, 5_000, "");
        vm.prank(alice);
        assertEq(registry.withdraw(id), 10 ether, "whole stake, before the bond would have ended");
        assertEq(registry.totalStaked(), 0, "released");
        // A version posted after the takedown that still holds it is a false inclusion.
        uint256 other = _submit(bob, H2, 100, 10 ether);
        _accept(other);
        vm.prank(owner);
        registry.publishVersion(datanetId, _pair(_leaf(id, H1), _leaf(other, H2)), 1, "");
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = _leaf(other, H2);
        registry.disputeVersion(datanetId, 1, id, H1, proof);
        assertFalse(registry.isPublishedVersion(datanetId, 1), "disputed");
    }

    /// @notice A pending contribution taken down: its review ends (no vote counts), it is in no
    ///         version, its content stays barred, and its whole stake is withdrawable at once.
    function test_takeDown_pending_barsContentRefundsInFull_succeeds() public {
        uint256 id = _submit(alice, H1, 100, 10 ether);
        vm.prank(curator1);
        registry.vote(id, false);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.ContributionTakenDown(id, datanetId, 0, "court order");
        vm.prank(governance);
        registry.takeDown(id, "court order");
        vm.snapshotGasLastCall("DatanetRegistry", "takeDown (pending)");
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.NotPending.selector, id, IDatanetRegistry.Status.TakenDown)
        );
        vm.prank(curator2);
        registry.vote(id, false);
        bytes32 salt = _commit(bob, H1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DuplicateContent.selector, datanetId, H1, id));
        _reveal(bob, H1, 100, 10 ether, salt);
        assertEq(registry.getContribution(id).revokedFromVersion, 0, "never in a version");
        vm.prank(alice);
        assertEq(registry.withdraw(id), 10 ether, "whole stake, before the review deadline");
        assertEq(registry.slashedUnswept(), 0, "nothing slashed");
    }

    function test_takeDown_badInput_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownContribution.selector, 9));
        vm.prank(governance);
        registry.takeDown(9, "");

        uint256 rejected = _submit(alice, H1, 100, 10 ether);
        _reject(rejected);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.CannotTakeDown.selector, rejected, IDatanetRegistry.Status.Rejected)
        );
        vm.prank(governance);
        registry.takeDown(rejected, "");

        uint256 withdrawn = _submit(alice, H2, 100, 10 ether);
        vm.warp(START + REVIEW_PERIOD);
        vm.prank(alice);
        registry.withdraw(withdrawn);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.CannotTakeDown.selector,
                withdrawn,
                IDatanetRegistry.Status.Withdrawn
            )
        );
        vm.prank(governance);
        registry.takeDown(withdrawn, "");

        uint256 revoked = _submit(alice, H3, 100, 10 ether);
        _accept(revoked);
        vm.prank(governance);
        registry.penalize(revoked, 100, "");
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.CannotTakeDown.selector, revoked, IDatanetRegistry.Status.Revoked)
        );
        vm.prank(governance);
        registry.takeDown(revoked, "");

        uint256 id = _submit(bob, keccak256("four"), 100, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                owner,
                registry.TAKEDOWN_ROLE()
            )
        );
        vm.prank(owner);
        registry.takeDown(id, "");
        vm.prank(governance);
        registry.takeDown(id, "");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.AlreadyTakenDown.selector, id));
        vm.prank(governance);
        registry.takeDown(id, "");
    }

    function testFuzz_slash_arithmetic(uint256 stake, uint256 slashBps, uint256 penaltyBps) public {
        stake = bound(stake, 10 ether, 500_000 ether);
        slashBps = bound(slashBps, 100, 5_000);
        penaltyBps = bound(penaltyBps, 0, 10_000);
        IDatanetRegistry.Params memory p = defaultParams();
        p.slashBps = uint16(slashBps);
        vm.prank(owner);
        registry.setParams(datanetId, p);

        uint256 r = _submit(alice, H1, 1, stake);
        _reject(r);
        uint256 slashed = (stake * slashBps) / 10_000;
        assertEq(registry.slashedUnswept(), slashed, "rejection slash rounds down");
        assertEq(registry.getContribution(r).stake + slashed, stake, "rest + slash == stake");

        uint256 a = _submit(alice, H2, 1, stake);
        _accept(a);
        vm.prank(governance);
        registry.penalize(a, uint16(penaltyBps), "");
        uint256 penalty = (stake * penaltyBps) / 10_000;
        assertEq(registry.slashedUnswept(), slashed + penalty, "penalty slash");
        assertEq(registry.getContribution(a).stake + penalty, stake, "rest + penalty == stake");
        assertEq(
            open.balanceOf(address(registry)),
            registry.totalStaked() + registry.totalCuratorBonds() + registry.slashedUnswept(),
            "solvent"
        );
    }

    // =========================================================================================
    // Versions
    // =========================================================================================

    function test_publishVersion_succeeds() public {
        uint256 a = _submit(alice, H1, 100, 10 ether);
        uint256 b = _submit(bob, H2, 100, 10 ether);
        _accept(a);
        _accept(b);
        bytes32 root = _pair(_leaf(a, H1), _leaf(b, H2));

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.VersionPublished(datanetId, 1, root, 2, "ipfs://v1");
        vm.prank(owner);
        uint256 v = registry.publishVersion(datanetId, root, 2, "ipfs://v1");
        vm.snapshotGasLastCall("DatanetRegistry", "publishVersion");
        assertEq(v, 1, "first version");
        assertTrue(registry.isPublishedVersion(datanetId, 1), "published");
        assertFalse(registry.isPublishedVersion(datanetId, 2), "not yet");
        assertEq(registry.versionRoot(datanetId, 1), root, "root");
        assertEq(registry.versionRoot(datanetId, 2), bytes32(0), "zero when absent");
        IDatanetRegistry.Version memory info = registry.getVersion(datanetId, 1);
        assertEq(info.count, 2, "count");
        assertEq(info.publishedAt, START, "time");
        assertTrue(registry.isInVersion(a, 1) && registry.isInVersion(b, 1), "members");
        assertFalse(registry.isInVersion(a, 2), "no version 2 yet");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownVersion.selector, datanetId, 2));
        registry.getVersion(datanetId, 2);
    }

    function test_publishVersion_badInput_reverts() public {
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.EmptyVersion.selector, datanetId));
        registry.publishVersion(datanetId, bytes32(uint256(1)), 0, "");
        vm.stopPrank();

        uint256 a = _submit(alice, H1, 100, 10 ether);
        _submit(bob, H2, 100, 10 ether); // pending: not counted
        _accept(a);
        vm.startPrank(owner);
        vm.expectRevert(IErrors.ZeroRoot.selector);
        registry.publishVersion(datanetId, bytes32(0), 1, "");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.VersionCountMismatch.selector, datanetId, 2, 1));
        registry.publishVersion(datanetId, _leaf(a, H1), 2, "");
        vm.stopPrank();
    }

    /// @notice Revoked data leaves every later version; earlier versions are immutable.
    function test_versions_revokedExcludedFromLater_succeeds() public {
        uint256 a = _submit(alice, H1, 100, 10 ether);
        uint256 b = _submit(bob, H2, 100, 10 ether);
        _accept(a);
        _accept(b);
        bytes32 root1 = _pair(_leaf(a, H1), _leaf(b, H2));
        vm.prank(owner);
        registry.publishVersion(datanetId, root1, 2, "");

        vm.prank(governance);
        registry.penalize(b, 10_000, "adversarial");
        uint256 c = _submit(alice, H3, 100, 10 ether);
        _accept(c);
        assertEq(registry.getContribution(c).firstVersion, 2, "c starts in v2");
        assertEq(registry.getContribution(b).revokedFromVersion, 2, "b leaves in v2");

        // A root that still held b would pass the count check too (2 either way): the dispute
        // catches it (test_disputeVersion_falseInclusion_succeeds).
        bytes32 root2 = _pair(_leaf(a, H1), _leaf(c, H3));
        vm.prank(owner);
        registry.publishVersion(datanetId, root2, 2, "");

        assertTrue(registry.isInVersion(b, 1), "b in v1");
        assertFalse(registry.isInVersion(b, 2), "b not in v2");
        assertFalse(registry.isInVersion(c, 1), "c not in v1");
        assertTrue(registry.isInVersion(c, 2), "c in v2");
        assertTrue(registry.isInVersion(a, 2), "a in both");
        assertEq(registry.versionRoot(datanetId, 1), root1, "v1 unchanged");
    }

    function test_disputeVersion_falseInclusion_succeeds() public {
        uint256 a = _submit(alice, H1, 100, 10 ether);
        uint256 b = _submit(bob, H2, 100, 10 ether);
        _accept(a);
        _accept(b);
        vm.prank(owner);
        registry.publishVersion(datanetId, _pair(_leaf(a, H1), _leaf(b, H2)), 2, "");
        vm.prank(governance);
        registry.penalize(b, 10_000, "adversarial");
        uint256 c = _submit(alice, H3, 100, 10 ether);
        _accept(c);

        // A dishonest owner keeps the revoked b instead of c: the count (2) matches.
        vm.prank(owner);
        registry.publishVersion(datanetId, _pair(_leaf(a, H1), _leaf(b, H2)), 2, "");
        assertTrue(registry.isPublishedVersion(datanetId, 2), "published");

        bytes32[] memory proof = new bytes32[](1);
        proof[0] = _leaf(a, H1);
        vm.expectEmit(address(registry));
        emit IDatanetRegistry.VersionDisputed(datanetId, 2, b, bob);
        vm.prank(bob);
        registry.disputeVersion(datanetId, 2, b, H2, proof);
        vm.snapshotGasLastCall("DatanetRegistry", "disputeVersion (1-level proof)");
        assertFalse(registry.isPublishedVersion(datanetId, 2), "no longer usable");
        assertEq(registry.versionRoot(datanetId, 2), bytes32(0), "root hidden");
        assertTrue(registry.getVersion(datanetId, 2).disputed, "flagged");
        // Version 1 (correct) stays.
        assertTrue(registry.isPublishedVersion(datanetId, 1), "v1 fine");

        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownVersion.selector, datanetId, 2));
        registry.disputeVersion(datanetId, 2, b, H2, proof);
    }

    function test_disputeVersion_wrongHashOrForeign_succeeds() public {
        uint256 a = _submit(alice, H1, 100, 10 ether);
        _accept(a);
        // A single-leaf tree whose leaf carries the wrong content hash.
        vm.prank(owner);
        registry.publishVersion(datanetId, _leaf(a, H2), 1, "");
        registry.disputeVersion(datanetId, 1, a, H2, new bytes32[](0));
        assertFalse(registry.isPublishedVersion(datanetId, 1), "disputed");
    }

    /// @notice A root that omits a member cannot be proven wrong on-chain; the guardian revokes
    ///         it once the TypeScript verifier flags it. Only the guardian, only once.
    function test_revokeVersion_byGuardian_succeeds() public {
        uint256 a = _submit(alice, H1, 100, 10 ether);
        uint256 b = _submit(bob, H2, 100, 10 ether);
        _accept(a);
        _accept(b);
        // a twice, b omitted: count 2 matches, and no leaf is a false inclusion.
        vm.prank(owner);
        registry.publishVersion(datanetId, _pair(_leaf(a, H1), _leaf(a, H1)), 2, "");
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = _leaf(a, H1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.NotAFalseInclusion.selector, datanetId, 1, a));
        registry.disputeVersion(datanetId, 1, a, H1, proof);

        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                governance,
                registry.GUARDIAN_ROLE()
            )
        );
        vm.prank(governance);
        registry.revokeVersion(datanetId, 1);

        vm.expectEmit(address(registry));
        emit IDatanetRegistry.VersionDisputed(datanetId, 1, 0, guardian);
        vm.prank(guardian);
        registry.revokeVersion(datanetId, 1);
        assertFalse(registry.isPublishedVersion(datanetId, 1), "revoked");
        assertEq(registry.versionRoot(datanetId, 1), bytes32(0), "root hidden");

        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownVersion.selector, datanetId, 1));
        vm.prank(guardian);
        registry.revokeVersion(datanetId, 1);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownVersion.selector, datanetId, 2));
        vm.prank(guardian);
        registry.revokeVersion(datanetId, 2);
    }

    function test_disputeVersion_honestRoot_reverts() public {
        uint256 a = _submit(alice, H1, 100, 10 ether);
        uint256 b = _submit(bob, H2, 100, 10 ether);
        _accept(a);
        _accept(b);
        vm.prank(owner);
        registry.publishVersion(datanetId, _pair(_leaf(a, H1), _leaf(b, H2)), 2, "");
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = _leaf(a, H1);
        // b was a member at publication: revoking it later does not make v1 wrong.
        vm.prank(governance);
        registry.penalize(b, 100, "");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.NotAFalseInclusion.selector, datanetId, 1, b));
        registry.disputeVersion(datanetId, 1, b, H2, proof);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.InvalidVersionProof.selector, datanetId, 1, b));
        registry.disputeVersion(datanetId, 1, b, H3, proof);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.UnknownVersion.selector, datanetId, 9));
        registry.disputeVersion(datanetId, 9, b, H2, proof);
    }
}
