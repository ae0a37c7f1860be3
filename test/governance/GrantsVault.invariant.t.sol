// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {GrantsVault} from "../../contracts/grants/GrantsVault.sol";
import {IGrantsVault} from "../../contracts/interfaces/IGrantsVault.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";

/// @dev The cheatcodes the reach accounting needs (process environment, which survives the
///      state reset between invariant runs).
interface VmEnv {
    function setEnv(string calldata name, string calldata value) external;
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256 value);
}

/// @notice Drives the vault through grant creation, evidence, reviews, vetoes, releases (of
///         any milestone of any grant, in or out of order, approved or not), cancellations
///         and time, against its own model of what each call should do. Every call's outcome
///         (success or revert) is compared with the model; a disagreement, a payment the model
///         forbids or a wrong amount is recorded in ghost state for the invariants to read. The
///         handler itself asserts nothing (the suite runs with failOnRevert: false).
contract GrantsHandler is Test {
    uint256 internal constant MAX_GRANTS = 8;
    uint256 internal constant MAX_MILESTONES = 4;
    uint256 internal constant GRANTEES = 3;
    uint256 internal constant NONE = type(uint256).max;

    GrantsVault public immutable vault;
    L2OpenToken public immutable open;
    address public immutable governance;
    address internal immutable council;
    address internal immutable guardian;
    address[GRANTEES] public grantees;

    /// @dev The model of a milestone (mirrors IGrantsVault.Milestone).
    struct GhostMilestone {
        IGrantsVault.MilestoneStatus status;
        uint16 weightBps;
        uint64 deadline;
        uint64 releasableAt;
        bytes32 evidence;
        uint256 paid;
    }

    /// @dev The model of a grant.
    struct GhostGrant {
        address grantee;
        IGrantsVault.Tier tier;
        IGrantsVault.GrantStatus status;
        uint256 amount;
        uint256 released;
        uint256 count;
        uint256 next;
        uint256 releasedWhenCancelled;
    }

    GhostGrant[] internal _grants; // index = grantId - 1
    mapping(uint256 grantId => GhostMilestone[]) internal _milestones;

    // Violations (read by the invariants).
    uint256 public ghostForbiddenPayments; // a release the model forbids went through
    uint256 public ghostWrongAmounts; // a release paid other than the weighted share
    uint256 public ghostPaidAfterCancel; // a cancelled grant paid anything
    string public ghostDivergence; // first call whose outcome the model did not predict

    // Totals.
    uint256 public ghostTotalGranted;
    uint256 public ghostTotalReleased;
    uint256 public ghostTotalRefunded;

    // How often the guarded states were reached (per run).
    uint256 public releases;
    uint256 public cancellations;
    uint256 public rejections;
    uint256 public resubmissionsAfterRejection;
    uint256 public vetoes;
    uint256 public refusedReleases; // releases of unapproved, vetoed, early, out-of-order or dead milestones
    uint256 public refusedOutOfOrder; // of which: an approved milestone past its window, before its predecessor
    uint256 public refusedRejectedOrVetoed; // of which: a rejected or vetoed milestone (Allo v2's bug)

    constructor(GrantsVault vault_, L2OpenToken open_, address governance_, address council_, address guardian_) {
        vault = vault_;
        open = open_;
        governance = governance_;
        council = council_;
        guardian = guardian_;
        for (uint256 i = 0; i < GRANTEES; ++i) grantees[i] = makeAddr(string.concat("grantee", vm.toString(i)));
    }

    // ------------------------------------------------------------------------------------
    // Actions
    // ------------------------------------------------------------------------------------

    function createGrant(uint256 seed, uint256 amountSeed) external {
        if (_grants.length >= MAX_GRANTS) return;
        IGrantsVault.Tier tier = IGrantsVault.Tier(seed % 3);
        IGrantsVault.TierBounds memory b = vault.tierBounds(tier);
        uint256 amount = bound(amountSeed, b.min, b.max);
        IGrantsVault.MilestoneSpec[] memory specs = _specs(seed);
        uint256 n = specs.length;
        address grantee = grantees[(seed >> 16) % GRANTEES];
        vm.prank(governance);
        uint256 id = vault.createGrant(grantee, tier, amount, specs, bytes32(seed));
        if (id != _grants.length + 1) _diverge("createGrant: unexpected id");
        _grants.push(
            GhostGrant({
                grantee: grantee,
                tier: tier,
                status: IGrantsVault.GrantStatus.Active,
                amount: amount,
                released: 0,
                count: n,
                next: 0,
                releasedWhenCancelled: 0
            })
        );
        for (uint256 i = 0; i < n; ++i) {
            _milestones[id].push(
                GhostMilestone({
                    status: IGrantsVault.MilestoneStatus.Pending,
                    weightBps: specs[i].weightBps,
                    deadline: specs[i].deadline,
                    releasableAt: 0,
                    evidence: bytes32(0),
                    paid: 0
                })
            );
        }
        ghostTotalGranted += amount;
    }

    /// @dev Submits for a milestone that accepts evidence (in the model) or, one call in four,
    ///      for any milestone (which the vault may refuse).
    function submitEvidence(uint256 grantSeed, uint256 indexSeed) external {
        (bool found, uint256 id) = _pickGrant(grantSeed, true);
        if (!found) return;
        uint256 index =
            indexSeed % 4 == 3 ? (indexSeed >> 2) % _grants[id - 1].count : _find(id, indexSeed, _acceptsEvidence);
        if (index != NONE) _submit(id, index, indexSeed);
    }

    /// @dev The tier's reviewer approves or rejects a Submitted milestone.
    function review(uint256 grantSeed, uint256 indexSeed, bool approve) external {
        (bool found, uint256 id) = _pickGrant(grantSeed, true);
        if (!found) return;
        uint256 index = _find(id, indexSeed, _isSubmitted);
        if (index != NONE) _review(id, index, approve);
    }

    /// @dev The guardian vetoes an Approved milestone (refused once its window has closed).
    function veto(uint256 grantSeed, uint256 indexSeed) external {
        (bool found, uint256 id) = _pickGrant(grantSeed, true);
        if (!found) return;
        uint256 index = _find(id, indexSeed, _isApproved);
        if (index != NONE) _veto(id, index);
    }

    /// @dev Anyone releases: the next milestone of a live grant when `inOrder`, otherwise any
    ///      milestone of any grant (completed and cancelled ones included), which is how the
    ///      campaign tries out-of-order, unapproved, rejected, vetoed, early and dead releases.
    function release(uint256 grantSeed, uint256 indexSeed, bool inOrder) external {
        (bool found, uint256 id) = _pickGrant(grantSeed, inOrder);
        if (!found) return;
        GhostGrant storage g = _grants[id - 1];
        _release(id, inOrder && g.next < g.count ? g.next : indexSeed % g.count);
    }

    /// @dev Governance cancels a live grant (one call in four, so grants live long enough to pay).
    function cancelGrant(uint256 grantSeed) external {
        if (grantSeed % 4 != 0) return;
        (bool found, uint256 id) = _pickGrant(grantSeed >> 2, true);
        if (!found) return;
        GhostGrant storage g = _grants[id - 1];
        uint256 treasuryBefore = open.balanceOf(governance);
        vm.prank(governance);
        try vault.cancelGrant(id, bytes32(0)) returns (uint256 refund) {
            uint256 received = open.balanceOf(governance) - treasuryBefore;
            if (refund != g.amount - g.released || received != refund) ++ghostWrongAmounts;
            g.status = IGrantsVault.GrantStatus.Cancelled;
            g.releasedWhenCancelled = g.released;
            ghostTotalRefunded += received;
            ++cancellations;
        } catch {
            _diverge("cancelGrant refused a live grant");
        }
    }

    /// @dev Takes the oldest live grant's next milestone (or, one call in three, the one after
    ///      it, whose release must then wait for its predecessor: out-of-order releases are
    ///      tried and refused) one to six steps along its path: evidence for a Pending,
    ///      Rejected or Vetoed one (after, one time in three, an attempt to release it);
    ///      approval (two times in three) or rejection for a Submitted
    ///      one; for an Approved one still in its window, a veto (one time in two) or the wait
    ///      until the window closes; after the window, the release.
    function advance(uint256 seed) external {
        bool ahead = seed % 3 == 0;
        uint256 steps = 1 + ((seed / 5) % 6);
        for (uint256 k = 0; k < steps; ++k) _step(ahead, uint256(keccak256(abi.encode(seed, k))));
    }

    function _step(bool ahead, uint256 seed) internal {
        (bool found, uint256 id) = _focus();
        if (!found) return;
        GhostGrant storage g = _grants[id - 1];
        uint256 index = ahead && g.next + 1 < g.count ? g.next + 1 : g.next;
        GhostMilestone storage m = _milestones[id][index];
        IGrantsVault.MilestoneStatus s = m.status;
        // Allo v2's bug was paying a rejected milestone: try that one time in three first.
        bool refusedBefore = s == IGrantsVault.MilestoneStatus.Rejected || s == IGrantsVault.MilestoneStatus.Vetoed;
        if (refusedBefore && seed % 3 == 0) return _release(id, index);
        if (_acceptsEvidence(s)) return _submit(id, index, seed);
        if (s == IGrantsVault.MilestoneStatus.Submitted) return _review(id, index, seed % 3 != 0);
        if (block.timestamp >= m.releasableAt) return _release(id, index);
        if (seed % 2 == 0) return _veto(id, index);
        vm.warp(m.releasableAt);
    }

    function advanceTime(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1 hours, 5 days));
    }

    // ------------------------------------------------------------------------------------
    // Calls to the vault, each checked against the model
    // ------------------------------------------------------------------------------------

    function _submit(uint256 id, uint256 index, uint256 salt) internal {
        GhostMilestone storage m = _milestones[id][index];
        bool expected = _acceptsEvidence(m.status) && block.timestamp <= m.deadline;
        bool wasRejected = m.status == IGrantsVault.MilestoneStatus.Rejected;
        bytes32 evidence = keccak256(abi.encode(id, index, block.timestamp, salt));
        vm.prank(_grants[id - 1].grantee);
        try vault.submitEvidence(id, index, evidence) {
            if (!expected) return _diverge("submitEvidence accepted what the model refuses");
            m.status = IGrantsVault.MilestoneStatus.Submitted;
            m.evidence = evidence;
            m.releasableAt = 0;
            if (wasRejected) ++resubmissionsAfterRejection;
        } catch {
            if (expected) _diverge("submitEvidence refused what the model accepts");
        }
    }

    function _review(uint256 id, uint256 index, bool approve) internal {
        GhostMilestone storage m = _milestones[id][index];
        address reviewer = _grants[id - 1].tier == IGrantsVault.Tier.Expansion ? governance : council;
        vm.prank(reviewer);
        if (approve) {
            try vault.approveMilestone(id, index, m.evidence) {
                m.status = IGrantsVault.MilestoneStatus.Approved;
                m.releasableAt = uint64(block.timestamp + vault.vetoWindow());
            } catch {
                _diverge("approveMilestone refused a submitted milestone");
            }
        } else {
            try vault.rejectMilestone(id, index, bytes32(0)) {
                m.status = IGrantsVault.MilestoneStatus.Rejected;
                ++rejections;
            } catch {
                _diverge("rejectMilestone refused a submitted milestone");
            }
        }
    }

    function _veto(uint256 id, uint256 index) internal {
        GhostMilestone storage m = _milestones[id][index];
        bool expected = block.timestamp < m.releasableAt;
        vm.prank(guardian);
        try vault.vetoMilestone(id, index, bytes32(0)) {
            if (!expected) return _diverge("vetoMilestone accepted after the window");
            m.status = IGrantsVault.MilestoneStatus.Vetoed;
            m.releasableAt = 0;
            ++vetoes;
        } catch {
            if (expected) _diverge("vetoMilestone refused within the window");
        }
    }

    function _release(uint256 id, uint256 index) internal {
        GhostGrant storage g = _grants[id - 1];
        GhostMilestone storage m = _milestones[id][index];
        bool allowed =
            g.status == IGrantsVault.GrantStatus.Active &&
                index == g.next &&
                m.status == IGrantsVault.MilestoneStatus.Approved &&
                block.timestamp >= m.releasableAt;
        uint256 expectedAmount = _share(g, m, index);
        uint256 before = open.balanceOf(g.grantee);
        try vault.release(id, index) returns (uint256 amount) {
            uint256 received = open.balanceOf(g.grantee) - before;
            if (!allowed) ++ghostForbiddenPayments;
            if (g.status == IGrantsVault.GrantStatus.Cancelled) ++ghostPaidAfterCancel;
            if (amount != expectedAmount || received != expectedAmount) ++ghostWrongAmounts;
            m.status = IGrantsVault.MilestoneStatus.Released;
            m.paid = received;
            g.released += received;
            g.next = index + 1;
            if (g.next == g.count) g.status = IGrantsVault.GrantStatus.Completed;
            ghostTotalReleased += received;
            ++releases;
        } catch {
            if (allowed) return _diverge("release refused a releasable milestone");
            ++refusedReleases;
            if (m.status == IGrantsVault.MilestoneStatus.Rejected || m.status == IGrantsVault.MilestoneStatus.Vetoed)
                ++refusedRejectedOrVetoed;
            if (
                g.status == IGrantsVault.GrantStatus.Active &&
                index > g.next &&
                m.status == IGrantsVault.MilestoneStatus.Approved &&
                block.timestamp >= m.releasableAt
            ) ++refusedOutOfOrder;
        }
    }

    // ------------------------------------------------------------------------------------
    // Views for the invariants
    // ------------------------------------------------------------------------------------

    function grantCount() external view returns (uint256) {
        return _grants.length;
    }

    function ghostGrant(uint256 id) external view returns (GhostGrant memory) {
        return _grants[id - 1];
    }

    function ghostMilestone(uint256 id, uint256 index) external view returns (GhostMilestone memory) {
        return _milestones[id][index];
    }

    // ------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------

    /// @dev 1 to MAX_MILESTONES milestones with random non-zero weights summing to 10,000 and
    ///      deadlines 10 to 40 days apart.
    function _specs(uint256 seed) internal view returns (IGrantsVault.MilestoneSpec[] memory specs) {
        uint256 n = 1 + ((seed >> 8) % MAX_MILESTONES);
        specs = new IGrantsVault.MilestoneSpec[](n);
        uint256 left = 10_000;
        uint256 deadline = block.timestamp;
        for (uint256 i = 0; i < n; ++i) {
            uint256 w = i + 1 == n ? left : bound(uint256(keccak256(abi.encode(seed, "w", i))), 1, left - (n - 1 - i));
            left -= w;
            deadline += bound(uint256(keccak256(abi.encode(seed, "d", i))), 10 days, 40 days);
            specs[i] = IGrantsVault.MilestoneSpec(uint16(w), uint64(deadline), keccak256(abi.encode(seed, i)));
        }
    }

    /// @dev A grant id from `seed`: any grant, or (when `liveOnly`) an active one. On an even
    ///      seed, the oldest active grant (so that successive actions work on one grant and
    ///      release paths complete within a run); otherwise the first from `seed / 2` on.
    function _pickGrant(uint256 seed, bool liveOnly) internal view returns (bool found, uint256 id) {
        uint256 n = _grants.length;
        if (n == 0) return (false, 0);
        if (seed % 2 == 0) {
            (found, id) = _focus();
            if (found) return (found, id);
        }
        seed >>= 1;
        for (uint256 k = 0; k < n; ++k) {
            uint256 i = (seed + k) % n;
            if (!liveOnly || _grants[i].status == IGrantsVault.GrantStatus.Active) return (true, i + 1);
        }
        return (false, 0);
    }

    /// @dev The oldest active grant, if any.
    function _focus() internal view returns (bool found, uint256 id) {
        for (uint256 i = 0; i < _grants.length; ++i)
            if (_grants[i].status == IGrantsVault.GrantStatus.Active) return (true, i + 1);
        return (false, 0);
    }

    /// @dev A milestone whose model status satisfies `pred`, or NONE: on an even `seed` the next
    ///      one to release if it qualifies, otherwise the first from `seed / 2` on, cyclically.
    function _find(
        uint256 id,
        uint256 seed,
        function(IGrantsVault.MilestoneStatus) pure returns (bool) pred
    ) internal view returns (uint256) {
        GhostGrant storage g = _grants[id - 1];
        uint256 n = g.count;
        if (seed % 2 == 0 && g.next < n && pred(_milestones[id][g.next].status)) return g.next;
        seed >>= 1;
        for (uint256 k = 0; k < n; ++k) {
            uint256 i = (seed + k) % n;
            if (pred(_milestones[id][i].status)) return i;
        }
        return NONE;
    }

    function _acceptsEvidence(IGrantsVault.MilestoneStatus s) internal pure returns (bool) {
        return
            s == IGrantsVault.MilestoneStatus.Pending ||
            s == IGrantsVault.MilestoneStatus.Rejected ||
            s == IGrantsVault.MilestoneStatus.Vetoed;
    }

    function _isSubmitted(IGrantsVault.MilestoneStatus s) internal pure returns (bool) {
        return s == IGrantsVault.MilestoneStatus.Submitted;
    }

    function _isApproved(IGrantsVault.MilestoneStatus s) internal pure returns (bool) {
        return s == IGrantsVault.MilestoneStatus.Approved;
    }

    /// @dev The model's share: weighted and rounded down, the last milestone the remainder.
    function _share(GhostGrant storage g, GhostMilestone storage m, uint256 index) internal view returns (uint256) {
        if (index + 1 < g.count) return (g.amount * m.weightBps) / 10_000;
        return g.amount - g.released;
    }

    function _diverge(string memory what) internal {
        if (bytes(ghostDivergence).length == 0) ghostDivergence = what;
    }
}

