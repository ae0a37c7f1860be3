// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {GrantsVault} from "../../contracts/grants/GrantsVault.sol";
import {IErrors} from "../../contracts/interfaces/IErrors.sol";
import {IGrantsVault} from "../../contracts/interfaces/IGrantsVault.sol";
import {GrantsVaultBase} from "./GrantsVaultBase.sol";

contract GrantsVaultTest is GrantsVaultBase {
    IGrantsVault.Tier internal constant EXPLORATION = IGrantsVault.Tier.Exploration;
    IGrantsVault.Tier internal constant BUILDING = IGrantsVault.Tier.Building;
    IGrantsVault.Tier internal constant EXPANSION = IGrantsVault.Tier.Expansion;
    uint256 internal constant AMOUNT = 40_000 * OPEN;
    bytes32 internal constant EVIDENCE = keccak256("ipfs://bafy-evidence");

    /// @dev Everything a refused call must leave as it was.
    struct Observed {
        uint256 vaultBalance;
        uint256 treasuryBalance;
        uint256 granteeBalance;
        uint256 totalUnreleased;
        uint256 grantCount;
    }

    function observe() internal view returns (Observed memory o) {
        o.vaultBalance = open.balanceOf(address(vault));
        o.treasuryBalance = open.balanceOf(governance);
        o.granteeBalance = open.balanceOf(grantee);
        o.totalUnreleased = vault.totalUnreleased();
        o.grantCount = vault.grantCount();
    }

    function assertUnchanged(Observed memory before) internal view {
        Observed memory now_ = observe();
        assertEq(now_.vaultBalance, before.vaultBalance, "vault balance unchanged");
        assertEq(now_.treasuryBalance, before.treasuryBalance, "treasury balance unchanged");
        assertEq(now_.granteeBalance, before.granteeBalance, "grantee balance unchanged");
        assertEq(now_.totalUnreleased, before.totalUnreleased, "accounting unchanged");
        assertEq(now_.grantCount, before.grantCount, "no grant created");
    }

    function assertMilestone(uint256 grantId, uint256 index, IGrantsVault.MilestoneStatus status) internal view {
        assertEq(uint256(vault.getMilestone(grantId, index).status), uint256(status), "milestone status");
    }

    // ------------------------------------------------------------------------------------
    // constructor and parameters
    // ------------------------------------------------------------------------------------

    function test_constructor_setsRolesAndParameters_succeeds() public view {
        assertTrue(vault.hasRole(vault.DEFAULT_ADMIN_ROLE(), governance));
        assertTrue(vault.hasRole(vault.COUNCIL_ROLE(), council));
        assertTrue(vault.hasRole(vault.GUARDIAN_ROLE(), guardian));
        assertFalse(vault.hasRole(vault.DEFAULT_ADMIN_ROLE(), address(this)), "deployer holds nothing");
        assertEq(vault.token(), address(open));
        assertEq(vault.treasury(), governance);
        assertEq(vault.vetoWindow(), VETO_WINDOW);
        assertEq(vault.version(), "2.0.0");
        IGrantsVault.TierBounds[3] memory b = defaultBounds();
        for (uint256 t = 0; t < 3; ++t) {
            assertEq(vault.tierBounds(IGrantsVault.Tier(t)).min, b[t].min);
            assertEq(vault.tierBounds(IGrantsVault.Tier(t)).max, b[t].max);
        }
    }

    function test_constructor_zeroAddresses_reverts() public {
        IERC20 token = IERC20(address(open));
        IGrantsVault.TierBounds[3] memory b = defaultBounds();
        vm.expectRevert(abi.encodeWithSelector(IErrors.ZeroAddress.selector));
        new GrantsVault(IERC20(address(0)), governance, governance, council, guardian, b, VETO_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IErrors.ZeroAddress.selector));
        new GrantsVault(token, address(0), governance, council, guardian, b, VETO_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IErrors.ZeroAddress.selector));
        new GrantsVault(token, governance, address(0), council, guardian, b, VETO_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IErrors.ZeroAddress.selector));
        new GrantsVault(token, governance, governance, address(0), guardian, b, VETO_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IErrors.ZeroAddress.selector));
        new GrantsVault(token, governance, governance, council, address(0), b, VETO_WINDOW);
    }

    function test_constructor_badBoundsOrWindow_reverts() public {
        IERC20 token = IERC20(address(open));
        IGrantsVault.TierBounds[3] memory b = defaultBounds();
        b[1] = IGrantsVault.TierBounds(10, 9);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.InvalidTierBounds.selector, BUILDING, 10, 9));
        new GrantsVault(token, governance, governance, council, guardian, b, VETO_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.VetoWindowOutOfBounds.selector, 59 minutes, 1 hours, 30 days)
        );
        new GrantsVault(token, governance, governance, council, guardian, defaultBounds(), 59 minutes);
    }

    function test_setTierBounds_succeeds() public {
        vm.expectEmit(address(vault));
        emit IGrantsVault.TierBoundsSet(BUILDING, 1, 2);
        vm.prank(governance);
        vault.setTierBounds(BUILDING, 1, 2);
        assertEq(vault.tierBounds(BUILDING).min, 1);
        assertEq(vault.tierBounds(BUILDING).max, 2);
    }

    function test_setTierBounds_invalid_reverts() public {
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.InvalidTierBounds.selector, EXPLORATION, 0, 5));
        vault.setTierBounds(EXPLORATION, 0, 5);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.InvalidTierBounds.selector, EXPLORATION, 6, 5));
        vault.setTierBounds(EXPLORATION, 6, 5);
        vm.stopPrank();
        assertEq(vault.tierBounds(EXPLORATION).min, defaultBounds()[0].min, "unchanged");
    }

    function test_setVetoWindowAndTreasury_succeeds() public {
        vm.expectEmit(address(vault));
        emit IGrantsVault.VetoWindowSet(VETO_WINDOW, 1 days);
        vm.prank(governance);
        vault.setVetoWindow(1 days);
        assertEq(vault.vetoWindow(), 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.VetoWindowOutOfBounds.selector, 30 days + 1, 1 hours, 30 days)
        );
        vm.prank(governance);
        vault.setVetoWindow(30 days + 1);

        vm.expectEmit(address(vault));
        emit IGrantsVault.TreasurySet(governance, stranger);
        vm.prank(governance);
        vault.setTreasury(stranger);
        assertEq(vault.treasury(), stranger);
        vm.expectRevert(abi.encodeWithSelector(IErrors.ZeroAddress.selector));
        vm.prank(governance);
        vault.setTreasury(address(0));
    }

    // ------------------------------------------------------------------------------------
    // createGrant
    // ------------------------------------------------------------------------------------

    function test_createGrant_fundsInFullAndEmits_succeeds() public {
        IGrantsVault.MilestoneSpec[] memory s = specs(weights3());
        vm.expectEmit(address(vault));
        emit IGrantsVault.GrantCreated(1, grantee, BUILDING, 100_000 * OPEN, 3, governance, keccak256("terms"));
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectEmit(address(vault));
            emit IGrantsVault.MilestoneScheduled(1, i, s[i].weightBps, s[i].deadline, s[i].specHash);
        }
        vm.prank(governance);
        uint256 id = vault.createGrant(grantee, BUILDING, 100_000 * OPEN, s, keccak256("terms"));
        vm.snapshotGasLastCall("GrantsVault", "createGrant (3 milestones)");

        assertEq(id, 1);
        assertEq(vault.grantCount(), 1);
        IGrantsVault.Grant memory g = vault.getGrant(id);
        assertEq(g.grantee, grantee);
        assertEq(uint256(g.tier), uint256(BUILDING), "tier");
        assertEq(uint256(g.status), uint256(IGrantsVault.GrantStatus.Active), "status");
        assertEq(g.milestoneCount, 3);
        assertEq(g.nextMilestone, 0);
        assertEq(g.amount, 100_000 * OPEN);
        assertEq(g.released, 0);
        IGrantsVault.Milestone memory m = vault.getMilestone(id, 2);
        assertEq(m.weightBps, 4_167);
        assertEq(m.deadline, s[2].deadline);
        assertEq(m.specHash, s[2].specHash);
        assertEq(m.evidence, bytes32(0));
        assertEq(open.balanceOf(address(vault)), 100_000 * OPEN, "funded in full");
        assertEq(open.balanceOf(governance), TREASURY_FUNDS - 100_000 * OPEN, "from the treasury");
        assertEq(vault.totalUnreleased(), 100_000 * OPEN);
    }

    /// @dev The recommended proposal: approve exactly the amount, then create; nothing stays approved.
    function test_createGrant_exactApprovalInSameBatch_leavesNoAllowance_succeeds() public {
        vm.startPrank(governance);
        open.approve(address(vault), AMOUNT);
        vault.createGrant(grantee, EXPLORATION, AMOUNT, specs(weights3()), bytes32(0));
        vm.stopPrank();
        assertEq(open.allowance(governance, address(vault)), 0, "no standing allowance");
    }

    function test_createGrant_outsideTierBounds_reverts() public {
        IGrantsVault.TierBounds[3] memory b = defaultBounds();
        Observed memory before = observe();
        for (uint256 t = 0; t < 3; ++t) {
            IGrantsVault.Tier tier = IGrantsVault.Tier(t);
            uint256[2] memory bad = [uint256(b[t].min) - 1, uint256(b[t].max) + 1];
            for (uint256 k = 0; k < 2; ++k) {
                IGrantsVault.MilestoneSpec[] memory s = specs(weights3());
                vm.expectRevert(
                    abi.encodeWithSelector(IGrantsVault.AmountOutsideTier.selector, tier, bad[k], b[t].min, b[t].max)
                );
                vm.prank(governance);
                vault.createGrant(grantee, tier, bad[k], s, bytes32(0));
            }
        }
        assertUnchanged(before);
    }

    function testFuzz_createGrant_amountWithinBoundsOnly(uint8 tierSeed, uint256 amount) public {
        IGrantsVault.Tier tier = IGrantsVault.Tier(tierSeed % 3);
        IGrantsVault.TierBounds memory b = vault.tierBounds(tier);
        amount = bound(amount, 0, uint256(b.max) * 2);
        IGrantsVault.MilestoneSpec[] memory s = specs(weights3());
        bool inside = amount >= b.min && amount <= b.max;
        if (!inside)
            vm.expectRevert(
                abi.encodeWithSelector(IGrantsVault.AmountOutsideTier.selector, tier, amount, b.min, b.max)
            );
        vm.prank(governance);
        vault.createGrant(grantee, tier, amount, s, bytes32(0));
        assertEq(vault.grantCount(), inside ? 1 : 0);
        assertEq(vault.totalUnreleased(), inside ? amount : 0);
    }

    function test_createGrant_weightsNotWhole_reverts() public {
        Observed memory before = observe();
        uint16[] memory w = weights3();
        w[2] -= 1; // 9,999
        IGrantsVault.MilestoneSpec[] memory s = specs(w);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.WeightsNotWhole.selector, 9_999));
        vm.prank(governance);
        vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));
        w[2] += 2; // 10,001
        s = specs(w);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.WeightsNotWhole.selector, 10_001));
        vm.prank(governance);
        vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));
        assertUnchanged(before);
    }

    function testFuzz_createGrant_weightsMustSumToWhole(uint16[4] memory raw) public {
        uint16[] memory w = new uint16[](4);
        uint256 sum;
        for (uint256 i = 0; i < 4; ++i) {
            w[i] = uint16(bound(raw[i], 1, 5_000));
            sum += w[i];
        }
        IGrantsVault.MilestoneSpec[] memory s = specs(w);
        if (sum != 10_000) vm.expectRevert(abi.encodeWithSelector(IGrantsVault.WeightsNotWhole.selector, sum));
        vm.prank(governance);
        vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));
        assertEq(vault.grantCount(), sum == 10_000 ? 1 : 0);
    }

    function test_createGrant_badMilestones_reverts() public {
        Observed memory before = observe();
        vm.startPrank(governance);
        // none
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.MilestoneCountOutOfRange.selector, 0, 16));
        vault.createGrant(grantee, EXPLORATION, AMOUNT, new IGrantsVault.MilestoneSpec[](0), bytes32(0));
        // too many
        uint16[] memory many = new uint16[](17);
        for (uint256 i = 0; i < 17; ++i) many[i] = i == 0 ? 2_000 : 500;
        IGrantsVault.MilestoneSpec[] memory s = specs(many);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.MilestoneCountOutOfRange.selector, 17, 16));
        vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));
        // a zero weight
        uint16[] memory w = new uint16[](2);
        w[1] = 10_000;
        s = specs(w);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.ZeroWeight.selector, 0));
        vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));
        // a deadline now (not in the future), then decreasing deadlines
        s = specs(weights3());
        s[0].deadline = uint64(block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.DeadlineTooEarly.selector, 0, block.timestamp, block.timestamp + 1)
        );
        vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));
        s = specs(weights3());
        s[2].deadline = s[1].deadline - 1;
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.DeadlineTooEarly.selector, 2, s[2].deadline, s[1].deadline)
        );
        vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));
        // a bad grantee
        s = specs(weights3());
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.InvalidGrantee.selector, address(0)));
        vault.createGrant(address(0), EXPLORATION, AMOUNT, s, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.InvalidGrantee.selector, address(vault)));
        vault.createGrant(address(vault), EXPLORATION, AMOUNT, s, bytes32(0));
        vm.stopPrank();
        assertUnchanged(before);
    }

    function test_createGrant_treasuryHasNotApproved_reverts() public {
        vm.prank(governance);
        open.approve(address(vault), AMOUNT - 1);
        Observed memory before = observe();
        IGrantsVault.MilestoneSpec[] memory s = specs(weights3());
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), AMOUNT - 1, AMOUNT)
        );
        vm.prank(governance);
        vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));
        assertUnchanged(before);
    }

    // ------------------------------------------------------------------------------------
    // submitEvidence
    // ------------------------------------------------------------------------------------

    function test_submitEvidence_succeeds() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        vm.expectEmit(address(vault));
        emit IGrantsVault.EvidenceSubmitted(id, 1, EVIDENCE, 1);
        submit(id, 1, EVIDENCE); // any unreleased milestone may be submitted
        vm.snapshotGasLastCall("GrantsVault", "submitEvidence");
        IGrantsVault.Milestone memory m = vault.getMilestone(id, 1);
        assertEq(uint256(m.status), uint256(IGrantsVault.MilestoneStatus.Submitted), "submitted");
        assertEq(m.evidence, EVIDENCE);
        assertEq(m.attempts, 1);
    }

    function test_submitEvidence_afterDeadline_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        uint256 deadline = vault.getMilestone(id, 0).deadline;
        vm.warp(deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.EvidenceAfterDeadline.selector, id, 0, deadline, deadline + 1)
        );
        submit(id, 0, EVIDENCE);
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Pending);
        vm.warp(deadline); // the deadline itself is still in time
        submit(id, 0, EVIDENCE);
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Submitted);
    }

    function test_submitEvidence_badCaller_orInput_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.NotGrantee.selector, id, stranger, grantee));
        vm.prank(stranger);
        vault.submitEvidence(id, 0, EVIDENCE);
        vm.expectRevert(IGrantsVault.ZeroEvidence.selector);
        submit(id, 0, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.UnknownMilestone.selector, id, 3, 3));
        submit(id, 3, EVIDENCE);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.UnknownGrant.selector, 2));
        submit(2, 0, EVIDENCE);
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Pending);
    }

    function test_submitEvidence_whileSubmittedApprovedOrReleased_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.EvidenceNotExpected.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Submitted
            )
        );
        submit(id, 0, keccak256("other"));
        approve(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.EvidenceNotExpected.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Approved
            )
        );
        submit(id, 0, keccak256("other"));
        vm.warp(block.timestamp + VETO_WINDOW);
        vault.release(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.EvidenceNotExpected.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Released
            )
        );
        submit(id, 0, keccak256("other"));
        assertEq(vault.getMilestone(id, 0).evidence, EVIDENCE, "evidence unchanged");
    }

    // ------------------------------------------------------------------------------------
    // approve / reject
    // ------------------------------------------------------------------------------------

    function test_approveMilestone_opensVetoWindow_succeeds() public {
        uint256 id = createGrant(BUILDING, 100_000 * OPEN);
        submit(id, 0, EVIDENCE);
        vm.expectEmit(address(vault));
        emit IGrantsVault.MilestoneApproved(id, 0, council, EVIDENCE, block.timestamp + VETO_WINDOW);
        vm.prank(council);
        vault.approveMilestone(id, 0, EVIDENCE);
        vm.snapshotGasLastCall("GrantsVault", "approveMilestone");
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Approved);
        assertEq(vault.getMilestone(id, 0).releasableAt, block.timestamp + VETO_WINDOW);
        assertFalse(vault.releasable(id, 0), "not during the window");
    }

    function test_approveMilestone_otherEvidence_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.EvidenceMismatch.selector, id, 0, keccak256("stale"), EVIDENCE)
        );
        vm.prank(council);
        vault.approveMilestone(id, 0, keccak256("stale"));
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Submitted);
    }

    function test_review_notSubmitted_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        vm.startPrank(council);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.MilestoneNotSubmitted.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Pending
            )
        );
        vault.approveMilestone(id, 0, bytes32(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.MilestoneNotSubmitted.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Pending
            )
        );
        vault.rejectMilestone(id, 0, bytes32(0));
        vm.stopPrank();
    }

    /// @dev The reviewer is the council for the lower tiers and governance for Expansion, and
    ///      neither can review the other's tier.
    function test_review_byTier_wrongReviewer_reverts() public {
        bytes32 COUNCIL = vault.COUNCIL_ROLE();
        bytes32 ADMIN = vault.DEFAULT_ADMIN_ROLE();
        uint256 low = createGrant(BUILDING, 100_000 * OPEN);
        uint256 high = createGrant(EXPANSION, 300_000 * OPEN);
        submit(low, 0, EVIDENCE);
        submit(high, 0, EVIDENCE);
        address[3] memory wrongForLow = [governance, guardian, grantee];
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector,
                    wrongForLow[i],
                    COUNCIL
                )
            );
            vm.prank(wrongForLow[i]);
            vault.approveMilestone(low, 0, EVIDENCE);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAccessControl.AccessControlUnauthorizedAccount.selector,
                    wrongForLow[i],
                    COUNCIL
                )
            );
            vm.prank(wrongForLow[i]);
            vault.rejectMilestone(low, 0, bytes32(0));
        }
        address[3] memory wrongForHigh = [council, guardian, grantee];
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, wrongForHigh[i], ADMIN)
            );
            vm.prank(wrongForHigh[i]);
            vault.approveMilestone(high, 0, EVIDENCE);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, wrongForHigh[i], ADMIN)
            );
            vm.prank(wrongForHigh[i]);
            vault.rejectMilestone(high, 0, bytes32(0));
        }
        assertMilestone(low, 0, IGrantsVault.MilestoneStatus.Submitted);
        assertMilestone(high, 0, IGrantsVault.MilestoneStatus.Submitted);
        vm.prank(council);
        vault.approveMilestone(low, 0, EVIDENCE);
        vm.prank(governance);
        vault.approveMilestone(high, 0, EVIDENCE);
        assertMilestone(low, 0, IGrantsVault.MilestoneStatus.Approved);
        assertMilestone(high, 0, IGrantsVault.MilestoneStatus.Approved);
    }

    function test_reject_thenResubmit_thenApproveAndRelease_succeeds() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        vm.expectEmit(address(vault));
        emit IGrantsVault.MilestoneRejected(id, 0, council, keccak256("not enough"));
        reject(id, 0);
        vm.snapshotGasLastCall("GrantsVault", "rejectMilestone");
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Rejected);

        bytes32 better = keccak256("ipfs://bafy-better");
        vm.expectEmit(address(vault));
        emit IGrantsVault.EvidenceSubmitted(id, 0, better, 2);
        submit(id, 0, better);
        vm.snapshotGasLastCall("GrantsVault", "submitEvidence (resubmission)");
        assertEq(vault.getMilestone(id, 0).attempts, 2);
        approve(id, 0);
        vm.warp(block.timestamp + VETO_WINDOW);
        assertEq(vault.release(id, 0), (AMOUNT * 2_500) / 10_000);
    }

    // ------------------------------------------------------------------------------------
    // veto
    // ------------------------------------------------------------------------------------

    function test_vetoMilestone_blocksRelease_thenResubmit_succeeds() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        approve(id, 0);
        vm.warp(block.timestamp + VETO_WINDOW - 1); // last second of the window
        vm.expectEmit(address(vault));
        emit IGrantsVault.MilestoneVetoed(id, 0, guardian, keccak256("plagiarised"));
        vm.prank(guardian);
        vault.vetoMilestone(id, 0, keccak256("plagiarised"));
        vm.snapshotGasLastCall("GrantsVault", "vetoMilestone");
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Vetoed);
        assertEq(vault.getMilestone(id, 0).releasableAt, 0, "the approval is gone");

        vm.warp(block.timestamp + 30 days);
        Observed memory before = observe();
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.MilestoneNotApproved.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Vetoed
            )
        );
        vault.release(id, 0);
        assertUnchanged(before);
        assertFalse(vault.releasable(id, 0));

        vm.warp(vault.getMilestone(id, 0).deadline);
        submit(id, 0, keccak256("original work"));
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Submitted);
    }

    function test_vetoMilestone_afterWindowOrNotApproved_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.MilestoneNotApproved.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Submitted
            )
        );
        vm.prank(guardian);
        vault.vetoMilestone(id, 0, bytes32(0));
        approve(id, 0);
        uint256 releasableAt = block.timestamp + VETO_WINDOW;
        vm.warp(releasableAt);
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.VetoWindowClosed.selector, id, 0, releasableAt, releasableAt)
        );
        vm.prank(guardian);
        vault.vetoMilestone(id, 0, bytes32(0));
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Approved);
    }

    // ------------------------------------------------------------------------------------
    // release
    // ------------------------------------------------------------------------------------

    function test_release_allMilestones_paysExactlyTheGrant_succeeds() public {
        uint256 amount = 100_000 * OPEN + 7; // dust on purpose
        uint256 id = createGrant(BUILDING, amount);
        uint256[3] memory expected = [
            (amount * 2_500) / 10_000,
            (amount * 3_333) / 10_000,
            amount - (amount * 2_500) / 10_000 - (amount * 3_333) / 10_000
        ];
        for (uint256 i = 0; i < 3; ++i) assertEq(vault.milestoneAmount(id, i), expected[i], "milestoneAmount");

        submit(id, 0, EVIDENCE);
        approve(id, 0);
        vm.warp(block.timestamp + VETO_WINDOW);
        assertTrue(vault.releasable(id, 0));
        vm.expectEmit(address(vault));
        emit IGrantsVault.MilestoneReleased(id, 0, grantee, expected[0], stranger);
        vm.prank(stranger); // anyone
        assertEq(vault.release(id, 0), expected[0]);
        vm.snapshotGasLastCall("GrantsVault", "release (first milestone)");

        submit(id, 1, EVIDENCE);
        approve(id, 1);
        vm.warp(block.timestamp + VETO_WINDOW);
        assertEq(vault.release(id, 1), expected[1]);

        submit(id, 2, EVIDENCE);
        approve(id, 2);
        vm.warp(block.timestamp + VETO_WINDOW);
        vm.expectEmit(address(vault));
        emit IGrantsVault.GrantCompleted(id, amount);
        assertEq(vault.release(id, 2), expected[2]);
        vm.snapshotGasLastCall("GrantsVault", "release (last milestone, completes the grant)");

        assertEq(open.balanceOf(grantee), amount, "grantee got exactly the grant");
        assertEq(open.balanceOf(address(vault)), 0);
        assertEq(vault.totalUnreleased(), 0);
        IGrantsVault.Grant memory g = vault.getGrant(id);
        assertEq(uint256(g.status), uint256(IGrantsVault.GrantStatus.Completed), "completed");
        assertEq(g.released, amount);
        assertEq(g.nextMilestone, 3);
    }

    function test_release_beforeVetoWindowEnds_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        approve(id, 0);
        uint256 releasableAt = block.timestamp + VETO_WINDOW;
        vm.warp(releasableAt - 1);
        Observed memory before = observe();
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.VetoWindowOpen.selector, id, 0, releasableAt, releasableAt - 1)
        );
        vault.release(id, 0);
        assertUnchanged(before);
        vm.warp(releasableAt);
        vault.release(id, 0);
    }

    function test_release_unapproved_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        Observed memory before = observe();
        // Pending
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.MilestoneNotApproved.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Pending
            )
        );
        vault.release(id, 0);
        // Submitted
        submit(id, 0, EVIDENCE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.MilestoneNotApproved.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Submitted
            )
        );
        vault.release(id, 0);
        // Rejected (Allo v2's bug: a rejected milestone must never pay)
        reject(id, 0);
        vm.warp(block.timestamp + 10 * VETO_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.MilestoneNotApproved.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Rejected
            )
        );
        vault.release(id, 0);
        assertUnchanged(before);
    }

    /// @dev An approval, then a veto, then a resubmission that is rejected: no trace of the old
    ///      approval lets the milestone pay.
    function test_release_oldApprovalNeverReplays_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        approve(id, 0);
        vm.prank(guardian);
        vault.vetoMilestone(id, 0, bytes32(0));
        submit(id, 0, keccak256("second try"));
        reject(id, 0);
        vm.warp(block.timestamp + 10 * VETO_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.MilestoneNotApproved.selector,
                id,
                0,
                IGrantsVault.MilestoneStatus.Rejected
            )
        );
        vault.release(id, 0);
        assertEq(open.balanceOf(grantee), 0);
    }

    function test_release_outOfOrder_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 1, EVIDENCE);
        approve(id, 1);
        vm.warp(block.timestamp + VETO_WINDOW);
        assertFalse(vault.releasable(id, 1), "not before milestone 0");
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.MilestoneOutOfOrder.selector, id, 1, 0));
        vault.release(id, 1);
        completeMilestone(id, 0);
        assertEq(vault.release(id, 1), (AMOUNT * 3_333) / 10_000, "then in order");
    }

    function test_release_twice_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        completeMilestone(id, 0);
        Observed memory before = observe();
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.MilestoneAlreadyReleased.selector, id, 0));
        vault.release(id, 0);
        assertUnchanged(before);
        // Also once the grant is complete.
        completeMilestone(id, 1);
        completeMilestone(id, 2);
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.MilestoneAlreadyReleased.selector, id, 2));
        vault.release(id, 2);
    }

    // ------------------------------------------------------------------------------------
    // cancelGrant
    // ------------------------------------------------------------------------------------

    function test_cancelGrant_returnsUnreleased_thenPaysNothing_succeeds() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        uint256 paid = completeMilestone(id, 0);
        submit(id, 1, EVIDENCE);
        approve(id, 1); // approved but in its window when cancelled
        uint256 refund = AMOUNT - paid;
        vm.expectEmit(address(vault));
        emit IGrantsVault.GrantCancelled(id, governance, refund, keccak256("abandoned"));
        vm.prank(governance);
        assertEq(vault.cancelGrant(id, keccak256("abandoned")), refund);
        vm.snapshotGasLastCall("GrantsVault", "cancelGrant");
        assertEq(open.balanceOf(governance), TREASURY_FUNDS - paid, "everything unreleased is back");
        assertEq(open.balanceOf(address(vault)), 0);
        assertEq(vault.totalUnreleased(), 0);
        assertEq(uint256(vault.getGrant(id).status), uint256(IGrantsVault.GrantStatus.Cancelled), "cancelled");

        vm.warp(block.timestamp + VETO_WINDOW);
        bytes memory notActive = abi.encodeWithSelector(
            IGrantsVault.GrantNotActive.selector,
            id,
            IGrantsVault.GrantStatus.Cancelled
        );
        vm.expectRevert(notActive);
        vault.release(id, 1);
        vm.expectRevert(notActive);
        submit(id, 2, EVIDENCE);
        vm.expectRevert(notActive);
        vm.prank(council);
        vault.approveMilestone(id, 1, EVIDENCE);
        vm.expectRevert(notActive);
        vm.prank(guardian);
        vault.vetoMilestone(id, 1, bytes32(0));
        assertEq(open.balanceOf(grantee), paid, "a cancelled grant pays nothing more");
    }

    function test_cancelGrant_twice_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        vm.prank(governance);
        vault.cancelGrant(id, bytes32(0));
        Observed memory before = observe();
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.GrantNotActive.selector, id, IGrantsVault.GrantStatus.Cancelled)
        );
        vm.prank(governance);
        vault.cancelGrant(id, bytes32(0));
        assertUnchanged(before);
    }

    function test_cancelGrant_completedOrUnknown_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        for (uint256 i = 0; i < 3; ++i) completeMilestone(id, i);
        vm.startPrank(governance);
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.GrantNotActive.selector, id, IGrantsVault.GrantStatus.Completed)
        );
        vault.cancelGrant(id, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IGrantsVault.UnknownGrant.selector, 9));
        vault.cancelGrant(9, bytes32(0));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------------------------
    // pause, and every governance-only action attempted without governance
    // ------------------------------------------------------------------------------------

    function test_pause_guardianStopsButOnlyGovernanceRestarts_succeeds() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        approve(id, 0);
        vm.prank(guardian);
        vault.pause();
        vm.warp(block.timestamp + VETO_WINDOW);

        bytes memory paused = abi.encodeWithSelector(Pausable.EnforcedPause.selector);
        vm.expectRevert(paused);
        vault.release(id, 0);
        vm.expectRevert(paused);
        submit(id, 1, EVIDENCE);
        IGrantsVault.MilestoneSpec[] memory s = specs(weights3());
        vm.expectRevert(paused);
        vm.prank(governance);
        vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));

        // The guardian cannot restart.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                guardian,
                vault.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(guardian);
        vault.unpause();
        assertTrue(vault.paused());

        vm.prank(governance);
        vault.unpause();
        vault.release(id, 0);
    }

    function test_pause_vetoAndCancelStillWork_succeeds() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        approve(id, 0);
        vm.prank(guardian);
        vault.pause();
        vm.prank(guardian);
        vault.vetoMilestone(id, 0, bytes32(0));
        vm.prank(governance);
        vault.cancelGrant(id, bytes32(0));
        assertEq(open.balanceOf(governance), TREASURY_FUNDS);
    }

    /// @dev Every DEFAULT_ADMIN_ROLE action, tried by each other role and a stranger.
    function test_governanceActions_withoutTimelock_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        bytes32 adminRole = vault.DEFAULT_ADMIN_ROLE();
        bytes32 councilRole = vault.COUNCIL_ROLE();
        address[4] memory callers = [council, guardian, grantee, stranger];
        IGrantsVault.MilestoneSpec[] memory s = specs(weights3());
        Observed memory before = observe();
        for (uint256 i = 0; i < callers.length; ++i) {
            bytes memory denied = abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                callers[i],
                adminRole
            );
            vm.startPrank(callers[i]);
            vm.expectRevert(denied);
            vault.createGrant(grantee, EXPLORATION, AMOUNT, s, bytes32(0));
            vm.expectRevert(denied);
            vault.cancelGrant(id, bytes32(0));
            vm.expectRevert(denied);
            vault.setTierBounds(EXPLORATION, 1, 2);
            vm.expectRevert(denied);
            vault.setVetoWindow(1 days);
            vm.expectRevert(denied);
            vault.setTreasury(callers[i]);
            vm.expectRevert(denied);
            vault.unpause();
            vm.expectRevert(denied);
            vault.grantRole(councilRole, callers[i]);
            vm.stopPrank();
        }
        assertUnchanged(before);
        assertEq(vault.treasury(), governance);
    }

    /// @dev Guardian actions, tried by the council, the grantee and a stranger.
    function test_guardianActions_byOthers_reverts() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        approve(id, 0);
        bytes32 guardianRole = vault.GUARDIAN_ROLE();
        address[3] memory callers = [council, grantee, stranger];
        for (uint256 i = 0; i < callers.length; ++i) {
            bytes memory denied = abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                callers[i],
                guardianRole
            );
            vm.startPrank(callers[i]);
            vm.expectRevert(denied);
            vault.pause();
            vm.expectRevert(denied);
            vault.vetoMilestone(id, 0, bytes32(0));
            vm.stopPrank();
        }
        assertFalse(vault.paused());
        assertMilestone(id, 0, IGrantsVault.MilestoneStatus.Approved);
    }

    /// @dev The guardian's whole power (pause, veto) never moves a token.
    function test_guardian_neverMovesFunds_succeeds() public {
        uint256 id = createGrant(EXPLORATION, AMOUNT);
        submit(id, 0, EVIDENCE);
        approve(id, 0);
        Observed memory before = observe();
        vm.startPrank(guardian);
        vault.pause();
        vault.vetoMilestone(id, 0, bytes32(0));
        vm.stopPrank();
        assertUnchanged(before);
        assertEq(open.balanceOf(guardian), 0);
    }
}
