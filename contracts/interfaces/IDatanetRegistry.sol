// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IDatanetVersions} from "./IDatanetVersions.sol";
import {IErrors} from "./IErrors.sol";
import {ITreasuryConfig} from "./ITreasuryConfig.sol";

/// @title IDatanetRegistry
/// @notice One registry for every Datanet: community datasets whose contributors stake OPEN on
///         the quality of their data, whose curators (bonded in OPEN) accept or reject it by
///         quorum, and whose owner publishes numbered, immutable versions of the accepted set.
///
/// @dev    Token assumptions (as Morpho Blue writes them down): the staking token is a standard
///         ERC-20 given at construction (OPEN on the L2). It must not charge a fee on transfer,
///         must not rebase, and must not call back into the caller on transfer (no ERC-777 hooks).
///         The registry credits exactly the `amount` it asked `transferFrom` to move and keeps
///         internal accounting; it never reads its own balance to decide what it owes anyone.
///         OPEN sent to it by a plain transfer is owed to no one: `skim` moves that excess
///         (balance minus `totalStaked + totalCuratorBonds + slashedUnswept`) to the treasury.
///
///         Amounts: stakes and bonds are at most `type(uint128).max`; sizes and daily byte caps
///         at most `type(uint32).max` (4,294,967,295 bytes, 4.29 GB). Ids of Datanets,
///         contributions and versions start at 1 and are never reused.
///
///         Slashed OPEN (rejections, penalties, curator-bond slashes) goes to the treasury, never
///         to curators, so that no reviewer profits from rejecting data. It accrues in
///         `slashedUnswept()` and anyone moves it to the treasury with `sweepSlashed()`.
///
///         Time: the contributor's daily byte cap counts bytes per UTC day, day index
///         `block.timestamp / 1 days`; the counter resets at 00:00:00 UTC.
///
///         Sizes are declared: the cap counts the `sizeBytes` a contributor passes to `submit`,
///         because the chain never sees the bytes. Whoever reads the bytes against the content
///         hash (the Datanet commands before a vote, the settlement before attribution) compares
///         the two (`checkDeclaredSize` in src/datanet/size.ts); an under-declaration is rejected
///         while pending, penalised during the bond period and taken down after it.
///
///         Submissions are committed first, then revealed (front-running, audit M-2): a
///         contributor commits `keccak256(abi.encode(contentHash, contributor, salt))`
///         (`commitContribution`), then, at least one block later, reveals it by submitting the
///         contribution with the salt. The content hash appears on-chain only in the reveal, and
///         a commitment names its contributor, so whoever copies a reveal must commit afresh: its
///         commitment is later than the author's. Precedence goes to the earliest commitment: a
///         reveal whose commitment is older than that of the pending contribution holding the
///         same content displaces it (`ContributionDisplaced`; its stake comes back, minus its
///         slash share if a curator had voted to reject it). Anyone may also displace a pending
///         holder whose review deadline has passed.
///
///         Versions: version `v` of a Datanet is the set of its contributions that were accepted
///         and not revoked when the `VersionPublished` event of `v` was emitted. Its root is the
///         root of an OpenZeppelin `StandardMerkleTree` over the leaves
///         `(uint256 contributionId, bytes32 contentHash)` of that set, leaf
///         `keccak256(bytes.concat(keccak256(abi.encode(id, contentHash))))`. The owner computes
///         and posts it; the registry checks the count and records, per contribution, the first
///         and last version it belongs to (`isInVersion`), so anyone can recompute a root from
///         chain data alone and anyone can dispute a root that includes a leaf it must not.
interface IDatanetRegistry is IDatanetVersions, ITreasuryConfig, IErrors {
    // =========================================================================================
    // Types
    // =========================================================================================

    /// @notice The kind of data a Datanet holds, fixed at creation.
    enum DataKind {
        Text,
        Image,
        Audio,
        Tabular
    }