/// @notice Shared setup: the real bridged OPEN, a vault governed (and funded) by one account in
///         the timelock's place, and the handler as the only fuzzed target.
abstract contract GrantsInvariantBase is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;
    uint256 internal constant OPEN = 1e18;
    uint256 internal constant TREASURY_FUNDS = 1_000_000_000 * OPEN;

    L2OpenToken internal open;
    GrantsVault internal vault;
    GrantsHandler internal handler;
    address internal governance = makeAddr("governance (timelock)");

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        open = new L2OpenToken(makeAddr("l1Open"));
        IGrantsVault.TierBounds[3] memory b;
        b[0] = IGrantsVault.TierBounds(uint128(25_000 * OPEN), uint128(50_000 * OPEN));
        b[1] = IGrantsVault.TierBounds(uint128(50_000 * OPEN), uint128(150_000 * OPEN));
        b[2] = IGrantsVault.TierBounds(uint128(250_000 * OPEN), uint128(500_000 * OPEN));
        address council = makeAddr("council");
        address guardian = makeAddr("guardian");
        vault = new GrantsVault(IERC20(address(open)), governance, governance, council, guardian, b, 1 days);
        vm.prank(BRIDGE);
        open.mint(governance, TREASURY_FUNDS);
        vm.prank(governance);
        open.approve(address(vault), type(uint256).max);
        handler = new GrantsHandler(vault, open, governance, council, guardian);
        // Only the actions: the handler's views and the test base's getters would waste calls.
        bytes4[] memory actions = new bytes4[](8);
        actions[0] = GrantsHandler.createGrant.selector;
        actions[1] = GrantsHandler.submitEvidence.selector;
        actions[2] = GrantsHandler.review.selector;
        actions[3] = GrantsHandler.veto.selector;
        actions[4] = GrantsHandler.release.selector;
        actions[5] = GrantsHandler.cancelGrant.selector;
        actions[6] = GrantsHandler.advanceTime.selector;
        actions[7] = GrantsHandler.advance.selector;
        // Two grants to start with, so that every run can make progress from its first call:
        // an Exploration grant of four milestones and an Expansion grant of three.
        handler.createGrant(3 << 8, 0);
        handler.createGrant(2 | (2 << 8), 0);
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: actions}));
    }
}

