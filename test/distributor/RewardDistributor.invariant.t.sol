// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IRewardDistributor} from "../../contracts/interfaces/IRewardDistributor.sol";
import {RewardDistributor} from "../../contracts/distributor/RewardDistributor.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";
import {Campaign} from "./Campaign.sol";
import {DistributorBase, TestTree} from "./DistributorBase.sol";

/// @notice Drives the distributor through every state-changing function: fund, skim, propose
///         (honest, over-paying and corrective roots), challenge, resolve, revoke, finalize,
///         claim, claimWithRoot, claimBatch, claims against pending and dropped roots, bond
///         withdrawals, governance settings, role changes and time. Each action prepares what it
///         needs (it funds, lets epochs end, waits out the window), so most runs reach a
///         finalized root and a paid claim; the guardian's revoke and an upheld challenge, which
///         drop a root, are rare. Violations are recorded in ghost state that the invariants read
///         (an assertion inside a handler would be discarded: failOnRevert is false).
contract DistributorHandler is Test {
    uint256 internal constant ACTORS = 4;
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;

    RewardDistributor public immutable distributor;
    L2OpenToken public immutable open;
    address internal immutable admin;
    address internal immutable resolver;
    address internal immutable guardian;
    address internal immutable challenger;
    address internal immutable roleHolder;
    address[ACTORS] public actors;

    // Trees: the finalized one (claims run against it), the pending one, and the last dropped one.
    uint256[ACTORS] public finalizedAmount;
    bytes32[] internal _finalizedTree;
    uint256[ACTORS] internal _pendingAmount;
    bytes32[] internal _pendingTree;
    uint256 internal _pendingSum;
    uint256[ACTORS] internal _droppedAmount;
    bytes32[] internal _droppedTree;
    uint256 internal _finalizedSum;

    // Ghosts.
    uint256 public ghostPaid;
    uint256 public ghostFunded;
    uint256[ACTORS] public ghostMaxClaimed;
    /// The largest cumulative amount of each actor in any finalized root.
    uint256[ACTORS] public ghostMaxLeaf;
    bool public ghostClaimedDecreased;
    bool public ghostPaidFromUnfinalizedRoot;
    bool public ghostFinalizedBeforeWindow;
    /// L-4: a claim refused although the finalized root's leaves fit its total and the settled
    /// escrow covers them plus every over-payment (so a correction blocked someone).
    bool public ghostSolventClaimRefused;
    /// A claim paid other than leaf - claimed, or a skim that moved other than the excess.
    bool public ghostWrongAmount;
    bytes32 public ghostFinalizedRoot;
    uint256 public ghostFinalizedRoots;
    uint256 public ghostOverpayingRootsFinalized;
    uint256 public ghostCorrectionsFinalized;
    uint256 public ghostClaimsPaid;
    uint256 public ghostPendingDeadline;
    bool public ghostPendingOverpays;
    bool internal _pendingCorrects;
    bool internal _droppedOverpays;

    /// Successful calls of each action in this run, by name (read by the campaign counters).
    string[] public actionNames;
    mapping(string name => uint256) public calls;

    constructor(
        RewardDistributor distributor_,
        L2OpenToken open_,
        address admin_,
        address resolver_,
        address guardian_
    ) {
        distributor = distributor_;
        open = open_;
        admin = admin_;
        resolver = resolver_;
        guardian = guardian_;
        challenger = makeAddr("invariant challenger");
        roleHolder = makeAddr("invariant role holder");
        for (uint256 i = 0; i < ACTORS; ++i) actors[i] = makeAddr(string.concat("claimant", vm.toString(i)));
        vm.deal(address(this), 1e30);
        vm.deal(challenger, 1e30);
        vm.prank(BRIDGE);
        open.mint(address(this), 1e30);
        open.approve(address(distributor), type(uint256).max);
        string[18] memory names = [
            "fund",
            "skim",
            "propose",
            "proposeCorrection",
            "proposeOverpaying",
            "challenge",
            "resolveRejected",
            "resolveUpheld",
            "revoke",
            "finalize",
            "claim",
            "claimWithRoot",
            "claimBatch",
            "withdrawBond",
            "setChallengeWindow",
            "setBonds",
            "grantRevokeRole",
            "renounceRole"
        ];
        for (uint256 i = 0; i < names.length; ++i) actionNames.push(names[i]);
    }

    receive() external payable {}

    function actionCount() external view returns (uint256) {
        return actionNames.length;
    }

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

    /// @dev Whether every claim against the finalized root must succeed: its leaves fit its
    ///      declared total, and the settled escrow covers them plus every over-payment (what
    ///      accounts received above their current leaf). Then the L-4 rule promises that no
    ///      correction blocks anyone.
    function _finalizedRootIsSolvent() internal view returns (bool) {
        if (_finalizedSum > distributor.finalizedTotal()) return false;
        uint256 overpaid;
        for (uint256 i = 0; i < ACTORS; ++i) {
            uint256 c = distributor.claimed(actors[i]);
            if (c > finalizedAmount[i]) overpaid += c - finalizedAmount[i];
        }
        uint256 next = distributor.nextEpoch();
        return _finalizedSum + overpaid <= distributor.escrowedThrough(next - 1);
    }

    // ------------------------------------------------------------------------------------
    // Escrow
    // ------------------------------------------------------------------------------------

    function fund(uint256 epochOffset, uint256 amount) public {
        uint256 epoch = distributor.currentEpoch() + bound(epochOffset, 0, 3);
        amount = bound(amount, 1, 1e24);
        distributor.fund(epoch, amount);
        ghostFunded += amount;
        ++calls["fund"];
    }

    /// @dev OPEN sent by a plain transfer, then skimmed into the current epoch's escrow.
    function skim(uint256 amount) external {
        amount = bound(amount, 1, 1e22);
        open.transfer(address(distributor), amount);
        uint256 escrowBefore = distributor.epochEscrow(distributor.currentEpoch());
        uint256 skimmed = distributor.skim();
        if (skimmed != amount) ghostWrongAmount = true;
        if (distributor.epochEscrow(distributor.currentEpoch()) != escrowBefore + amount) ghostWrongAmount = true;
        ghostFunded += amount;
        ++calls["skim"];
    }

    function advanceTime(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 2 days));
    }

    // ------------------------------------------------------------------------------------
    // Proposals
    // ------------------------------------------------------------------------------------

    /// @dev Makes a proposal possible: an ended, unsettled epoch with escrow in it.
    function _prepareProposal(uint256 epochOffset) internal returns (uint256 epoch) {
        uint256 next = distributor.nextEpoch();
        if (distributor.currentEpoch() <= next) {
            if (distributor.escrowedThrough(next) == distributor.finalizedTotal()) fund(0, 1e21);
            vm.warp(distributor.genesis() + (next + 1) * distributor.epochLength());
        }
        uint256 current = distributor.currentEpoch();
        epoch = next + bound(epochOffset, 0, current - next - 1);
    }

    /// @param kind 0: honest (every account grows, the total is the sum); 1: over-paying (the
    ///        leaves sum to more than the declared total: a bad root the chain cannot see);
    ///        2: corrective (one account lowered below what it already received).
    function _propose(uint256 epochOffset, uint256 seed, uint256 kind) internal {
        if (distributor.pendingRoot().challengeDeadline != 0) return;
        uint256 epoch = _prepareProposal(epochOffset);
        uint256 escrowed = distributor.escrowedThrough(epoch);
        uint256 floor = distributor.finalizedTotal();
        uint256[ACTORS] memory amounts;
        uint256 sum;
        uint256 room = escrowed > _finalizedSum ? escrowed - _finalizedSum : 0;
        for (uint256 i = 0; i < ACTORS; ++i) {
            uint256 grow = room == 0 ? 0 : uint256(keccak256(abi.encode(seed, i))) % (room / ACTORS + 1);
            amounts[i] = finalizedAmount[i] + grow;
        }
        if (kind == 2) {
            // Lower the account that received the most to half of it.
            uint256 who;
            for (uint256 i = 1; i < ACTORS; ++i) {
                if (distributor.claimed(actors[i]) > distributor.claimed(actors[who])) who = i;
            }
            uint256 got = distributor.claimed(actors[who]);
            if (got == 0) return;
            amounts[who] = got / 2;
        }
        for (uint256 i = 0; i < ACTORS; ++i) sum += amounts[i];
        // A bad root declares less than its leaves add up to: here half of the growth.
        uint256 total = kind == 1 && sum > floor ? floor + (sum - floor) / 2 : sum;
        if (total > escrowed) total = escrowed;
        if (total < floor) total = floor;
        bytes32[] memory tree = _tree(amounts);
        distributor.propose{value: distributor.settlerBond()}(epoch, tree[0], total, keccak256("report"), "uri");
        _pendingAmount = amounts;
        _pendingTree = tree;
        _pendingSum = sum;
        ghostPendingDeadline = block.timestamp + distributor.challengeWindow();
        ghostPendingOverpays = sum > total;
        _pendingCorrects = kind == 2;
        ++calls[
            kind == 0
                ? "propose"
                : kind == 1
                    ? "proposeOverpaying"
                    : "proposeCorrection"
        ];
    }

    /// @dev Honest roots most of the time; over-paying ones one call in eight, corrective ones
    ///      one in four (an honest one instead while nobody has claimed yet).
    function propose(uint256 epochOffset, uint256 seed) public {
        uint256 kind =
            seed % 8 == 0
                ? 1
                : seed % 8 < 3
                    ? 2
                    : 0;
        _propose(epochOffset, seed, kind);
        if (kind == 2 && distributor.pendingRoot().challengeDeadline == 0) _propose(epochOffset, seed, 0);
    }

    function challenge() external {
        IRewardDistributor.PendingRoot memory p = distributor.pendingRoot();
        if (p.challengeDeadline == 0 || p.challenger != address(0) || block.timestamp >= p.challengeDeadline) return;
        uint256 bond = distributor.challengerBond();
        vm.prank(challenger);
        distributor.challenge{value: bond}();
        ++calls["challenge"];
    }

    /// @dev Challenges are mostly rejected; one in four is upheld (which drops the root).
    function resolve(uint256 seed) external {
        IRewardDistributor.PendingRoot memory p = distributor.pendingRoot();
        if (p.challenger == address(0)) return;
        bool upheld = seed % 4 == 0;
        vm.prank(resolver);
        distributor.resolve(upheld);
        if (upheld) _drop();
        ++calls[upheld ? "resolveUpheld" : "resolveRejected"];
    }

    /// @dev The guardian's emergency brake: one call in eight (it used to drop about seven roots
    ///      for each one finalized).
    function revoke(uint256 seed) external {
        if (seed % 8 != 0 || distributor.pendingRoot().challengeDeadline == 0) return;
        vm.prank(guardian);
        distributor.revoke();
        _drop();
        ++calls["revoke"];
    }

    function _drop() internal {
        _droppedAmount = _pendingAmount;
        _droppedTree = _pendingTree;
        _droppedOverpays = ghostPendingOverpays;
        delete _pendingTree;
    }

    /// @dev Proposes an honest root if none is pending, waits out the window and has a pending
    ///      challenge rejected if needed, so a root is finalized whenever this action runs.
    function finalize(uint256 seed) public {
        if (distributor.pendingRoot().challengeDeadline == 0) propose(0, seed % 8 < 3 ? seed : 3);
        IRewardDistributor.PendingRoot memory p = distributor.pendingRoot();
        if (p.challengeDeadline == 0) return;
        if (p.challenger != address(0)) {
            vm.prank(resolver);
            distributor.resolve(false);
            ++calls["resolveRejected"];
        }
        if (block.timestamp < p.challengeDeadline) vm.warp(p.challengeDeadline);
        distributor.finalize();
        if (block.timestamp < ghostPendingDeadline) ghostFinalizedBeforeWindow = true;
        finalizedAmount = _pendingAmount;
        _finalizedTree = _pendingTree;
        _finalizedSum = _pendingSum;
        for (uint256 i = 0; i < ACTORS; ++i) {
            if (_pendingAmount[i] > ghostMaxLeaf[i]) ghostMaxLeaf[i] = _pendingAmount[i];
        }
        ghostFinalizedRoot = _pendingTree[0];
        ++ghostFinalizedRoots;
        if (ghostPendingOverpays) ++ghostOverpayingRootsFinalized;
        if (_pendingCorrects) ++ghostCorrectionsFinalized;
        delete _pendingTree;
        ++calls["finalize"];
    }

    // ------------------------------------------------------------------------------------
    // Claims
    // ------------------------------------------------------------------------------------

    /// @dev An actor with something left to claim, starting from `seed` (or `seed` itself).
    function _claimant(uint256 seed) internal view returns (uint256) {
        for (uint256 k = 0; k < ACTORS; ++k) {
            uint256 i = (seed + k) % ACTORS;
            if (finalizedAmount[i] > distributor.claimed(actors[i])) return i;
        }
        return seed % ACTORS;
    }

    /// @param how 0: claim; 1: claimWithRoot.
    function _claim(uint256 actorSeed, uint256 how) internal {
        if (_finalizedTree.length == 0) finalize(actorSeed);
        if (_finalizedTree.length == 0) return;
        uint256 i = _claimant(actorSeed);
        address a = actors[i];
        uint256 already = distributor.claimed(a);
        if (finalizedAmount[i] <= already) return;
        bool mustPay = _finalizedRootIsSolvent();
        uint256 before = open.balanceOf(a);
        bytes32[] memory proof = TestTree.proof(_finalizedTree, i);
        bool ok;
        if (how == 0) {
            try distributor.claim(a, finalizedAmount[i], proof) {
                ok = true;
            } catch {} // solhint-disable-line no-empty-blocks
        } else {
            try distributor.claimWithRoot(ghostFinalizedRoot, a, finalizedAmount[i], proof) {
                ok = true;
            } catch {} // solhint-disable-line no-empty-blocks
        }
        if (!ok) {
            if (mustPay) ghostSolventClaimRefused = true;
            return;
        }
        uint256 received = open.balanceOf(a) - before;
        if (received != finalizedAmount[i] - already) ghostWrongAmount = true;
        ghostPaid += received;
        ++ghostClaimsPaid;
        _observeClaims();
        ++calls[how == 0 ? "claim" : "claimWithRoot"];
    }

    function claim(uint256 actorSeed) external {
        _claim(actorSeed, 0);
    }

    function claimWithRoot(uint256 actorSeed) external {
        _claim(actorSeed, 1);
    }

    function claimBatch(uint256 mask) external {
        if (_finalizedTree.length == 0) finalize(mask);
        if (_finalizedTree.length == 0) return;
        mask = mask | 1;
        uint256 n;
        for (uint256 i = 0; i < ACTORS; ++i) if ((mask >> i) & 1 == 1) ++n;
        IRewardDistributor.Claim[] memory claims = new IRewardDistributor.Claim[](n);
        uint256 k;
        uint256 before;
        uint256 owed;
        for (uint256 i = 0; i < ACTORS; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            claims[k++] = IRewardDistributor.Claim(actors[i], finalizedAmount[i], TestTree.proof(_finalizedTree, i));
            before += open.balanceOf(actors[i]);
            uint256 c = distributor.claimed(actors[i]);
            if (finalizedAmount[i] > c) owed += finalizedAmount[i] - c;
        }
        bool mustPay = _finalizedRootIsSolvent();
        try distributor.claimBatch(ghostFinalizedRoot, claims) {} catch {
            if (mustPay) ghostSolventClaimRefused = true;
            return;
        }
        uint256 afterwards;
        for (uint256 i = 0; i < ACTORS; ++i) if ((mask >> i) & 1 == 1) afterwards += open.balanceOf(actors[i]);
        if (afterwards - before != owed) ghostWrongAmount = true;
        ghostPaid += afterwards - before;
        if (afterwards > before) ++ghostClaimsPaid;
        _observeClaims();
        ++calls["claimBatch"];
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
        } catch {} // solhint-disable-line no-empty-blocks
        _observeClaims();
    }

    function withdrawBonds() external {
        if (distributor.bondOf(address(this)) != 0) {
            distributor.withdrawBond(payable(address(this)));
            ++calls["withdrawBond"];
        }
        if (distributor.bondOf(challenger) != 0) {
            vm.prank(challenger);
            distributor.withdrawBond(payable(challenger));
            ++calls["withdrawBond"];
        }
    }

    // ------------------------------------------------------------------------------------
    // Governance and roles
    // ------------------------------------------------------------------------------------

    function setChallengeWindow(uint256 window) external {
        vm.prank(admin);
        distributor.setChallengeWindow(bound(window, 1 hours, 2 days));
        ++calls["setChallengeWindow"];
    }

    function setBonds(uint256 settlerBond, uint256 challengerBond) external {
        vm.prank(admin);
        distributor.setBonds(bound(settlerBond, 0, 1 ether), bound(challengerBond, 0.01 ether, 1 ether));
        ++calls["setBonds"];
    }

    /// @dev Grants, or revokes, the guardian role of a spare account (never the real guardian's).
    function grantRevokeRole(bool grant) external {
        bytes32 role = distributor.GUARDIAN_ROLE();
        vm.prank(admin);
        if (grant) distributor.grantRole(role, roleHolder);
        else distributor.revokeRole(role, roleHolder);
        ++calls["grantRevokeRole"];
    }

    function renounceRole() external {
        bytes32 role = distributor.GUARDIAN_ROLE();
        if (!distributor.hasRole(role, roleHolder)) return;
        vm.prank(roleHolder);
        distributor.renounceRole(role, roleHolder);
        ++calls["renounceRole"];
    }

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }
}