    /// @notice Life of a contribution. `None` means the id does not exist.
    /// @dev    Pending -> Accepted | Rejected | Withdrawn (from the review deadline) | TakenDown
    ///         | Displaced (by a reveal of the same content with an earlier commitment, or by any
    ///         reveal of it after the review deadline); Accepted -> Revoked (penalty, during the
    ///         bond period) | TakenDown (any time). Accepted stays Accepted after its stake is
    ///         withdrawn. Revoked and TakenDown content stays barred from the Datanet.
    enum Status {
        None,
        Pending,
        Accepted,
        Rejected,
        Withdrawn,
        Revoked,
        TakenDown,
        Displaced
    }

    /// @notice What a Datanet owner may set, each within the global `Bounds`.
    /// @param minStake     Smallest stake a contribution must carry, in OPEN wei.
    /// @param dailyByteCap Bytes a contributor may submit to this Datanet per UTC day.
    /// @param bondPeriod   Seconds an accepted stake stays bonded (and penalisable); each
    ///                     contribution keeps the one in force when it was submitted.
    /// @param slashBps     Share of a rejected stake that is slashed, in basis points.
    /// @param quorum       Concurring curator votes that accept or reject a contribution.
    /// @param reviewPeriod Seconds curators have to decide a contribution from its submission;
    ///                     each contribution keeps the one in force when it was submitted. From
    ///                     its review deadline no vote counts and the contributor may withdraw
    ///                     in full; before it, a pending stake cannot be withdrawn.
    struct Params {
        uint128 minStake;
        uint32 dailyByteCap;
        uint32 bondPeriod;
        uint16 slashBps;
        uint8 quorum;
        uint32 reviewPeriod;
    }

    /// @notice Global limits on every Datanet's `Params` and the curator bond; governance only.
    /// @dev    Changing the bounds is not retroactive: a Datanet keeps its parameters until its
    ///         owner sets new ones, which must then lie within the new bounds.
    struct Bounds {
        uint128 minStakeFloor;
        uint128 minStakeCeiling;
        uint32 maxDailyByteCap;
        uint32 minBondPeriod;
        uint32 maxBondPeriod;
        uint16 minSlashBps;
        uint16 maxSlashBps;
        uint8 minQuorum;
        uint8 maxQuorum;
        uint32 minReviewPeriod;
        uint32 maxReviewPeriod;
        uint128 curatorBond;
        uint32 curatorUnbondingDelay;
    }

    /// @notice A Datanet as stored (three slots). Its metadata URI lives in the
    ///         `DatanetCreated` and `DatanetMetadataUpdated` events only: the latest one is current.
    struct Datanet {
        address owner;
        DataKind kind;
        uint32 versionCount;
        uint32 curatorCount;
        address pendingOwner;
        uint64 liveAcceptedCount;
        Params params;
    }

    /// @notice A contribution as stored (four slots; the last is written only on acceptance).
    ///         The URI and the submission time are in the `ContributionSubmitted` event only.
    ///         The terms it is judged by (quorum, slash share, bond period, review deadline) are
    ///         the Datanet's when it was submitted: no later `setParams` changes them.
    /// @param reviewDeadline When its review closes: votes count strictly before it; a pending
    ///                     contribution can be withdrawn (in full) only from it.
    /// @param quorum       The Datanet's quorum when it was submitted: it decides this
    ///                     contribution whatever the owner sets later.
    /// @param slashBps     The Datanet's slash share when it was submitted: what a rejection
    ///                     slashes.
    /// @param bondPeriod   The Datanet's bond period when it was submitted: how long the stake
    ///                     stays bonded (and penalisable) once accepted.
    /// @param stake        OPEN still held for this contribution (0 once withdrawn or fully
    ///                     slashed).
    /// @param bondedUntil  For an accepted contribution, when its stake can be withdrawn (0
    ///                     before acceptance).
    /// @param firstVersion First version that contains it (0 if never accepted).
    /// @param revokedFromVersion First version that no longer contains it (0 if not revoked).
    struct Contribution {
        address contributor;
        Status status;
        uint8 acceptVotes;
        uint8 rejectVotes;
        bool stakeReleased;
        uint40 reviewDeadline;
        uint8 quorum;
        uint16 slashBps;
        uint64 datanetId;
        uint32 bondPeriod;
        uint32 sizeBytes;
        uint128 stake;
        bytes32 contentHash;
        uint40 bondedUntil;
        uint32 firstVersion;
        uint32 revokedFromVersion;
    }

