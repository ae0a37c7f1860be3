// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRewardDistributor} from "../../contracts/interfaces/IRewardDistributor.sol";
import {RewardDistributor} from "../../contracts/distributor/RewardDistributor.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";
import {DistributorBase, TestTree} from "./DistributorBase.sol";

/// @notice Drives the distributor through fund, propose (honest and over-paying roots),
///         challenge, resolve, revoke, finalize, claim and batched claims, with time moving on,
///         and keeps the ghost state the invariants compare with.
contract DistributorHandler is Test {
    uint256 internal constant ACTORS = 4;
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;

    RewardDistributor public immutable distributor;
    L2OpenToken public immutable open;
    address internal immutable resolver;
    address internal immutable guardian;
    address internal immutable challenger;
    address[ACTORS] public actors;

    // Trees: the finalized one (claims run against it), the pending one, and the last dropped one.
    uint256[ACTORS] public finalizedAmount;
    bytes32[] internal _finalizedTree;
    uint256[ACTORS] internal _pendingAmount;
    bytes32[] internal _pendingTree;
    uint256[ACTORS] internal _droppedAmount;
    bytes32[] internal _droppedTree;

    // Ghosts.
    uint256 public ghostPaid;
    uint256 public ghostFunded;
    uint256[ACTORS] public ghostMaxClaimed;
    bool public ghostClaimedDecreased;
    bool public ghostPaidFromUnfinalizedRoot;
    bool public ghostFinalizedBeforeWindow;
    bytes32 public ghostFinalizedRoot;
    uint256 public ghostFinalizedRoots;
    uint256 public ghostOverpayingRootsFinalized;
    uint256 public ghostPendingDeadline;
    bool public ghostPendingOverpays;
    bool internal _droppedOverpays;

    constructor(RewardDistributor distributor_, L2OpenToken open_, address resolver_, address guardian_) {
        distributor = distributor_;
        open = open_;
        resolver = resolver_;
        guardian = guardian_;
        challenger = makeAddr("invariant challenger");
        for (uint256 i = 0; i < ACTORS; ++i) actors[i] = makeAddr(string.concat("claimant", vm.toString(i)));
        vm.deal(address(this), 1e30);
        vm.deal(challenger, 1e30);
        vm.prank(BRIDGE);
        open.mint(address(this), 1e30);
        open.approve(address(distributor), type(uint256).max);
    }

    receive() external payable {}

    function _tree(uint256[ACTORS] memory amounts) internal view returns (bytes32[] memory) {
        bytes32[] memory leaves = new bytes32[](ACTORS);
        for (uint256 i = 0; i < ACTORS; ++i) leaves[i] = TestTree.leaf(actors[i], amounts[i]);
        return TestTree.build(leaves);
    }

    function _observeClaims() internal {
        for (uint256 i = 0; i < ACTORS; ++i) {
            uint256 c = distributor.claimed(actors[i]);
            if (c < ghostMaxClaimed[i]) ghostClaimedDecreased = true;
            ghostMaxClaimed[i] = c;
        }
    }

    // ------------------------------------------------------------------------------------
    // Actions
    // ------------------------------------------------------------------------------------

    function fund(uint256 epochOffset, uint256 amount) external {
        uint256 epoch = distributor.nextEpoch() + bound(epochOffset, 0, 3);
        amount = bound(amount, 1, 1e24);
        distributor.fund(epoch, amount);
        ghostFunded += amount;
    }

    function advanceTime(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 2 days));
    }

    /// @param overpay Whether the leaves sum to more than the declared total (a bad root).
    function propose(uint256 epochOffset, uint256 seed, bool overpay) external {
        if (distributor.pendingRoot().challengeDeadline != 0) return;
        uint256 current = distributor.currentEpoch();
        uint256 next = distributor.nextEpoch();
        if (current <= next) return; // nothing has ended yet
        uint256 epoch = next + bound(epochOffset, 0, current - next - 1);
        uint256 escrowed = distributor.escrowedThrough(epoch);
        uint256 floor = distributor.finalizedTotal();
        // Honest roots: every account's amount grows, leaves sum to a total within escrow.
        uint256[ACTORS] memory amounts;
        uint256 sum;
        uint256 room = escrowed - floor;
        for (uint256 i = 0; i < ACTORS; ++i) {
            uint256 grow = room == 0 ? 0 : uint256(keccak256(abi.encode(seed, i))) % (room / ACTORS + 1);
            amounts[i] = finalizedAmount[i] + grow;
            sum += amounts[i];
        }
        // A bad root declares less than its leaves add up to (the chain cannot see the leaves):
        // here half of the growth. Leaves of earlier bad roots can also push the sum past escrow.
        uint256 total = overpay && sum > floor ? floor + (sum - floor) / 2 : sum;
        if (total > escrowed) total = escrowed;
        if (total < floor) total = floor;
        bytes32[] memory tree = _tree(amounts);
        distributor.propose{value: distributor.settlerBond()}(epoch, tree[0], total, keccak256("report"), "uri");
        _pendingAmount = amounts;
        _pendingTree = tree;
        ghostPendingDeadline = block.timestamp + distributor.challengeWindow();
        ghostPendingOverpays = sum > total;
    }

    function challenge() external {
        if (distributor.pendingRoot().challengeDeadline == 0) return;
        uint256 bond = distributor.challengerBond();
        vm.prank(challenger);
        distributor.challenge{value: bond}();
    }

    function resolve(bool upheld) external {
        IRewardDistributor.PendingRoot memory p = distributor.pendingRoot();
        if (p.challenger == address(0)) return;
        vm.prank(resolver);
        distributor.resolve(upheld);
        if (upheld) _drop();
    }

    function revoke() external {
        if (distributor.pendingRoot().challengeDeadline == 0) return;
        vm.prank(guardian);
        distributor.revoke();
        _drop();
    }

    function _drop() internal {
        _droppedAmount = _pendingAmount;
        _droppedTree = _pendingTree;
        _droppedOverpays = ghostPendingOverpays;
        delete _pendingTree;
    }

    function finalize() external {
        IRewardDistributor.PendingRoot memory p = distributor.pendingRoot();
        if (p.challengeDeadline == 0) return;
        distributor.finalize();
        if (block.timestamp < ghostPendingDeadline) ghostFinalizedBeforeWindow = true;
        finalizedAmount = _pendingAmount;
        _finalizedTree = _pendingTree;
        ghostFinalizedRoot = _pendingTree[0];
        ++ghostFinalizedRoots;
        if (ghostPendingOverpays) ++ghostOverpayingRootsFinalized;
        delete _pendingTree;
    }

    function claim(uint256 actorSeed) external {
        if (_finalizedTree.length == 0) return;
        uint256 i = actorSeed % ACTORS;
        uint256 before = open.balanceOf(actors[i]);
        distributor.claim(actors[i], finalizedAmount[i], TestTree.proof(_finalizedTree, i));
        ghostPaid += open.balanceOf(actors[i]) - before;
        _observeClaims();
    }

    function claimBatch(uint256 mask) external {
        if (_finalizedTree.length == 0) return;
        uint256 n;
        for (uint256 i = 0; i < ACTORS; ++i) if ((mask >> i) & 1 == 1) ++n;
        IRewardDistributor.Claim[] memory claims = new IRewardDistributor.Claim[](n);
        uint256 k;
        uint256 before;
        for (uint256 i = 0; i < ACTORS; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            claims[k++] = IRewardDistributor.Claim(actors[i], finalizedAmount[i], TestTree.proof(_finalizedTree, i));
            before += open.balanceOf(actors[i]);
        }
        distributor.claimBatch(ghostFinalizedRoot, claims);
        uint256 afterwards;
        for (uint256 i = 0; i < ACTORS; ++i) if ((mask >> i) & 1 == 1) afterwards += open.balanceOf(actors[i]);
        ghostPaid += afterwards - before;
        _observeClaims();
    }

    /// @notice Tries to claim with a proof into the pending or the last dropped root; any
    ///         success is a violation, recorded for the invariant.
    function claimUnfinalized(uint256 actorSeed, bool fromDropped) external {
        bytes32[] memory tree = fromDropped ? _droppedTree : _pendingTree;
        if (tree.length == 0 || tree[0] == ghostFinalizedRoot) return;
        uint256 i = actorSeed % ACTORS;
        uint256 amount = fromDropped ? _droppedAmount[i] : _pendingAmount[i];
        if (amount == finalizedAmount[i]) return; // same leaf as in the finalized root
        try distributor.claim(actors[i], amount, TestTree.proof(tree, i)) {
            ghostPaidFromUnfinalizedRoot = true;
        } catch {}
        _observeClaims();
    }

    function withdrawBonds() external {
        if (distributor.bondOf(address(this)) != 0) distributor.withdrawBond(payable(address(this)));
        if (distributor.bondOf(challenger) != 0) {
            vm.prank(challenger);
            distributor.withdrawBond(payable(challenger));
        }
    }

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }
}