/// @notice Invariant 4 of ARCHITECTURE.md, in the issue's words, with the L-4 accounting rule,
///         plus exact internal accounting; and the campaign's reach, counted over runs.
abstract contract RewardDistributorInvariants is DistributorBase {
    DistributorHandler internal handler;

    string internal constant CLAIMED_ONLY_GROWS = "claimed[a] only grows";
    string internal constant CLAIMED_WITHIN_LEAF = "claimed[a] <= its largest finalized cumulative amount";
    string internal constant CLAIMS_WITHIN_TOTAL =
        "proven leaves <= finalized total <= escrow; sum of claims <= escrow of the settled epochs";
    string internal constant NOTHING_FROM_UNFINAL = "nothing is claimable from a revoked or pending root";
    string internal constant CORRECTIONS_BLOCK_NOBODY =
        "a claim is refused only when the root's leaves exceed its total or the settled escrow";

    function setUp() public override {
        super.setUp();
        handler = new DistributorHandler(distributor, open, admin, resolver, guardian);
        bytes32 settlerRole = distributor.SETTLER_ROLE();
        vm.prank(admin);
        distributor.grantRole(settlerRole, address(handler));
        targetContract(address(handler));
    }

    function _checkClaimedOnlyGrows() internal view {
        assertFalse(handler.ghostClaimedDecreased(), CLAIMED_ONLY_GROWS);
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            assertGe(distributor.claimed(handler.actors(i)), handler.ghostMaxClaimed(i), CLAIMED_ONLY_GROWS);
        }
    }

    function _checkClaimedAtMostLargestFinalizedLeaf() internal view {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            assertLe(distributor.claimed(handler.actors(i)), handler.ghostMaxLeaf(i), CLAIMED_WITHIN_LEAF);
        }
    }

    function _checkClaimsWithinTotalAndSettledEscrow() internal view {
        uint256 sum;
        for (uint256 i = 0; i < handler.actorCount(); ++i) sum += distributor.claimed(handler.actors(i));
        assertEq(sum, distributor.totalClaimed(), "sum of claimed[a] == totalClaimed");
        assertEq(sum, handler.ghostPaid(), "claims == OPEN received by accounts");
        assertLe(distributor.provenTotal(), distributor.finalizedTotal(), CLAIMS_WITHIN_TOTAL);
        uint256 next = distributor.nextEpoch();
        uint256 settled = next == 0 ? 0 : distributor.escrowedThrough(next - 1);
        assertLe(sum, settled, CLAIMS_WITHIN_TOTAL);
        assertLe(distributor.finalizedTotal(), settled, CLAIMS_WITHIN_TOTAL);
        assertLe(settled, distributor.totalEscrowed(), "escrow");
    }

    /// @notice L-4: a correction never blocks anyone else, and every claim pays exactly its
    ///         difference (checked by the handler, recorded, read here).
    function _checkCorrectionsBlockNobody() internal view {
        assertFalse(handler.ghostSolventClaimRefused(), CORRECTIONS_BLOCK_NOBODY);
        assertFalse(handler.ghostWrongAmount(), "a claim or a skim moved another amount than owed");
    }

    function _checkNothingClaimableFromUnfinalizedRoots() internal view {
        assertFalse(handler.ghostPaidFromUnfinalizedRoot(), NOTHING_FROM_UNFINAL);
        assertEq(distributor.root(), handler.ghostFinalizedRoot(), "the root changes only by finalize");
    }

    function _checkFinalOnlyAfterWindow() internal view {
        assertFalse(handler.ghostFinalizedBeforeWindow(), "a root is final only after its window");
    }

    /// @notice Internal accounting is exact: OPEN held == escrowed - claimed; ETH held == bonds.
    function _checkAccountingIsExact() internal view {
        assertEq(distributor.totalEscrowed(), handler.ghostFunded(), "escrow == funded");
        assertEq(
            open.balanceOf(address(distributor)),
            distributor.totalEscrowed() - distributor.totalClaimed(),
            "OPEN held == escrowed - claimed"
        );
        assertEq(address(distributor).balance, distributor.totalBonds(), "ETH held == bonds");
    }
}

