// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IErrors} from "./IErrors.sol";
import {ISemver} from "./ISemver.sol";

/// @title IGrantsVault
/// @notice OpenCircle grants in OPEN, paid by milestones, under governance.
///
///         Governance (the timelock, DEFAULT_ADMIN_ROLE) creates a grant for a grantee in one of
///         three tiers, whose amount bounds it sets. The grant is funded in full at creation:
///         the vault pulls the amount from the treasury (which holds OPEN and has approved the
///         vault for at least that amount; when the treasury is the timelock, the proposal does
///         `OPEN.approve(vault, amount)` and `createGrant` in one batch, so no allowance is left
///         standing). A grant is split into ordered milestones whose weights sum to exactly
///         10,000 basis points, each with a deadline for its evidence and a hash of what it
///         must deliver.
///
///         Release path of a milestone:
///         1. the grantee submits an evidence hash (a content id, a Datanet version root, a
///            model id...) no later than the milestone's deadline;
///         2. its tier's reviewer approves that exact evidence or rejects it. The reviewer is
///            the council (COUNCIL_ROLE) for Exploration and Building, and governance itself (a
///            proposal executed by the timelock) for Expansion. A rejected milestone can be
///            resubmitted (before its deadline);
///         3. an approval opens a veto window, during which the guardian (GUARDIAN_ROLE) may veto
///            it. A vetoed milestone pays nothing and goes back to the grantee, who may
///            resubmit, as after a rejection;
///         4. after the window, anyone may release it: the grantee receives the milestone's
///            share. Milestones are released strictly in order.
///
///         Governance may cancel an active grant at any time: everything not yet released goes
///         back to the treasury in the same transaction, and the grant never pays again.
///
///         Only a milestone whose current status is Approved, whose veto window has passed
///         and whose predecessors have all been released can pay. A rejection or a veto
///         overwrites the approval, so no earlier approval can be replayed (the bug of Allo
///         v2's milestone strategies, where a rejected milestone still paid out, cannot occur).
///
/// @dev    Amounts: a milestone pays `floor(amount * weightBps / 10_000)`, except the last one,
///         which pays whatever remains (so the grantee, not the vault, receives the rounding
///         dust, at most `milestoneCount - 1` wei). Accounting is internal: `totalUnreleased()`
///         is the sum of `amount - released` over active grants, and the vault's OPEN balance
///         equals it unless someone transfers OPEN to the vault directly (such a donation is
///         never paid out by this contract).
///
///         Token assumptions: OPEN is a standard ERC-20 without transfer fees, rebasing or
///         transfer hooks; amounts fit in 128 bits (OPEN's supply is 1e27 < 2^90).
///
///         Pausing (guardian) stops creation, evidence, reviews and releases; vetoes and
///         cancellations still work, so an incident can always be contained. Only governance
///         unpauses.
interface IGrantsVault is ISemver, IErrors {
    // ------------------------------------------------------------------------------------
    // Types
    // ------------------------------------------------------------------------------------

    /// @notice OpenCircle's funding tiers; each has governance-set amount bounds.
    enum Tier {
        Exploration,
        Building,
        Expansion
    }

    /// @notice Life of a grant. Ids start at 1; `None` marks an id never used.
    enum GrantStatus {
        None,
        Active,
        Completed,
        Cancelled
    }

    /// @notice Life of a milestone. Pending (no evidence yet), Submitted (waiting for review),
    ///         Approved (in or past its veto window), Rejected and Vetoed (waiting for new
    ///         evidence), Released (paid; final).
    enum MilestoneStatus {
        Pending,
        Submitted,
        Approved,
        Rejected,
        Vetoed,
        Released
    }

    /// @notice Inclusive bounds on a grant's amount in a tier (OPEN, 18 decimals).
    struct TierBounds {
        uint128 min;
        uint128 max;
    }

    /// @notice A milestone as governance defines it when creating a grant.
    /// @param weightBps Share of the grant, in basis points (all shares sum to 10,000).
    /// @param deadline  Last timestamp (inclusive) at which evidence may be submitted.
    /// @param specHash  Hash of what the milestone must deliver (its terms).
    struct MilestoneSpec {
        uint16 weightBps;
        uint64 deadline;
        bytes32 specHash;
    }

