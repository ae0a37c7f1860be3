// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IEpochEscrow} from "../interfaces/IEpochEscrow.sol";
import {IFeeRouter} from "../interfaces/IFeeRouter.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRewardDistributor} from "../interfaces/IRewardDistributor.sol";
import {ISemver} from "../interfaces/ISemver.sol";
import {ITreasuryConfig} from "../interfaces/ITreasuryConfig.sol";
import {FeeMath} from "./FeeMath.sol";

/// @title FeeRouter
/// @notice Inference payments: pull the fee, split it exactly, escrow the stakers' and
///         contributors' parts per epoch in the RewardDistributor.
/// @dev    Gas shape of a payment (single or batch): one token pull from the payer, one
///         `fund` of the distributor (which pulls from here under a standing max allowance, so
///         no allowance write), one write each to the packed totals, the owner's credit and the
///         (epoch, model) escrow; per request only the (payer, request hash) slot and the event.
///         Platform fees are accrued in the packed totals slot and swept by anyone to the
///         treasury: that saves a token transfer per payment (about 10k gas) at the cost of one
///         sweep.
contract FeeRouter is IFeeRouter, AccessControl, Pausable, ReentrancyGuardTransient, ISemver {
    using SafeERC20 for IERC20;

    /// @notice May pause payments (only governance unpauses); never moves funds.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Hard cap on the platform fee (20%).
    uint256 public constant MAX_PLATFORM_FEE_BPS = 2_000;

    /// @notice OPEN (read it with `token()`).
    IERC20 internal immutable _TOKEN;

    /// @notice Where models, their status and their terms are read (read it with `registry()`).
    IModelRegistry internal immutable _REGISTRY;

    /// @notice The RewardDistributor that escrows the stakers' and contributors' parts (read it
    ///         with `distributor()`).
    IEpochEscrow internal immutable _DISTRIBUTOR;

    /// @notice The distributor's genesis, copied at deployment (read it with `genesis()`).
    uint256 internal immutable _GENESIS;

    /// @notice The distributor's epoch length, copied at deployment (read it with `epochLength()`).
    uint256 internal immutable _EPOCH_LENGTH;

    /// @dev Written by every payment: one slot. 96 bits hold any OPEN amount (supply 10^27 < 2^90).
    struct Totals {
        uint96 platformAccrued;
        uint96 totalCredits;
        uint64 lastRequestId;
    }

    /// @dev Read by every payment, written by governance only: one slot.
    struct Config {
        address treasury;
        uint16 platformFeeBps;
        uint16 scheduledPlatformFeeBps;
        uint40 scheduledAt;
    }

    /// @dev What the requests of one payment or batch share, and their running sums.
    struct Payment {
        uint256 modelId;
        address owner;
        uint256 epoch;
        uint256 platformBps;
        IModelRegistry.Terms terms;
        Totals totals;
        uint256 nextRequestId;
        uint256 fee;
        uint256 platform;
        uint256 owner_;
        uint256 stakers;
        uint256 contributors;
    }

    Totals private _totals;
    Config private _config;
    /// @dev Scoped per payer: a global hash registry would let anyone pay a gateway's hash first
    ///      (to any model, for a wei-scale fee) and make the gateway's own payment revert.
    mapping(address payer => mapping(bytes32 requestHash => uint256 requestId)) private _requestIdOf;
    mapping(address account => uint256 credit) private _credits;
    mapping(uint256 epoch => mapping(uint256 modelId => Escrowed)) private _escrowed;

    /// @param token_ OPEN (L2).
    /// @param registry_ The ModelRegistry.
    /// @param distributor_ The RewardDistributor (IEpochEscrow); its clock is the protocol's and
    ///        its token must be `token_` (DistributorTokenMismatch otherwise).
    /// @param treasury_ Receives swept platform fees.
    /// @param platformFeeBps_ Initial platform fee, at most MAX_PLATFORM_FEE_BPS.
    /// @param admin Governance (the timelock): DEFAULT_ADMIN_ROLE.
    /// @param guardian May pause payments.
    constructor(
        address token_,
        address registry_,
        address distributor_,
        address treasury_,
        uint256 platformFeeBps_,
        address admin,
        address guardian
    ) {
        require(
            token_ != address(0) &&
                registry_ != address(0) &&
                distributor_ != address(0) &&
                treasury_ != address(0) &&
                admin != address(0) &&
                guardian != address(0),
            ZeroAddress()
        );
        require(platformFeeBps_ <= MAX_PLATFORM_FEE_BPS, PlatformFeeTooHigh(platformFeeBps_, MAX_PLATFORM_FEE_BPS));
        // `fund` pulls the distributor's own token from here: any other token would leave the
        // escrowed parts stuck in the router (or make every payment revert).
        address distributorToken = IRewardDistributor(distributor_).token();
        require(distributorToken == token_, DistributorTokenMismatch(token_, distributorToken));
        _TOKEN = IERC20(token_);
        _REGISTRY = IModelRegistry(registry_);
        _DISTRIBUTOR = IEpochEscrow(distributor_);
        _GENESIS = IEpochEscrow(distributor_).genesis();
        _EPOCH_LENGTH = IEpochEscrow(distributor_).epochLength();
        // Bounded above by MAX_PLATFORM_FEE_BPS, so it fits in 16 bits.
        _config = Config({
            treasury: treasury_,
            platformFeeBps: uint16(platformFeeBps_),
            scheduledPlatformFeeBps: 0,
            scheduledAt: 0
        });
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        // A standing max allowance: OpenZeppelin's ERC-20 never decreases it, so each `fund`
        // costs no allowance write.
        IERC20(token_).forceApprove(distributor_, type(uint256).max);
        emit TreasuryUpdated(address(0), treasury_);
        emit PlatformFeeScheduled(platformFeeBps_, block.timestamp);
    }

    // ---------------------------------------------------------------------------------------
    // Payments
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IFeeRouter
    function pay(
        uint256 modelId,
        bytes32 requestHash,
        uint64 tokensIn,
        uint64 tokensOut,
        uint256 maxFee
    ) external nonReentrant whenNotPaused returns (uint256 requestId, uint256 fee) {
        return _pay(modelId, requestHash, tokensIn, tokensOut, maxFee);
    }

    /// @inheritdoc IFeeRouter
    function payWithPermit(
        uint256 modelId,
        bytes32 requestHash,
        uint64 tokensIn,
        uint64 tokensOut,
        uint256 maxFee,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant whenNotPaused returns (uint256 requestId, uint256 fee) {
        _tryPermit(maxFee, deadline, v, r, s);
        return _pay(modelId, requestHash, tokensIn, tokensOut, maxFee);
    }

    /// @inheritdoc IFeeRouter
    function payBatch(
        uint256 modelId,
        PaymentRequest[] calldata requests
    ) external nonReentrant whenNotPaused returns (uint256 firstRequestId, uint256 totalFee) {
        return _payBatch(modelId, requests);
    }

    /// @inheritdoc IFeeRouter
    function payBatchWithPermit(
        uint256 modelId,
        PaymentRequest[] calldata requests,
        uint256 permitValue,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant whenNotPaused returns (uint256 firstRequestId, uint256 totalFee) {
        _tryPermit(permitValue, deadline, v, r, s);
        return _payBatch(modelId, requests);
    }

    // ---------------------------------------------------------------------------------------
    // Withdrawals
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IFeeRouter
    function withdrawCredit(address to, uint256 amount) external nonReentrant {
        require(to != address(0), ZeroAddress());
        require(amount != 0, ZeroAmount());
        uint256 credit = _credits[msg.sender];
        require(amount <= credit, InsufficientCredit(msg.sender, credit, amount));
        // amount <= credit <= totalCredits (every credit was added to both): no underflow.
        unchecked {
            _credits[msg.sender] = credit - amount;
            _totals.totalCredits -= uint96(amount);
        }
        emit CreditWithdrawn(msg.sender, to, amount);
        _TOKEN.safeTransfer(to, amount);
    }

    /// @inheritdoc IFeeRouter
    function sweepPlatformFees() external nonReentrant returns (uint256 amount) {
        amount = _totals.platformAccrued;
        require(amount != 0, NothingToSweep());
        _totals.platformAccrued = 0;
        address to = _config.treasury;
        emit PlatformFeesSwept(to, amount);
        _TOKEN.safeTransfer(to, amount);
    }

    /// @inheritdoc IFeeRouter
    /// @dev Owed = totalCredits + platformFeesAccrued: OPEN only arrives through payments, whose
    ///      escrowed parts leave in the same transaction, so the balance is never below it.
    function skim() external nonReentrant returns (uint256 amount) {
        Totals memory t = _totals;
        uint256 owed = uint256(t.totalCredits) + t.platformAccrued;
        uint256 balance = _TOKEN.balanceOf(address(this));
        require(balance > owed, NothingToSkim(balance, owed));
        amount = balance - owed;
        address to = _config.treasury;
        emit ExcessSkimmed(msg.sender, to, amount);
        _TOKEN.safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------------------------------
    // Governance and guardian
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ITreasuryConfig
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(treasury_ != address(0), ZeroAddress());
        emit TreasuryUpdated(_config.treasury, treasury_);
        _config.treasury = treasury_;
    }

    /// @inheritdoc IFeeRouter
    function schedulePlatformFee(
        uint256 platformFeeBps_
    ) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint256 effectiveAt) {
        require(platformFeeBps_ <= MAX_PLATFORM_FEE_BPS, PlatformFeeTooHigh(platformFeeBps_, MAX_PLATFORM_FEE_BPS));
        Config memory c = _config;
        effectiveAt = block.timestamp + _REGISTRY.noticeDelay();
        // A schedule already in force becomes the current fee before being replaced.
        if (c.scheduledAt != 0 && c.scheduledAt <= block.timestamp) c.platformFeeBps = c.scheduledPlatformFeeBps;
        // Bounded by MAX_PLATFORM_FEE_BPS (16 bits); a timestamp plus at most 30 days fits in 40 bits.
        c.scheduledPlatformFeeBps = uint16(platformFeeBps_);
        c.scheduledAt = uint40(effectiveAt);
        _config = c;
        emit PlatformFeeScheduled(platformFeeBps_, effectiveAt);
    }

    /// @inheritdoc IFeeRouter
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @inheritdoc IFeeRouter
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IFeeRouter
    function quote(
        uint256 modelId,
        uint64 tokensIn,
        uint64 tokensOut
    ) external view returns (uint256 fee, Parts memory parts) {
        (, IModelRegistry.Terms memory t) = _REGISTRY.paymentTerms(modelId);
        fee = FeeMath.feeUp(t.pricePerKInput, t.pricePerKOutput, tokensIn, tokensOut);
        (parts.platform, parts.owner, parts.stakers, parts.contributors) = FeeMath.splitDown(
            fee,
            _platformFeeBps(),
            t.ownerBps,
            t.stakersBps
        );
    }

    /// @inheritdoc IFeeRouter
    function escrowed(uint256 epoch, uint256 modelId) external view returns (Escrowed memory) {
        return _escrowed[epoch][modelId];
    }

    /// @inheritdoc IFeeRouter
    function requestIdOf(address payer, bytes32 requestHash) external view returns (uint256) {
        return _requestIdOf[payer][requestHash];
    }

    /// @inheritdoc IFeeRouter
    function lastRequestId() external view returns (uint256) {
        return _totals.lastRequestId;
    }

    /// @inheritdoc IFeeRouter
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc IFeeRouter
    function totalCredits() external view returns (uint256) {
        return _totals.totalCredits;
    }

    /// @inheritdoc IFeeRouter
    function platformFeesAccrued() external view returns (uint256) {
        return _totals.platformAccrued;
    }

    /// @inheritdoc IFeeRouter
    function platformFeeBps() external view returns (uint256) {
        return _platformFeeBps();
    }

    /// @inheritdoc IFeeRouter
    /// @dev The distributor's rule exactly: rounds down, and 0 before genesis.
    function epochAt(uint256 timestamp) public view returns (uint256) {
        if (timestamp < _GENESIS) return 0;
        return (timestamp - _GENESIS) / _EPOCH_LENGTH;
    }

    /// @inheritdoc IFeeRouter
    function currentEpoch() external view returns (uint256) {
        return epochAt(block.timestamp);
    }

    /// @inheritdoc IFeeRouter
    function token() external view returns (address) {
        return address(_TOKEN);
    }

    /// @inheritdoc IFeeRouter
    function registry() external view returns (address) {
        return address(_REGISTRY);
    }

    /// @inheritdoc IFeeRouter
    function distributor() external view returns (address) {
        return address(_DISTRIBUTOR);
    }

    /// @inheritdoc IFeeRouter
    function genesis() external view returns (uint256) {
        return _GENESIS;
    }

    /// @inheritdoc IFeeRouter
    function epochLength() external view returns (uint256) {
        return _EPOCH_LENGTH;
    }

    /// @inheritdoc ITreasuryConfig
    function treasury() external view returns (address) {
        return _config.treasury;
    }

    /// @inheritdoc ISemver
    function version() external pure returns (string memory) {
        return "4.0.0";
    }

    // ---------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------

    function _pay(
        uint256 modelId,
        bytes32 requestHash,
        uint64 tokensIn,
        uint64 tokensOut,
        uint256 maxFee
    ) private returns (uint256 requestId, uint256 fee) {
        Payment memory p = _start(modelId);
        requestId = p.nextRequestId;
        _request(p, _requestIdOf[msg.sender], requestHash, tokensIn, tokensOut, maxFee);
        fee = p.fee;
        _finish(p);
    }

    function _payBatch(
        uint256 modelId,
        PaymentRequest[] calldata requests
    ) private returns (uint256 firstRequestId, uint256 totalFee) {
        uint256 n = requests.length;
        require(n != 0, EmptyBatch());
        Payment memory p = _start(modelId);
        firstRequestId = p.nextRequestId;
        // The payer's hashes, located once for the whole batch.
        mapping(bytes32 => uint256) storage paidBy = _requestIdOf[msg.sender];
        for (uint256 i = 0; i < n; ++i) {
            PaymentRequest calldata q = requests[i];
            _request(p, paidBy, q.requestHash, q.tokensIn, q.tokensOut, q.maxFee);
        }
        totalFee = p.fee;
        _finish(p);
    }

    /// @dev Reads what every request of a payment shares: the model's terms (one registry
    ///      call, which reverts when the model cannot be paid), the epoch and the platform fee.
    function _start(uint256 modelId) private view returns (Payment memory p) {
        (address owner, IModelRegistry.Terms memory t) = _REGISTRY.paymentTerms(modelId);
        p.modelId = modelId;
        p.owner = owner;
        p.epoch = epochAt(block.timestamp);
        p.platformBps = _platformFeeBps();
        p.terms = t;
        p.totals = _totals;
        p.nextRequestId = uint256(p.totals.lastRequestId) + 1;
    }

    /// @dev Checks one request, marks its hash as paid by the caller (`paidBy` is
    ///      `_requestIdOf[msg.sender]`), computes its fee and parts, emits its event and adds them
    ///      to the payment's sums. Totals and transfers are done once.
    function _request(
        Payment memory p,
        mapping(bytes32 => uint256) storage paidBy,
        bytes32 requestHash,
        uint64 tokensIn,
        uint64 tokensOut,
        uint256 maxFee
    ) private {
        require(requestHash != bytes32(0), ZeroRequestHash());
        uint256 paidAs = paidBy[requestHash];
        require(paidAs == 0, RequestAlreadyPaid(msg.sender, requestHash, paidAs));
        require(tokensIn != 0 || tokensOut != 0, ZeroTokens(requestHash));
        uint256 fee = FeeMath.feeUp(p.terms.pricePerKInput, p.terms.pricePerKOutput, tokensIn, tokensOut);
        // feeUp rounds up, so the fee is 0 only when every token used is on an unpriced side.
        require(fee != 0, ZeroFee(requestHash, tokensIn, tokensOut));
        require(fee <= maxFee, FeeAboveMax(requestHash, fee, maxFee));
        Parts memory parts;
        (parts.platform, parts.owner, parts.stakers, parts.contributors) = FeeMath.splitDown(
            fee,
            p.platformBps,
            p.terms.ownerBps,
            p.terms.stakersBps
        );
        uint256 requestId = p.nextRequestId;
        paidBy[requestHash] = requestId;
        emit RequestPaid(requestId, requestHash, p.modelId, msg.sender, p.epoch, tokensIn, tokensOut, fee, parts);
        // Each fee is below 2^146 (see FeeMath.feeUp) and a calldata array has far fewer than
        // 2^100 entries, so none of these sums can overflow; the id is cast-checked in _finish.
        unchecked {
            p.nextRequestId = requestId + 1;
            p.fee += fee;
            p.platform += parts.platform;
            p.owner_ += parts.owner;
            p.stakers += parts.stakers;
            p.contributors += parts.contributors;
        }
    }

    /// @dev Books a payment or batch (totals slot, owner credit, escrow) and moves the tokens.
    function _finish(Payment memory p) private {
        Totals memory totals = p.totals;
        // Checked casts and sums: amounts above 2^96 (more than all OPEN) or ids above 2^64 revert.
        totals.platformAccrued += SafeCast.toUint96(p.platform);
        totals.totalCredits += SafeCast.toUint96(p.owner_);
        totals.lastRequestId = SafeCast.toUint64(p.nextRequestId - 1);
        _totals = totals;
        _credits[p.owner] += p.owner_;
        Escrowed storage e = _escrowed[p.epoch][p.modelId];
        e.stakers += SafeCast.toUint128(p.stakers);
        e.contributors += SafeCast.toUint128(p.contributors);
        _collect(p.fee, p.epoch, p.stakers + p.contributors);
    }

    /// @dev Pulls the whole fee from the payer, then has the distributor pull the escrowed part.
    function _collect(uint256 fee, uint256 epoch, uint256 escrow) private {
        _TOKEN.safeTransferFrom(msg.sender, address(this), fee);
        if (escrow != 0) _DISTRIBUTOR.fund(epoch, escrow);
    }

    function _tryPermit(uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private {
        // A permit can be front-run (its signature is public in the mempool); if it fails, the
        // allowance it would have set may already be there, and the pull will tell.
        try IERC20Permit(address(_TOKEN)).permit(msg.sender, address(this), value, deadline, v, r, s) {} catch {} // solhint-disable-line no-empty-blocks
    }

    function _platformFeeBps() private view returns (uint256) {
        Config memory c = _config;
        if (c.scheduledAt != 0 && c.scheduledAt <= block.timestamp) return c.scheduledPlatformFeeBps;
        return c.platformFeeBps;
    }
}
