// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IErrors} from "./IErrors.sol";
import {ITreasuryConfig} from "./ITreasuryConfig.sol";

/// @title IFeeRouter
/// @notice Takes inference payments in OPEN, single or batched, and splits each fee exactly:
///         the platform part is accrued for the treasury, the model owner's part is credited
///         (withdrawn by pull), and the stakers' and contributors' parts are escrowed in the
///         RewardDistributor for the current epoch, with per-epoch, per-model totals kept here
///         for the settlement. One `RequestPaid` event per request carries everything the
///         settlement needs.
/// @dev    Fee = ceil((pricePerKInput * tokensIn + pricePerKOutput * tokensOut) / 1000): rounded
///         up, in favour of the payees, by less than 1 wei per request, so that no request is
///         free however small. Split: platform = floor(fee * platformBps / 10^4); of the rest,
///         owner and stakers round down and the contributors' pool takes the remainder (the
///         rounding dust, at most 2 wei). Parts always sum to the fee.
///
///         The router holds exactly the owners' unwithdrawn credits plus the accrued platform
///         fees, never anything else: the escrowed parts leave for the distributor in the same
///         transaction. Epochs are the RewardDistributor's (IEpochEscrow): its genesis and
///         length are immutable and copied at deployment, so there is one epoch definition.
///
///         Token assumptions: OPEN is a plain ERC-20 (no fee on transfer, no rebasing, no
///         transfer hooks) with EIP-2612 permit; amounts fit in 96 bits (total supply 10^27).
interface IFeeRouter is ITreasuryConfig, IErrors {
    /// @notice One request of a batch. `maxFee` bounds this request's fee.
    struct PaymentRequest {
        bytes32 requestHash;
        uint64 tokensIn;
        uint64 tokensOut;
        uint256 maxFee;
    }

    /// @notice The four parts of a fee; they sum exactly to the fee.
    struct Parts {
        uint256 platform;
        uint256 owner;
        uint256 stakers;
        uint256 contributors;
    }

    /// @notice The stakers' and contributors' OPEN escrowed for one model in one epoch.
    struct Escrowed {
        uint128 stakers;
        uint128 contributors;
    }

    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    /// @notice One inference request was paid. `requestId` is sequential from 1 and never
    ///         reused; `requestHash` is the gateway's hash of the request record, accepted once
    ///         per `payer` (two payers may pay the same hash: each pair is its own request, so
    ///         no one can block or claim another payer's hash by paying it first; an indexer
    ///         keys requests by (`payer`, `requestHash`) or by `requestId`).
    ///         `parts.owner` was credited to the model's owner at that moment; `parts.stakers`
    ///         and `parts.contributors` were escrowed for (`epoch`, `modelId`). The parts are a
    ///         static tuple, ABI-encoded inline exactly like four more uint256 fields.
    event RequestPaid(
        uint256 indexed requestId,
        bytes32 indexed requestHash,
        uint256 indexed modelId,
        address payer,
        uint256 epoch,
        uint256 tokensIn,
        uint256 tokensOut,
        uint256 fee,
        Parts parts
    );

    /// @notice A model owner withdrew credited fees to `to`.
    event CreditWithdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice Accrued platform fees were sent to the treasury.
    event PlatformFeesSwept(address indexed treasury, uint256 amount);

    /// @notice Governance scheduled a platform fee, effective from `effectiveAt`.
    event PlatformFeeScheduled(uint256 platformFeeBps, uint256 effectiveAt);

    // ---------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------

    /// @notice The fee of a request exceeds the payer's maximum.
    error FeeAboveMax(bytes32 requestHash, uint256 fee, uint256 maxFee);

    /// @notice `payer` already paid this request hash, as request `requestId`.
    error RequestAlreadyPaid(address payer, bytes32 requestHash, uint256 requestId);

    /// @notice The request hash is zero.
    error ZeroRequestHash();

    /// @notice A request with no input and no output tokens.
    error ZeroTokens(bytes32 requestHash);

    /// @notice The request costs nothing: it uses only a side the model does not price
    ///         (`tokensIn` input and `tokensOut` output tokens). A free request would take a
    ///         request id and emit `RequestPaid` at no cost (review L-5).
    error ZeroFee(bytes32 requestHash, uint256 tokensIn, uint256 tokensOut);

    /// @notice A batch with no request.
    error EmptyBatch();

    /// @notice A withdrawal larger than the caller's credit.
    error InsufficientCredit(address account, uint256 credit, uint256 amount);

    /// @notice A platform fee above the hard cap.
    error PlatformFeeTooHigh(uint256 platformFeeBps, uint256 maxBps);

    /// @notice The distributor escrows a different token (`distributorToken`) from the one fees
    ///         are paid in (`token`): funding it would pull the wrong token or fail.
    error DistributorTokenMismatch(address token, address distributorToken);

    // ---------------------------------------------------------------------------------------
    // Payments
    // ---------------------------------------------------------------------------------------