    /// @notice A grant.
    /// @param grantee         Receives every released milestone.
    /// @param tier            Fixes the amount bounds at creation and the reviewer for its life.
    /// @param status          Active until its last milestone is released or it is cancelled.
    /// @param milestoneCount  Number of milestones (1 to MAX_MILESTONES).
    /// @param nextMilestone   Index of the next milestone to release (== number released).
    /// @param amount          OPEN committed at creation.
    /// @param released        OPEN paid to the grantee so far.
    struct Grant {
        address grantee;
        Tier tier;
        GrantStatus status;
        uint8 milestoneCount;
        uint8 nextMilestone;
        uint128 amount;
        uint128 released;
    }

    /// @notice A milestone of a grant.
    /// @param weightBps     Share of the grant in basis points.
    /// @param status        Where it is on the release path.
    /// @param attempts      Evidence submissions so far (resubmissions after a rejection or a
    ///                      veto count too).
    /// @param deadline      Last timestamp at which evidence may be submitted.
    /// @param releasableAt  End of the veto window of the current approval (zero if none).
    /// @param specHash      What it must deliver.
    /// @param evidence      The last evidence submitted (zero if none).
    struct Milestone {
        uint16 weightBps;
        MilestoneStatus status;
        uint16 attempts;
        uint64 deadline;
        uint64 releasableAt;
        bytes32 specHash;
        bytes32 evidence;
    }

    // ------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------

    /// @notice Governance created grant `grantId`, funded with `amount` OPEN from `treasury`.
    /// @param termsHash Hash of the grant's agreement (emitted only).
    event GrantCreated(
        uint256 indexed grantId,
        address indexed grantee,
        Tier indexed tier,
        uint256 amount,
        uint256 milestoneCount,
        address treasury,
        bytes32 termsHash
    );

    /// @notice Milestone `index` of a new grant: one event per milestone, right after GrantCreated.
    event MilestoneScheduled(
        uint256 indexed grantId,
        uint256 indexed index,
        uint256 weightBps,
        uint256 deadline,
        bytes32 specHash
    );

    /// @notice The grantee submitted `evidence` for a milestone (`attempt` counts from 1).
    event EvidenceSubmitted(uint256 indexed grantId, uint256 indexed index, bytes32 evidence, uint256 attempt);

    /// @notice `reviewer` approved the milestone's `evidence`; it is releasable from `releasableAt`
    ///         unless vetoed before then.
    event MilestoneApproved(
        uint256 indexed grantId,
        uint256 indexed index,
        address indexed reviewer,
        bytes32 evidence,
        uint256 releasableAt
    );

    /// @notice `reviewer` rejected the milestone's evidence; the grantee may resubmit.
    event MilestoneRejected(uint256 indexed grantId, uint256 indexed index, address indexed reviewer, bytes32 reason);

    /// @notice `guardian` vetoed the milestone's approval within its window; the grantee may
    ///         resubmit.
    event MilestoneVetoed(uint256 indexed grantId, uint256 indexed index, address indexed guardian, bytes32 reason);

    /// @notice Milestone `index` paid `amount` OPEN to `grantee`; `caller` triggered it.
    event MilestoneReleased(
        uint256 indexed grantId,
        uint256 indexed index,
        address indexed grantee,
        uint256 amount,
        address caller
    );

    /// @notice The grant's last milestone was released: the grant is complete.
    event GrantCompleted(uint256 indexed grantId, uint256 totalReleased);

    /// @notice Governance cancelled the grant; `refund` OPEN (everything unreleased) went to
    ///         `treasury`.
    event GrantCancelled(uint256 indexed grantId, address indexed treasury, uint256 refund, bytes32 reason);

    /// @notice Governance set a tier's amount bounds (they apply to grants created from now on).
    event TierBoundsSet(Tier indexed tier, uint256 min, uint256 max);

    /// @notice Governance set the veto window (it applies to approvals from now on).
    event VetoWindowSet(uint256 previous, uint256 current);

    /// @notice Governance set the treasury (the source of new grants and the sink of refunds).
    event TreasurySet(address indexed previous, address indexed current);

    // ------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------

    /// @notice `grantee` cannot receive a grant (the zero address or the vault itself).
    error InvalidGrantee(address grantee);

