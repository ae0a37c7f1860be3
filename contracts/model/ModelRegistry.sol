// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {IDatanetVersions} from "../interfaces/IDatanetVersions.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {ISemver} from "../interfaces/ISemver.sol";

/// @title ModelRegistry
/// @notice Base models and LoRA adapters, their provenance and their payable terms.
/// @dev    Storage per model: one slot for owner, base, status and attribution method (the slot
///         every payment reads), one for the terms in force, one for scheduled terms; provenance
///         and metadata live in slots payments never touch.
contract ModelRegistry is IModelRegistry, AccessControl, Pausable, ISemver {
    /// @notice May pause registrations (only governance unpauses); never moves funds.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Shortest notice delay governance may set.
    uint256 public constant MIN_NOTICE_DELAY = 1 hours;

    /// @notice Longest notice delay governance may set.
    uint256 public constant MAX_NOTICE_DELAY = 30 days;

    /// @notice Most Datanet versions a model may name (bounds the registration's gas).
    uint256 public constant MAX_TRAINED_ON = 32;

    /// @notice Longest time between recording a commitment and registering with it. It also
    ///         bounds how long a registration can be superseded by an earlier commitment.
    uint256 public constant MAX_COMMITMENT_AGE = 1 days;

    uint256 private constant _BPS = 10_000;

    /// @dev When a commitment was recorded (both zero: unknown or used).
    struct Commitment {
        uint64 blockNumber;
        uint64 timestamp;
    }

    struct Model {
        // slot 0: read by every payment
        address owner;
        uint64 baseModelId;
        ModelStatus status;
        AttributionMethod attributionMethod;
        // slot 1, 2: terms in force and scheduled (effectiveAt == 0: none)
        Terms terms;
        Terms scheduled;
        // cold
        address pendingOwner;
        bytes32 artifactHash;
        string metadataURI;
        DatanetVersion[] trainedOn;
    }

    /// @notice The DatanetRegistry (IDatanetVersions) checked at registration (read it with
    ///         `datanets()`).
    address internal immutable _DATANETS;

    mapping(uint256 modelId => Model) private _models;
    /// @dev Who holds an artifact, and the block of the commitment it was registered under (its
    ///      precedence), in one slot: the registration writes that slot anyway.
    struct ArtifactHolder {
        uint64 modelId;
        uint64 committedAtBlock;
    }

    mapping(bytes32 artifactHash => ArtifactHolder) private _artifacts;
    mapping(bytes32 commitment => Commitment) private _commitments;
    uint256 private _modelCount;
    SplitBounds private _splitBounds;
    uint256 private _noticeDelay;

    /// @param datanets_ The DatanetRegistry (IDatanetVersions) checked for published versions.
    /// @param admin Governance (the timelock): DEFAULT_ADMIN_ROLE.
    /// @param guardian May pause registrations.
    /// @param bounds Initial split bounds.
    /// @param noticeDelay_ Initial notice delay for terms changes.
    constructor(address datanets_, address admin, address guardian, SplitBounds memory bounds, uint256 noticeDelay_) {
        require(datanets_ != address(0) && admin != address(0) && guardian != address(0), ZeroAddress());
        _DATANETS = datanets_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        _setSplitBounds(bounds);
        _setNoticeDelay(noticeDelay_);
    }

    modifier onlyModelOwner(uint256 modelId) {
        address owner = _models[modelId].owner;
        require(owner != address(0), UnknownModel(modelId));
        require(msg.sender == owner, NotModelOwner(modelId, msg.sender, owner));
        _;
    }

    modifier notRetired(uint256 modelId) {
        require(_models[modelId].status != ModelStatus.Retired, ModelIsRetired(modelId));
        _;
    }

    // ---------------------------------------------------------------------------------------
    // Owner actions
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function commitArtifact(bytes32 commitment) external whenNotPaused {
        Commitment memory c = _commitments[commitment];
        require(c.blockNumber == 0, CommitmentExists(commitment, c.blockNumber));
        // Block numbers and timestamps fit in 64 bits for billions of years.
        _commitments[commitment] = Commitment(uint64(block.number), uint64(block.timestamp));
        emit ArtifactCommitted(commitment, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function registerModel(Registration calldata r, bytes32 salt) external whenNotPaused returns (uint256 modelId) {
        require(r.artifactHash != bytes32(0), ZeroArtifactHash());
        if (r.baseModelId != 0) {
            Model storage base = _models[r.baseModelId];
            require(base.owner != address(0), UnknownModel(r.baseModelId));
            require(base.baseModelId == 0, BaseIsAdapter(r.baseModelId, base.baseModelId));
            require(base.status != ModelStatus.Retired, ModelIsRetired(r.baseModelId));
        }
        _checkTrainedOn(r.trainedOn);
        Terms memory terms = Terms({
            pricePerKInput: r.pricePerKInput,
            pricePerKOutput: r.pricePerKOutput,
            ownerBps: r.ownerBps,
            stakersBps: r.stakersBps,
            contributorsBps: r.contributorsBps,
            effectiveAt: 0
        });
        _checkTerms(terms);
        uint64 committedAt = _useCommitment(r.artifactHash, salt);
        modelId = ++_modelCount;
        ArtifactHolder memory holder = _artifacts[r.artifactHash];
        uint256 existing = holder.modelId;
        if (existing != 0) {
            // Precedence by earliest commitment: a model holding the artifact under a later
            // commitment (a front-runner's) loses it; an equal or earlier one keeps it.
            require(committedAt < holder.committedAtBlock, ArtifactAlreadyRegistered(r.artifactHash, existing));
            if (_models[existing].status != ModelStatus.Retired) _retire(existing);
            emit ModelSuperseded(existing, modelId, r.artifactHash);
        }
        Model storage m = _models[modelId];
        m.owner = msg.sender;
        // Ids are sequential from 1: one registration per id, so 2^64 ids cannot be reached.
        m.baseModelId = uint64(r.baseModelId);
        m.status = ModelStatus.Active;
        m.attributionMethod = r.attributionMethod;
        m.terms = terms;
        m.artifactHash = r.artifactHash;
        m.metadataURI = r.metadataURI;
        for (uint256 i = 0; i < r.trainedOn.length; ++i) m.trainedOn.push(r.trainedOn[i]);
        // Ids are sequential from 1, so they fit in 64 bits (as baseModelId above).
        _artifacts[r.artifactHash] = ArtifactHolder(uint64(modelId), committedAt);

        emit ModelRegistered(
            modelId,
            msg.sender,
            r.baseModelId,
            r.artifactHash,
            r.attributionMethod,
            r.metadataURI,
            r.trainedOn,
            terms
        );
    }

    /// @inheritdoc IModelRegistry
    function scheduleTerms(
        uint256 modelId,
        uint80 pricePerKInput,
        uint80 pricePerKOutput,
        uint16 ownerBps,
        uint16 stakersBps,
        uint16 contributorsBps
    ) external onlyModelOwner(modelId) notRetired(modelId) returns (uint256 effectiveAt) {
        Model storage m = _models[modelId];
        // Scheduled terms already in force become the current terms before being replaced.
        Terms memory scheduled = m.scheduled;
        if (scheduled.effectiveAt != 0 && scheduled.effectiveAt <= block.timestamp) m.terms = scheduled;

        effectiveAt = block.timestamp + _noticeDelay;
        Terms memory terms = Terms({
            pricePerKInput: pricePerKInput,
            pricePerKOutput: pricePerKOutput,
            ownerBps: ownerBps,
            stakersBps: stakersBps,
            contributorsBps: contributorsBps,
            // A timestamp plus at most 30 days fits in 40 bits until the year 36812.
            effectiveAt: uint40(effectiveAt)
        });
        _checkTerms(terms);
        m.scheduled = terms;
        emit TermsScheduled(modelId, terms);
    }

    /// @inheritdoc IModelRegistry
    function cancelScheduledTerms(uint256 modelId) external onlyModelOwner(modelId) {
        Model storage m = _models[modelId];
        Terms memory scheduled = m.scheduled;
        require(scheduled.effectiveAt != 0 && scheduled.effectiveAt > block.timestamp, NoScheduledTerms(modelId));
        delete m.scheduled;
        emit ScheduledTermsCancelled(modelId, scheduled);
    }

    /// @inheritdoc IModelRegistry
    function pauseModel(uint256 modelId) external onlyModelOwner(modelId) notRetired(modelId) {
        Model storage m = _models[modelId];
        require(m.status == ModelStatus.Active, PauseStateUnchanged(modelId, m.status));
        m.status = ModelStatus.Paused;
        emit ModelPaused(modelId);
    }

    /// @inheritdoc IModelRegistry
    function unpauseModel(uint256 modelId) external onlyModelOwner(modelId) notRetired(modelId) {
        Model storage m = _models[modelId];
        require(m.status == ModelStatus.Paused, PauseStateUnchanged(modelId, m.status));
        m.status = ModelStatus.Active;
        emit ModelUnpaused(modelId);
    }

    /// @inheritdoc IModelRegistry
    function retireModel(uint256 modelId) external onlyModelOwner(modelId) notRetired(modelId) {
        _retire(modelId);
    }

    /// @inheritdoc IModelRegistry
    function setMetadataURI(
        uint256 modelId,
        string calldata metadataURI
    ) external onlyModelOwner(modelId) notRetired(modelId) {
        _models[modelId].metadataURI = metadataURI;
        emit ModelMetadataUpdated(modelId, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    function transferModelOwnership(
        uint256 modelId,
        address newOwner
    ) external onlyModelOwner(modelId) notRetired(modelId) {
        _models[modelId].pendingOwner = newOwner;
        emit ModelOwnershipTransferStarted(modelId, msg.sender, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function acceptModelOwnership(uint256 modelId) external notRetired(modelId) {
        Model storage m = _models[modelId];
        address pending = m.pendingOwner;
        require(pending != address(0) && msg.sender == pending, NotPendingModelOwner(modelId, msg.sender, pending));
        address previous = m.owner;
        m.owner = pending;
        delete m.pendingOwner;
        emit ModelOwnershipTransferred(modelId, previous, pending);
    }

    // ---------------------------------------------------------------------------------------
    // Governance and guardian
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function setSplitBounds(SplitBounds calldata bounds) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setSplitBounds(bounds);
    }

    /// @inheritdoc IModelRegistry
    function setNoticeDelay(uint256 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setNoticeDelay(delay);
    }

    /// @inheritdoc IModelRegistry
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc IModelRegistry
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function paymentTerms(uint256 modelId) external view returns (address owner, Terms memory terms) {
        Model storage m = _models[modelId];
        owner = m.owner;
        ModelStatus status = m.status;
        require(status != ModelStatus.None, UnknownModel(modelId));
        require(status != ModelStatus.Retired, ModelIsRetired(modelId));
        require(status != ModelStatus.Paused, ModelIsPaused(modelId));
        uint256 baseId = m.baseModelId;
        if (baseId != 0) {
            ModelStatus baseStatus = _models[baseId].status;
            require(baseStatus == ModelStatus.Active, BaseModelNotActive(modelId, baseId, baseStatus));
        }
        terms = _effectiveTerms(m);
    }

    /// @inheritdoc IModelRegistry
    function effectiveTerms(uint256 modelId) external view returns (Terms memory) {
        Model storage m = _models[modelId];
        require(m.owner != address(0), UnknownModel(modelId));
        return _effectiveTerms(m);
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 modelId) external view returns (ModelView memory v) {
        Model storage m = _models[modelId];
        require(m.owner != address(0), UnknownModel(modelId));
        v.owner = m.owner;
        v.pendingOwner = m.pendingOwner;
        v.baseModelId = m.baseModelId;
        v.status = m.status;
        v.attributionMethod = m.attributionMethod;
        v.artifactHash = m.artifactHash;
        v.metadataURI = m.metadataURI;
        v.trainedOn = m.trainedOn;
        v.terms = _effectiveTerms(m);
        Terms memory scheduled = m.scheduled;
        if (scheduled.effectiveAt > block.timestamp) v.scheduledTerms = scheduled;
    }

    /// @inheritdoc IModelRegistry
    function trainedOn(uint256 modelId) external view returns (DatanetVersion[] memory) {
        return _models[modelId].trainedOn;
    }

    /// @inheritdoc IModelRegistry
    function statusOf(uint256 modelId) external view returns (ModelStatus) {
        return _models[modelId].status;
    }

    /// @inheritdoc IModelRegistry
    function ownerOf(uint256 modelId) external view returns (address) {
        return _models[modelId].owner;
    }

    /// @inheritdoc IModelRegistry
    function modelIdOfArtifact(bytes32 artifactHash) external view returns (uint256) {
        return _artifacts[artifactHash].modelId;
    }

    /// @inheritdoc IModelRegistry
    function committedAtBlock(uint256 modelId) external view returns (uint256) {
        ArtifactHolder memory holder = _artifacts[_models[modelId].artifactHash];
        return holder.modelId == modelId ? holder.committedAtBlock : 0;
    }

    /// @inheritdoc IModelRegistry
    function commitmentOf(bytes32 commitment) external view returns (uint256 blockNumber, uint256 timestamp) {
        Commitment memory c = _commitments[commitment];
        return (c.blockNumber, c.timestamp);
    }

    /// @inheritdoc IModelRegistry
    function artifactCommitment(bytes32 artifactHash, address owner, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(artifactHash, owner, salt));
    }

    /// @inheritdoc IModelRegistry
    function datanets() external view returns (address) {
        return _DATANETS;
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    /// @inheritdoc IModelRegistry
    function splitBounds() external view returns (SplitBounds memory) {
        return _splitBounds;
    }

    /// @inheritdoc IModelRegistry
    function noticeDelay() external view returns (uint256) {
        return _noticeDelay;
    }

    /// @inheritdoc ISemver
    function version() external pure returns (string memory) {
        return "4.0.0";
    }

    // ---------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------

    /// @dev Checks and consumes the caller's commitment to `artifactHash`; returns its block.
    function _useCommitment(bytes32 artifactHash, bytes32 salt) private returns (uint64 blockNumber) {
        bytes32 commitment = artifactCommitment(artifactHash, msg.sender, salt);
        Commitment memory c = _commitments[commitment];
        require(c.blockNumber != 0, UnknownCommitment(commitment));
        require(block.number > c.blockNumber, CommitmentTooRecent(commitment, c.blockNumber, block.number));
        uint256 expiresAt = uint256(c.timestamp) + MAX_COMMITMENT_AGE;
        require(block.timestamp <= expiresAt, CommitmentExpired(commitment, expiresAt));
        delete _commitments[commitment];
        return c.blockNumber;
    }

    /// @dev Retires `modelId` (final) and withdraws a pending ownership offer.
    function _retire(uint256 modelId) private {
        Model storage m = _models[modelId];
        m.status = ModelStatus.Retired;
        emit ModelRetired(modelId);
        if (m.pendingOwner != address(0)) {
            delete m.pendingOwner;
            emit ModelOwnershipTransferStarted(modelId, m.owner, address(0));
        }
    }

    function _effectiveTerms(Model storage m) private view returns (Terms memory) {
        Terms memory scheduled = m.scheduled;
        if (scheduled.effectiveAt != 0 && scheduled.effectiveAt <= block.timestamp) return scheduled;
        return m.terms;
    }

    function _checkTrainedOn(DatanetVersion[] calldata versions) private view {
        uint256 n = versions.length;
        require(n != 0, NoDatanetVersions());
        require(n <= MAX_TRAINED_ON, TooManyDatanetVersions(n, MAX_TRAINED_ON));
        IDatanetVersions registry = IDatanetVersions(_DATANETS);
        for (uint256 i = 0; i < n; ++i) {
            DatanetVersion calldata v = versions[i];
            require(
                registry.isPublishedVersion(v.datanetId, v.version),
                UnpublishedDatanetVersion(v.datanetId, v.version)
            );
            // At most 32 x 31 / 2 comparisons of calldata: cheaper than a transient set.
            for (uint256 j = 0; j < i; ++j) {
                require(
                    versions[j].datanetId != v.datanetId || versions[j].version != v.version,
                    DuplicateDatanetVersion(v.datanetId, v.version)
                );
            }
        }
    }

    function _checkTerms(Terms memory t) private view {
        require(t.pricePerKInput != 0 || t.pricePerKOutput != 0, ZeroPrice());
        uint256 sum = uint256(t.ownerBps) + t.stakersBps + t.contributorsBps;
        require(sum == _BPS, SplitSumNot10000(sum));
        SplitBounds memory b = _splitBounds;
        require(
            t.ownerBps >= b.minOwnerBps && t.ownerBps <= b.maxOwnerBps,
            SplitOutOfBounds(SplitPart.Owner, t.ownerBps, b.minOwnerBps, b.maxOwnerBps)
        );
        require(
            t.stakersBps >= b.minStakersBps && t.stakersBps <= b.maxStakersBps,
            SplitOutOfBounds(SplitPart.Stakers, t.stakersBps, b.minStakersBps, b.maxStakersBps)
        );
        require(
            t.contributorsBps >= b.minContributorsBps && t.contributorsBps <= b.maxContributorsBps,
            SplitOutOfBounds(SplitPart.Contributors, t.contributorsBps, b.minContributorsBps, b.maxContributorsBps)
        );
    }

    function _setSplitBounds(SplitBounds memory b) private {
        require(
            b.minOwnerBps <= b.maxOwnerBps &&
                b.minStakersBps <= b.maxStakersBps &&
                b.minContributorsBps <= b.maxContributorsBps &&
                b.maxOwnerBps <= _BPS &&
                b.maxStakersBps <= _BPS &&
                b.maxContributorsBps <= _BPS &&
                uint256(b.minOwnerBps) + b.minStakersBps + b.minContributorsBps <= _BPS &&
                uint256(b.maxOwnerBps) + b.maxStakersBps + b.maxContributorsBps >= _BPS,
            InvalidSplitBounds(b)
        );
        emit SplitBoundsUpdated(_splitBounds, b);
        _splitBounds = b;
    }

    function _setNoticeDelay(uint256 delay) private {
        require(
            delay >= MIN_NOTICE_DELAY && delay <= MAX_NOTICE_DELAY,
            NoticeDelayOutOfRange(delay, MIN_NOTICE_DELAY, MAX_NOTICE_DELAY)
        );
        emit NoticeDelayUpdated(_noticeDelay, delay);
        _noticeDelay = delay;
    }
}