    /// @notice A published version.
    struct Version {
        bytes32 root;
        uint64 count;
        uint40 publishedAt;
        bool disputed;
    }

    /// @notice A curator's standing in one Datanet.
    /// @param unbondingAt Zero while bonded; otherwise when the bond can be withdrawn (the
    ///                    curator cannot vote from the moment it asks to unbond).
    struct Curator {
        bool appointed;
        uint128 bond;
        uint40 unbondingAt;
    }

    /// @notice Fields of `Bounds`, named in `BoundsInvalid`.
    enum BoundField {
        MinStake,
        DailyByteCap,
        BondPeriod,
        SlashBps,
        Quorum,
        ReviewPeriod
    }

    // =========================================================================================
    // Events
    // =========================================================================================

    /// @notice A Datanet was created; its metadata URI lives in this event (and later updates).
    event DatanetCreated(
        uint256 indexed datanetId,
        address indexed owner,
        DataKind kind,
        string metadataURI,
        Params params
    );
    /// @notice The owner replaced the metadata URI; the latest event is current.
    event DatanetMetadataUpdated(uint256 indexed datanetId, string metadataURI);
    /// @notice The owner set new parameters (within the bounds in force).
    event DatanetParamsUpdated(uint256 indexed datanetId, Params params);
    /// @notice The owner named a pending owner (zero: transfer cancelled).
    event DatanetOwnershipTransferStarted(
        uint256 indexed datanetId,
        address indexed owner,
        address indexed pendingOwner
    );
    /// @notice The pending owner accepted ownership.
    event DatanetOwnershipTransferred(
        uint256 indexed datanetId,
        address indexed previousOwner,
        address indexed newOwner
    );

    /// @notice The owner appointed a curator (who votes once bonded).
    event CuratorAppointed(uint256 indexed datanetId, address indexed curator);
    /// @notice The owner removed a curator; its bond stays its own.
    event CuratorRemoved(uint256 indexed datanetId, address indexed curator);
    /// @notice `amount` OPEN added to a curator's bond, now `bond`.
    event CuratorBondDeposited(uint256 indexed datanetId, address indexed curator, uint256 amount, uint256 bond);
    /// @notice The curator stopped voting; its bond is withdrawable from `unbondingAt`.
    event CuratorUnbondingStarted(uint256 indexed datanetId, address indexed curator, uint256 unbondingAt);
    /// @notice The curator took its whole bond back.
    event CuratorBondWithdrawn(uint256 indexed datanetId, address indexed curator, uint256 amount);
    /// @notice PENALTY_ROLE slashed `amount` of a curator's bond into the treasury's pool.
    event CuratorBondSlashed(uint256 indexed datanetId, address indexed curator, uint256 amount, bytes32 reason);