/// @notice Invariant 4 of ARCHITECTURE.md, in the issue's words, plus exact internal accounting.
contract RewardDistributorInvariantTest is DistributorBase {
    DistributorHandler internal handler;

    string internal constant CLAIMED_ONLY_GROWS = "claimed[a] only grows";
    string internal constant CLAIMED_WITHIN_LEAF = "claimed[a] <= its finalized cumulative amount";
    string internal constant CLAIMS_WITHIN_TOTAL = "sum of claims <= finalized total <= escrow";
    string internal constant NOTHING_FROM_UNFINAL = "nothing is claimable from a revoked or pending root";

    function setUp() public override {
        super.setUp();
        handler = new DistributorHandler(distributor, open, resolver, guardian);
        bytes32 settlerRole = distributor.SETTLER_ROLE();
        vm.prank(admin);
        distributor.grantRole(settlerRole, address(handler));
        targetContract(address(handler));
    }

    function invariant_claimedOnlyGrows() public view {
        assertFalse(handler.ghostClaimedDecreased(), CLAIMED_ONLY_GROWS);
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            assertGe(distributor.claimed(handler.actors(i)), handler.ghostMaxClaimed(i), CLAIMED_ONLY_GROWS);
        }
    }

    function invariant_claimedAtMostFinalizedLeaf() public view {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            assertLe(distributor.claimed(handler.actors(i)), handler.finalizedAmount(i), CLAIMED_WITHIN_LEAF);
        }
    }

    function invariant_claimsAtMostFinalizedTotalAtMostEscrow() public view {
        uint256 sum;
        for (uint256 i = 0; i < handler.actorCount(); ++i) sum += distributor.claimed(handler.actors(i));
        assertEq(sum, distributor.totalClaimed(), "sum of claimed[a] == totalClaimed");
        assertEq(sum, handler.ghostPaid(), "claims == OPEN received by accounts");
        assertLe(sum, distributor.finalizedTotal(), CLAIMS_WITHIN_TOTAL);
        uint256 next = distributor.nextEpoch();
        if (next > 0)
            assertLe(distributor.finalizedTotal(), distributor.escrowedThrough(next - 1), CLAIMS_WITHIN_TOTAL);
        else assertEq(distributor.finalizedTotal(), 0, CLAIMS_WITHIN_TOTAL);
        assertLe(distributor.escrowedThrough(next == 0 ? 0 : next - 1), distributor.totalEscrowed(), "escrow");
    }

    function invariant_nothingClaimableFromUnfinalizedRoots() public view {
        assertFalse(handler.ghostPaidFromUnfinalizedRoot(), NOTHING_FROM_UNFINAL);
        assertEq(distributor.root(), handler.ghostFinalizedRoot(), "the root changes only by finalize");
    }

    function invariant_finalOnlyAfterWindow() public view {
        assertFalse(handler.ghostFinalizedBeforeWindow(), "a root is final only after its window");
    }

    /// @notice Internal accounting is exact: OPEN held == escrowed - claimed; ETH held == bonds.
    function invariant_accountingIsExact() public view {
        assertEq(distributor.totalEscrowed(), handler.ghostFunded(), "escrow == funded");
        assertEq(
            open.balanceOf(address(distributor)),
            distributor.totalEscrowed() - distributor.totalClaimed(),
            "OPEN held == escrowed - claimed"
        );
        assertEq(address(distributor).balance, distributor.totalBonds(), "ETH held == bonds");
    }
}
