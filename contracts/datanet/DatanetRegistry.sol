// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IDatanetRegistry} from "../interfaces/IDatanetRegistry.sol";
import {IDatanetVersions} from "../interfaces/IDatanetVersions.sol";
import {ISemver} from "../interfaces/ISemver.sol";
import {ITreasuryConfig} from "../interfaces/ITreasuryConfig.sol";
import {DatanetBoundsLogic} from "./libraries/DatanetBoundsLogic.sol";
import {DatanetCuratorLogic} from "./libraries/DatanetCuratorLogic.sol";
import {DatanetLedger} from "./libraries/DatanetLedger.sol";
import {DatanetPenaltyLogic} from "./libraries/DatanetPenaltyLogic.sol";
import {DatanetVersionLogic} from "./libraries/DatanetVersionLogic.sol";

/// @title DatanetRegistry
/// @notice Every Datanet in one contract: staked contributions, bonded curators voting by
///         quorum, slashing to the treasury, penalties during the bond period and numbered,
///         immutable versions. See `IDatanetRegistry` for the rules and docs/datanets.md for
///         the design.
/// @dev    Accounting: `totalStaked + totalCuratorBonds + slashedUnswept` is exactly the OPEN
///         this contract received and has not paid out (invariant test in
///         test/datanet/DatanetRegistry.invariant.t.sol).
///
///         Code layout: one contract, one address, one storage, one ABI. The cold paths run in
///         four external libraries linked into it: `DatanetBoundsLogic` (governance bounds and
///         parameter checks), `DatanetCuratorLogic` (appointments, bonds, unbonding, bond
///         slashes), `DatanetPenaltyLogic` (penalties) and `DatanetVersionLogic` (publication,
///         disputes and revocation of versions). Each runs by DELEGATECALL on this contract's
///         storage after this contract has checked the caller, the pause and re-entry, so their
///         events and reverts are this contract's own. Submissions, votes and withdrawals (the
///         hot paths) run here. This keeps every piece well under the 24,576-byte limit at the
///         project's one optimizer setting (docs/datanets.md, "Code layout").
contract DatanetRegistry is IDatanetRegistry, AccessControl, Pausable, ReentrancyGuardTransient, ISemver {
    using SafeERC20 for IERC20;

    /// @notice May pause (only governance unpauses); never moves funds.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice May slash and revoke accepted contributions in their bond period and slash
    ///         curator bonds (governance, and the settlement when attribution flags
    ///         adversarial data).
    bytes32 public constant PENALTY_ROLE = keccak256("PENALTY_ROLE");

    /// @notice May take down a pending or accepted contribution without slashing it (legal or
    ///         privacy requests; governance by default).
    bytes32 public constant TAKEDOWN_ROLE = keccak256("TAKEDOWN_ROLE");

    /// @notice OPEN on the L2 (read it with `token()`).
    IERC20 internal immutable _STAKING_TOKEN;

    address private _treasury;
    Bounds private _bounds;

    uint256 private _datanetCount;
    uint256 private _contributionCount;

    /// @dev totalStaked, totalCuratorBonds, slashedUnswept (shared with DatanetCuratorLogic).
    DatanetLedger private _ledger;

    /// @dev Bytes submitted by a contributor to a Datanet on UTC day `day`.
    struct DailyUsage {
        uint64 day;
        uint64 used;
    }

    /// @dev Who holds a content hash in a Datanet, and the block of the commitment it was
    ///      revealed from (its precedence), in one slot.
    struct ContentClaim {
        uint64 contributionId;
        uint64 commitBlock;
    }

    mapping(uint256 datanetId => Datanet) private _datanets;
    mapping(uint256 datanetId => mapping(address account => Curator)) private _curators;
    mapping(uint256 datanetId => mapping(address contributor => DailyUsage)) private _usage;
    mapping(uint256 datanetId => mapping(bytes32 contentHash => ContentClaim)) private _contentOwner;
    mapping(uint256 datanetId => mapping(uint256 versionId => Version)) private _versions;
    mapping(uint256 contributionId => Contribution) private _contributions;
    mapping(uint256 contributionId => mapping(address curator => bool)) private _voted;
    /// @dev Unrevealed commitments and the block each was made at.
    mapping(bytes32 commitment => uint256 blockNumber) private _commitments;

    /// @param token_      The staking token (OPEN on the L2); see the token assumptions in
    ///                    `IDatanetRegistry`.
    /// @param treasury_   Where slashes are swept.
    /// @param governance  Holder of DEFAULT_ADMIN_ROLE (and initially PENALTY_ROLE and
    ///                    TAKEDOWN_ROLE).
    /// @param guardian    Holder of GUARDIAN_ROLE (zero for none).
    /// @param bounds_     The initial global bounds.
    constructor(IERC20 token_, address treasury_, address governance, address guardian, Bounds memory bounds_) {
        require(address(token_) != address(0) && treasury_ != address(0) && governance != address(0), ZeroAddress());
        _STAKING_TOKEN = token_;
        _treasury = treasury_;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(PENALTY_ROLE, governance);
        _grantRole(TAKEDOWN_ROLE, governance);
        if (guardian != address(0)) _grantRole(GUARDIAN_ROLE, guardian);
        _setBounds(bounds_);
        emit TreasuryUpdated(address(0), treasury_);
    }

    // =========================================================================================
    // Governance
    // =========================================================================================

    /// @inheritdoc IDatanetRegistry
    function setBounds(Bounds calldata bounds_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setBounds(bounds_);
    }

    /// @inheritdoc ITreasuryConfig
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(treasury_ != address(0), ZeroAddress());
        address previous = _treasury;
        _treasury = treasury_;
        emit TreasuryUpdated(previous, treasury_);
    }

    /// @inheritdoc IDatanetRegistry
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc IDatanetRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // =========================================================================================
    // Datanets
    // =========================================================================================

    /// @inheritdoc IDatanetRegistry
    function createDatanet(
        DataKind kind,
        string calldata metadataURI,
        Params calldata params
    ) external whenNotPaused returns (uint256 datanetId) {
        DatanetBoundsLogic.checkParams(_bounds, params);
        datanetId = ++_datanetCount;
        Datanet storage d = _datanets[datanetId];
        d.owner = msg.sender;
        d.kind = kind;
        d.params = params;
        emit DatanetCreated(datanetId, msg.sender, kind, metadataURI, params);
    }

    /// @inheritdoc IDatanetRegistry
    function setParams(uint256 datanetId, Params calldata params) external {
        Datanet storage d = _ownedDatanet(datanetId);
        DatanetBoundsLogic.checkParams(_bounds, params);
        d.params = params;
        emit DatanetParamsUpdated(datanetId, params);
    }

    /// @inheritdoc IDatanetRegistry
    function setMetadataURI(uint256 datanetId, string calldata metadataURI) external {
        _ownedDatanet(datanetId);
        emit DatanetMetadataUpdated(datanetId, metadataURI);
    }

    /// @inheritdoc IDatanetRegistry
    function transferDatanetOwnership(uint256 datanetId, address newOwner) external {
        Datanet storage d = _ownedDatanet(datanetId);
        d.pendingOwner = newOwner;
        emit DatanetOwnershipTransferStarted(datanetId, msg.sender, newOwner);
    }

    /// @inheritdoc IDatanetRegistry
    function acceptDatanetOwnership(uint256 datanetId) external {
        Datanet storage d = _existingDatanet(datanetId);
        address pending = d.pendingOwner;
        require(msg.sender == pending, NotPendingDatanetOwner(datanetId, msg.sender, pending));
        address previous = d.owner;
        d.owner = pending;
        d.pendingOwner = address(0);
        emit DatanetOwnershipTransferred(datanetId, previous, pending);
    }

    // =========================================================================================
    // Curators
    // =========================================================================================

    /// @inheritdoc IDatanetRegistry
    function appointCurator(uint256 datanetId, address curator) external {
        Datanet storage d = _ownedDatanet(datanetId);
        DatanetCuratorLogic.appoint(d, _curators[datanetId][curator], datanetId, curator);
    }

    /// @inheritdoc IDatanetRegistry
    function removeCurator(uint256 datanetId, address curator) external {
        Datanet storage d = _ownedDatanet(datanetId);
        DatanetCuratorLogic.remove(d, _curators[datanetId][curator], datanetId, curator);
    }

    /// @inheritdoc IDatanetRegistry
    function depositCuratorBond(uint256 datanetId, uint256 amount) external nonReentrant whenNotPaused {
        _existingDatanet(datanetId);
        DatanetCuratorLogic.deposit(_curators[datanetId][msg.sender], _ledger, _STAKING_TOKEN, datanetId, amount);
    }

    /// @inheritdoc IDatanetRegistry
    function startCuratorUnbonding(uint256 datanetId) external {
        DatanetCuratorLogic.startUnbonding(_curators[datanetId][msg.sender], _bounds, datanetId);
    }

    /// @inheritdoc IDatanetRegistry
    function withdrawCuratorBond(uint256 datanetId) external nonReentrant {
        DatanetCuratorLogic.withdraw(_curators[datanetId][msg.sender], _ledger, _STAKING_TOKEN, datanetId);
    }

    /// @inheritdoc IDatanetRegistry
    function slashCuratorBond(
        uint256 datanetId,
        address curator,
        uint256 amount,
        bytes32 reason
    ) external onlyRole(PENALTY_ROLE) {
        DatanetCuratorLogic.slash(_curators[datanetId][curator], _ledger, datanetId, curator, amount, reason);
    }

    // =========================================================================================
    // Contributions
    // =========================================================================================

    /// @inheritdoc IDatanetRegistry
    function commitContribution(bytes32 commitment) external whenNotPaused {
        uint256 committedAt = _commitments[commitment];
        require(committedAt == 0, CommitmentExists(commitment, committedAt));
        // block.number >= 1 on any chain with a history, so 0 keeps meaning "none".
        _commitments[commitment] = block.number;
        emit ContributionCommitted(commitment, msg.sender);
    }

    /// @inheritdoc IDatanetRegistry
    function submit(
        uint256 datanetId,
        bytes32 contentHash,
        string calldata uri,
        uint256 sizeBytes,
        uint256 stake,
        bytes32 salt
    ) external returns (uint256 contributionId) {
        contributionId = _submit(datanetId, contentHash, uri, sizeBytes, stake, salt);
    }

    /// @inheritdoc IDatanetRegistry
    function submitWithPermit(
        uint256 datanetId,
        bytes32 contentHash,
        string calldata uri,
        uint256 sizeBytes,
        uint256 stake,
        bytes32 salt,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 contributionId) {
        // A front-runner may have used the signature already: then the allowance it set is
        // what we need, and failing here would only grief the contributor.
        // solhint-disable-next-line no-empty-blocks
        try IERC20Permit(address(_STAKING_TOKEN)).permit(msg.sender, address(this), stake, deadline, v, r, s) {
            // Permit applied: nothing else to do.
        } catch {
            uint256 allowance = _STAKING_TOKEN.allowance(msg.sender, address(this));
            require(allowance >= stake, PermitFailed(msg.sender, allowance, stake));
        }
        contributionId = _submit(datanetId, contentHash, uri, sizeBytes, stake, salt);
    }

    /// @inheritdoc IDatanetRegistry
    function vote(uint256 contributionId, bool accept) external whenNotPaused {
        Contribution storage c = _contributions[contributionId];
        Status status = c.status;
        require(status != Status.None, UnknownContribution(contributionId));
        require(status == Status.Pending, NotPending(contributionId, status));
        // The review closes at the deadline stored at submission (audit L-2): from then on the
        // contributor may withdraw in full, and no vote can race that withdrawal.
        uint256 deadline = c.reviewDeadline;
        require(block.timestamp < deadline, ReviewClosed(contributionId, deadline, block.timestamp));
        uint256 datanetId = c.datanetId;
        _checkCanVote(datanetId, msg.sender);
        require(msg.sender != c.contributor, SelfReview(contributionId, msg.sender));
        require(!_voted[contributionId][msg.sender], AlreadyVoted(contributionId, msg.sender));
        _voted[contributionId][msg.sender] = true;

        Datanet storage d = _datanets[datanetId];
        // The quorum stored at submission: fixed for the contribution's life, so both tallies
        // stay below it until one side reaches it, and the first side to reach it decides.
        uint256 quorum = c.quorum;
        uint256 accepts = c.acceptVotes;
        uint256 rejects = c.rejectVotes;
        // Both counts stay below the quorum (<= 255) until one reaches it, and a decided
        // contribution takes no more votes, so neither can exceed 255.
        unchecked {
            if (accept) c.acceptVotes = uint8(++accepts);
            else c.rejectVotes = uint8(++rejects);
        }
        emit ContributionVoted(contributionId, msg.sender, accept, accepts, rejects);

        // Only the side just voted for can reach the quorum with this vote.
        if (accept && accepts >= quorum) {
            // The bond period stored at submission (audit L-1): an owner who changes it
            // mid-review changes neither the lock nor the penalty window of this stake.
            uint256 bondedUntil = block.timestamp + c.bondPeriod;
            // versionCount < 2^32 - 1: each version is a transaction.
            uint256 firstVersion;
            unchecked {
                firstVersion = uint256(d.versionCount) + 1;
            }
            c.status = Status.Accepted;
            c.bondedUntil = uint40(bondedUntil);
            c.firstVersion = uint32(firstVersion);
            ++d.liveAcceptedCount;
            emit ContributionAccepted(contributionId, datanetId, bondedUntil, firstVersion);
        } else if (!accept && rejects >= quorum) {
            c.status = Status.Rejected;
            // A pending contribution always holds its content: a displaced one is no longer pending.
            delete _contentOwner[datanetId][c.contentHash];
            (uint256 slashed, uint256 refundable) = DatanetPenaltyLogic.slashStakeDown(c, _ledger, c.slashBps);
            emit ContributionRejected(contributionId, datanetId, slashed, refundable);
        }
    }

    /// @inheritdoc IDatanetRegistry
    function withdraw(uint256 contributionId) external nonReentrant returns (uint256 amount) {
        Contribution storage c = _contributions[contributionId];
        Status status = c.status;
        require(status != Status.None, UnknownContribution(contributionId));
        address contributor = c.contributor;
        require(msg.sender == contributor, NotContributor(contributionId, msg.sender, contributor));
        require(!c.stakeReleased, StakeAlreadyReleased(contributionId));
        uint256 datanetId = c.datanetId;
        if (status == Status.Pending) {
            // A review ends by a decision or at its deadline, never by a withdrawal: else a
            // contributor escapes a slash by withdrawing just before the deciding reject vote
            // (at quorum 1, before the first). After the deadline the curators had their time:
            // the whole stake comes back, whatever votes were cast (audit L-2).
            uint256 deadline = c.reviewDeadline;
            require(block.timestamp >= deadline, UnderReview(contributionId, deadline, block.timestamp));
            c.status = Status.Withdrawn;
            delete _contentOwner[datanetId][c.contentHash];
            emit ContributionWithdrawn(contributionId, datanetId);
        } else if (status == Status.Accepted) {
            uint256 bondedUntil = c.bondedUntil;
            require(block.timestamp >= bondedUntil, StillBonded(contributionId, bondedUntil, block.timestamp));
        } else {
            // Rejected, Revoked or Displaced: the rest after the slash, if any; TakenDown: the
            // whole stake. All at once (no penalty can follow). Withdrawn always has
            // stakeReleased.
            require(
                status == Status.Rejected ||
                    status == Status.Revoked ||
                    status == Status.TakenDown ||
                    status == Status.Displaced,
                NothingToWithdraw(contributionId, status)
            );
        }
        amount = c.stake;
        c.stake = 0;
        c.stakeReleased = true;
        _ledger.totalStaked -= amount;
        emit StakeReleased(contributionId, contributor, amount);
        if (amount != 0) _STAKING_TOKEN.safeTransfer(contributor, amount);
    }

    /// @inheritdoc IDatanetRegistry
    function penalize(uint256 contributionId, uint16 slashBps, bytes32 reason) external onlyRole(PENALTY_ROLE) {
        DatanetPenaltyLogic.penalize(
            _datanets,
            _contributions[contributionId],
            _ledger,
            contributionId,
            slashBps,
            reason
        );
    }

    /// @inheritdoc IDatanetRegistry
    function takeDown(uint256 contributionId, bytes32 reason) external onlyRole(TAKEDOWN_ROLE) {
        DatanetPenaltyLogic.takeDown(_datanets, _contributions[contributionId], contributionId, reason);
    }

    /// @inheritdoc IDatanetRegistry
    function sweepSlashed() external nonReentrant returns (uint256 amount) {
        amount = _ledger.slashedUnswept;
        require(amount != 0, NothingToSweep());
        _ledger.slashedUnswept = 0;
        address to = _treasury;
        emit SlashedSwept(to, amount);
        _STAKING_TOKEN.safeTransfer(to, amount);
    }

    /// @inheritdoc IDatanetRegistry
    function skim() external nonReentrant returns (uint256 amount) {
        uint256 owed = _ledger.totalStaked + _ledger.totalCuratorBonds + _ledger.slashedUnswept;
        // The one read of this contract's own balance, and the right one: it decides only how
        // much OPEN nobody is owed (sent by a plain transfer) leaves; every amount owed is
        // decided by the accounting above.
        uint256 balance = _STAKING_TOKEN.balanceOf(address(this));
        require(balance > owed, NothingToSkim(balance, owed));
        // balance > owed, checked above.
        unchecked {
            amount = balance - owed;
        }
        address to = _treasury;
        emit ExcessSkimmed(msg.sender, to, amount);
        _STAKING_TOKEN.safeTransfer(to, amount);
    }

    // =========================================================================================
    // Versions
    // =========================================================================================

    /// @inheritdoc IDatanetRegistry
    function publishVersion(
        uint256 datanetId,
        bytes32 root,
        uint256 count,
        string calldata uri
    ) external whenNotPaused returns (uint256 versionId) {
        Datanet storage d = _ownedDatanet(datanetId);
        versionId = DatanetVersionLogic.publish(d, _versions[datanetId], datanetId, root, count, uri);
    }

    /// @inheritdoc IDatanetRegistry
    function disputeVersion(
        uint256 datanetId,
        uint256 versionId,
        uint256 contributionId,
        bytes32 contentHash,
        bytes32[] calldata proof
    ) external {
        DatanetVersionLogic.dispute(
            _versions[datanetId],
            _contributions[contributionId],
            datanetId,
            versionId,
            contributionId,
            contentHash,
            proof
        );
    }

    /// @inheritdoc IDatanetRegistry
    function revokeVersion(uint256 datanetId, uint256 versionId) external onlyRole(GUARDIAN_ROLE) {
        DatanetVersionLogic.revoke(_versions[datanetId], datanetId, versionId);
    }

    /// @inheritdoc IDatanetVersions
    function isPublishedVersion(uint256 datanetId, uint256 versionId) external view returns (bool) {
        Version storage v = _versions[datanetId][versionId];
        return v.root != bytes32(0) && !v.disputed;
    }

    /// @inheritdoc IDatanetVersions
    function versionRoot(uint256 datanetId, uint256 versionId) external view returns (bytes32) {
        Version storage v = _versions[datanetId][versionId];
        return v.disputed ? bytes32(0) : v.root;
    }

    // =========================================================================================
    // Views
    // =========================================================================================

    /// @inheritdoc IDatanetRegistry
    function token() external view returns (address) {
        return address(_STAKING_TOKEN);
    }

    /// @inheritdoc ITreasuryConfig
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IDatanetRegistry
    function bounds() external view returns (Bounds memory) {
        return _bounds;
    }

    /// @inheritdoc IDatanetRegistry
    function datanetCount() external view returns (uint256) {
        return _datanetCount;
    }

    /// @inheritdoc IDatanetRegistry
    function getDatanet(uint256 datanetId) external view returns (Datanet memory) {
        return _existingDatanet(datanetId);
    }

    /// @inheritdoc IDatanetRegistry
    function canVote(uint256 datanetId, address account) external view returns (bool) {
        Curator storage c = _curators[datanetId][account];
        return c.appointed && c.unbondingAt == 0 && c.bond >= _bounds.curatorBond;
    }

    /// @inheritdoc IDatanetRegistry
    function getCurator(uint256 datanetId, address account) external view returns (Curator memory) {
        return _curators[datanetId][account];
    }

    /// @inheritdoc IDatanetRegistry
    function contributionCount() external view returns (uint256) {
        return _contributionCount;
    }

    /// @inheritdoc IDatanetRegistry
    function getContribution(uint256 contributionId) external view returns (Contribution memory c) {
        c = _contributions[contributionId];
        require(c.status != Status.None, UnknownContribution(contributionId));
    }

    /// @inheritdoc IDatanetRegistry
    function hasVoted(uint256 contributionId, address curator) external view returns (bool) {
        return _voted[contributionId][curator];
    }

    /// @inheritdoc IDatanetRegistry
    function contributionOfContent(uint256 datanetId, bytes32 contentHash) external view returns (uint256) {
        return _contentOwner[datanetId][contentHash].contributionId;
    }

    /// @inheritdoc IDatanetRegistry
    function contentCommitBlock(uint256 datanetId, bytes32 contentHash) external view returns (uint256) {
        return _contentOwner[datanetId][contentHash].commitBlock;
    }

    /// @inheritdoc IDatanetRegistry
    function commitmentBlock(bytes32 commitment) external view returns (uint256) {
        return _commitments[commitment];
    }

    /// @inheritdoc IDatanetRegistry
    function contributionCommitment(
        bytes32 contentHash,
        address contributor,
        bytes32 salt
    ) external pure returns (bytes32) {
        return _commitmentOf(contentHash, contributor, salt);
    }

    /// @inheritdoc IDatanetRegistry
    function bytesSubmittedOn(uint256 datanetId, address contributor, uint256 day) external view returns (uint256) {
        DailyUsage memory u = _usage[datanetId][contributor];
        return u.day == day ? u.used : 0;
    }

    /// @inheritdoc IDatanetRegistry
    function getVersion(uint256 datanetId, uint256 versionId) external view returns (Version memory v) {
        v = _versions[datanetId][versionId];
        require(v.root != bytes32(0), UnknownVersion(datanetId, versionId));
    }

    /// @inheritdoc IDatanetRegistry
    function isInVersion(uint256 contributionId, uint256 versionId) external view returns (bool) {
        Contribution storage c = _contributions[contributionId];
        return versionId <= _datanets[c.datanetId].versionCount && DatanetVersionLogic.inVersion(c, versionId);
    }

    /// @inheritdoc IDatanetRegistry
    function totalStaked() external view returns (uint256) {
        return _ledger.totalStaked;
    }

    /// @inheritdoc IDatanetRegistry
    function totalCuratorBonds() external view returns (uint256) {
        return _ledger.totalCuratorBonds;
    }

    /// @inheritdoc IDatanetRegistry
    function slashedUnswept() external view returns (uint256) {
        return _ledger.slashedUnswept;
    }

    /// @inheritdoc ISemver
    function version() external pure returns (string memory) {
        return "4.0.0";
    }

    // =========================================================================================
    // Internal
    // =========================================================================================

    function _submit(
        uint256 datanetId,
        bytes32 contentHash,
        string calldata uri,
        uint256 sizeBytes,
        uint256 stake,
        bytes32 salt
    ) internal nonReentrant whenNotPaused returns (uint256 contributionId) {
        _admitSubmission(datanetId, contentHash, sizeBytes, stake);
        contributionId = ++_contributionCount;
        _claimContent(datanetId, contentHash, contributionId, _revealCommitment(contentHash, salt));
        uint256 reviewDeadline = _record(contributionId, datanetId, contentHash, sizeBytes, stake);
        _ledger.totalStaked += stake;
        emit ContributionSubmitted(
            contributionId,
            datanetId,
            msg.sender,
            contentHash,
            uri,
            sizeBytes,
            stake,
            block.timestamp / 1 days,
            reviewDeadline
        );
        _STAKING_TOKEN.safeTransferFrom(msg.sender, address(this), stake);
    }

    /// @dev Gives `contentHash` in `datanetId` to the new contribution `contributionId`, revealed
    ///      from a commitment of block `commitBlock`. A current holder is displaced (precedence by
    ///      the earliest commitment), or the call reverts `DuplicateContent`
    ///      (`DatanetPenaltyLogic.displace`).
    function _claimContent(
        uint256 datanetId,
        bytes32 contentHash,
        uint256 contributionId,
        uint256 commitBlock
    ) internal {
        ContentClaim storage claim = _contentOwner[datanetId][contentHash];
        // The entry is cleared when a contribution is rejected or withdrawn and replaced when it
        // is displaced, so a non-zero one is pending, accepted, revoked or taken down.
        uint256 heldId = claim.contributionId;
        if (heldId != 0) {
            DatanetPenaltyLogic.displace(
                _contributions[heldId],
                _ledger,
                heldId,
                claim.commitBlock,
                contributionId,
                commitBlock
            );
        }
        // Both fit 64 bits: one contribution per transaction, and block numbers.
        claim.contributionId = uint64(contributionId);
        claim.commitBlock = uint64(commitBlock);
    }

    /// @dev Writes the new contribution with the terms it is judged and bonded by (in the slots
    ///      written here anyway, so a later `setParams` cannot change them mid-review); returns
    ///      its review deadline.
    function _record(
        uint256 contributionId,
        uint256 datanetId,
        bytes32 contentHash,
        uint256 sizeBytes,
        uint256 stake
    ) internal returns (uint256 reviewDeadline) {
        Contribution storage c = _contributions[contributionId];
        c.contributor = msg.sender;
        c.status = Status.Pending;
        Params storage p = _datanets[datanetId].params;
        c.quorum = p.quorum;
        c.slashBps = p.slashBps;
        c.bondPeriod = p.bondPeriod;
        // block.timestamp + a uint32 fits 40 bits until the year 36,812.
        reviewDeadline = block.timestamp + p.reviewPeriod;
        c.reviewDeadline = uint40(reviewDeadline);
        // All fit: datanetId <= _datanetCount (one per transaction), sizeBytes <= dailyByteCap
        // (a uint32), stake <= type(uint128).max, all checked in _admitSubmission.
        c.datanetId = uint64(datanetId);
        c.sizeBytes = uint32(sizeBytes);
        c.stake = uint128(stake);
        c.contentHash = contentHash;
    }

    /// @dev Uses up the caller's commitment to `contentHash` with `salt` and returns its block;
    ///      it must be at least one block old.
    function _revealCommitment(bytes32 contentHash, bytes32 salt) internal returns (uint256 commitBlock) {
        bytes32 commitment = _commitmentOf(contentHash, msg.sender, salt);
        commitBlock = _commitments[commitment];
        require(commitBlock != 0, UnknownCommitment(commitment));
        require(commitBlock < block.number, CommitmentTooRecent(commitment, commitBlock, block.number));
        delete _commitments[commitment];
    }

    function _commitmentOf(bytes32 contentHash, address contributor, bytes32 salt) internal pure returns (bytes32) {
        return keccak256(abi.encode(contentHash, contributor, salt));
    }

    /// @dev Checks a submission against the Datanet's rules and counts its bytes against the
    ///      caller's cap for today (UTC day `block.timestamp / 1 days`).
    function _admitSubmission(uint256 datanetId, bytes32 contentHash, uint256 sizeBytes, uint256 stake) internal {
        Datanet storage d = _existingDatanet(datanetId);
        require(contentHash != bytes32(0), ZeroContentHash());
        require(sizeBytes != 0, ZeroSize());
        Params memory p = d.params;
        require(stake >= p.minStake, StakeBelowMinimum(datanetId, stake, p.minStake));
        require(stake <= type(uint128).max, StakeTooLarge(stake, type(uint128).max));

        uint256 day = block.timestamp / 1 days;
        DailyUsage storage u = _usage[datanetId][msg.sender];
        uint256 usedToday = u.day == day ? u.used : 0;
        require(
            sizeBytes <= p.dailyByteCap && usedToday + sizeBytes <= p.dailyByteCap,
            DailyByteCapExceeded(datanetId, msg.sender, day, usedToday, sizeBytes, p.dailyByteCap)
        );
        // usedToday + sizeBytes <= dailyByteCap < 2^32, checked above; day < 2^64 for the next
        // 5e16 years.
        u.day = uint64(day);
        u.used = uint64(usedToday + sizeBytes);
    }

    function _checkCanVote(uint256 datanetId, address account) internal view {
        Curator storage c = _curators[datanetId][account];
        require(c.appointed, NotCurator(datanetId, account));
        uint256 unbondingAt = c.unbondingAt;
        require(unbondingAt == 0, CuratorUnbonding(datanetId, account, unbondingAt));
        uint256 required = _bounds.curatorBond;
        require(c.bond >= required, CuratorBondTooLow(datanetId, account, c.bond, required));
    }

    function _existingDatanet(uint256 datanetId) internal view returns (Datanet storage d) {
        d = _datanets[datanetId];
        require(d.owner != address(0), UnknownDatanet(datanetId));
    }

    function _ownedDatanet(uint256 datanetId) internal view returns (Datanet storage d) {
        d = _existingDatanet(datanetId);
        require(msg.sender == d.owner, NotDatanetOwner(datanetId, msg.sender, d.owner));
    }

    /// @dev Checks (in DatanetBoundsLogic), stores and announces new global bounds.
    function _setBounds(Bounds memory b) internal {
        DatanetBoundsLogic.checkBounds(b);
        _bounds = b;
        emit BoundsUpdated(b);
    }
}
