// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {RewardDistributor} from "../../contracts/distributor/RewardDistributor.sol";
import {IErrors} from "../../contracts/interfaces/IErrors.sol";
import {IEpochEscrow} from "../../contracts/interfaces/IEpochEscrow.sol";
import {IRewardDistributor} from "../../contracts/interfaces/IRewardDistributor.sol";
import {DistributorBase, TestTree} from "./DistributorBase.sol";

contract RewardDistributorTest is DistributorBase {
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal dave = makeAddr("dave");

    /// @dev A four-leaf tree for (alice, bob, carol, dave) with the given cumulative amounts.
    function tree4(uint256 a, uint256 b, uint256 c, uint256 d) internal view returns (bytes32[] memory tree) {
        bytes32[] memory leaves = new bytes32[](4);
        leaves[0] = TestTree.leaf(alice, a);
        leaves[1] = TestTree.leaf(bob, b);
        leaves[2] = TestTree.leaf(carol, c);
        leaves[3] = TestTree.leaf(dave, d);
        tree = TestTree.build(leaves);
    }

    // ------------------------------------------------------------------------------------
    // constructor and clock
    // ------------------------------------------------------------------------------------

    function test_constructor_setsParameters_succeeds() public view {
        assertEq(distributor.genesis(), GENESIS);
        assertEq(distributor.epochLength(), EPOCH);
        assertEq(distributor.challengeWindow(), WINDOW);
        assertEq(distributor.settlerBond(), SETTLER_BOND);
        assertEq(distributor.challengerBond(), CHALLENGER_BOND);
        assertEq(distributor.token(), address(open));
        assertEq(distributor.version(), "3.0.0");
        assertTrue(distributor.hasRole(distributor.DEFAULT_ADMIN_ROLE(), admin));
    }

    function test_constructor_zeroAdmin_reverts() public {
        vm.expectRevert(IErrors.ZeroAddress.selector);
        new RewardDistributor(address(0), IERC20(address(open)), GENESIS, EPOCH, WINDOW, 0, 0);
    }

    function test_constructor_zeroToken_reverts() public {
        vm.expectRevert(IErrors.ZeroAddress.selector);
        new RewardDistributor(admin, IERC20(address(0)), GENESIS, EPOCH, WINDOW, 0, 0);
    }

    function test_constructor_zeroEpochLength_reverts() public {
        vm.expectRevert(IRewardDistributor.ZeroEpochLength.selector);
        new RewardDistributor(admin, IERC20(address(open)), GENESIS, 0, WINDOW, 0, 0);
    }

    function test_constructor_windowOutOfBounds_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IRewardDistributor.ChallengeWindowOutOfBounds.selector, 59 minutes, 1 hours, 30 days)
        );
        new RewardDistributor(admin, IERC20(address(open)), GENESIS, EPOCH, 59 minutes, 0, 0);
    }

    function test_constructor_bondTooLarge_reverts() public {
        uint256 big = uint256(type(uint96).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.BondTooLarge.selector, big));
        new RewardDistributor(admin, IERC20(address(open)), GENESIS, EPOCH, WINDOW, big, 0);
    }

    function test_currentEpoch_followsTheClock_succeeds() public {
        assertEq(distributor.currentEpoch(), 0);
        vm.warp(GENESIS + EPOCH - 1);
        assertEq(distributor.currentEpoch(), 0);
        vm.warp(GENESIS + EPOCH);
        assertEq(distributor.currentEpoch(), 1);
        vm.warp(GENESIS - 1);
        assertEq(distributor.currentEpoch(), 0, "before genesis");
    }

    // ------------------------------------------------------------------------------------
    // fund
    // ------------------------------------------------------------------------------------

    function test_fund_escrowsAndEmits_succeeds() public {
        vm.expectEmit(address(distributor));
        emit IEpochEscrow.EpochFunded(3, funder, 500);
        fundEpoch(3, 500);
        vm.snapshotGasLastCall("RewardDistributor", "fund (new epoch)");
        fundEpoch(3, 250);
        vm.snapshotGasLastCall("RewardDistributor", "fund (epoch already funded)");
        fundEpoch(0, 1);
        assertEq(distributor.epochEscrow(3), 750);
        assertEq(distributor.totalEscrowed(), 751);
        assertEq(distributor.escrowedThrough(2), 1);
        assertEq(distributor.escrowedThrough(3), 751);
        assertEq(open.balanceOf(address(distributor)), 751);
    }

    function test_fund_settledEpoch_reverts() public {
        settle(1, keccak256("r"), 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.EpochSettled.selector, 1, 2));
        fundEpoch(1, 10);
    }

    function test_fund_tooFarAhead_reverts() public {
        uint256 maxEpoch = distributor.MAX_FUND_AHEAD();
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.EpochTooFarAhead.selector, maxEpoch + 1, maxEpoch));
        fundEpoch(maxEpoch + 1, 10);
    }

    function test_fund_zeroAmount_reverts() public {
        vm.expectRevert(IErrors.ZeroAmount.selector);
        fundEpoch(0, 0);
    }

    // ------------------------------------------------------------------------------------
    // propose
    // ------------------------------------------------------------------------------------

    function test_propose_recordsPendingRoot_succeeds() public {
        fundEpoch(0, 1000);
        vm.warp(endOfEpoch(0));
        vm.expectEmit(address(distributor));
        emit IRewardDistributor.RootProposed(
            0,
            keccak256("r"),
            settler,
            900,
            keccak256("report"),
            "ipfs://report",
            block.timestamp + WINDOW,
            SETTLER_BOND
        );
        propose(0, keccak256("r"), 900);
        vm.snapshotGasLastCall("RewardDistributor", "propose");
        IRewardDistributor.PendingRoot memory p = distributor.pendingRoot();
        assertEq(p.root, keccak256("r"));
        assertEq(uint256(p.totalCumulative), 900);
        assertEq(uint256(p.epoch), 0);
        assertEq(uint256(p.challengeDeadline), block.timestamp + WINDOW);
        assertEq(p.settler, settler);
        assertEq(distributor.totalBonds(), SETTLER_BOND);
        assertEq(address(distributor).balance, SETTLER_BOND);
    }

    function test_propose_notSettler_reverts() public {
        vm.warp(endOfEpoch(0));
        vm.deal(alice, 1 ether);
        bytes32 role = distributor.SETTLER_ROLE();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        distributor.propose{value: SETTLER_BOND}(0, keccak256("r"), 0, bytes32(0), "");
    }

    function test_propose_pendingExists_reverts() public {
        vm.warp(endOfEpoch(1));
        propose(0, keccak256("r"), 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.PendingRootExists.selector, 0, keccak256("r")));
        propose(1, keccak256("s"), 0);
    }

    function test_propose_epochOutOfOrder_reverts() public {
        settle(2, keccak256("r"), 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.EpochOutOfOrder.selector, 2, 3));
        propose(2, keccak256("s"), 0);
    }

    function test_propose_epochNotEnded_reverts() public {
        vm.warp(endOfEpoch(0) - 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.EpochNotEnded.selector, 0, endOfEpoch(0)));
        propose(0, keccak256("r"), 0);
    }

    function test_propose_farFutureEpoch_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IRewardDistributor.EpochNotEnded.selector, type(uint256).max, type(uint256).max)
        );
        propose(type(uint256).max, keccak256("r"), 0);
    }

    function test_propose_zeroRoot_reverts() public {
        vm.warp(endOfEpoch(0));
        vm.expectRevert(IErrors.ZeroRoot.selector);
        propose(0, bytes32(0), 0);
    }

    function test_propose_totalDecreasing_reverts() public {
        settle(0, keccak256("r"), 100);
        vm.warp(endOfEpoch(1));
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.TotalDecreasing.selector, 99, 100));
        propose(1, keccak256("s"), 99);
    }

    function test_propose_totalAboveEscrow_reverts() public {
        fundEpoch(0, 100);
        fundEpoch(2, 50); // escrow of a later epoch does not count
        vm.warp(endOfEpoch(1));
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.TotalAboveEscrow.selector, 101, 100));
        propose(1, keccak256("r"), 101);
    }

    function test_propose_wrongBond_reverts() public {
        vm.warp(endOfEpoch(0));
        vm.prank(settler);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.WrongBond.selector, 1, SETTLER_BOND));
        distributor.propose{value: 1}(0, keccak256("r"), 0, bytes32(0), "");
    }

    function test_propose_coversSkippedEpochs_succeeds() public {
        fundEpoch(0, 10);
        fundEpoch(1, 20);
        fundEpoch(2, 30);
        settle(2, keccak256("r"), 60);
        assertEq(distributor.nextEpoch(), 3);
        assertEq(distributor.escrowedThrough(2), 60);
        assertEq(distributor.escrowedThrough(0), 10);
        assertEq(distributor.finalizedTotal(), 60);
    }

    // ------------------------------------------------------------------------------------
    // challenge, resolve, revoke
    // ------------------------------------------------------------------------------------

    function _proposeEpoch0() internal {
        fundEpoch(0, 1000);
        vm.warp(endOfEpoch(0));
        propose(0, keccak256("r"), 1000);
    }

    function _challenge() internal {
        vm.prank(challenger);
        distributor.challenge{value: CHALLENGER_BOND}();
    }

    function test_challenge_recordsChallenger_succeeds() public {
        _proposeEpoch0();
        vm.expectEmit(address(distributor));
        emit IRewardDistributor.RootChallenged(0, keccak256("r"), challenger, CHALLENGER_BOND);
        _challenge();
        assertEq(distributor.pendingRoot().challenger, challenger);
        assertEq(distributor.totalBonds(), SETTLER_BOND + CHALLENGER_BOND);
    }

    function test_challenge_noPendingRoot_reverts() public {
        vm.expectRevert(IRewardDistributor.NoPendingRoot.selector);
        _challenge();
    }

    function test_challenge_windowOver_reverts() public {
        _proposeEpoch0();
        uint256 deadline = block.timestamp + WINDOW;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.WindowOver.selector, deadline, deadline));
        _challenge();
    }

    function test_challenge_alreadyChallenged_reverts() public {
        _proposeEpoch0();
        _challenge();
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.AlreadyChallenged.selector, challenger));
        _challenge();
    }

    function test_challenge_wrongBond_reverts() public {
        _proposeEpoch0();
        vm.prank(challenger);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.WrongBond.selector, 0, CHALLENGER_BOND));
        distributor.challenge();
    }

    function test_resolve_upheld_dropsRootAndPaysChallenger_succeeds() public {
        _proposeEpoch0();
        _challenge();
        vm.expectEmit(address(distributor));
        emit IRewardDistributor.ChallengeResolved(
            0,
            keccak256("r"),
            resolver,
            true,
            challenger,
            SETTLER_BOND + CHALLENGER_BOND
        );
        vm.prank(resolver);
        distributor.resolve(true);
        assertEq(distributor.pendingRoot().root, bytes32(0));
        assertEq(distributor.bondOf(challenger), SETTLER_BOND + CHALLENGER_BOND);
        assertEq(distributor.bondOf(settler), 0);
        // The epoch can be proposed again.
        propose(0, keccak256("fixed"), 1000);
        assertEq(distributor.pendingRoot().root, keccak256("fixed"));
    }

    function test_resolve_rejected_paysSettlerKeepsRoot_succeeds() public {
        _proposeEpoch0();
        _challenge();
        vm.prank(resolver);
        distributor.resolve(false);
        assertEq(distributor.pendingRoot().root, keccak256("r"));
        assertEq(distributor.pendingRoot().challenger, address(0));
        assertEq(distributor.bondOf(settler), CHALLENGER_BOND);
        vm.warp(block.timestamp + WINDOW);
        distributor.finalize();
        assertEq(distributor.bondOf(settler), CHALLENGER_BOND + SETTLER_BOND);
        assertEq(distributor.root(), keccak256("r"));
    }

    function test_resolve_notChallenged_reverts() public {
        _proposeEpoch0();
        vm.prank(resolver);
        vm.expectRevert(IRewardDistributor.NotChallenged.selector);
        distributor.resolve(true);
    }

    function test_resolve_noPendingRoot_reverts() public {
        vm.prank(resolver);
        vm.expectRevert(IRewardDistributor.NoPendingRoot.selector);
        distributor.resolve(true);
    }

    function test_resolve_notResolver_reverts() public {
        _proposeEpoch0();
        _challenge();
        bytes32 role = distributor.RESOLVER_ROLE();
        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, role)
        );
        distributor.resolve(true);
    }

    function test_revoke_returnsBothBonds_succeeds() public {
        _proposeEpoch0();
        _challenge();
        vm.expectEmit(address(distributor));
        emit IRewardDistributor.RootRevoked(0, keccak256("r"), guardian);
        vm.prank(guardian);
        distributor.revoke();
        assertEq(distributor.pendingRoot().root, bytes32(0));
        assertEq(distributor.bondOf(settler), SETTLER_BOND);
        assertEq(distributor.bondOf(challenger), CHALLENGER_BOND);
        assertEq(distributor.root(), bytes32(0));
    }

    function test_revoke_noPendingRoot_reverts() public {
        vm.prank(guardian);
        vm.expectRevert(IRewardDistributor.NoPendingRoot.selector);
        distributor.revoke();
    }

    function test_revoke_notGuardian_reverts() public {
        _proposeEpoch0();
        bytes32 role = distributor.GUARDIAN_ROLE();
        vm.prank(settler);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, settler, role)
        );
        distributor.revoke();
    }

    // ------------------------------------------------------------------------------------
    // finalize
    // ------------------------------------------------------------------------------------

    function test_finalize_afterWindow_succeeds() public {
        _proposeEpoch0();
        vm.warp(block.timestamp + WINDOW);
        vm.expectEmit(address(distributor));
        emit IRewardDistributor.RootFinalized(0, keccak256("r"), 1000, alice);
        vm.prank(alice);
        distributor.finalize();
        vm.snapshotGasLastCall("RewardDistributor", "finalize");
        assertEq(distributor.root(), keccak256("r"));
        assertEq(distributor.finalizedTotal(), 1000);
        assertEq(distributor.nextEpoch(), 1);
        assertEq(distributor.bondOf(settler), SETTLER_BOND);
        assertEq(distributor.pendingRoot().root, bytes32(0));
    }

    function test_finalize_windowNotOver_reverts() public {
        _proposeEpoch0();
        uint256 deadline = block.timestamp + WINDOW;
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.WindowNotOver.selector, deadline, deadline - 1));
        distributor.finalize();
    }

    function test_finalize_challenged_reverts() public {
        _proposeEpoch0();
        _challenge();
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.ChallengeUnresolved.selector, challenger));
        distributor.finalize();
    }

    function test_finalize_noPendingRoot_reverts() public {
        vm.expectRevert(IRewardDistributor.NoPendingRoot.selector);
        distributor.finalize();
    }

    function test_setChallengeWindow_appliesToNewRootsOnly_succeeds() public {
        _proposeEpoch0();
        uint256 deadline = block.timestamp + WINDOW;
        vm.prank(admin);
        distributor.setChallengeWindow(2 days);
        assertEq(distributor.challengeWindow(), 2 days);
        assertEq(uint256(distributor.pendingRoot().challengeDeadline), deadline);
    }

    function test_setChallengeWindow_outOfBounds_reverts() public {
        vm.prank(admin);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardDistributor.ChallengeWindowOutOfBounds.selector, 31 days, 1 hours, 30 days)
        );
        distributor.setChallengeWindow(31 days);
    }

    function test_setChallengeWindow_notAdmin_reverts() public {
        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, bytes32(0))
        );
        distributor.setChallengeWindow(2 days);
    }

    function test_setBonds_changesBonds_succeeds() public {
        vm.prank(admin);
        distributor.setBonds(2 ether, 3 ether);
        assertEq(distributor.settlerBond(), 2 ether);
        assertEq(distributor.challengerBond(), 3 ether);
    }

    function test_setBonds_tooLarge_reverts() public {
        uint256 big = uint256(type(uint96).max) + 1;
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.BondTooLarge.selector, big));
        distributor.setBonds(1, big);
    }

    // ------------------------------------------------------------------------------------
    // bonds
    // ------------------------------------------------------------------------------------

    function test_withdrawBond_paysOut_succeeds() public {
        _proposeEpoch0();
        vm.warp(block.timestamp + WINDOW);
        distributor.finalize();
        address payable to = payable(makeAddr("cold wallet"));
        vm.expectEmit(address(distributor));
        emit IRewardDistributor.BondWithdrawn(settler, to, SETTLER_BOND);
        vm.prank(settler);
        distributor.withdrawBond(to);
        assertEq(to.balance, SETTLER_BOND);
        assertEq(distributor.bondOf(settler), 0);
        assertEq(distributor.totalBonds(), 0);
        assertEq(address(distributor).balance, 0);
    }

    function test_withdrawBond_nothing_reverts() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.NoBond.selector, alice));
        distributor.withdrawBond(payable(alice));
    }

    function test_withdrawBond_zeroAddress_reverts() public {
        vm.prank(alice);
        vm.expectRevert(IErrors.ZeroAddress.selector);
        distributor.withdrawBond(payable(address(0)));
    }

    // ------------------------------------------------------------------------------------
    // claims
    // ------------------------------------------------------------------------------------

    function test_claim_firstAndLaterEpoch_paysDifference_succeeds() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);

        vm.expectEmit(address(distributor));
        emit IRewardDistributor.Claimed(bob, 200);
        vm.prank(carol); // anyone may claim for anyone; the OPEN goes to the account
        distributor.claim(bob, 200, TestTree.proof(t, 1));
        vm.snapshotGasLastCall("RewardDistributor", "claim (first)");
        assertEq(open.balanceOf(bob), 200);
        assertEq(open.balanceOf(carol), 0);
        assertEq(distributor.claimed(bob), 200);

        t = tree4(150, 260, 300, 400);
        settle(1, t[0], 1110);
        distributor.claim(bob, 260, TestTree.proof(t, 1));
        vm.snapshotGasLastCall("RewardDistributor", "claim (later epoch)");
        assertEq(open.balanceOf(bob), 260);
        assertEq(distributor.claimed(bob), 260);
        assertEq(distributor.totalClaimed(), 260);
        assertEq(distributor.claimable(bob, 260), 0);
        assertEq(distributor.claimable(alice, 150), 150);
        distributor.claimWithRoot(t[0], alice, 150, TestTree.proof(t, 0));
        vm.snapshotGasLastCall("RewardDistributor", "claimWithRoot (first, after another claim)");
    }

    function test_claim_skippedEpochsInOneClaim_succeeds() public {
        bytes32[] memory t = tree4(100, 0, 0, 0);
        settle(0, t[0], 100);
        t = tree4(250, 0, 0, 0);
        settle(1, t[0], 250);
        t = tree4(700, 0, 0, 0);
        settle(2, t[0], 700);
        uint256 amount = distributor.claim(alice, 700, TestTree.proof(t, 0));
        assertEq(amount, 700);
        assertEq(open.balanceOf(alice), 700);
    }

    function test_claim_invalidProof_reverts() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        bytes32[] memory proof = TestTree.proof(t, 1);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.InvalidClaimProof.selector, bob, 201, t[0]));
        distributor.claim(bob, 201, proof);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.InvalidClaimProof.selector, alice, 200, t[0]));
        distributor.claim(alice, 200, proof);
    }

    function test_claim_nothingToClaim_reverts() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        distributor.claim(bob, 200, TestTree.proof(t, 1));
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.NothingToClaim.selector, bob, 200, 200));
        distributor.claim(bob, 200, TestTree.proof(t, 1));
    }

    function test_claim_zeroLeaf_reverts() public {
        bytes32[] memory t = tree4(100, 0, 300, 400);
        settle(0, t[0], 800);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.NothingToClaim.selector, bob, 0, 0));
        distributor.claim(bob, 0, TestTree.proof(t, 1));
    }

    function test_claim_noFinalizedRoot_reverts() public {
        vm.expectRevert(IRewardDistributor.NoFinalizedRoot.selector);
        distributor.claim(bob, 200, new bytes32[](0));
    }

    function test_claim_pendingRootNotClaimable_reverts() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        fundEpoch(0, 1000);
        vm.warp(endOfEpoch(0));
        propose(0, t[0], 1000);
        bytes32[] memory proof = TestTree.proof(t, 1);
        vm.expectRevert(IRewardDistributor.NoFinalizedRoot.selector);
        distributor.claim(bob, 200, proof);
    }

    /// @notice A root whose leaves sum to more than its declared total (the chain cannot see
    ///         the leaves) still cannot pay more than the total: the sum of claims is capped.
    function test_claim_leavesAboveDeclaredTotal_reverts() public {
        bytes32[] memory t = tree4(600, 600, 0, 0);
        fundEpoch(1, 5000); // escrow of a later epoch that an over-paying root must not reach
        settle(0, t[0], 1000);
        distributor.claim(alice, 600, TestTree.proof(t, 0));
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.ClaimsAboveTotal.selector, 600, 600, 1000));
        distributor.claim(bob, 600, TestTree.proof(t, 1));
    }

    function test_claimWithRoot_matchingRoot_succeeds() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        assertEq(distributor.claimWithRoot(t[0], carol, 300, TestTree.proof(t, 2)), 300);
        vm.snapshotGasLastCall("RewardDistributor", "claimWithRoot (first)");
        assertEq(open.balanceOf(carol), 300);
    }

    function test_claimWithRoot_rootChanged_reverts() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        bytes32[] memory proof = TestTree.proof(t, 2);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.RootChanged.selector, keccak256("old"), t[0]));
        distributor.claimWithRoot(keccak256("old"), carol, 300, proof);
    }

    function test_claimWithRoot_staleRoot_reverts() public {
        bytes32[] memory t0 = tree4(100, 200, 300, 400);
        settle(0, t0[0], 1000);
        bytes32[] memory t1 = tree4(110, 220, 330, 440);
        settle(1, t1[0], 1100);
        bytes32[] memory proof = TestTree.proof(t0, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.RootChanged.selector, t0[0], t1[0]));
        distributor.claimWithRoot(t0[0], alice, 100, proof);
    }

    function test_claimWithRoot_pendingRoot_reverts() public {
        bytes32[] memory t0 = tree4(100, 200, 300, 400);
        settle(0, t0[0], 1000);
        bytes32[] memory t1 = tree4(110, 220, 330, 440);
        fundEpoch(1, 100);
        vm.warp(endOfEpoch(1));
        propose(1, t1[0], 1100);
        bytes32[] memory proof = TestTree.proof(t1, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.RootChanged.selector, t1[0], t0[0]));
        distributor.claimWithRoot(t1[0], alice, 110, proof);
    }

    function test_claimWithRoot_zeroRootBeforeAnyRoot_reverts() public {
        vm.expectRevert(IRewardDistributor.NoFinalizedRoot.selector);
        distributor.claimWithRoot(bytes32(0), alice, 1, new bytes32[](0));
    }

    function test_finalize_sameRootTwice_keepsClaims_succeeds() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        distributor.claim(alice, 100, TestTree.proof(t, 0));
        settle(1, t[0], 1000); // an epoch without rewards re-posts the same root
        assertEq(distributor.root(), t[0]);
        assertEq(distributor.totalClaimed(), 100);
        assertEq(distributor.finalizedTotal(), 1000);
        distributor.claimWithRoot(t[0], bob, 200, TestTree.proof(t, 1));
        assertEq(distributor.totalClaimed(), 300);
    }

    function test_finalize_carriesClaimsToTheNewRoot_succeeds() public {
        bytes32[] memory t0 = tree4(100, 200, 300, 400);
        settle(0, t0[0], 1000);
        distributor.claim(alice, 100, TestTree.proof(t0, 0));
        bytes32[] memory t1 = tree4(110, 220, 330, 440);
        settle(1, t1[0], 1100);
        assertEq(distributor.totalClaimed(), 100);
        assertEq(distributor.finalizedTotal(), 1100);
        assertEq(distributor.claimWithRoot(t1[0], alice, 110, TestTree.proof(t1, 0)), 10);
        assertEq(distributor.totalClaimed(), 110);
    }

    function test_claimWithRoot_zeroTotalRoot_reverts() public {
        bytes32[] memory t = tree4(100, 0, 0, 0);
        settle(0, t[0], 0);
        bytes32[] memory proof = TestTree.proof(t, 0);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.ClaimsAboveTotal.selector, 0, 100, 0));
        distributor.claimWithRoot(t[0], alice, 100, proof);
    }

    function _batch(
        bytes32[] memory t,
        uint256[4] memory amounts
    ) internal view returns (IRewardDistributor.Claim[] memory c) {
        address[4] memory who = [alice, bob, carol, dave];
        c = new IRewardDistributor.Claim[](4);
        for (uint256 i = 0; i < 4; ++i) c[i] = IRewardDistributor.Claim(who[i], amounts[i], TestTree.proof(t, i));
    }

    function test_claimBatch_paysEveryone_succeeds() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        distributor.claim(bob, 200, TestTree.proof(t, 1)); // already claimed: skipped in the batch
        uint256 total = distributor.claimBatch(t[0], _batch(t, [uint256(100), 200, 300, 400]));
        vm.snapshotGasLastCall("RewardDistributor", "claimBatch (4 accounts, 3 first claims)");
        assertEq(total, 800);
        assertEq(open.balanceOf(alice), 100);
        assertEq(open.balanceOf(bob), 200);
        assertEq(open.balanceOf(carol), 300);
        assertEq(open.balanceOf(dave), 400);
        assertEq(distributor.totalClaimed(), 1000);
    }

    function test_claimBatch_laterEpoch_succeeds() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        distributor.claimBatch(bytes32(0), _batch(t, [uint256(100), 200, 300, 400]));
        t = tree4(110, 220, 330, 440);
        settle(1, t[0], 1100);
        assertEq(distributor.claimBatch(bytes32(0), _batch(t, [uint256(110), 220, 330, 440])), 100);
        vm.snapshotGasLastCall("RewardDistributor", "claimBatch (4 accounts, later epoch)");
        assertEq(open.balanceOf(dave), 440);
    }

    function test_claimBatch_invalidProof_reverts() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        IRewardDistributor.Claim[] memory c = _batch(t, [uint256(100), 200, 301, 400]);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.InvalidClaimProof.selector, carol, 301, t[0]));
        distributor.claimBatch(bytes32(0), c);
        assertEq(open.balanceOf(alice), 0, "nothing paid");
    }

    function test_claimBatch_rootChanged_reverts() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        IRewardDistributor.Claim[] memory c = _batch(t, [uint256(100), 200, 300, 400]);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.RootChanged.selector, keccak256("x"), t[0]));
        distributor.claimBatch(keccak256("x"), c);
    }

    function test_claimBatch_leavesAboveDeclaredTotal_reverts() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        fundEpoch(1, 5000);
        settle(0, t[0], 500);
        IRewardDistributor.Claim[] memory c = _batch(t, [uint256(100), 200, 300, 400]);
        vm.expectRevert(abi.encodeWithSelector(IRewardDistributor.ClaimsAboveTotal.selector, 300, 300, 500));
        distributor.claimBatch(bytes32(0), c);
    }

    function test_claimBatch_duplicateAccount_paysOnce_succeeds() public {
        bytes32[] memory t = tree4(100, 200, 300, 400);
        settle(0, t[0], 1000);
        IRewardDistributor.Claim[] memory c = new IRewardDistributor.Claim[](3);
        c[0] = IRewardDistributor.Claim(carol, 300, TestTree.proof(t, 2));
        c[1] = IRewardDistributor.Claim(carol, 300, TestTree.proof(t, 2));
        c[2] = IRewardDistributor.Claim(alice, 100, TestTree.proof(t, 0));
        assertEq(distributor.claimBatch(bytes32(0), c), 400);
        assertEq(open.balanceOf(carol), 300);
        assertEq(distributor.totalClaimed(), 400);
    }

    /// @notice Random trees of 1 to 40 random leaves (built in the StandardMerkleTree layout):
    ///         every leaf's proof pays exactly its amount, once, and no other amount verifies.
    function testFuzz_claim_randomTrees_everyLeafPaysOnce(uint256 seed, uint256 size) public {
        size = bound(size, 1, 40);
        address[] memory accounts = new address[](size);
        uint256[] memory amounts = new uint256[](size);
        bytes32[] memory leaves = new bytes32[](size);
        uint256 total;
        for (uint256 i = 0; i < size; ++i) {
            accounts[i] = address(uint160(uint256(keccak256(abi.encode(seed, i)))));
            amounts[i] = uint256(keccak256(abi.encode(seed, i, "amount"))) % 1e24;
            leaves[i] = TestTree.leaf(accounts[i], amounts[i]);
            total += amounts[i];
        }
        bytes32[] memory t = TestTree.build(leaves);
        settle(0, t[0], total);
        uint256 k = seed % size;
        bytes32[] memory proof = TestTree.proof(t, k);
        vm.expectRevert(
            abi.encodeWithSelector(IRewardDistributor.InvalidClaimProof.selector, accounts[k], amounts[k] + 1, t[0])
        );
        distributor.claim(accounts[k], amounts[k] + 1, proof);
        for (uint256 i = 0; i < size; ++i) {
            if (amounts[i] == 0) continue;
            distributor.claim(accounts[i], amounts[i], TestTree.proof(t, i));
            assertEq(open.balanceOf(accounts[i]), amounts[i], "paid exactly the leaf");
        }
        assertEq(distributor.totalClaimed(), total, "every leaf paid");
        if (amounts[k] != 0) {
            vm.expectRevert(
                abi.encodeWithSelector(IRewardDistributor.NothingToClaim.selector, accounts[k], amounts[k], amounts[k])
            );
            distributor.claim(accounts[k], amounts[k], proof);
        }
    }

    /// @notice Any cumulative sequence pays exactly the final amount, in any number of claims.
    function testFuzz_claim_paysExactlyTheCumulativeAmount(uint256 a1, uint256 a2, uint256 a3) public {
        a1 = bound(a1, 1, 1e24);
        a2 = bound(a2, a1, 2e24);
        a3 = bound(a3, a2 + 1, 3e24);
        uint256[3] memory amounts = [a1, a2, a3];
        for (uint256 e = 0; e < 3; ++e) {
            bytes32[] memory t = tree4(amounts[e], e, 7, 9);
            settle(e, t[0], amounts[e] + e + 16);
            if (amounts[e] > distributor.claimed(alice)) distributor.claim(alice, amounts[e], TestTree.proof(t, 0));
            assertEq(open.balanceOf(alice), amounts[e], "balance equals cumulative");
        }
        assertEq(distributor.totalClaimed(), a3);
    }
}
