// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IErrors} from "./IErrors.sol";

/// @title IModelRegistry
/// @notice Base models and LoRA adapters with their provenance (the published Datanet versions
///         they were trained on), their attribution method, their price per 1,000 input and
///         output tokens and their fee split. The FeeRouter reads the payable terms from here.
/// @dev    Model ids start at 1 and are never reused; 0 means "none" (e.g. a base model's base).
///         An adapter names a base model; many adapters share one base. Provenance (artifact hash,
///         Datanet versions, base, attribution method) is immutable once registered.
///
///         Terms (prices and split) change only after a notice delay: `scheduleTerms` stores the
///         new terms with `effectiveAt = now + noticeDelay`, and from that timestamp on they are
///         the effective terms (applied lazily, no transaction needed). A payer who quoted a fee
///         is therefore never surprised within the delay, and every payment also carries a max
///         fee. Governance (DEFAULT_ADMIN_ROLE) sets the split bounds and the notice delay within
///         hard-coded limits; its changes apply to registrations and schedules made afterwards,
///         never retroactively to terms already in force. The guardian may pause registrations.
interface IModelRegistry is IErrors {
    // ---------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------

    /// @notice Lifecycle of a model. `None` = not registered. `Retired` is final.
    enum ModelStatus {
        None,
        Active,
        Paused,
        Retired
    }

    /// @notice How the settlement attributes outputs of this model to Datanet contributions.
    enum AttributionMethod {
        /// Suffix-array span matching, for text models.
        SuffixArraySpans,
        /// Exact influence functions, for small models trained by the project.
        Influence
    }

    /// @notice Which part of a split a bounds error is about.
    enum SplitPart {
        Owner,
        Stakers,
        Contributors
    }

    /// @notice A published Datanet version (see IDatanetVersions).
    struct DatanetVersion {
        uint256 datanetId;
        uint256 version;
    }

    /// @notice Prices (OPEN wei per 1,000 tokens) and split (basis points of the fee net of the
    ///         platform fee; the three parts sum to 10,000). `effectiveAt` is the timestamp from
    ///         which scheduled terms apply (0 for the terms set at registration).
    struct Terms {
        uint80 pricePerKInput;
        uint80 pricePerKOutput;
        uint16 ownerBps;
        uint16 stakersBps;
        uint16 contributorsBps;
        uint40 effectiveAt;
    }

    /// @notice Governance bounds on each part of a model's split, in basis points (inclusive).
    struct SplitBounds {
        uint16 minOwnerBps;
        uint16 maxOwnerBps;
        uint16 minStakersBps;
        uint16 maxStakersBps;
        uint16 minContributorsBps;
        uint16 maxContributorsBps;
    }

    /// @notice What a builder registers. `baseModelId` is 0 for a base model, the base's id for
    ///         a LoRA adapter.
    struct Registration {
        uint256 baseModelId;
        bytes32 artifactHash;
        string metadataURI;
        DatanetVersion[] trainedOn;
        AttributionMethod attributionMethod;
        uint80 pricePerKInput;
        uint80 pricePerKOutput;
        uint16 ownerBps;
        uint16 stakersBps;
        uint16 contributorsBps;
    }

    /// @notice A model's record, as returned by `getModel`.
    struct ModelView {
        address owner;
        address pendingOwner;
        uint256 baseModelId;
        ModelStatus status;
        AttributionMethod attributionMethod;
        bytes32 artifactHash;
        string metadataURI;
        DatanetVersion[] trainedOn;
        Terms terms;
        Terms scheduledTerms;
    }

    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    /// @notice A base model (`baseModelId == 0`) or an adapter was registered.
    event ModelRegistered(
        uint256 indexed modelId,
        address indexed owner,
        uint256 indexed baseModelId,
        bytes32 artifactHash,
        AttributionMethod attributionMethod,
        string metadataURI,
        DatanetVersion[] trainedOn,
        Terms terms
    );

    /// @notice New terms were scheduled; they apply from `terms.effectiveAt`.
    event TermsScheduled(uint256 indexed modelId, Terms terms);

    /// @notice Scheduled terms that had not yet taken effect were cancelled.
    event ScheduledTermsCancelled(uint256 indexed modelId, Terms cancelled);

    /// @notice The owner paused payments to the model (and to its adapters, if it is a base).
    event ModelPaused(uint256 indexed modelId);

    /// @notice The owner resumed payments to the model.
    event ModelUnpaused(uint256 indexed modelId);

    /// @notice The owner retired the model for good (and with it its adapters' payments).
    event ModelRetired(uint256 indexed modelId);

    /// @notice The owner updated the model's metadata URI (provenance is not metadata).
    event ModelMetadataUpdated(uint256 indexed modelId, string metadataURI);

    /// @notice The owner offered the model to `pendingOwner` (zero address: offer withdrawn).
    event ModelOwnershipTransferStarted(uint256 indexed modelId, address indexed owner, address indexed pendingOwner);

