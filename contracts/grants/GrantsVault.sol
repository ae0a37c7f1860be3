// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IGrantsVault} from "../interfaces/IGrantsVault.sol";
import {ISemver} from "../interfaces/ISemver.sol";

/// @title GrantsVault
/// @notice OpenCircle: governance-created OPEN grants in three tiers, funded in full at creation
///         and released milestone by milestone after review and a veto window.
/// @dev    Roles: DEFAULT_ADMIN_ROLE is governance (the timelock): it creates and cancels
///         grants, sets the parameters, reviews Expansion milestones and unpauses. COUNCIL_ROLE
///         reviews Exploration and Building milestones. GUARDIAN_ROLE pauses and vetoes; it has
///         no path to any token transfer. Every transfer (funding in, release and refund out) is
///         guarded against re-entry and made after the state it depends on is written.
contract GrantsVault is IGrantsVault, AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Reviews Exploration and Building milestones.
    bytes32 public constant COUNCIL_ROLE = keccak256("COUNCIL_ROLE");

    /// @notice Pauses and vetoes approvals; never moves funds.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Most milestones a grant may have (bounds the creation loop and `milestoneAmount`).
    uint256 public constant MAX_MILESTONES = 16;

    /// @notice Basis points in a whole grant.
    uint256 public constant BPS = 10_000;

    /// @notice Shortest veto window governance may set: enough for a guardian to react.
    uint256 public constant MIN_VETO_WINDOW = 1 hours;

    /// @notice Longest veto window governance may set, so payments cannot be frozen by it.
    uint256 public constant MAX_VETO_WINDOW = 30 days;

    /// @dev The OPEN token (read through `token()`).
    IERC20 internal immutable _OPEN;

    address private _treasury;
    uint256 private _vetoWindow;
    uint256 private _grantCount;
    uint256 private _totalUnreleased;
    mapping(Tier tier => TierBounds bounds) private _tierBounds;
    mapping(uint256 grantId => Grant grant) private _grants;
    mapping(uint256 grantId => Milestone[] milestones) private _milestones;

    /// @param open         The OPEN token.
    /// @param governance   DEFAULT_ADMIN_ROLE: the timelock.
    /// @param treasury_    Funds grants and receives refunds (the timelock in production).
    /// @param council      COUNCIL_ROLE: reviews Exploration and Building milestones.
    /// @param guardian     GUARDIAN_ROLE: pauses and vetoes.
    /// @param bounds       Initial bounds of Exploration, Building and Expansion, in that order.
    /// @param vetoWindow_  Initial veto window (seconds).
    constructor(
        IERC20 open,
        address governance,
        address treasury_,
        address council,
        address guardian,
        TierBounds[3] memory bounds,
        uint256 vetoWindow_
    ) {
        require(address(open) != address(0), ZeroAddress());
        require(governance != address(0), ZeroAddress());
        require(council != address(0), ZeroAddress());
        require(guardian != address(0), ZeroAddress());
        _OPEN = open;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(COUNCIL_ROLE, council);
        _grantRole(GUARDIAN_ROLE, guardian);
        _setTreasury(treasury_);
        _setVetoWindow(vetoWindow_);
        for (uint256 t = 0; t < 3; ++t) _setTierBounds(Tier(t), bounds[t].min, bounds[t].max);
    }

    // ------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------

    /// @inheritdoc IGrantsVault
    function createGrant(
        address grantee,
        Tier tier,
        uint256 amount,
        MilestoneSpec[] calldata milestones,
        bytes32 termsHash
    ) external onlyRole(DEFAULT_ADMIN_ROLE) whenNotPaused nonReentrant returns (uint256 grantId) {
        require(grantee != address(0) && grantee != address(this), InvalidGrantee(grantee));
        TierBounds memory b = _tierBounds[tier];
        require(amount >= b.min && amount <= b.max, AmountOutsideTier(tier, amount, b.min, b.max));
        uint256 n = milestones.length;
        require(n != 0 && n <= MAX_MILESTONES, MilestoneCountOutOfRange(n, MAX_MILESTONES));

        grantId = ++_grantCount;
        // amount <= b.max < 2^128 and n <= 16 < 2^8: the casts are exact.
        _grants[grantId] = Grant({
            grantee: grantee,
            tier: tier,
            status: GrantStatus.Active,
            milestoneCount: uint8(n),
            nextMilestone: 0,
            amount: uint128(amount),
            released: 0
        });
        address from = _treasury;
        emit GrantCreated(grantId, grantee, tier, amount, n, from, termsHash);

        Milestone[] storage stored = _milestones[grantId];
        uint256 sum;
        uint256 notBefore = block.timestamp + 1;
        for (uint256 i = 0; i < n; ++i) {
            MilestoneSpec calldata s = milestones[i];
            require(s.weightBps != 0, ZeroWeight(i));
            require(s.deadline >= notBefore, DeadlineTooEarly(i, s.deadline, notBefore));
            notBefore = s.deadline;
            sum += s.weightBps;
            stored.push(
                Milestone({
                    weightBps: s.weightBps,
                    status: MilestoneStatus.Pending,
                    attempts: 0,
                    deadline: s.deadline,
                    releasableAt: 0,
                    specHash: s.specHash,
                    evidence: bytes32(0)
                })
            );
            emit MilestoneScheduled(grantId, i, s.weightBps, s.deadline, s.specHash);
        }
        require(sum == BPS, WeightsNotWhole(sum));

        _totalUnreleased += amount;
        _OPEN.safeTransferFrom(from, address(this), amount);
    }

    /// @inheritdoc IGrantsVault
    function cancelGrant(
        uint256 grantId,
        bytes32 reason
    ) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant returns (uint256 refund) {
        Grant storage g = _activeGrant(grantId);
        refund = g.amount - g.released; // released never exceeds amount (see release)
        g.status = GrantStatus.Cancelled;
        _totalUnreleased -= refund;
        address to = _treasury;
        emit GrantCancelled(grantId, to, refund, reason);
        if (refund != 0) _OPEN.safeTransfer(to, refund);
    }

    /// @inheritdoc IGrantsVault
    function setTierBounds(Tier tier, uint128 min, uint128 max) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTierBounds(tier, min, max);
    }

    /// @inheritdoc IGrantsVault
    function setVetoWindow(uint256 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setVetoWindow(window);
    }

    /// @inheritdoc IGrantsVault
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    /// @inheritdoc IGrantsVault
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc IGrantsVault
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------------------------
    // Release path
    // ------------------------------------------------------------------------------------

    /// @inheritdoc IGrantsVault
    function submitEvidence(uint256 grantId, uint256 index, bytes32 evidence) external whenNotPaused {
        Grant storage g = _activeGrant(grantId);
        require(msg.sender == g.grantee, NotGrantee(grantId, msg.sender, g.grantee));
        Milestone storage m = _milestone(grantId, g, index);
        MilestoneStatus status = m.status;
        require(
            status == MilestoneStatus.Pending || status == MilestoneStatus.Rejected || status == MilestoneStatus.Vetoed,
            EvidenceNotExpected(grantId, index, status)
        );
        require(block.timestamp <= m.deadline, EvidenceAfterDeadline(grantId, index, m.deadline, block.timestamp));
        require(evidence != bytes32(0), ZeroEvidence());
        uint16 attempt = m.attempts + 1; // checked: 65,535 resubmissions revert
        m.status = MilestoneStatus.Submitted;
        m.attempts = attempt;
        m.evidence = evidence;
        m.releasableAt = 0;
        emit EvidenceSubmitted(grantId, index, evidence, attempt);
    }

    /// @inheritdoc IGrantsVault
    function approveMilestone(uint256 grantId, uint256 index, bytes32 evidence) external whenNotPaused {
        (, Milestone storage m) = _underReview(grantId, index);
        require(m.evidence == evidence, EvidenceMismatch(grantId, index, evidence, m.evidence));
        // A timestamp plus at most 30 days fits in 64 bits.
        uint64 releasableAt = uint64(block.timestamp + _vetoWindow);
        m.status = MilestoneStatus.Approved;
        m.releasableAt = releasableAt;
        emit MilestoneApproved(grantId, index, msg.sender, evidence, releasableAt);
    }

    /// @inheritdoc IGrantsVault
    function rejectMilestone(uint256 grantId, uint256 index, bytes32 reason) external whenNotPaused {
        (, Milestone storage m) = _underReview(grantId, index);
        m.status = MilestoneStatus.Rejected;
        emit MilestoneRejected(grantId, index, msg.sender, reason);
    }

    /// @inheritdoc IGrantsVault
    function vetoMilestone(uint256 grantId, uint256 index, bytes32 reason) external onlyRole(GUARDIAN_ROLE) {
        Grant storage g = _activeGrant(grantId);
        Milestone storage m = _milestone(grantId, g, index);
        require(m.status == MilestoneStatus.Approved, MilestoneNotApproved(grantId, index, m.status));
        uint256 releasableAt = m.releasableAt;
        require(block.timestamp < releasableAt, VetoWindowClosed(grantId, index, releasableAt, block.timestamp));
        m.status = MilestoneStatus.Vetoed;
        m.releasableAt = 0;
        emit MilestoneVetoed(grantId, index, msg.sender, reason);
    }

    /// @inheritdoc IGrantsVault
    function release(uint256 grantId, uint256 index) external whenNotPaused nonReentrant returns (uint256 amount) {
        Grant storage g = _grant(grantId);
        Milestone storage m = _milestone(grantId, g, index);
        MilestoneStatus status = m.status;
        // A paid milestone says so even once its grant is complete or cancelled.
        require(status != MilestoneStatus.Released, MilestoneAlreadyReleased(grantId, index));
        require(g.status == GrantStatus.Active, GrantNotActive(grantId, g.status));
        require(status == MilestoneStatus.Approved, MilestoneNotApproved(grantId, index, status));
        uint256 next = g.nextMilestone;
        require(index == next, MilestoneOutOfOrder(grantId, index, next));
        uint256 releasableAt = m.releasableAt;
        require(block.timestamp >= releasableAt, VetoWindowOpen(grantId, index, releasableAt, block.timestamp));

        uint256 count = g.milestoneCount;
        uint256 granted = g.amount;
        uint256 released = g.released;
        // Milestones before `index` are exactly the released ones (in order), so the last one
        // takes the remainder and the sum of all payments is the grant, never more.
        amount = index + 1 == count ? granted - released : (granted * m.weightBps) / BPS;
        released += amount; // <= granted: the shares before the last sum to at most granted
        m.status = MilestoneStatus.Released;
        // index < count <= 16 and released <= granted < 2^128: the casts are exact.
        g.nextMilestone = uint8(index + 1);
        g.released = uint128(released);
        _totalUnreleased -= amount;
        address grantee = g.grantee;
        emit MilestoneReleased(grantId, index, grantee, amount, msg.sender);
        if (index + 1 == count) {
            g.status = GrantStatus.Completed;
            emit GrantCompleted(grantId, released);
        }
        if (amount != 0) _OPEN.safeTransfer(grantee, amount);
    }

    // ------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------

    /// @inheritdoc IGrantsVault
    function token() external view returns (address) {
        return address(_OPEN);
    }

    /// @inheritdoc IGrantsVault
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IGrantsVault
    function vetoWindow() external view returns (uint256) {
        return _vetoWindow;
    }

    /// @inheritdoc IGrantsVault
    function tierBounds(Tier tier) external view returns (TierBounds memory) {
        return _tierBounds[tier];
    }

    /// @inheritdoc IGrantsVault
    function grantCount() external view returns (uint256) {
        return _grantCount;
    }

    /// @inheritdoc IGrantsVault
    function getGrant(uint256 grantId) external view returns (Grant memory) {
        return _grant(grantId);
    }

    /// @inheritdoc IGrantsVault
    function getMilestone(uint256 grantId, uint256 index) external view returns (Milestone memory) {
        return _milestone(grantId, _grant(grantId), index);
    }

    /// @inheritdoc IGrantsVault
    function milestoneAmount(uint256 grantId, uint256 index) public view returns (uint256) {
        Grant storage g = _grant(grantId);
        Milestone storage m = _milestone(grantId, g, index);
        uint256 granted = g.amount;
        uint256 count = g.milestoneCount;
        if (index + 1 != count) return (granted * m.weightBps) / BPS;
        Milestone[] storage all = _milestones[grantId];
        uint256 before;
        for (uint256 i = 0; i + 1 < count; ++i) before += (granted * all[i].weightBps) / BPS;
        return granted - before;
    }

    /// @inheritdoc IGrantsVault
    function releasable(uint256 grantId, uint256 index) external view returns (bool) {
        Grant storage g = _grants[grantId];
        if (g.status != GrantStatus.Active || index != g.nextMilestone) return false;
        Milestone storage m = _milestones[grantId][index];
        return m.status == MilestoneStatus.Approved && block.timestamp >= m.releasableAt;
    }

    /// @inheritdoc IGrantsVault
    function totalUnreleased() external view returns (uint256) {
        return _totalUnreleased;
    }

    /// @inheritdoc ISemver
    function version() external pure returns (string memory) {
        return "2.0.0";
    }

    // ------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------

    function _grant(uint256 grantId) private view returns (Grant storage g) {
        g = _grants[grantId];
        require(g.status != GrantStatus.None, UnknownGrant(grantId));
    }

    function _activeGrant(uint256 grantId) private view returns (Grant storage g) {
        g = _grant(grantId);
        require(g.status == GrantStatus.Active, GrantNotActive(grantId, g.status));
    }

    function _milestone(uint256 grantId, Grant storage g, uint256 index) private view returns (Milestone storage) {
        uint256 count = g.milestoneCount;
        require(index < count, UnknownMilestone(grantId, index, count));
        return _milestones[grantId][index];
    }

    /// @dev The active grant and its Submitted milestone, after checking that the caller is the
    ///      reviewer of the grant's tier.
    function _underReview(uint256 grantId, uint256 index) private view returns (Grant storage g, Milestone storage m) {
        g = _activeGrant(grantId);
        Tier tier = g.tier;
        bytes32 role = tier == Tier.Expansion ? DEFAULT_ADMIN_ROLE : COUNCIL_ROLE;
        _checkRole(role); // AccessControlUnauthorizedAccount(caller, role), as everywhere else
        m = _milestone(grantId, g, index);
        require(m.status == MilestoneStatus.Submitted, MilestoneNotSubmitted(grantId, index, m.status));
    }

    function _setTierBounds(Tier tier, uint128 min, uint128 max) private {
        require(min != 0 && min <= max, InvalidTierBounds(tier, min, max));
        _tierBounds[tier] = TierBounds(min, max);
        emit TierBoundsSet(tier, min, max);
    }

    function _setVetoWindow(uint256 window) private {
        require(
            window >= MIN_VETO_WINDOW && window <= MAX_VETO_WINDOW,
            VetoWindowOutOfBounds(window, MIN_VETO_WINDOW, MAX_VETO_WINDOW)
        );
        emit VetoWindowSet(_vetoWindow, window);
        _vetoWindow = window;
    }

    function _setTreasury(address treasury_) private {
        require(treasury_ != address(0), ZeroAddress());
        emit TreasurySet(_treasury, treasury_);
        _treasury = treasury_;
    }
}