    /// @notice `sender` committed to a contribution (`commitContribution`); the block of this
    ///         event is the commitment's precedence.
    event ContributionCommitted(bytes32 indexed commitment, address indexed sender);
    /// @notice `sizeBytes` counted against `day` (UTC day index) of the contributor's cap;
    ///         curators may vote until `reviewDeadline`.
    event ContributionSubmitted(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        bytes32 contentHash,
        string uri,
        uint256 sizeBytes,
        uint256 stake,
        uint256 day,
        uint256 reviewDeadline
    );
    /// @notice A curator voted; the tallies include this vote.
    event ContributionVoted(
        uint256 indexed contributionId,
        address indexed curator,
        bool accept,
        uint256 acceptVotes,
        uint256 rejectVotes
    );
    /// @notice Quorum of accept votes reached; the contribution is in every version from
    ///         `firstVersion` on (until revoked).
    event ContributionAccepted(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        uint256 bondedUntil,
        uint256 firstVersion
    );
    /// @notice Quorum of reject votes reached; `slashed` went to the treasury's pool.
    event ContributionRejected(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        uint256 slashed,
        uint256 refundable
    );
    /// @notice The penalty role revoked an accepted contribution; it is in no version from
    ///         `revokedFromVersion` on.
    event ContributionRevoked(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        uint256 slashed,
        uint256 refundable,
        uint256 revokedFromVersion,
        bytes32 reason
    );
    /// @notice A reveal of the same content with an earlier commitment (or any reveal of it,
    ///         once the review deadline had passed) displaced this pending contribution:
    ///         `byContributionId` holds the content now. `slashed` went to the treasury's pool
    ///         (non-zero only if it was displaced before its deadline after a reject vote); the
    ///         rest of its stake is withdrawable at once.
    event ContributionDisplaced(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        uint256 indexed byContributionId,
        uint256 slashed
    );
    /// @notice TAKEDOWN_ROLE removed a contribution without a slash (a legal or privacy request,
    ///         not a judgement of the data): it is in no version from `revokedFromVersion` on
    ///         (0 if it was pending, so in none), its content stays barred, and its whole stake
    ///         is withdrawable at once.
    event ContributionTakenDown(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        uint256 revokedFromVersion,
        bytes32 reason
    );
    /// @notice The contributor withdrew a pending contribution whose review deadline had passed
    ///         undecided (its whole stake comes back: `StakeReleased`).
    event ContributionWithdrawn(uint256 indexed contributionId, uint256 indexed datanetId);
    /// @notice A stake (or what is left of it) went back to its contributor.
    event StakeReleased(uint256 indexed contributionId, address indexed contributor, uint256 amount);

    /// @notice The owner published version `version` (root and size of the accepted, non-revoked set).
    event VersionPublished(uint256 indexed datanetId, uint256 indexed version, bytes32 root, uint256 count, string uri);
    /// @notice Someone proved a false leaf in a version's root; the version is unusable for good.
    event VersionDisputed(
        uint256 indexed datanetId,
        uint256 indexed version,
        uint256 indexed contributionId,
        address challenger
    );

    /// @notice Slashed OPEN moved to the treasury.
    event SlashedSwept(address indexed treasury, uint256 amount);
    /// @notice Governance set the global bounds.
    event BoundsUpdated(Bounds bounds);

    // =========================================================================================
    // Errors
    // =========================================================================================

    error UnknownDatanet(uint256 datanetId);
    error UnknownContribution(uint256 contributionId);
    error UnknownVersion(uint256 datanetId, uint256 version);
    error NotDatanetOwner(uint256 datanetId, address caller, address owner);
    error NotPendingDatanetOwner(uint256 datanetId, address caller, address pendingOwner);
    error NotContributor(uint256 contributionId, address caller, address contributor);

    error MinStakeOutOfBounds(uint256 minStake, uint256 floor, uint256 ceiling);
    error DailyByteCapOutOfBounds(uint256 dailyByteCap, uint256 max);
    error BondPeriodOutOfBounds(uint256 bondPeriod, uint256 min, uint256 max);
    error SlashShareOutOfBounds(uint256 slashBps, uint256 min, uint256 max);
    error QuorumOutOfBounds(uint256 quorum, uint256 min, uint256 max);
    error ReviewPeriodOutOfBounds(uint256 reviewPeriod, uint256 min, uint256 max);
    /// @notice Governance gave bounds whose minimum exceeds their maximum or beyond hard limits.
    error BoundsInvalid(BoundField field, uint256 min, uint256 max);