/// @notice Invariant 7 of ARCHITECTURE.md and issue 14's list, each a named property.
contract GrantsVaultInvariantTest is GrantsInvariantBase {
    string internal constant INV_ONLY_APPROVED_IN_ORDER =
        "INV_ONLY_APPROVED_IN_ORDER: only approved, unvetoed milestones past their veto window pay, in order";
    string internal constant INV_RELEASED_LE_GRANTED = "INV_RELEASED_LE_GRANTED: released <= granted, per grant";
    string internal constant INV_BALANCE_EQ_UNRELEASED =
        "INV_BALANCE_EQ_UNRELEASED: vault OPEN balance == sum over live grants of (granted - released)";
    string internal constant INV_CANCELLED_PAYS_NOTHING =
        "INV_CANCELLED_PAYS_NOTHING: a cancelled grant pays nothing more";
    string internal constant INV_MODEL = "the vault did what the model of the release path predicts";

    function invariant_modelAgrees() public view {
        string memory divergence = handler.ghostDivergence();
        assertEq(bytes(divergence).length, 0, string.concat(INV_MODEL, "; first divergence: ", divergence));
        for (uint256 id = 1; id <= handler.grantCount(); ++id) {
            GrantsHandler.GhostGrant memory gg = handler.ghostGrant(id);
            IGrantsVault.Grant memory g = vault.getGrant(id);
            assertEq(uint256(g.status), uint256(gg.status), INV_MODEL);
            for (uint256 i = 0; i < gg.count; ++i) {
                IGrantsVault.Milestone memory m = vault.getMilestone(id, i);
                GrantsHandler.GhostMilestone memory gm = handler.ghostMilestone(id, i);
                assertEq(uint256(m.status), uint256(gm.status), INV_MODEL);
                assertEq(m.evidence, gm.evidence, INV_MODEL);
                assertEq(uint256(m.releasableAt), uint256(gm.releasableAt), INV_MODEL);
            }
        }
    }

    /// @dev No forbidden payment ever went through, and the milestones paid are exactly a
    ///      prefix: 0 .. next-1 released, next .. count-1 not.
    function invariant_onlyApprovedUnvetoedPayInOrder() public view {
        assertEq(handler.ghostForbiddenPayments(), 0, INV_ONLY_APPROVED_IN_ORDER);
        assertEq(handler.ghostWrongAmounts(), 0, INV_ONLY_APPROVED_IN_ORDER);
        for (uint256 id = 1; id <= handler.grantCount(); ++id) {
            IGrantsVault.Grant memory g = vault.getGrant(id);
            uint256 paidSum;
            for (uint256 i = 0; i < g.milestoneCount; ++i) {
                bool released = vault.getMilestone(id, i).status == IGrantsVault.MilestoneStatus.Released;
                assertEq(released, i < g.nextMilestone, INV_ONLY_APPROVED_IN_ORDER);
                paidSum += handler.ghostMilestone(id, i).paid;
            }
            assertEq(paidSum, g.released, INV_ONLY_APPROVED_IN_ORDER);
        }
    }

    function invariant_releasedAtMostGranted() public view {
        uint256 released;
        for (uint256 id = 1; id <= handler.grantCount(); ++id) {
            IGrantsVault.Grant memory g = vault.getGrant(id);
            assertLe(g.released, g.amount, INV_RELEASED_LE_GRANTED);
            if (g.status == IGrantsVault.GrantStatus.Completed)
                assertEq(g.released, g.amount, "a completed grant paid exactly its amount");
            released += g.released;
        }
        assertEq(released, handler.ghostTotalReleased(), INV_RELEASED_LE_GRANTED);
    }

    function invariant_balanceEqualsUnreleased() public view {
        uint256 unreleased;
        for (uint256 id = 1; id <= handler.grantCount(); ++id) {
            IGrantsVault.Grant memory g = vault.getGrant(id);
            if (g.status == IGrantsVault.GrantStatus.Active) unreleased += g.amount - g.released;
        }
        assertEq(vault.totalUnreleased(), unreleased, INV_BALANCE_EQ_UNRELEASED);
        assertEq(open.balanceOf(address(vault)), unreleased, INV_BALANCE_EQ_UNRELEASED);
        // Conservation: whatever left the treasury is in the vault, with grantees, or back.
        assertEq(
            handler.ghostTotalGranted(),
            unreleased + handler.ghostTotalReleased() + handler.ghostTotalRefunded(),
            INV_BALANCE_EQ_UNRELEASED
        );
        assertEq(
            open.balanceOf(governance),
            TREASURY_FUNDS - handler.ghostTotalGranted() + handler.ghostTotalRefunded(),
            "treasury == funds - granted + refunded"
        );
    }

    function invariant_cancelledGrantPaysNothingMore() public view {
        assertEq(handler.ghostPaidAfterCancel(), 0, INV_CANCELLED_PAYS_NOTHING);
        for (uint256 id = 1; id <= handler.grantCount(); ++id) {
            IGrantsVault.Grant memory g = vault.getGrant(id);
            if (g.status != IGrantsVault.GrantStatus.Cancelled) continue;
            assertEq(g.released, handler.ghostGrant(id).releasedWhenCancelled, INV_CANCELLED_PAYS_NOTHING);
        }
    }
}