/// @notice Each invariant as its own campaign (a failure names it).
contract RewardDistributorInvariantTest is RewardDistributorInvariants {
    function invariant_claimedOnlyGrows() public view {
        _checkClaimedOnlyGrows();
    }

    function invariant_claimedAtMostLargestFinalizedLeaf() public view {
        _checkClaimedAtMostLargestFinalizedLeaf();
    }

    function invariant_claimsWithinTotalAndSettledEscrow() public view {
        _checkClaimsWithinTotalAndSettledEscrow();
    }

    function invariant_correctionsBlockNobody() public view {
        _checkCorrectionsBlockNobody();
    }

    function invariant_nothingClaimableFromUnfinalizedRoots() public view {
        _checkNothingClaimableFromUnfinalizedRoots();
    }

    function invariant_finalOnlyAfterWindow() public view {
        _checkFinalOnlyAfterWindow();
    }

    function invariant_accountingIsExact() public view {
        _checkAccountingIsExact();
    }
}

/// @notice One more campaign that checks every invariant after every call and counts what its
///         runs reach (a single invariant function, so its runs are counted one after another):
///         at least 70% of runs finalize a root, at least 50% pay a claim, and every action of
///         the handler (every state-changing function of the distributor) succeeds somewhere.
///         Figures: `POA_CAMPAIGN_REPORT=1 npx hardhat test solidity
///         test/distributor/RewardDistributor.invariant.t.sol --test-profile ci`.
contract RewardDistributorCampaignTest is RewardDistributorInvariants, Campaign {
    function invariant_everyInvariantAndReach() public view {
        _checkClaimedOnlyGrows();
        _checkClaimedAtMostLargestFinalizedLeaf();
        _checkClaimsWithinTotalAndSettledEscrow();
        _checkCorrectionsBlockNobody();
        _checkNothingClaimableFromUnfinalizedRoots();
        _checkFinalOnlyAfterWindow();
        _checkAccountingIsExact();
    }

    function _campaignName() internal pure override returns (string memory) {
        return "POA_CAMPAIGN_DISTRIBUTOR";
    }

    function _countRun() internal override {
        _count("finalized", handler.ghostFinalizedRoots() > 0 ? 1 : 0);
        _count("paidClaim", handler.ghostClaimsPaid() > 0 ? 1 : 0);
        _count("finalizedCorrection", handler.ghostCorrectionsFinalized() > 0 ? 1 : 0);
        _count("finalizedOverpaying", handler.ghostOverpayingRootsFinalized() > 0 ? 1 : 0);
        _count("rootsFinalized", handler.ghostFinalizedRoots());
        _count("claimsPaid", handler.ghostClaimsPaid());
        for (uint256 i = 0; i < handler.actionCount(); ++i) {
            string memory name = handler.actionNames(i);
            _count(name, handler.calls(name));
        }
    }

    function _checkFigures(uint256 runs) internal view override returns (string memory report) {
        report = string.concat(
            "campaign distributor: ",
            _runFigure("finalized", runs, 70),
            " ",
            _runFigure("paidClaim", runs, 50),
            " ",
            _runFigure("finalizedCorrection", runs, 0),
            " ",
            _runFigure("finalizedOverpaying", runs, 0),
            " rootsFinalized=",
            vm.toString(_counter("rootsFinalized")),
            " claimsPaid=",
            vm.toString(_counter("claimsPaid")),
            "; successful calls:"
        );
        for (uint256 i = 0; i < handler.actionCount(); ++i)
            report = string.concat(report, _callFigure(handler.actionNames(i)));
    }
}