    error ZeroContentHash();
    error ZeroSize();
    error StakeBelowMinimum(uint256 datanetId, uint256 stake, uint256 minStake);
    /// @notice Stakes and bonds are stored in 128 bits.
    error StakeTooLarge(uint256 stake, uint256 max);
    /// @notice `sizeBytes` more would pass the contributor's cap for UTC day `day` (timestamp / 1 days), of which `usedToday` is used.
    error DailyByteCapExceeded(
        uint256 datanetId,
        address contributor,
        uint256 day,
        uint256 usedToday,
        uint256 sizeBytes,
        uint256 cap
    );
    /// @notice The content hash is already held in this Datanet by `existingContributionId`:
    ///         accepted, revoked or taken down, or pending under a commitment no later than this
    ///         reveal's and before its review deadline.
    error DuplicateContent(uint256 datanetId, bytes32 contentHash, uint256 existingContributionId);
    /// @notice `permit` failed and the allowance does not cover the stake either.
    error PermitFailed(address owner, uint256 allowance, uint256 needed);

    error AlreadyCurator(uint256 datanetId, address account);
    error NotCurator(uint256 datanetId, address account);
    /// @notice The curator's bond is below the global curator bond, so it cannot vote.
    error CuratorBondTooLow(uint256 datanetId, address curator, uint256 bond, uint256 required);
    /// @notice The curator asked to unbond (withdrawable at `unbondingAt`): it neither votes nor adds bond.
    error CuratorUnbonding(uint256 datanetId, address curator, uint256 unbondingAt);
    error CuratorNotUnbonding(uint256 datanetId, address curator);
    /// @notice The unbonding delay has not passed.
    error CuratorBondLocked(uint256 datanetId, address curator, uint256 unbondingAt, uint256 nowTs);
    error SlashExceedsBond(uint256 datanetId, address curator, uint256 amount, uint256 bond);

    /// @notice Votes need a pending contribution.
    error NotPending(uint256 contributionId, Status status);
    /// @notice The contribution's review deadline has passed: no vote counts any more (its
    ///         contributor may withdraw in full).
    error ReviewClosed(uint256 contributionId, uint256 reviewDeadline, uint256 nowTs);
    /// @notice A pending stake can be withdrawn only from its review deadline.
    error UnderReview(uint256 contributionId, uint256 reviewDeadline, uint256 nowTs);
    error AlreadyVoted(uint256 contributionId, address curator);
    /// @notice A curator cannot vote on its own contribution.
    error SelfReview(uint256 contributionId, address curator);

    error NotAccepted(uint256 contributionId, Status status);
    /// @notice Penalties apply only while the accepted stake is bonded.
    error BondPeriodOver(uint256 contributionId, uint256 bondedUntil, uint256 nowTs);
    /// @notice The accepted stake is withdrawable from `bondedUntil`.
    error StillBonded(uint256 contributionId, uint256 bondedUntil, uint256 nowTs);
    /// @notice The stake was already withdrawn: each stake leaves exactly once.
    error StakeAlreadyReleased(uint256 contributionId);
    /// @notice The contribution's state releases no stake.
    error NothingToWithdraw(uint256 contributionId, Status status);
    /// @notice A penalty above 100% (10,000 bps).
    error SlashShareTooHigh(uint256 slashBps);
    /// @notice The contribution was taken down already.
    error AlreadyTakenDown(uint256 contributionId);
    /// @notice Only a pending or accepted contribution can be taken down (a rejected or
    ///         withdrawn one holds no content and is in no version; a revoked one is out of
    ///         every later version already).
    error CannotTakeDown(uint256 contributionId, Status status);

    /// @notice A version needs at least one accepted, non-revoked contribution.
    error EmptyVersion(uint256 datanetId);
    /// @notice The posted count is not the on-chain count of accepted, non-revoked contributions.
    error VersionCountMismatch(uint256 datanetId, uint256 posted, uint256 liveAccepted);
    /// @notice The Merkle proof does not lead from the leaf `(contributionId, contentHash)` to
    ///         the version's root.
    error InvalidVersionProof(uint256 datanetId, uint256 version, uint256 contributionId);
    /// @notice The leaf proven is a true member of the version: nothing to dispute.
    error NotAFalseInclusion(uint256 datanetId, uint256 version, uint256 contributionId);

    // =========================================================================================
    // Governance
    // =========================================================================================