    /// @notice Pays for one request to `modelId`: pulls the fee from the caller (approve
    ///         first), splits it and escrows the stakers' and contributors' parts for the current
    ///         epoch. Reverts if the model cannot be paid (see IModelRegistry.paymentTerms), the
    ///         fee exceeds `maxFee`, the caller paid this hash before (`RequestAlreadyPaid`;
    ///         another payer's use of the same hash does not count) or it is zero, both token
    ///         counts are zero, or the fee is zero (`ZeroFee`: only an unpriced side was used).
    /// @return requestId The request's sequential id.
    /// @return fee The OPEN pulled from the caller.
    function pay(
        uint256 modelId,
        bytes32 requestHash,
        uint64 tokensIn,
        uint64 tokensOut,
        uint256 maxFee
    ) external returns (uint256 requestId, uint256 fee);

    /// @notice `pay` with an EIP-2612 permit of `maxFee` from the caller to this router. A permit
    ///         that fails (e.g. front-run and already used) is ignored when the allowance suffices.
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
    ) external returns (uint256 requestId, uint256 fee);

    /// @notice Pays for many requests to one model in one transaction, with the same checks and
    ///         one `RequestPaid` event per request, in order. All or nothing: one bad request
    ///         reverts the batch. One token pull and one escrow funding for the whole batch.
    /// @return firstRequestId The id of the first request (the others follow sequentially).
    /// @return totalFee The OPEN pulled from the caller.
    function payBatch(
        uint256 modelId,
        PaymentRequest[] calldata requests
    ) external returns (uint256 firstRequestId, uint256 totalFee);

    /// @notice `payBatch` with an EIP-2612 permit of `permitValue` from the caller to this router.
    function payBatchWithPermit(
        uint256 modelId,
        PaymentRequest[] calldata requests,
        uint256 permitValue,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external returns (uint256 firstRequestId, uint256 totalFee);

    // ---------------------------------------------------------------------------------------
    // Withdrawals
    // ---------------------------------------------------------------------------------------

    /// @notice Sends `amount` of the caller's credited owner fees to `to`. Works while paused.
    function withdrawCredit(address to, uint256 amount) external;

    /// @notice Sends all accrued platform fees to the treasury. Anyone may call; works while paused.
    function sweepPlatformFees() external returns (uint256 amount);

    /// @notice Sends to the treasury the OPEN the router holds beyond what it owes (owners'
    ///         unwithdrawn credits plus unswept platform fees), i.e. OPEN sent to it by a plain
    ///         transfer. Anyone may call; works while payments are paused. The router's one read
    ///         of its own balance, and it moves only the excess: every payout is still decided by
    ///         internal accounting. Reverts `NothingToSkim(balance, owed)` when there is none.
    /// @return amount The OPEN sent to the treasury.
    function skim() external returns (uint256 amount);

    // ---------------------------------------------------------------------------------------
    // Governance and guardian
    // ---------------------------------------------------------------------------------------

    /// @notice Schedules a platform fee (DEFAULT_ADMIN_ROLE), at most MAX_PLATFORM_FEE_BPS,
    ///         effective after the model registry's notice delay (so owners are not surprised).
    function schedulePlatformFee(uint256 platformFeeBps) external returns (uint256 effectiveAt);

    /// @notice Stops payments (GUARDIAN_ROLE). Withdrawals and sweeps stay open.
    function pause() external;

    /// @notice Resumes payments. DEFAULT_ADMIN_ROLE (governance, through the timelock): the
    ///         guardian can stop payments but never restart them.
    function unpause() external;

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice The fee and its parts for a request to `modelId` with the terms in force now
    ///         (reverts like `pay` when the model cannot be paid). Use it to set `maxFee`.
    function quote(
        uint256 modelId,
        uint64 tokensIn,
        uint64 tokensOut
    ) external view returns (uint256 fee, Parts memory parts);

    /// @notice The stakers' and contributors' OPEN escrowed for `modelId` in `epoch`.
    function escrowed(uint256 epoch, uint256 modelId) external view returns (Escrowed memory);

    /// @notice The request id `payer` paid `requestHash` as (0 when that payer never paid it).
    function requestIdOf(address payer, bytes32 requestHash) external view returns (uint256);

    /// @notice The id of the last request paid (= number of requests paid).
    function lastRequestId() external view returns (uint256);

    /// @notice Unwithdrawn owner fees credited to `account`.
    function creditOf(address account) external view returns (uint256);

    /// @notice Sum of all unwithdrawn owner credits.
    function totalCredits() external view returns (uint256);

    /// @notice Platform fees accrued and not yet swept to the treasury.
    function platformFeesAccrued() external view returns (uint256);

    /// @notice The platform fee in force now, in basis points.
    function platformFeeBps() external view returns (uint256);

    /// @notice The epoch containing `timestamp`, by the distributor's rule (0 before genesis).
    function epochAt(uint256 timestamp) external view returns (uint256);

    /// @notice Timestamp at which epoch 0 starts: the distributor's `genesis()`, copied at
    ///         deployment (immutable in both).
    function genesis() external view returns (uint256);

    /// @notice Length of every epoch in seconds: the distributor's `epochLength()`, copied at
    ///         deployment (immutable in both).
    function epochLength() external view returns (uint256);

    /// @notice The epoch containing the current block timestamp.
    function currentEpoch() external view returns (uint256);

    /// @notice OPEN, the token fees are paid in.
    function token() external view returns (address);

    /// @notice The ModelRegistry the terms are read from.
    function registry() external view returns (address);

    /// @notice The RewardDistributor (IEpochEscrow) the escrowed parts are funded into.
    function distributor() external view returns (address);
}