    /// @notice `newOwner` accepted the model.
    event ModelOwnershipTransferred(uint256 indexed modelId, address indexed previousOwner, address indexed newOwner);

    /// @notice Governance changed the split bounds for future registrations and schedules.
    event SplitBoundsUpdated(SplitBounds previousBounds, SplitBounds newBounds);

    /// @notice Governance changed the notice delay for future schedules.
    event NoticeDelayUpdated(uint256 previousDelay, uint256 newDelay);

    /// @notice `committer` recorded `commitment` = keccak256(abi.encode(artifactHash, owner,
    ///         salt)) at the current block, the first step of a registration.
    event ArtifactCommitted(bytes32 indexed commitment, address indexed committer);

    /// @notice `modelId` held `artifactHash` under a later commitment than `byModelId`'s, so it
    ///         lost the artifact to `byModelId` and was retired (precedence by earliest commitment).
    event ModelSuperseded(uint256 indexed modelId, uint256 indexed byModelId, bytes32 indexed artifactHash);

    // ---------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------

    /// @notice No model has this id.
    error UnknownModel(uint256 modelId);

    /// @notice The model is paused by its owner.
    error ModelIsPaused(uint256 modelId);

    /// @notice The model is retired (final).
    error ModelIsRetired(uint256 modelId);

    /// @notice The adapter cannot be paid because its base model is paused or retired.
    error BaseModelNotActive(uint256 adapterId, uint256 baseModelId, ModelStatus baseStatus);

    /// @notice An adapter was registered on another adapter; adapters apply to base models.
    error BaseIsAdapter(uint256 baseModelId, uint256 itsBaseModelId);

    /// @notice The caller is not the model's owner.
    error NotModelOwner(uint256 modelId, address caller, address owner);

    /// @notice The caller is not the pending owner of the model.
    error NotPendingModelOwner(uint256 modelId, address caller, address pendingOwner);

    /// @notice A Datanet version named as training data is not published (or does not exist).
    error UnpublishedDatanetVersion(uint256 datanetId, uint256 version);

    /// @notice The same Datanet version was named twice.
    error DuplicateDatanetVersion(uint256 datanetId, uint256 version);

    /// @notice A model must name at least one Datanet version it was trained on.
    error NoDatanetVersions();

    /// @notice More Datanet versions than `max` were named.
    error TooManyDatanetVersions(uint256 count, uint256 max);

    /// @notice The artifact hash is zero.
    error ZeroArtifactHash();

    /// @notice The artifact was already registered as `modelId` (copies earn nothing), under a
    ///         commitment no later than the caller's.
    error ArtifactAlreadyRegistered(bytes32 artifactHash, uint256 modelId);

    /// @notice `commitment` expired at `expiredAt` (MAX_COMMITMENT_AGE after it was recorded).
    error CommitmentExpired(bytes32 commitment, uint256 expiredAt);

    /// @notice Both prices are zero; a model must charge for something.
    error ZeroPrice();

    /// @notice The three parts of a split do not sum to 10,000 basis points.
    error SplitSumNot10000(uint256 sum);

    /// @notice A part of a split is outside the governance bounds [min, max].
    error SplitOutOfBounds(SplitPart part, uint256 bps, uint256 min, uint256 max);

    /// @notice Governance bounds that no split could satisfy, or above 10,000.
    error InvalidSplitBounds(SplitBounds bounds);

    /// @notice A notice delay outside [min, max].
    error NoticeDelayOutOfRange(uint256 delay, uint256 min, uint256 max);

    /// @notice There are no scheduled terms waiting to take effect.
    error NoScheduledTerms(uint256 modelId);

    /// @notice The model is already in the requested pause state.
    error PauseStateUnchanged(uint256 modelId, ModelStatus status);

    // ---------------------------------------------------------------------------------------
    // Owner actions
    // ---------------------------------------------------------------------------------------

    /// @notice First step of a registration: records `commitment` = keccak256(abi.encode(
    ///         artifactHash, owner, salt)) with the current block and time, hiding the artifact
    ///         hash until `registerModel` reveals it. Anyone may send it (it binds the owner).
    ///         Not while registrations are paused. Reverts `CommitmentExists` if already recorded.
    function commitArtifact(bytes32 commitment) external;

    /// @notice Registers a base model or a LoRA adapter owned by the caller, revealing the
    ///         commitment keccak256(abi.encode(registration.artifactHash, msg.sender, salt)).
    ///         Every Datanet version must be published; the split must sum to 10,000 and lie
    ///         within the bounds. The commitment must have been recorded in an earlier block
    ///         (`CommitmentTooRecent`) and at most MAX_COMMITMENT_AGE ago (`CommitmentExpired`);
    ///         it is consumed. The initial terms apply at once.
    /// @dev    Precedence by earliest commitment (front-running, docs/models-fees.md): if the
    ///         artifact is already registered under a commitment from a later block, that model
    ///         is retired and loses the artifact to this one (`ModelSuperseded`); otherwise
    ///         `ArtifactAlreadyRegistered`. A mempool observer who copies a reveal can only
    ///         commit after seeing it, so its commitment is always later than the publisher's.
    /// @return modelId The new model's id.
    function registerModel(Registration calldata registration, bytes32 salt) external returns (uint256 modelId);