    /// @notice Replaces the global bounds. DEFAULT_ADMIN_ROLE (governance) only. Reverts with
    ///         `BoundsInvalid` when a minimum exceeds its maximum, `maxSlashBps > 10_000`,
    ///         `minQuorum == 0`, `maxDailyByteCap == 0` or `minReviewPeriod == 0`.
    function setBounds(Bounds calldata bounds) external;

    /// @notice Stops new Datanets, submissions, votes and publications. GUARDIAN_ROLE. Exits
    ///         (withdrawals, unbonding, sweeping) are never paused.
    function pause() external;

    /// @notice Lifts a pause. DEFAULT_ADMIN_ROLE (governance, through the timelock): the
    ///         guardian can stop the registry but never restart it.
    function unpause() external;

    // =========================================================================================
    // Datanets
    // =========================================================================================

    /// @notice Creates a Datanet owned by the caller; its kind can never change.
    /// @return datanetId The new id (1, 2, ...).
    function createDatanet(
        DataKind kind,
        string calldata metadataURI,
        Params calldata params
    ) external returns (uint256 datanetId);

    /// @notice Owner only. Parameters apply to submissions from now on; a contribution is
    ///         judged by the quorum, slash share, bond period and review period in force when it
    ///         was submitted (stored in it), so changing them never changes the terms of one
    ///         already under review.
    function setParams(uint256 datanetId, Params calldata params) external;

    /// @notice Owner only: emits the new metadata URI (events are its only storage).
    function setMetadataURI(uint256 datanetId, string calldata metadataURI) external;

    /// @notice Owner only: names `newOwner` as pending owner (zero cancels).
    function transferDatanetOwnership(uint256 datanetId, address newOwner) external;

    /// @notice Pending owner only: completes the transfer.
    function acceptDatanetOwnership(uint256 datanetId) external;

    // =========================================================================================
    // Curators
    // =========================================================================================

    /// @notice Owner only: appoints `curator`, who can vote once bonded.
    function appointCurator(uint256 datanetId, address curator) external;

    /// @notice Owner only: removes `curator`; its votes already cast stay; its bond stays
    ///         its own, withdrawable after unbonding.
    function removeCurator(uint256 datanetId, address curator) external;

    /// @notice Adds `amount` OPEN (transferFrom: approve first) to the caller's bond in
    ///         `datanetId`. Anyone may pre-bond; only an appointed curator votes.
    function depositCuratorBond(uint256 datanetId, uint256 amount) external;

    /// @notice Starts unbonding: the caller stops voting now and withdraws after the global
    ///         `curatorUnbondingDelay`, during which the bond can still be slashed.
    function startCuratorUnbonding(uint256 datanetId) external;

    /// @notice Withdraws the caller's whole bond after its unbonding delay.
    function withdrawCuratorBond(uint256 datanetId) external;

    /// @notice PENALTY_ROLE: slashes `amount` of a curator's bond (to the treasury's pool).
    function slashCuratorBond(uint256 datanetId, address curator, uint256 amount, bytes32 reason) external;

    // =========================================================================================
    // Contributions
    // =========================================================================================

    /// @notice Commits to a contribution without revealing its content: `commitment` is
    ///         `keccak256(abi.encode(contentHash, contributor, salt))` (`contributionCommitment`),
    ///         with a secret random `salt`. The contributor reveals it with `submit` at least one
    ///         block later; the block of the commitment is its precedence. Anyone may send it
    ///         (only the contributor it names can reveal it). Paused with submissions. Reverts
    ///         `CommitmentExists` for a commitment made and not yet revealed.
    function commitContribution(bytes32 commitment) external;

