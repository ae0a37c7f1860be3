// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IErrors} from "../../contracts/interfaces/IErrors.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ModelRegistry} from "../../contracts/model/ModelRegistry.sol";
import {ModelFixture} from "./ModelFixture.sol";

contract ModelRegistryTest is ModelFixture {
    bytes32 internal constant ART = keccak256("artifact-1");

    // --- constructor ------------------------------------------------------------------------

    function test_constructor_zeroAddress_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IErrors.ZeroAddress.selector));
        new ModelRegistry(address(0), governance, guardian, _splitBounds(), NOTICE);
        vm.expectRevert(abi.encodeWithSelector(IErrors.ZeroAddress.selector));
        new ModelRegistry(address(datanets), address(0), guardian, _splitBounds(), NOTICE);
        vm.expectRevert(abi.encodeWithSelector(IErrors.ZeroAddress.selector));
        new ModelRegistry(address(datanets), governance, address(0), _splitBounds(), NOTICE);
    }

    function test_constructor_noticeDelayOutOfRange_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.NoticeDelayOutOfRange.selector, 59 minutes, 1 hours, 30 days)
        );
        new ModelRegistry(address(datanets), governance, guardian, _splitBounds(), 59 minutes);
    }

    function test_constructor_state_succeeds() public view {
        assertEq(registry.datanets(), address(datanets));
        assertEq(registry.noticeDelay(), NOTICE);
        assertEq(registry.modelCount(), 0);
        assertEq(registry.version(), "4.0.0");
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), governance), "governance is admin");
        assertTrue(registry.hasRole(registry.GUARDIAN_ROLE(), guardian), "guardian");
        assertEq(registry.GUARDIAN_ROLE(), keccak256("GUARDIAN_ROLE"));
        IModelRegistry.SplitBounds memory b = registry.splitBounds();
        assertEq(b.maxOwnerBps, 7_000);
        assertEq(b.minContributorsBps, 1_000);
    }

    // --- registerModel ----------------------------------------------------------------------

    function test_registerModel_base_succeeds() public {
        IModelRegistry.Registration memory r = _registration(ART);
        IModelRegistry.Terms memory expected = IModelRegistry.Terms(2e18, 6e18, 3_000, 2_000, 5_000, 0);
        _commit(builder, r.artifactHash);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRegistered(
            1,
            builder,
            0,
            ART,
            IModelRegistry.AttributionMethod.SuffixArraySpans,
            "ipfs://model",
            r.trainedOn,
            expected
        );
        vm.prank(builder);
        uint256 id = registry.registerModel(r, SALT);
        vm.snapshotGasLastCall("ModelRegistry", "registerModel (base, 2 Datanet versions)");

        assertEq(id, 1);
        assertEq(registry.modelCount(), 1);
        assertEq(registry.modelIdOfArtifact(ART), 1);
        assertEq(registry.ownerOf(1), builder);
        assertEq(uint256(registry.statusOf(1)), uint256(IModelRegistry.ModelStatus.Active));
        IModelRegistry.ModelView memory m = registry.getModel(1);
        assertEq(m.owner, builder);
        assertEq(m.pendingOwner, address(0));
        assertEq(m.baseModelId, 0);
        assertEq(m.artifactHash, ART);
        assertEq(m.metadataURI, "ipfs://model");
        assertEq(m.trainedOn.length, 2);
        assertEq(m.trainedOn[0].datanetId, dnA);
        assertEq(m.trainedOn[1].datanetId, dnB);
        assertEq(m.terms.pricePerKOutput, 6e18);
        assertEq(m.scheduledTerms.effectiveAt, 0);
        assertEq(registry.trainedOn(1).length, 2);
        (address owner, IModelRegistry.Terms memory t) = registry.paymentTerms(1);
        assertEq(owner, builder);
        assertEq(t.ownerBps, 3_000);
    }

    function test_registerModel_adapter_succeeds() public {
        uint256 base = _register(builder, ART);
        IModelRegistry.Registration memory r = _registration(keccak256("lora"));
        r.baseModelId = base;
        r.trainedOn = _versions1(dnB, 1);
        r.attributionMethod = IModelRegistry.AttributionMethod.Influence;
        _commit(stranger, r.artifactHash);
        vm.prank(stranger);
        uint256 adapter = registry.registerModel(r, SALT);
        vm.snapshotGasLastCall("ModelRegistry", "registerModel (LoRA adapter, 1 Datanet version)");
        IModelRegistry.ModelView memory m = registry.getModel(adapter);
        assertEq(m.baseModelId, base);
        assertEq(m.owner, stranger);
        assertEq(uint256(m.attributionMethod), uint256(IModelRegistry.AttributionMethod.Influence));
    }

    function test_registerModel_manyAdaptersOnOneBase_succeeds() public {
        uint256 base = _register(builder, ART);
        for (uint256 i = 0; i < 5; ++i) {
            uint256 id = _registerAdapter(builder, base, keccak256(abi.encode("lora", i)));
            assertEq(registry.getModel(id).baseModelId, base);
        }
        assertEq(registry.modelCount(), 6);
    }

    function test_registerModel_adapterOnPausedBase_succeeds() public {
        uint256 base = _register(builder, ART);
        vm.prank(builder);
        registry.pauseModel(base);
        uint256 adapter = _registerAdapter(stranger, base, keccak256("lora"));
        assertEq(registry.getModel(adapter).baseModelId, base);
    }

    function test_registerModel_zeroArtifact_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroArtifactHash.selector));
        vm.prank(builder);
        registry.registerModel(_registration(bytes32(0)), SALT);
    }

    /// @notice A copy registered under a later commitment is refused (copies earn nothing).
    function test_registerModel_duplicateArtifact_reverts() public {
        _register(builder, ART);
        _commit(stranger, ART);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ArtifactAlreadyRegistered.selector, ART, 1));
        vm.prank(stranger);
        registry.registerModel(_registration(ART), SALT);
    }

    /// @notice Front-running (README's known gap, review L-2 of the models): a squatter who
    ///         copies the publisher's artifact hash from its reveal can only commit after seeing
    ///         it. Even if its registration lands first (the publisher's reveal delayed), the
    ///         publisher's earlier commitment takes the artifact and the squatter's model is
    ///         retired. Before commit-reveal the publisher's registration reverted
    ///         `ArtifactAlreadyRegistered(art, squat)` and the squatter kept the artifact.
    function test_registerModel_frontRunnerWithLaterCommitment_isSuperseded_succeeds() public {
        bytes32 art = keccak256("builder-artifact");
        _commit(builder, art); // the publisher commits first (the hash is still hidden)
        uint256 squat = _register(stranger, art); // the squatter learns it, commits, registers
        assertEq(registry.modelIdOfArtifact(art), squat);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRetired(squat);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelSuperseded(squat, squat + 1, art);
        vm.prank(builder);
        uint256 real = registry.registerModel(_registration(art), SALT);
        assertEq(registry.modelIdOfArtifact(art), real);
        assertEq(registry.ownerOf(real), builder);
        assertEq(uint256(registry.statusOf(squat)), uint256(IModelRegistry.ModelStatus.Retired));
        assertGt(registry.committedAtBlock(real), 0, "the holder's commitment block");
        assertEq(registry.committedAtBlock(squat), 0, "the superseded model holds nothing");
    }

    /// @notice A squatter's model already retired is superseded without a second ModelRetired.
    function test_registerModel_supersedesRetiredSquatter_succeeds() public {
        bytes32 art = keccak256("builder-artifact");
        _commit(builder, art);
        uint256 squat = _register(stranger, art);
        vm.prank(stranger);
        registry.retireModel(squat);
        vm.recordLogs();
        vm.prank(builder);
        uint256 real = registry.registerModel(_registration(art), SALT);
        assertEq(vm.getRecordedLogs().length, 2, "ModelSuperseded and ModelRegistered only");
        assertEq(registry.modelIdOfArtifact(art), real);
    }

    /// @notice Commitments in the same block: the first registration keeps the artifact.
    function test_registerModel_sameBlockCommitment_reverts() public {
        bytes32 art = keccak256("art");
        vm.prank(builder);
        registry.commitArtifact(keccak256(abi.encode(art, builder, SALT)));
        vm.prank(stranger);
        registry.commitArtifact(keccak256(abi.encode(art, stranger, SALT)));
        vm.roll(block.number + 1);
        vm.prank(stranger);
        uint256 first = registry.registerModel(_registration(art), SALT);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ArtifactAlreadyRegistered.selector, art, first));
        vm.prank(builder);
        registry.registerModel(_registration(art), SALT);
    }

    function test_registerModel_noCommitment_reverts() public {
        bytes32 c = registry.artifactCommitment(ART, builder, SALT);
        vm.expectRevert(abi.encodeWithSelector(IErrors.UnknownCommitment.selector, c));
        vm.prank(builder);
        registry.registerModel(_registration(ART), SALT);
    }

    /// @notice A commitment binds its owner: another caller (or salt) cannot use it.
    function test_registerModel_commitmentOfAnotherOwner_reverts() public {
        _commit(builder, ART);
        bytes32 c = registry.artifactCommitment(ART, stranger, SALT);
        vm.expectRevert(abi.encodeWithSelector(IErrors.UnknownCommitment.selector, c));
        vm.prank(stranger);
        registry.registerModel(_registration(ART), SALT);
    }

    function test_registerModel_sameBlockAsCommitment_reverts() public {
        bytes32 c = registry.artifactCommitment(ART, builder, SALT);
        vm.prank(builder);
        registry.commitArtifact(c);
        vm.expectRevert(abi.encodeWithSelector(IErrors.CommitmentTooRecent.selector, c, block.number, block.number));
        vm.prank(builder);
        registry.registerModel(_registration(ART), SALT);
    }

    function test_registerModel_expiredCommitment_reverts() public {
        bytes32 c = registry.artifactCommitment(ART, builder, SALT);
        uint256 expiresAt = block.timestamp + registry.MAX_COMMITMENT_AGE();
        _commit(builder, ART);
        vm.warp(expiresAt + 1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.CommitmentExpired.selector, c, expiresAt));
        vm.prank(builder);
        registry.registerModel(_registration(ART), SALT);
    }

    /// @notice The last second of a commitment's life still registers.
    function test_registerModel_atCommitmentExpiry_succeeds() public {
        uint256 expiresAt = block.timestamp + registry.MAX_COMMITMENT_AGE();
        _commit(builder, ART);
        vm.warp(expiresAt);
        vm.prank(builder);
        assertEq(registry.registerModel(_registration(ART), SALT), 1);
    }

    function test_registerModel_commitmentUsedOnce_reverts() public {
        _register(builder, ART);
        bytes32 c = registry.artifactCommitment(ART, builder, SALT);
        (uint256 atBlock, uint256 atTime) = registry.commitmentOf(c);
        assertEq(atBlock + atTime, 0, "consumed");
        vm.expectRevert(abi.encodeWithSelector(IErrors.UnknownCommitment.selector, c));
        vm.prank(builder);
        registry.registerModel(_registration(ART), SALT);
    }

    function test_commitArtifact_recordsBlockAndTime_succeeds() public {
        bytes32 c = registry.artifactCommitment(ART, builder, SALT);
        assertEq(c, keccak256(abi.encode(ART, builder, SALT)));
        vm.expectEmit(address(registry));
        emit IModelRegistry.ArtifactCommitted(c, stranger);
        vm.prank(stranger); // anyone may record it: it binds the owner, not the sender
        registry.commitArtifact(c);
        vm.snapshotGasLastCall("ModelRegistry", "commitArtifact");
        (uint256 atBlock, uint256 atTime) = registry.commitmentOf(c);
        assertEq(atBlock, block.number);
        assertEq(atTime, block.timestamp);
    }

    function test_commitArtifact_twice_reverts() public {
        bytes32 c = registry.artifactCommitment(ART, builder, SALT);
        registry.commitArtifact(c);
        uint256 first = block.number;
        vm.roll(first + 5);
        vm.expectRevert(abi.encodeWithSelector(IErrors.CommitmentExists.selector, c, first));
        registry.commitArtifact(c);
    }

    function test_commitArtifact_whenPaused_reverts() public {
        vm.prank(guardian);
        registry.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        registry.commitArtifact(keccak256("c"));
    }

    function test_registerModel_noDatanetVersions_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.trainedOn = new IModelRegistry.DatanetVersion[](0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NoDatanetVersions.selector));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_tooManyDatanetVersions_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.trainedOn = new IModelRegistry.DatanetVersion[](33);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.TooManyDatanetVersions.selector, 33, 32));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_unpublishedVersion_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.trainedOn[1] = IModelRegistry.DatanetVersion(dnA, 2); // dnA has only version 1
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnpublishedDatanetVersion.selector, dnA, 2));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_unknownDatanet_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.trainedOn[0] = IModelRegistry.DatanetVersion(99, 1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnpublishedDatanetVersion.selector, 99, 1));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_versionZero_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.trainedOn[0] = IModelRegistry.DatanetVersion(dnA, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnpublishedDatanetVersion.selector, dnA, 0));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_laterVersion_succeeds() public {
        uint256 v2 = _publish(dnA, 1);
        IModelRegistry.Registration memory r = _registration(ART);
        r.trainedOn[0] = IModelRegistry.DatanetVersion(dnA, v2);
        _commit(builder, r.artifactHash);
        vm.prank(builder);
        uint256 id = registry.registerModel(r, SALT);
        assertEq(registry.trainedOn(id)[0].version, 2);
    }

    function test_registerModel_duplicateVersion_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.trainedOn[1] = IModelRegistry.DatanetVersion(dnA, 1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.DuplicateDatanetVersion.selector, dnA, 1));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_zeroPrice_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.pricePerKInput = 0;
        r.pricePerKOutput = 0;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroPrice.selector));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_oneSidedPrice_succeeds() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.pricePerKInput = 0;
        _commit(builder, r.artifactHash);
        vm.prank(builder);
        uint256 id = registry.registerModel(r, SALT);
        assertEq(registry.effectiveTerms(id).pricePerKInput, 0);
    }

    function test_registerModel_splitSum_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.contributorsBps = 4_999;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.SplitSumNot10000.selector, 9_999));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_ownerAboveMax_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        (r.ownerBps, r.stakersBps, r.contributorsBps) = (7_001, 1_000, 1_999);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.SplitOutOfBounds.selector,
                IModelRegistry.SplitPart.Owner,
                7_001,
                0,
                7_000
            )
        );
        registry.registerModel(r, SALT);
    }

    function test_registerModel_stakersBelowMin_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        (r.ownerBps, r.stakersBps, r.contributorsBps) = (3_000, 499, 6_501);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.SplitOutOfBounds.selector,
                IModelRegistry.SplitPart.Stakers,
                499,
                500,
                5_000
            )
        );
        registry.registerModel(r, SALT);
    }

    function test_registerModel_contributorsBelowMin_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        (r.ownerBps, r.stakersBps, r.contributorsBps) = (7_000, 2_100, 900);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.SplitOutOfBounds.selector,
                IModelRegistry.SplitPart.Contributors,
                900,
                1_000,
                9_000
            )
        );
        registry.registerModel(r, SALT);
    }

    function test_registerModel_unknownBase_reverts() public {
        IModelRegistry.Registration memory r = _registration(ART);
        r.baseModelId = 7;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 7));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_adapterOnAdapter_reverts() public {
        uint256 base = _register(builder, ART);
        uint256 adapter = _registerAdapter(builder, base, keccak256("lora"));
        IModelRegistry.Registration memory r = _registration(keccak256("lora-on-lora"));
        r.baseModelId = adapter;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BaseIsAdapter.selector, adapter, base));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_retiredBase_reverts() public {
        uint256 base = _register(builder, ART);
        vm.prank(builder);
        registry.retireModel(base);
        IModelRegistry.Registration memory r = _registration(keccak256("lora"));
        r.baseModelId = base;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, base));
        registry.registerModel(r, SALT);
    }

    function test_registerModel_whenPaused_reverts() public {
        vm.prank(guardian);
        registry.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(builder);
        registry.registerModel(_registration(ART), SALT);
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
        _register(builder, ART);
    }

    /// @notice A split is accepted exactly when it sums to 10,000 and every part is in bounds.
    function testFuzz_registerModel_splitAcceptedIffValid(uint16 o, uint16 s, uint16 c) public {
        o = uint16(bound(o, 0, 10_000));
        s = uint16(bound(s, 0, 10_000));
        c = uint16(bound(c, 0, 10_000));
        IModelRegistry.Registration memory r = _registration(ART);
        (r.ownerBps, r.stakersBps, r.contributorsBps) = (o, s, c);
        bool valid = uint256(o) + s + c == 10_000 && o <= 7_000 && s >= 500 && s <= 5_000 && c >= 1_000 && c <= 9_000;
        _commit(builder, r.artifactHash);
        if (!valid) vm.expectRevert();
        vm.prank(builder);
        registry.registerModel(r, SALT);
        assertEq(registry.modelCount(), valid ? 1 : 0, "registered iff valid");
    }

    // --- scheduleTerms ----------------------------------------------------------------------

    function test_scheduleTerms_takesEffectAfterDelay_succeeds() public {
        uint256 id = _register(builder, ART);
        uint256 effectiveAt = block.timestamp + NOTICE;
        vm.expectEmit(address(registry));
        emit IModelRegistry.TermsScheduled(
            id,
            IModelRegistry.Terms(4e18, 8e18, 2_000, 2_000, 6_000, uint40(effectiveAt))
        );
        vm.prank(builder);
        assertEq(registry.scheduleTerms(id, 4e18, 8e18, 2_000, 2_000, 6_000), effectiveAt);

        assertEq(registry.effectiveTerms(id).pricePerKInput, 2e18, "old terms during the notice");
        assertEq(registry.getModel(id).scheduledTerms.pricePerKInput, 4e18, "scheduled visible");
        vm.warp(effectiveAt - 1);
        (, IModelRegistry.Terms memory t) = registry.paymentTerms(id);
        assertEq(t.pricePerKInput, 2e18, "one second before: old");
        vm.warp(effectiveAt);
        (, t) = registry.paymentTerms(id);
        assertEq(t.pricePerKInput, 4e18, "at effectiveAt: new");
        assertEq(t.contributorsBps, 6_000);
        assertEq(registry.getModel(id).scheduledTerms.effectiveAt, 0, "no longer pending");
    }

    function test_scheduleTerms_replaceRestartsDelay_succeeds() public {
        uint256 id = _register(builder, ART);
        vm.prank(builder);
        registry.scheduleTerms(id, 4e18, 8e18, 2_000, 2_000, 6_000);
        vm.warp(block.timestamp + NOTICE - 10);
        vm.prank(builder);
        uint256 effectiveAt = registry.scheduleTerms(id, 5e18, 9e18, 2_000, 2_000, 6_000);
        vm.warp(block.timestamp + 10);
        assertEq(registry.effectiveTerms(id).pricePerKInput, 2e18, "first schedule replaced, never applied");
        vm.warp(effectiveAt);
        assertEq(registry.effectiveTerms(id).pricePerKInput, 5e18);
    }

    function test_scheduleTerms_afterPreviousInForce_succeeds() public {
        uint256 id = _register(builder, ART);
        vm.prank(builder);
        registry.scheduleTerms(id, 4e18, 8e18, 2_000, 2_000, 6_000);
        vm.warp(block.timestamp + NOTICE);
        vm.prank(builder);
        registry.scheduleTerms(id, 1e18, 1e18, 2_000, 2_000, 6_000);
        assertEq(registry.effectiveTerms(id).pricePerKInput, 4e18, "the schedule in force stays in force");
    }

    function test_scheduleTerms_notOwner_reverts() public {
        uint256 id = _register(builder, ART);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger, builder));
        vm.prank(stranger);
        registry.scheduleTerms(id, 1, 1, 3_000, 2_000, 5_000);
    }

    function test_scheduleTerms_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 5));
        registry.scheduleTerms(5, 1, 1, 3_000, 2_000, 5_000);
    }

    function test_scheduleTerms_outOfBounds_reverts() public {
        uint256 id = _register(builder, ART);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.SplitOutOfBounds.selector,
                IModelRegistry.SplitPart.Stakers,
                5_001,
                500,
                5_000
            )
        );
        vm.prank(builder);
        registry.scheduleTerms(id, 1, 1, 0, 5_001, 4_999);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ZeroPrice.selector));
        vm.prank(builder);
        registry.scheduleTerms(id, 0, 0, 3_000, 2_000, 5_000);
    }

    function test_scheduleTerms_retired_reverts() public {
        uint256 id = _register(builder, ART);
        vm.prank(builder);
        registry.retireModel(id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, id));
        vm.prank(builder);
        registry.scheduleTerms(id, 1, 1, 3_000, 2_000, 5_000);
    }

    /// @notice Whatever the schedule time, new terms never apply before the notice delay.
    function testFuzz_scheduleTerms_neverBeforeNotice(uint256 wait, uint256 probe) public {
        uint256 id = _register(builder, ART);
        vm.warp(block.timestamp + bound(wait, 0, 365 days));
        uint256 scheduledAt = block.timestamp;
        vm.prank(builder);
        registry.scheduleTerms(id, 9e18, 9e18, 3_000, 2_000, 5_000);
        vm.warp(scheduledAt + bound(probe, 0, 2 * NOTICE));
        bool due = block.timestamp >= scheduledAt + NOTICE;
        assertEq(registry.effectiveTerms(id).pricePerKInput, due ? 9e18 : 2e18, "effective iff notice elapsed");
    }

    // --- cancelScheduledTerms ---------------------------------------------------------------

    function test_cancelScheduledTerms_succeeds() public {
        uint256 id = _register(builder, ART);
        vm.prank(builder);
        uint256 effectiveAt = registry.scheduleTerms(id, 4e18, 8e18, 2_000, 2_000, 6_000);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ScheduledTermsCancelled(
            id,
            IModelRegistry.Terms(4e18, 8e18, 2_000, 2_000, 6_000, uint40(effectiveAt))
        );
        vm.prank(builder);
        registry.cancelScheduledTerms(id);
        vm.warp(effectiveAt);
        assertEq(registry.effectiveTerms(id).pricePerKInput, 2e18);
    }

    function test_cancelScheduledTerms_none_reverts() public {
        uint256 id = _register(builder, ART);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NoScheduledTerms.selector, id));
        vm.prank(builder);
        registry.cancelScheduledTerms(id);
    }

    function test_cancelScheduledTerms_alreadyInForce_reverts() public {
        uint256 id = _register(builder, ART);
        vm.prank(builder);
        uint256 effectiveAt = registry.scheduleTerms(id, 4e18, 8e18, 2_000, 2_000, 6_000);
        vm.warp(effectiveAt);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NoScheduledTerms.selector, id));
        vm.prank(builder);
        registry.cancelScheduledTerms(id);
    }

    function test_cancelScheduledTerms_notOwner_reverts() public {
        uint256 id = _register(builder, ART);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger, builder));
        vm.prank(stranger);
        registry.cancelScheduledTerms(id);
    }

    // --- pause, unpause, retire ------------------------------------------------------------

    function test_pauseModel_blocksPayments_succeeds() public {
        uint256 id = _register(builder, ART);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelPaused(id);
        vm.prank(builder);
        registry.pauseModel(id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsPaused.selector, id));
        registry.paymentTerms(id);

        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelUnpaused(id);
        vm.prank(builder);
        registry.unpauseModel(id);
        (address owner, ) = registry.paymentTerms(id);
        assertEq(owner, builder);
    }

    function test_pauseModel_twice_reverts() public {
        uint256 id = _register(builder, ART);
        vm.prank(builder);
        registry.pauseModel(id);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.PauseStateUnchanged.selector, id, IModelRegistry.ModelStatus.Paused)
        );
        vm.prank(builder);
        registry.pauseModel(id);
    }

    function test_unpauseModel_notPaused_reverts() public {
        uint256 id = _register(builder, ART);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.PauseStateUnchanged.selector, id, IModelRegistry.ModelStatus.Active)
        );
        vm.prank(builder);
        registry.unpauseModel(id);
    }

    function test_pauseModel_notOwner_reverts() public {
        uint256 id = _register(builder, ART);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, guardian, builder));
        vm.prank(guardian);
        registry.pauseModel(id);
    }

    function test_retireModel_isFinal_succeeds() public {
        uint256 id = _register(builder, ART);
        vm.prank(builder);
        registry.transferModelOwnership(id, stranger);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRetired(id);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelOwnershipTransferStarted(id, builder, address(0));
        vm.prank(builder);
        registry.retireModel(id);
        assertEq(uint256(registry.statusOf(id)), uint256(IModelRegistry.ModelStatus.Retired));
        assertEq(registry.getModel(id).pendingOwner, address(0), "offer withdrawn");

        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, id));
        registry.paymentTerms(id);
        vm.startPrank(builder);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, id));
        registry.unpauseModel(id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, id));
        registry.pauseModel(id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, id));
        registry.retireModel(id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, id));
        registry.setMetadataURI(id, "x");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, id));
        registry.transferModelOwnership(id, stranger);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, id));
        vm.prank(stranger);
        registry.acceptModelOwnership(id);
    }

    function test_retireModel_notOwner_reverts() public {
        uint256 id = _register(builder, ART);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger, builder));
        vm.prank(stranger);
        registry.retireModel(id);
    }

    // --- paymentTerms ---------------------------------------------------------------------------

    function test_paymentTerms_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 1));
        registry.paymentTerms(1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 0));
        registry.paymentTerms(0);
    }

    function test_paymentTerms_retiredBaseRetiresAdapters_reverts() public {
        uint256 base = _register(builder, ART);
        uint256 a1 = _registerAdapter(stranger, base, keccak256("lora-1"));
        uint256 a2 = _registerAdapter(builder, base, keccak256("lora-2"));
        registry.paymentTerms(a1);
        vm.prank(builder);
        registry.retireModel(base);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.BaseModelNotActive.selector,
                a1,
                base,
                IModelRegistry.ModelStatus.Retired
            )
        );
        registry.paymentTerms(a1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.BaseModelNotActive.selector,
                a2,
                base,
                IModelRegistry.ModelStatus.Retired
            )
        );
        registry.paymentTerms(a2);
    }

    function test_paymentTerms_pausedBasePausesAdapters_reverts() public {
        uint256 base = _register(builder, ART);
        uint256 adapter = _registerAdapter(stranger, base, keccak256("lora"));
        vm.prank(builder);
        registry.pauseModel(base);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.BaseModelNotActive.selector,
                adapter,
                base,
                IModelRegistry.ModelStatus.Paused
            )
        );
        registry.paymentTerms(adapter);
        vm.prank(builder);
        registry.unpauseModel(base);
        (address owner, ) = registry.paymentTerms(adapter);
        assertEq(owner, stranger, "adapter's own owner is paid");
    }

    function test_effectiveTerms_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 3));
        registry.effectiveTerms(3);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 3));
        registry.getModel(3);
    }

    // --- metadata and ownership -----------------------------------------------------------------

    function test_setMetadataURI_succeeds() public {
        uint256 id = _register(builder, ART);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelMetadataUpdated(id, "ipfs://v2");
        vm.prank(builder);
        registry.setMetadataURI(id, "ipfs://v2");
        assertEq(registry.getModel(id).metadataURI, "ipfs://v2");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger, builder));
        vm.prank(stranger);
        registry.setMetadataURI(id, "ipfs://evil");
    }

    function test_transferModelOwnership_twoStep_succeeds() public {
        uint256 id = _register(builder, ART);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelOwnershipTransferStarted(id, builder, stranger);
        vm.prank(builder);
        registry.transferModelOwnership(id, stranger);
        assertEq(registry.ownerOf(id), builder, "not before acceptance");

        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelOwnershipTransferred(id, builder, stranger);
        vm.prank(stranger);
        registry.acceptModelOwnership(id);
        assertEq(registry.ownerOf(id), stranger);
        assertEq(registry.getModel(id).pendingOwner, address(0));

        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, builder, stranger));
        vm.prank(builder);
        registry.pauseModel(id);
    }

    function test_acceptModelOwnership_notPending_reverts() public {
        uint256 id = _register(builder, ART);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotPendingModelOwner.selector, id, stranger, address(0)));
        vm.prank(stranger);
        registry.acceptModelOwnership(id);

        vm.prank(builder);
        registry.transferModelOwnership(id, stranger);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotPendingModelOwner.selector, id, curator, stranger));
        vm.prank(curator);
        registry.acceptModelOwnership(id);
    }

    function test_transferModelOwnership_cancel_succeeds() public {
        uint256 id = _register(builder, ART);
        vm.startPrank(builder);
        registry.transferModelOwnership(id, stranger);
        registry.transferModelOwnership(id, address(0));
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotPendingModelOwner.selector, id, stranger, address(0)));
        vm.prank(stranger);
        registry.acceptModelOwnership(id);
    }

    function test_transferModelOwnership_notOwner_reverts() public {
        uint256 id = _register(builder, ART);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger, builder));
        vm.prank(stranger);
        registry.transferModelOwnership(id, stranger);
    }

    // --- governance -------------------------------------------------------------------------------

    function test_setSplitBounds_succeeds() public {
        IModelRegistry.SplitBounds memory b = IModelRegistry.SplitBounds(0, 5_000, 1_000, 4_000, 2_000, 9_000);
        vm.expectEmit(address(registry));
        emit IModelRegistry.SplitBoundsUpdated(_splitBounds(), b);
        vm.prank(governance);
        registry.setSplitBounds(b);
        assertEq(registry.splitBounds().maxOwnerBps, 5_000);
    }

    function test_setSplitBounds_notRetroactive_succeeds() public {
        uint256 id = _register(builder, ART); // owner 30%
        vm.prank(governance);
        registry.setSplitBounds(IModelRegistry.SplitBounds(0, 1_000, 1_000, 4_000, 2_000, 9_000));
        (, IModelRegistry.Terms memory t) = registry.paymentTerms(id);
        assertEq(t.ownerBps, 3_000, "terms in force keep their split");
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.SplitOutOfBounds.selector,
                IModelRegistry.SplitPart.Owner,
                3_000,
                0,
                1_000
            )
        );
        vm.prank(builder);
        registry.scheduleTerms(id, 1, 1, 3_000, 2_000, 5_000);
    }

    function test_setSplitBounds_invalid_reverts() public {
        IModelRegistry.SplitBounds memory b = IModelRegistry.SplitBounds(5_000, 4_000, 0, 10_000, 0, 10_000);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidSplitBounds.selector, b));
        vm.prank(governance);
        registry.setSplitBounds(b);
        b = IModelRegistry.SplitBounds(4_000, 4_000, 4_000, 4_000, 4_000, 4_000); // mins sum above 10,000
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidSplitBounds.selector, b));
        vm.prank(governance);
        registry.setSplitBounds(b);
        b = IModelRegistry.SplitBounds(0, 3_000, 0, 3_000, 0, 3_000); // maxes sum below 10,000
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidSplitBounds.selector, b));
        vm.prank(governance);
        registry.setSplitBounds(b);
        b = IModelRegistry.SplitBounds(0, 10_001, 0, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidSplitBounds.selector, b));
        vm.prank(governance);
        registry.setSplitBounds(b);
    }

    function test_setSplitBounds_notGovernance_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                guardian,
                registry.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(guardian);
        registry.setSplitBounds(_splitBounds());
    }

    function test_setNoticeDelay_succeeds() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.NoticeDelayUpdated(NOTICE, 3 days);
        vm.prank(governance);
        registry.setNoticeDelay(3 days);
        assertEq(registry.noticeDelay(), 3 days);
        uint256 id = _register(builder, ART);
        vm.prank(builder);
        assertEq(registry.scheduleTerms(id, 1, 1, 3_000, 2_000, 5_000), block.timestamp + 3 days);
    }

    function test_setNoticeDelay_outOfRange_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.NoticeDelayOutOfRange.selector, 31 days, 1 hours, 30 days)
        );
        vm.prank(governance);
        registry.setNoticeDelay(31 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                builder,
                registry.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(builder);
        registry.setNoticeDelay(2 days);
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
}