    /// @notice No grant has id `grantId`.
    error UnknownGrant(uint256 grantId);

    /// @notice Grant `grantId` has no milestone `index` (it has `count`).
    error UnknownMilestone(uint256 grantId, uint256 index, uint256 count);

    /// @notice Grant `grantId` is `status`, not Active: it cannot change or pay any more.
    error GrantNotActive(uint256 grantId, GrantStatus status);

    /// @notice Only the grantee `grantee` may submit evidence for grant `grantId`, not `caller`.
    error NotGrantee(uint256 grantId, address caller, address grantee);

    /// @notice `amount` is outside tier `tier`'s bounds [`min`, `max`].
    error AmountOutsideTier(Tier tier, uint256 amount, uint256 min, uint256 max);

    /// @notice Bounds [`min`, `max`] are not valid for tier `tier` (need 0 < min <= max).
    error InvalidTierBounds(Tier tier, uint256 min, uint256 max);

    /// @notice A grant needs between 1 and `max` milestones; `count` were given.
    error MilestoneCountOutOfRange(uint256 count, uint256 max);

    /// @notice Milestone `index` has a zero weight.
    error ZeroWeight(uint256 index);

    /// @notice The milestone weights sum to `sumBps`, not 10,000.
    error WeightsNotWhole(uint256 sumBps);

    /// @notice Milestone `index`'s deadline `deadline` is before `notBefore` (the present, or
    ///         the previous milestone's deadline: deadlines never decrease).
    error DeadlineTooEarly(uint256 index, uint256 deadline, uint256 notBefore);

    /// @notice Evidence for milestone `index` of grant `grantId` was due by `deadline`; it is `nowTs`.
    error EvidenceAfterDeadline(uint256 grantId, uint256 index, uint256 deadline, uint256 nowTs);

    /// @notice A zero evidence hash was submitted.
    error ZeroEvidence();

    /// @notice Milestone `index` of grant `grantId` is `status`: evidence is accepted only when
    ///         it is Pending, Rejected or Vetoed.
    error EvidenceNotExpected(uint256 grantId, uint256 index, MilestoneStatus status);

    /// @notice Milestone `index` of grant `grantId` is `status`, not Submitted: nothing to review.
    error MilestoneNotSubmitted(uint256 grantId, uint256 index, MilestoneStatus status);

    /// @notice The reviewer approved `expected`, but the milestone's evidence is `submitted`.
    error EvidenceMismatch(uint256 grantId, uint256 index, bytes32 expected, bytes32 submitted);

    /// @notice Milestone `index` of grant `grantId` is `status`, not Approved: it cannot be
    ///         released or vetoed.
    error MilestoneNotApproved(uint256 grantId, uint256 index, MilestoneStatus status);

    /// @notice Milestone `index` of grant `grantId` was already released.
    error MilestoneAlreadyReleased(uint256 grantId, uint256 index);

    /// @notice Milestones are released in order: the next one of grant `grantId` is `next`, not `index`.
    error MilestoneOutOfOrder(uint256 grantId, uint256 index, uint256 next);

    /// @notice The veto window of milestone `index` of grant `grantId` runs until `releasableAt`;
    ///         it is `nowTs`.
    error VetoWindowOpen(uint256 grantId, uint256 index, uint256 releasableAt, uint256 nowTs);

    /// @notice The veto window of milestone `index` of grant `grantId` closed at `releasableAt`;
    ///         it is `nowTs`.
    error VetoWindowClosed(uint256 grantId, uint256 index, uint256 releasableAt, uint256 nowTs);

    /// @notice The veto window `window` is outside [`min`, `max`] seconds.
    error VetoWindowOutOfBounds(uint256 window, uint256 min, uint256 max);

    // ------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------

    /// @notice Creates a grant and funds it in full from the treasury. Only governance; not
    ///         while paused.
    /// @dev    Reverts unless: `grantee` is neither zero nor the vault; `amount` is within the
    ///         tier's bounds; there are 1 to MAX_MILESTONES milestones, each with a non-zero
    ///         weight, the weights summing to exactly 10,000; every deadline is in the future
    ///         and none is before the previous one; the treasury has approved the vault for
    ///         `amount` and holds it.
    /// @param grantee    Receives the released milestones.
    /// @param tier       The grant's tier.
    /// @param amount     OPEN committed (18 decimals).
    /// @param milestones The milestones, in release order.
    /// @param termsHash  Hash of the grant agreement (emitted only).
    /// @return grantId   The new grant's id (sequential from 1, never reused).
    function createGrant(
        address grantee,
        Tier tier,
        uint256 amount,
        MilestoneSpec[] calldata milestones,
        bytes32 termsHash
    ) external returns (uint256 grantId);

