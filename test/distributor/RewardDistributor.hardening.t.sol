// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {RewardDistributor} from "../../contracts/distributor/RewardDistributor.sol";
import {IErrors} from "../../contracts/interfaces/IErrors.sol";
import {IRewardDistributor} from "../../contracts/interfaces/IRewardDistributor.sol";
import {DistributorBase, TestTree} from "./DistributorBase.sol";

/// @notice Regression tests for the review's distributor findings (issue 15): L-4 (a corrective
///         root must never block anyone else) and I-2 (a governance-bounded minimum challenger
///         bond). Each failed on the code before its fix.
contract RewardDistributorHardeningTest is DistributorBase {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal dave = makeAddr("dave");

    function tree4(uint256 a, uint256 b, uint256 c, uint256 d) internal view returns (bytes32[] memory) {
        bytes32[] memory leaves = new bytes32[](4);
        leaves[0] = TestTree.leaf(alice, a);
        leaves[1] = TestTree.leaf(bob, b);
        leaves[2] = TestTree.leaf(carol, c);
        leaves[3] = TestTree.leaf(dave, d);
        return TestTree.build(leaves);
    }

    function batch4(
        bytes32[] memory t,
        uint256[4] memory amounts
    ) internal view returns (IRewardDistributor.Claim[] memory c) {
        address[4] memory who = [alice, bob, carol, dave];
        c = new IRewardDistributor.Claim[](4);
        for (uint256 i = 0; i < 4; ++i) c[i] = IRewardDistributor.Claim(who[i], amounts[i], TestTree.proof(t, i));
    }

    /// @dev A bad root (alice 600 instead of 100) is finalized and alice claims it; a corrective
    ///      root for epoch 1 lowers alice back to 100 and gives bob his 700. Escrow through epoch
    ///      0 is 1,500 (500 unassigned), so the 500 over-paid is covered.
    function _overpaidThenCorrected() internal returns (bytes32[] memory fixed_) {
        fundEpoch(0, 1500);
        bytes32[] memory bad = tree4(600, 200, 100, 100);
        settle(0, bad[0], 1000);
        distributor.claim(alice, 600, TestTree.proof(bad, 0));
        fixed_ = tree4(100, 700, 100, 100);
        settle(1, fixed_[0], 1000);
    }

    /// @notice L-4: the corrective root's other accounts are paid in full, by `claim`.
    function test_claim_correctionBelowClaimed_othersStillPaid_succeeds() public {
        bytes32[] memory t = _overpaidThenCorrected();
        assertEq(distributor.claim(bob, 700, TestTree.proof(t, 1)), 700);
        assertEq(distributor.claim(carol, 100, TestTree.proof(t, 2)), 100);
        assertEq(distributor.claim(dave, 100, TestTree.proof(t, 3)), 100);
        assertEq(distributor.totalClaimed(), 1500, "every OPEN of the settled escrow paid, none beyond");
        assertEq(open.balanceOf(address(distributor)), 0);
        // The over-paid account gets nothing more, and nothing is clawed back.
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.NothingToClaim.selector, alice, 100, 600));
        distributor.claim(alice, 100, TestTree.proof(t, 0));
        assertEq(open.balanceOf(alice), 600);
    }

    /// @notice L-4, by `claimWithRoot`.
    function test_claimWithRoot_correctionBelowClaimed_othersStillPaid_succeeds() public {
        bytes32[] memory t = _overpaidThenCorrected();
        assertEq(distributor.claimWithRoot(t[0], bob, 700, TestTree.proof(t, 1)), 700);
        assertEq(distributor.claimWithRoot(t[0], dave, 100, TestTree.proof(t, 3)), 100);
    }

    /// @notice L-4, by `claimBatch`: the over-paid entry is skipped and charges nothing.
    function test_claimBatch_correctionBelowClaimed_othersStillPaid_succeeds() public {
        bytes32[] memory t = _overpaidThenCorrected();
        assertEq(distributor.claimBatch(t[0], batch4(t, [uint256(100), 700, 100, 100])), 900);
        assertEq(open.balanceOf(bob), 700);
        assertEq(distributor.totalClaimed(), 1500);
    }

    /// @notice L-4 at finalize: a correction finalized while the over-paid account has not
    ///         claimed under it leaves the new root's whole total to its leaves.
    function test_finalize_correctionStartsANewCount_succeeds() public {
        bytes32[] memory t = _overpaidThenCorrected();
        assertEq(distributor.finalizedTotal(), 1000);
        distributor.claim(bob, 700, TestTree.proof(t, 1));
        // A later honest root (epoch 2, 300 more escrow) pays everyone's growth.
        fundEpoch(2, 300);
        bytes32[] memory t2 = tree4(100, 800, 200, 200);
        settle(2, t2[0], 1300);
        assertEq(distributor.claimBatch(t2[0], batch4(t2, [uint256(100), 800, 200, 200])), 500);
        assertEq(distributor.totalClaimed(), 1800, "1,800 escrowed, 1,800 paid");
    }

    /// @notice L-4, solvency: when the unassigned escrow does not cover the over-payment, the
    ///         claim that would reach an unsettled epoch's escrow waits (ClaimsAboveEscrow).
    function test_claim_overpaymentBeyondSettledEscrow_reverts() public {
        fundEpoch(0, 1000);
        fundEpoch(2, 5000); // escrow of an unsettled epoch, which no claim may reach
        bytes32[] memory bad = tree4(600, 200, 100, 100);
        settle(0, bad[0], 1000);
        distributor.claim(alice, 600, TestTree.proof(bad, 0));
        bytes32[] memory fixed_ = tree4(100, 700, 100, 100);
        settle(1, fixed_[0], 1000);
        bytes32[] memory proof = TestTree.proof(fixed_, 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.ClaimsAboveEscrow.selector, 600, 700, 1000));
        distributor.claim(bob, 700, proof);
        // The room left (400) still pays the small claims, and bob once epoch 2 is settled.
        distributor.claim(carol, 100, TestTree.proof(fixed_, 2));
        settle(2, fixed_[0], 1000);
        assertEq(distributor.claim(bob, 700, proof), 700);
        assertEq(distributor.totalClaimed(), 1400);
    }

    /// @notice A bad tree listing one account twice cannot pay it beyond the declared total:
    ///         the second leaf's increase is counted too.
    function test_claim_sameAccountTwiceInATree_countsTheIncrease_reverts() public {
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = TestTree.leaf(alice, 600);
        leaves[1] = TestTree.leaf(alice, 1100);
        bytes32[] memory t = TestTree.build(leaves);
        fundEpoch(0, 5000);
        settle(0, t[0], 1000);
        distributor.claim(alice, 600, TestTree.proof(t, 0));
        assertEq(distributor.provenTotal(), 600);
        bytes32[] memory proof = TestTree.proof(t, 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.ClaimsAboveTotal.selector, 600, 500, 1000));
        distributor.claim(alice, 1100, proof);
    }

    /// @notice Each round counts the leaves afresh: re-finalizing the same root re-counts the
    ///         accounts that claim under it, and provenTotal starts at zero.
    function test_provenTotal_countsLeavesOncePerRound_succeeds() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        distributor.claim(alice, 100, TestTree.proof(t, 0));
        distributor.claim(bob, 200, TestTree.proof(t, 1));
        assertEq(distributor.provenTotal(), 300);
        bytes32[] memory t1 = tree4(150, 200, 300, 400);
        settle(1, t1[0], 1050);
        assertEq(distributor.provenTotal(), 0, "a new round");
        distributor.claim(alice, 150, TestTree.proof(t1, 0));
        assertEq(distributor.provenTotal(), 150, "alice's whole leaf, not only the 50 paid");
        assertEq(distributor.totalClaimed(), 350);
    }

    // ------------------------------------------------------------------------------------
    // I-2: a governance-bounded minimum challenger bond
    // ------------------------------------------------------------------------------------

    function test_setBonds_challengerBondBelowMinimum_reverts() public {
        uint256 min = distributor.MIN_CHALLENGER_BOND();
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.ChallengerBondTooLow.selector, 0, min));
        distributor.setBonds(1 ether, 0);
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.ChallengerBondTooLow.selector, min - 1, min));
        distributor.setBonds(1 ether, min - 1);
        vm.prank(admin);
        distributor.setBonds(0, min); // the minimum itself is accepted; a settler bond may be 0
        assertEq(distributor.challengerBond(), min);
    }

    function test_constructor_challengerBondBelowMinimum_reverts() public {
        uint256 min = distributor.MIN_CHALLENGER_BOND();
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.ChallengerBondTooLow.selector, 0, min));
        new RewardDistributor(admin, IERC20(address(open)), GENESIS, EPOCH, WINDOW, 1 ether, 0);
    }

    // ------------------------------------------------------------------------------------
    // I-3: OPEN sent by a plain transfer
    // ------------------------------------------------------------------------------------

    function test_skim_escrowsTheExcessForTheCurrentEpoch_succeeds() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        distributor.claim(alice, 100, TestTree.proof(t, 0));
        vm.prank(funder);
        open.transfer(address(distributor), 77); // not `fund`: counted nowhere
        uint256 epoch = distributor.currentEpoch();
        vm.expectEmit(address(distributor));
        emit IRewardDistributor.ExcessEscrowed(epoch, bob, 77);
        vm.prank(bob);
        assertEq(distributor.skim(), 77);
        assertEq(distributor.epochEscrow(epoch), 77);
        assertEq(distributor.totalEscrowed() - distributor.totalClaimed(), open.balanceOf(address(distributor)));
    }

    function test_skim_nothingToSkim_reverts() public {
        fundEpoch(0, 1000);
        vm.expectRevert(abi.encodeWithSelector(IErrors.NothingToSkim.selector, 1000, 1000));
        distributor.skim();
    }

    function test_fund_aboveMaxEscrow_reverts() public {
        uint256 max = distributor.MAX_ESCROW();
        mintOpen(funder, max);
        fundEpoch(0, max - 5);
        vm.prank(funder);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.EscrowOverflow.selector, max + 1));
        distributor.fund(0, 6);
    }

    /// @notice Nothing can be escrowed beyond MAX_FUND_AHEAD epochs, so asking about a later
    ///         epoch answers all the escrow there is.
    function test_escrowedThrough_beyondTheFundableHorizon_succeeds() public {
        uint256 ahead = distributor.currentEpoch() + distributor.MAX_FUND_AHEAD();
        fundEpoch(0, 100);
        fundEpoch(ahead, 50);
        assertEq(distributor.escrowedThrough(type(uint256).max), 150);
        assertEq(distributor.escrowedThrough(ahead - 1), 100);
    }
}