    /// @notice Reveals a commitment and submits the data: pulls `stake` OPEN from the caller
    ///         (transferFrom: approve first), counts `sizeBytes` against today's cap, and opens
    ///         the contribution for review. The caller's commitment
    ///         `keccak256(abi.encode(contentHash, msg.sender, salt))` must exist and be at least one
    ///         block old (`UnknownCommitment`, `CommitmentTooRecent`); it is used up. If a pending
    ///         contribution holds the same content in the Datanet under a later commitment (or
    ///         its review deadline has passed), this one displaces it; otherwise a held content
    ///         hash reverts `DuplicateContent`.
    /// @param contentHash Hash of the content (the settlement checks the data against it).
    /// @param uri         Where the data lives (emitted, not stored).
    /// @param sizeBytes   The content's length, as declared: counted against the daily cap as
    ///                    given (the chain cannot see the bytes); checked off-chain, and an
    ///                    under-declaration is penalised (see the contract notes).
    /// @param salt        The salt of the caller's commitment.
    /// @return contributionId The new id (global across Datanets).
    function submit(
        uint256 datanetId,
        bytes32 contentHash,
        string calldata uri,
        uint256 sizeBytes,
        uint256 stake,
        bytes32 salt
    ) external returns (uint256 contributionId);

    /// @notice `submit` (the reveal of the caller's commitment) with an EIP-2612 permit for
    ///         `stake` in the same call. If the permit fails (for example because someone
    ///         front-ran it) the call still succeeds when the allowance already covers the
    ///         stake; otherwise it reverts with `PermitFailed`. A copied permit gives the copier
    ///         nothing: the reveal needs the caller's own commitment.
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
    ) external returns (uint256 contributionId);

    /// @notice A bonded, appointed curator (not the contributor) votes on a pending
    ///         contribution before its review deadline (`ReviewClosed` from it). The first side
    ///         to reach the contribution's quorum (the one stored at submission) decides it:
    ///         accepted (stake bonded for the bond period stored at submission) or rejected (its
    ///         slash share slashed, rounded down, so dust stays with the contributor; the rest
    ///         withdrawable). Both tallies stay below that quorum until then, so no later change
    ///         of the Datanet's quorum can let a minority decide.
    function vote(uint256 contributionId, bool accept) external;

    /// @notice The contributor takes its stake back, exactly once. A pending contribution only
    ///         from its review deadline, in full (the curators did not decide in time; its
    ///         content hash is free again): before it `UnderReview`, so no vote can be raced by
    ///         a withdrawal and no review ended by one. A rejected, revoked or displaced one
    ///         returns what its slash (if any) left, a taken-down one its whole stake, all at
    ///         once; an accepted one after its bond period (it stays accepted).
    /// @return amount OPEN sent to the contributor.
    function withdraw(uint256 contributionId) external returns (uint256 amount);

    /// @notice PENALTY_ROLE (governance, or the settlement flagging adversarial data): slashes
    ///         `slashBps` of an accepted contribution's stake during its bond period and revokes
    ///         it, so it is in no later version; the rest is withdrawable.
    function penalize(uint256 contributionId, uint16 slashBps, bytes32 reason) external;

    /// @notice TAKEDOWN_ROLE (governance): removes a pending or accepted contribution without
    ///         slashing it, at any time, also after its bond period (when `penalize` no longer
    ///         can): it is in no version published from now on, its content hash stays barred
    ///         in the Datanet, and its whole stake becomes withdrawable at once (no penalty can
    ///         follow). Reverts `UnknownContribution`, `AlreadyTakenDown` or `CannotTakeDown`.
    function takeDown(uint256 contributionId, bytes32 reason) external;

    /// @notice Sends every slashed, unswept OPEN to the treasury. Anyone.
    function sweepSlashed() external returns (uint256 amount);

    /// @notice Anyone: sends the OPEN the registry holds beyond what it owes (its balance minus
    ///         `totalStaked() + totalCuratorBonds() + slashedUnswept()`, i.e. OPEN sent to it by a
    ///         plain transfer, which no accounting credited) to the treasury, restoring "OPEN
    ///         held == OPEN owed". The only place the registry reads its own balance: it moves
    ///         the excess and nothing else. Never paused. Reverts `NothingToSkim`.
    /// @return amount OPEN sent to the treasury.
    function skim() external returns (uint256 amount);

    // =========================================================================================
    // Versions
    // =========================================================================================

    /// @notice Owner only: publishes the next version with the root of the current accepted,
    ///         non-revoked set (see the contract notes for the leaf) and its size, which must
    ///         equal the on-chain count.
    /// @return version The new version number (1, 2, ...).
    function publishVersion(
        uint256 datanetId,
        bytes32 root,
        uint256 count,
        string calldata uri
    ) external returns (uint256 version);

    /// @notice Anyone: proves that a version's root includes the leaf
    ///         `(contributionId, contentHash)` although that contribution is not in the version
    ///         (another Datanet's, a wrong content hash, not accepted or already revoked at
    ///         publication). The version is marked disputed for good: `isPublishedVersion`
    ///         then answers false and `versionRoot` zero. Reverts `NotAFalseInclusion` for a
    ///         correct leaf and `InvalidVersionProof` if the proof does not verify.
    function disputeVersion(
        uint256 datanetId,
        uint256 version,
        uint256 contributionId,
        bytes32 contentHash,
        bytes32[] calldata proof
    ) external;

    /// @notice GUARDIAN_ROLE: marks a version disputed without an on-chain proof, for the wrong
    ///         roots the chain cannot prove by itself (a root that omits a member, flagged by the
    ///         TypeScript verifier). Same effect as `disputeVersion` (`contributionId` 0 in the
    ///         event); it moves no funds and the root itself stays recorded.
    function revokeVersion(uint256 datanetId, uint256 version) external;

    // =========================================================================================
    // Views
    // =========================================================================================

    /// @notice The staking token (OPEN on the L2).
    function token() external view returns (address);

    function bounds() external view returns (Bounds memory);

    function datanetCount() external view returns (uint256);

    function getDatanet(uint256 datanetId) external view returns (Datanet memory);

    /// @notice True when `account` is appointed, bonded at least the curator bond and not
    ///         unbonding.
    function canVote(uint256 datanetId, address account) external view returns (bool);

    function getCurator(uint256 datanetId, address account) external view returns (Curator memory);

    function contributionCount() external view returns (uint256);

    function getContribution(uint256 contributionId) external view returns (Contribution memory);

    function hasVoted(uint256 contributionId, address curator) external view returns (bool);

    /// @notice The contribution holding `contentHash` in `datanetId` (pending, accepted,
    ///         revoked or taken down), or 0.
    function contributionOfContent(uint256 datanetId, bytes32 contentHash) external view returns (uint256);

    /// @notice The block of the commitment under which `contentHash` is held in `datanetId`
    ///         (0 if it is not held): a reveal of it with an earlier commitment displaces a
    ///         pending holder.
    function contentCommitBlock(uint256 datanetId, bytes32 contentHash) external view returns (uint256);

    /// @notice The block at which `commitment` was made, 0 if it was never made or has been
    ///         revealed.
    function commitmentBlock(bytes32 commitment) external view returns (uint256);

    /// @notice The commitment of a contribution: `keccak256(abi.encode(contentHash, contributor,
    ///         salt))`.
    function contributionCommitment(
        bytes32 contentHash,
        address contributor,
        bytes32 salt
    ) external pure returns (bytes32);

    /// @notice Bytes `contributor` has submitted to `datanetId` in UTC day `day`
    ///         (`block.timestamp / 1 days`); only today's figure is kept, earlier days read 0.
    function bytesSubmittedOn(uint256 datanetId, address contributor, uint256 day) external view returns (uint256);

    function getVersion(uint256 datanetId, uint256 version) external view returns (Version memory);

    /// @notice Whether contribution `contributionId` belongs to `version` of its Datanet.
    function isInVersion(uint256 contributionId, uint256 version) external view returns (bool);

    /// @notice OPEN held for live stakes (pending, accepted not yet withdrawn, and the
    ///         refundable rest of rejected or revoked ones).
    function totalStaked() external view returns (uint256);

    /// @notice OPEN held as curator bonds.
    function totalCuratorBonds() external view returns (uint256);

    /// @notice Slashed OPEN not yet swept to the treasury.
    function slashedUnswept() external view returns (uint256);
}