    /// @notice Schedules new prices and split, effective after the notice delay. Replaces any
    ///         schedule not yet in force (restarting its delay). Owner only; not when retired.
    /// @return effectiveAt The timestamp from which the new terms apply.
    function scheduleTerms(
        uint256 modelId,
        uint80 pricePerKInput,
        uint80 pricePerKOutput,
        uint16 ownerBps,
        uint16 stakersBps,
        uint16 contributorsBps
    ) external returns (uint256 effectiveAt);

    /// @notice Cancels scheduled terms that have not taken effect yet. Owner only.
    function cancelScheduledTerms(uint256 modelId) external;

    /// @notice Stops payments to the model (and to its adapters, if it is a base). Owner only.
    function pauseModel(uint256 modelId) external;

    /// @notice Resumes payments to a paused model. Owner only.
    function unpauseModel(uint256 modelId) external;

    /// @notice Retires the model for good: no payment to it (or, for a base, to any of its
    ///         adapters) is accepted afterwards. Owner credits already earned stay withdrawable.
    function retireModel(uint256 modelId) external;

    /// @notice Updates the metadata URI. Owner only; not when retired.
    function setMetadataURI(uint256 modelId, string calldata metadataURI) external;

    /// @notice Starts a two-step transfer to `newOwner` (zero address withdraws the offer).
    function transferModelOwnership(uint256 modelId, address newOwner) external;

    /// @notice Completes a transfer; the caller must be the pending owner. Fee credits earned
    ///         before the transfer stay with the previous owner.
    function acceptModelOwnership(uint256 modelId) external;

    // ---------------------------------------------------------------------------------------
    // Governance and guardian
    // ---------------------------------------------------------------------------------------

    /// @notice Sets the split bounds (DEFAULT_ADMIN_ROLE). Applies to future registrations and
    ///         schedules only.
    function setSplitBounds(SplitBounds calldata bounds) external;

    /// @notice Sets the notice delay (DEFAULT_ADMIN_ROLE) within [MIN_NOTICE_DELAY, MAX_NOTICE_DELAY].
    function setNoticeDelay(uint256 delay) external;

    /// @notice Stops new registrations (GUARDIAN_ROLE). Payments are the FeeRouter's business.
    function pause() external;

    /// @notice Allows registrations again. DEFAULT_ADMIN_ROLE (governance, through the
    ///         timelock): the guardian can stop registrations but never restart them.
    function unpause() external;

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice The owner and the terms in force now for a payment to `modelId`. Reverts with
    ///         UnknownModel, ModelIsPaused, ModelIsRetired or BaseModelNotActive when the model
    ///         cannot be paid. This is the one call the FeeRouter makes per payment or batch.
    function paymentTerms(uint256 modelId) external view returns (address owner, Terms memory terms);

    /// @notice The terms in force now (whatever the model's status).
    function effectiveTerms(uint256 modelId) external view returns (Terms memory terms);

    /// @notice Everything recorded about a model (terms = in force now; scheduledTerms = waiting,
    ///         all zero when none).
    function getModel(uint256 modelId) external view returns (ModelView memory);

    /// @notice The Datanet versions the model was trained on.
    function trainedOn(uint256 modelId) external view returns (DatanetVersion[] memory);

    /// @notice The model's status (None for an unknown id).
    function statusOf(uint256 modelId) external view returns (ModelStatus);

    /// @notice The model's owner (zero for an unknown id).
    function ownerOf(uint256 modelId) external view returns (address);

    /// @notice The model registered with this artifact hash (0 when none).
    function modelIdOfArtifact(bytes32 artifactHash) external view returns (uint256);

    /// @notice The block at which the commitment `modelId` was registered under was recorded
    ///         (its precedence for its artifact); 0 for an unknown id or a model that lost its
    ///         artifact to an earlier commitment.
    function committedAtBlock(uint256 modelId) external view returns (uint256);

    /// @notice The block and timestamp at which `commitment` was recorded (zeros when unknown
    ///         or already used).
    function commitmentOf(bytes32 commitment) external view returns (uint256 blockNumber, uint256 timestamp);

    /// @notice keccak256(abi.encode(artifactHash, owner, salt)), the commitment to record.
    function artifactCommitment(bytes32 artifactHash, address owner, bytes32 salt) external pure returns (bytes32);

    /// @notice Number of models ever registered (= the highest id).
    function modelCount() external view returns (uint256);

    /// @notice The governance split bounds in force.
    function splitBounds() external view returns (SplitBounds memory);

    /// @notice The notice delay, in seconds, applied to schedules made now.
    function noticeDelay() external view returns (uint256);

    /// @notice The registry of Datanet versions checked at registration.
    function datanets() external view returns (address);
}
