// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IGrantsVault} from "../../contracts/interfaces/IGrantsVault.sol";
import {GovernanceBase} from "./GovernanceBase.sol";

/// @notice Grants driven by the real governor and timelock: created and funded by a proposal,
///         Expansion milestones reviewed by proposals, lower tiers by the council, a
///         rejection and resubmission, a veto and a cancellation that refunds the treasury.
contract GrantsLifecycleTest is GovernanceBase {
    bytes32 internal constant EVIDENCE = keccak256("model id 42, Datanet version root 0xabc");

    function milestones(uint256 n) internal view returns (IGrantsVault.MilestoneSpec[] memory s) {
        s = new IGrantsVault.MilestoneSpec[](n);
        uint256 left = 10_000;
        for (uint256 i = 0; i < n; ++i) {
            uint16 w = i + 1 == n ? uint16(left) : uint16(10_000 / n);
            left -= w;
            s[i] = IGrantsVault.MilestoneSpec(w, uint64(block.timestamp + (i + 1) * 90 days), keccak256(abi.encode(i)));
        }
    }

    /// @dev The recommended proposal: approve exactly the amount, then create (one batch).
    function createThroughGovernance(IGrantsVault.Tier tier, uint256 amount) internal returns (uint256 grantId) {
        govern(
            two(
                address(open),
                abi.encodeCall(open.approve, (address(vault), amount)),
                address(vault),
                abi.encodeCall(vault.createGrant, (grantee, tier, amount, milestones(3), keccak256("agreement"))),
                string.concat("grant ", vm.toString(vault.grantCount() + 1))
            )
        );
        grantId = vault.grantCount();
    }

    function reviewThroughGovernance(uint256 grantId, uint256 index, bool approve, string memory why) internal {
        bytes memory data =
            approve
                ? abi.encodeCall(vault.approveMilestone, (grantId, index, vault.getMilestone(grantId, index).evidence))
                : abi.encodeCall(vault.rejectMilestone, (grantId, index, keccak256(bytes(why))));
        govern(one(address(vault), data, why));
    }

    function submit(uint256 grantId, uint256 index, bytes32 evidence) internal {
        vm.prank(grantee);
        vault.submitEvidence(grantId, index, evidence);
    }

    function status(uint256 grantId, uint256 index) internal view returns (uint256) {
        return uint256(vault.getMilestone(grantId, index).status);
    }

    function test_expansionGrant_wholeLife_throughGovernance_succeeds() public {
        uint256 amount = 300_000 * OPEN;
        uint256 id = createThroughGovernance(IGrantsVault.Tier.Expansion, amount);
        assertEq(open.balanceOf(address(vault)), amount, "funded in full at creation");
        assertEq(open.balanceOf(address(timelock)), TREASURY_FUNDS - amount, "from the timelock's treasury");
        assertEq(open.allowance(address(timelock), address(vault)), 0, "no allowance left standing");

        // Milestone 0: the council cannot review Expansion; a proposal approves; anyone releases.
        submit(id, 0, EVIDENCE);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                council,
                vault.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(council);
        vault.approveMilestone(id, 0, EVIDENCE);
        reviewThroughGovernance(id, 0, true, "approve milestone 0");
        assertEq(status(id, 0), uint256(IGrantsVault.MilestoneStatus.Approved));
        vm.warp(block.timestamp + VETO_WINDOW);
        vm.prank(stranger);
        uint256 paid0 = vault.release(id, 0);
        assertEq(paid0, (amount * 3_333) / 10_000, "the weighted share");

        // Milestone 1: rejected by a proposal, resubmitted, approved by a proposal, vetoed by the guardian.
        submit(id, 1, keccak256("first try"));
        reviewThroughGovernance(id, 1, false, "reject milestone 1");
        assertEq(status(id, 1), uint256(IGrantsVault.MilestoneStatus.Rejected));
        submit(id, 1, EVIDENCE);
        assertEq(vault.getMilestone(id, 1).attempts, 2, "resubmitted");
        reviewThroughGovernance(id, 1, true, "approve milestone 1");
        vm.prank(guardian);
        vault.vetoMilestone(id, 1, keccak256("evidence does not match the Datanet root"));
        assertEq(status(id, 1), uint256(IGrantsVault.MilestoneStatus.Vetoed));
        vm.warp(block.timestamp + VETO_WINDOW);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGrantsVault.MilestoneNotApproved.selector,
                id,
                1,
                IGrantsVault.MilestoneStatus.Vetoed
            )
        );
        vault.release(id, 1);

        // Governance cancels: the unreleased two thirds go back to the treasury.
        govern(one(address(vault), abi.encodeCall(vault.cancelGrant, (id, keccak256("vetoed"))), "cancel grant"));
        assertEq(open.balanceOf(address(timelock)), TREASURY_FUNDS - paid0, "everything unreleased is back");
        assertEq(open.balanceOf(address(vault)), 0);
        assertEq(open.balanceOf(grantee), paid0);
        assertEq(vault.totalUnreleased(), 0);
        vm.expectRevert(
            abi.encodeWithSelector(IGrantsVault.GrantNotActive.selector, id, IGrantsVault.GrantStatus.Cancelled)
        );
        submit(id, 1, EVIDENCE);
    }

    function test_buildingGrant_councilReviews_succeeds() public {
        uint256 amount = 120_000 * OPEN;
        uint256 id = createThroughGovernance(IGrantsVault.Tier.Building, amount);
        for (uint256 i = 0; i < 3; ++i) {
            submit(id, i, EVIDENCE);
            vm.prank(council);
            vault.approveMilestone(id, i, EVIDENCE);
            vm.warp(block.timestamp + VETO_WINDOW);
            vault.release(id, i);
        }
        assertEq(open.balanceOf(grantee), amount, "exactly the grant");
        assertEq(uint256(vault.getGrant(id).status), uint256(IGrantsVault.GrantStatus.Completed));
    }

    /// @dev Unpausing is governance's: the guardian pauses, a proposal unpauses.
    function test_unpause_onlyThroughGovernance_succeeds() public {
        vm.prank(guardian);
        vault.pause();
        govern(one(address(vault), abi.encodeCall(vault.unpause, ()), "unpause the vault"));
        assertFalse(vault.paused());
    }
}