/// @notice The same campaign, measuring how often each guarded state is reached: after every
///         run it adds the run to per-state counters kept in the process environment (they
///         survive the state reset between runs) and, once 32 runs are in, fails unless every
///         guarded state was reached in more than half of the runs so far. With
///         GRANTS_REACH_REPORT=<runs> set, the run numbered <runs> fails on purpose and prints the
///         counters (the way to read the figures, e.g. 256 at the ci profile).
contract GrantsVaultReachTest is GrantsInvariantBase {
    VmEnv internal constant ENV = VmEnv(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant WARM_UP_RUNS = 32;

    /// @dev Also a real check, so this campaign cannot pass on a broken vault.
    function invariant_reachCampaignAgreesWithModel() public view {
        string memory divergence = handler.ghostDivergence();
        assertEq(bytes(divergence).length, 0, string.concat("model; first divergence: ", divergence));
        assertEq(handler.ghostForbiddenPayments(), 0, "forbidden payment");
        assertEq(open.balanceOf(address(vault)), vault.totalUnreleased(), "balance");
    }

    function afterInvariant() public {
        uint256[8] memory c;
        c[0] = _bump("GRANTS_REACH_RUNS", true);
        c[1] = _bump("GRANTS_REACH_RELEASED", handler.releases() > 0);
        c[2] = _bump("GRANTS_REACH_CANCELLED", handler.cancellations() > 0);
        c[3] = _bump("GRANTS_REACH_RESUBMITTED", handler.resubmissionsAfterRejection() > 0);
        c[4] = _bump("GRANTS_REACH_VETOED", handler.vetoes() > 0);
        c[5] = _bump("GRANTS_REACH_REFUSED", handler.refusedReleases() > 0);
        c[6] = _bump("GRANTS_REACH_OUT_OF_ORDER", handler.refusedOutOfOrder() > 0);
        c[7] = _bump("GRANTS_REACH_REJECTED_RELEASE", handler.refusedRejectedOrVetoed() > 0);
        uint256 runs = c[0];
        string memory report = _report(c);
        if (runs == ENV.envOr("GRANTS_REACH_REPORT", uint256(0))) assertEq(runs, 0, report);
        if (runs < WARM_UP_RUNS) return;
        assertGt(c[1] * 2, runs, string.concat("released milestones in a minority of runs; ", report));
        assertGt(c[2] * 2, runs, string.concat("cancellations in a minority of runs; ", report));
        assertGt(c[3] * 2, runs, string.concat("rejections+resubmissions in a minority of runs; ", report));
        assertGt(c[4] * 2, runs, string.concat("vetoes in a minority of runs; ", report));
        assertGt(c[5] * 2, runs, string.concat("refused releases in a minority of runs; ", report));
        assertGt(c[7] * 2, runs, string.concat("releases of rejected/vetoed milestones in a minority; ", report));
        // A rarer path (it needs a later milestone approved and past its window first): at
        // least one run in ten.
        assertGt(c[6] * 10, runs, string.concat("out-of-order releases in under a tenth of runs; ", report));
    }

    function _report(uint256[8] memory c) internal pure returns (string memory) {
        string memory head = string.concat(
            "runs ",
            vm.toString(c[0]),
            ": released ",
            vm.toString(c[1]),
            ", cancelled ",
            vm.toString(c[2]),
            ", rejected+resubmitted ",
            vm.toString(c[3])
        );
        return
            string.concat(
                head,
                ", vetoed ",
                vm.toString(c[4]),
                ", refused releases ",
                vm.toString(c[5]),
                " (out of order ",
                vm.toString(c[6]),
                ", rejected or vetoed ",
                vm.toString(c[7]),
                ")"
            );
    }

    function _bump(string memory name, bool reached) internal returns (uint256 count) {
        count = ENV.envOr(name, uint256(0)) + (reached ? 1 : 0);
        ENV.setEnv(name, vm.toString(count));
    }
}