    /// @notice Cancels an active grant and returns everything not yet released to the
    ///         treasury. Only governance; works while paused. A cancelled grant never pays again.
    /// @param reason Hash of the reason (emitted only).
    /// @return refund The OPEN returned to the treasury.
    function cancelGrant(uint256 grantId, bytes32 reason) external returns (uint256 refund);

    /// @notice Sets a tier's amount bounds for grants created from now on. Only governance.
    function setTierBounds(Tier tier, uint128 min, uint128 max) external;

    /// @notice Sets the veto window (seconds, within [MIN_VETO_WINDOW, MAX_VETO_WINDOW]) for
    ///         approvals made from now on. Only governance.
    function setVetoWindow(uint256 window) external;

    /// @notice Sets the treasury that funds new grants and receives refunds. Only governance.
    function setTreasury(address treasury_) external;

    /// @notice Stops creation, evidence, reviews and releases. Only the guardian.
    function pause() external;

    /// @notice Resumes them. Only governance (the guardian can stop, never restart).
    function unpause() external;

    // ------------------------------------------------------------------------------------
    // Release path
    // ------------------------------------------------------------------------------------

    /// @notice Submits (or resubmits) evidence for a milestone. Only the grantee, no later
    ///         than the milestone's deadline, while the milestone is Pending, Rejected or Vetoed.
    function submitEvidence(uint256 grantId, uint256 index, bytes32 evidence) external;

    /// @notice Approves the milestone's submitted evidence, which must equal `evidence` (the
    ///         reviewer approves what it saw, never a later submission). Opens the veto window.
    ///         Only the tier's reviewer: COUNCIL_ROLE for Exploration and Building, governance
    ///         for Expansion.
    function approveMilestone(uint256 grantId, uint256 index, bytes32 evidence) external;

    /// @notice Rejects the milestone's submitted evidence; the grantee may resubmit. Only the
    ///         tier's reviewer.
    /// @param reason Hash of the review (emitted only).
    function rejectMilestone(uint256 grantId, uint256 index, bytes32 reason) external;

    /// @notice Vetoes an approved milestone before its veto window closes; the grantee may
    ///         resubmit. Only the guardian; works while paused.
    /// @param reason Hash of the reason (emitted only).
    function vetoMilestone(uint256 grantId, uint256 index, bytes32 reason) external;

    /// @notice Pays an approved milestone whose veto window has passed to the grantee. Anyone
    ///         may call; milestones are released strictly in order; not while paused.
    /// @return amount The OPEN paid.
    function release(uint256 grantId, uint256 index) external returns (uint256 amount);

    // ------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------

    /// @notice The OPEN token.
    function token() external view returns (address);

    /// @notice Funds new grants and receives refunds (the timelock in production).
    function treasury() external view returns (address);

    /// @notice Seconds between an approval and the earliest release.
    function vetoWindow() external view returns (uint256);

    /// @notice A tier's amount bounds.
    function tierBounds(Tier tier) external view returns (TierBounds memory);

    /// @notice Number of grants ever created (the last id).
    function grantCount() external view returns (uint256);

    /// @notice A grant (reverts with UnknownGrant for an unused id).
    function getGrant(uint256 grantId) external view returns (Grant memory);

    /// @notice A milestone of a grant (reverts for an unknown grant or index).
    function getMilestone(uint256 grantId, uint256 index) external view returns (Milestone memory);

    /// @notice What milestone `index` pays when released (its weighted share; the remainder for
    ///         the last one).
    function milestoneAmount(uint256 grantId, uint256 index) external view returns (uint256);

    /// @notice Whether `release(grantId, index)` would pay now (ignoring pause).
    function releasable(uint256 grantId, uint256 index) external view returns (bool);

    /// @notice OPEN committed to active grants and not yet released: what the vault owes.
    function totalUnreleased() external view returns (uint256);
}
