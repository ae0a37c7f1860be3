// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEpochEscrow} from "./IEpochEscrow.sol";
import {IErrors} from "./IErrors.sol";
import {ISemver} from "./ISemver.sol";

/// @title IRewardDistributor
/// @notice Optimistic, solvent, cumulative Merkle settlement of attribution rewards in OPEN.
///
///         Every epoch, the FeeRouter (and anyone who adds rewards) escrows OPEN for that epoch.
///         After an epoch ends, a bonded settler proposes one Merkle root over every account's
///         cumulative reward since genesis, with the tree's total and the hash and URI of the
///         report it was computed from. Anyone may challenge it during a challenge window by
///         posting a bond; the resolver (the timelock) decides. The guardian may revoke a
///         pending root. After the window, anyone finalizes it, and anyone may then claim for
///         any account: the account receives its cumulative amount minus what it already
///         received, so one claim covers any number of epochs.
///
///         Leaves are `(address account, uint256 cumulativeAmount)` hashed exactly like the
///         `StandardMerkleTree` of OpenZeppelin's merkle-tree library with encoding
///         `["address", "uint256"]`: `keccak256(bytes.concat(keccak256(abi.encode(account,
///         cumulativeAmount))))`; inner nodes hash the sorted pair (OpenZeppelin `MerkleProof`).
///
///         Solvency is enforced on-chain, three ways: a proposed total never decreases and
///         never exceeds everything escrowed up to and including its epoch; an account never
///         receives more than its cumulative amount in the finalized root; and the sum of all
///         claims never exceeds the finalized total, even if a root's leaves (which the chain
///         cannot see) summed to more than the total it declared.
///
/// @dev    Token assumptions: OPEN is a standard ERC-20 without transfer fees, rebasing or
///         transfer hooks; amounts fit in 128 bits (OPEN's supply is 1e27 < 2^90). Bonds are
///         posted in ETH (the L2's gas token) and kept apart from the OPEN escrow; they are paid
///         out by pull (`withdrawBond`) so that no recipient can block a resolution.
interface IRewardDistributor is IEpochEscrow, ISemver, IErrors {
    // ------------------------------------------------------------------------------------
    // Types
    // ------------------------------------------------------------------------------------

    /// @notice The root waiting for its challenge window to pass.
    /// @param root               Merkle root over `(account, cumulativeAmount)` leaves.
    /// @param totalCumulative    Sum of every leaf's cumulative amount, as declared.
    /// @param epoch              The last epoch this root settles (all earlier ones included).
    /// @param challengeDeadline  Timestamp from which it may be finalized (if unchallenged).
    /// @param settler            Who proposed it and posted `settlerBond`.
    /// @param settlerBond        ETH bond of the settler (as required when proposed).
    /// @param challenger         Who challenges it now, or zero.
    /// @param challengerBond     ETH bond of the current challenger, or zero.
    /// @dev   The report hash and URI are emitted with `RootProposed`, not stored.
    struct PendingRoot {
        bytes32 root;
        uint128 totalCumulative;
        uint64 epoch;
        uint64 challengeDeadline;
        address settler;
        uint96 settlerBond;
        address challenger;
        uint96 challengerBond;
    }

    /// @notice One account's claim in a batch.
    struct Claim {
        address account;
        uint256 cumulativeAmount;
        bytes32[] proof;
    }

    // ------------------------------------------------------------------------------------
    // Events
    // ------------------------------------------------------------------------------------

    /// @notice A settler proposed `root` for every epoch up to `epoch`.
    event RootProposed(
        uint256 indexed epoch,
        bytes32 indexed root,
        address indexed settler,
        uint256 totalCumulative,
        bytes32 reportHash,
        string reportURI,
        uint256 challengeDeadline,
        uint256 bond
    );

    /// @notice `challenger` disputed the pending root, posting `bond`.
    event RootChallenged(uint256 indexed epoch, bytes32 indexed root, address indexed challenger, uint256 bond);

    /// @notice The resolver decided a challenge. Upheld: the root was dropped and the settler's
    ///         bond went to the challenger. Rejected: the challenger's bond went to the settler.
    event ChallengeResolved(
        uint256 indexed epoch,
        bytes32 indexed root,
        address indexed resolver,
        bool upheld,
        address winner,
        uint256 award
    );

    /// @notice The guardian revoked the pending root; bonds were returned to whoever posted them.
    event RootRevoked(uint256 indexed epoch, bytes32 indexed root, address indexed guardian);

    /// @notice The pending root became the finalized root; claims now run against it.
    event RootFinalized(uint256 indexed epoch, bytes32 indexed root, uint256 totalCumulative, address finalizer);

    /// @notice `account` received `amount` OPEN (its cumulative amount minus what it had).
    event Claimed(address indexed account, uint256 amount);

    /// @notice `amount` ETH of bonds became withdrawable by `account`.
    event BondCredited(address indexed account, uint256 amount);

    /// @notice `account` withdrew `amount` ETH of bonds to `to`.
    event BondWithdrawn(address indexed account, address indexed to, uint256 amount);

    /// @notice Governance changed the challenge window (applies to roots proposed from now on).
    event ChallengeWindowSet(uint256 previous, uint256 current);

    /// @notice Governance changed the bonds required to propose and to challenge.
    event BondsSet(uint256 settlerBond, uint256 challengerBond);

    // ------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------

    /// @notice The proof does not place `(account, cumulativeAmount)` in `root`.
    error InvalidClaimProof(address account, uint256 cumulativeAmount, bytes32 root);

    /// @notice `account` already received `claimed`, which is at least `cumulativeAmount`.
    error NothingToClaim(address account, uint256 cumulativeAmount, uint256 claimed);

    /// @notice Epochs settle in order: `epoch` is before `nextEpoch`, the first unsettled one.
    error EpochOutOfOrder(uint256 epoch, uint256 nextEpoch);

    /// @notice `epoch` ends at `endsAt`, which is still in the future.
    error EpochNotEnded(uint256 epoch, uint256 endsAt);

    /// @notice The proposed `total` exceeds `escrowed`, all OPEN escrowed up to its epoch.
    error TotalAboveEscrow(uint256 total, uint256 escrowed);

    /// @notice The proposed `total` is below `finalizedTotal`: cumulative totals never decrease.
    error TotalDecreasing(uint256 total, uint256 finalizedTotal);

    /// @notice A root for `pendingEpoch` is already pending; it cannot be overwritten.
    error PendingRootExists(uint256 pendingEpoch, bytes32 pendingRoot);

    /// @notice The challenge window is open until `deadline`; it is now `nowTimestamp`.
    error WindowNotOver(uint256 deadline, uint256 nowTimestamp);

    /// @notice The challenge window closed at `deadline`; it is now `nowTimestamp`.
    error WindowOver(uint256 deadline, uint256 nowTimestamp);

    /// @notice There is no pending root.
    error NoPendingRoot();

    /// @notice No root has been finalized yet, so there is nothing to claim against.
    error NoFinalizedRoot();

    /// @notice The pending root is already challenged by `challenger`.
    error AlreadyChallenged(address challenger);

    /// @notice The pending root is not challenged, so there is nothing to resolve.
    error NotChallenged();

    /// @notice The pending root is challenged by `challenger`; it cannot be finalized until
    ///         the resolver decides.
    error ChallengeUnresolved(address challenger);

    /// @notice `sent` ETH was attached where the bond is exactly `required`.
    error WrongBond(uint256 sent, uint256 required);

    /// @notice The caller expected claims to run against `expected`, but the root is `current`.
    error RootChanged(bytes32 expected, bytes32 current);

    /// @notice Paying `amount` on top of `claimedSoFar` (all claims so far) would exceed
    ///         `finalizedTotal`: the root's leaves sum to more than the total it declared.
    error ClaimsAboveTotal(uint256 claimedSoFar, uint256 amount, uint256 finalizedTotal);

    /// @notice `epoch` is already settled (the first unsettled one is `nextEpoch`).
    error EpochSettled(uint256 epoch, uint256 nextEpoch);

    /// @notice `epoch` is more than MAX_FUND_AHEAD epochs ahead; the last fundable is `maxEpoch`.
    error EpochTooFarAhead(uint256 epoch, uint256 maxEpoch);

    /// @notice Escrowing would bring all escrow to `total`, above 2^128 - 1.
    error EscrowOverflow(uint256 total);

    /// @notice The challenge window `window` is outside [`min`, `max`] seconds.
    error ChallengeWindowOutOfBounds(uint256 window, uint256 min, uint256 max);

    /// @notice A bond above 2^96 - 1 wei was configured.
    error BondTooLarge(uint256 bond);

    /// @notice The epoch length is zero.
    error ZeroEpochLength();

    /// @notice `account` has no bond to withdraw.
    error NoBond(address account);

    // ------------------------------------------------------------------------------------
    // Settlement
    // ------------------------------------------------------------------------------------

    /// @notice Proposes `root` for every epoch up to `epoch`, posting exactly `settlerBond()`
    ///         ETH. Only SETTLER_ROLE.
    /// @dev    Reverts unless: `epoch` has ended and is not before `nextEpoch()` (a root may
    ///         cover several epochs at once; earlier epochs can never be settled again); no root
    ///         is pending; `totalCumulative` is at least `finalizedTotal()` and at most
    ///         `escrowedThrough(epoch)`. The report URI is only emitted, never stored.
    /// @param epoch            Last epoch covered by the root.
    /// @param root             Merkle root over `(account, cumulativeAmount)` leaves.
    /// @param totalCumulative  Sum of all leaves' cumulative amounts.
    /// @param reportHash       keccak256 of the report anyone can recompute the root from.
    /// @param reportURI        Where that report can be fetched.
    function propose(
        uint256 epoch,
        bytes32 root,
        uint256 totalCumulative,
        bytes32 reportHash,
        string calldata reportURI
    ) external payable;

    /// @notice Challenges the pending root before its deadline, posting exactly
    ///         `challengerBond()` ETH. One challenge at a time; after a rejected challenge,
    ///         another may be posted while the window is still open.
    function challenge() external payable;

    /// @notice Decides the current challenge. Only RESOLVER_ROLE. Upheld: the root is dropped
    ///         and the settler's bond (and the challenger's own) go to the challenger. Rejected:
    ///         the challenger's bond goes to the settler and the root stays pending.
    function resolve(bool upheld) external;

    /// @notice Drops the pending root. Only GUARDIAN_ROLE. Both bonds are returned to whoever
    ///         posted them: revoking is an emergency brake, not a verdict, and the guardian
    ///         never moves funds; slashing a settler takes the resolver's decision.
    function revoke() external;

    /// @notice Makes the pending root final once its window is over and it is not under
    ///         challenge. Anyone may call. Returns the settler's bond to the settler.
    function finalize() external;

    // ------------------------------------------------------------------------------------
    // Claims
    // ------------------------------------------------------------------------------------

    /// @notice Pays `account` its `cumulativeAmount` in the finalized root minus what it
    ///         already received. Anyone may call; the OPEN always goes to `account`.
    /// @return amount The OPEN paid.
    function claim(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external returns (uint256 amount);

    /// @notice `claim`, reverting with `RootChanged` unless the finalized root is `expectedRoot`,
    ///         so a claim never runs against a root the caller did not see. Also the cheapest
    ///         single claim: the root's totals slot both proves it current and caps the claims.
    function claimWithRoot(
        bytes32 expectedRoot,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external returns (uint256 amount);

    /// @notice Claims for many accounts in one transaction. `expectedRoot` is checked as in
    ///         `claimWithRoot` unless it is zero. An entry that has nothing left to claim is
    ///         skipped (so a batch is not undone by one account claiming first); an invalid
    ///         proof reverts the whole batch.
    /// @return total The OPEN paid over all entries.
    function claimBatch(bytes32 expectedRoot, Claim[] calldata claims) external returns (uint256 total);

    /// @notice Sends the caller's withdrawable bonds to `to`.
    function withdrawBond(address payable to) external;

    // ------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------

    /// @notice Sets the challenge window for roots proposed from now on. Only governance.
    function setChallengeWindow(uint256 window) external;

    /// @notice Sets the ETH bonds required to propose and to challenge. Only governance.
    function setBonds(uint256 settlerBond_, uint256 challengerBond_) external;

    // ------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------

    /// @notice The OPEN token escrowed and paid.
    function token() external view returns (address);

    /// @notice The finalized root claims run against (zero before the first finalization).
    function root() external view returns (bytes32);

    /// @notice The declared total of the finalized root.
    function finalizedTotal() external view returns (uint256);

    /// @notice OPEN paid by all claims so far.
    function totalClaimed() external view returns (uint256);

    /// @notice OPEN already paid to `account`.
    function claimed(address account) external view returns (uint256);

    /// @notice The first epoch not yet covered by a finalized root.
    function nextEpoch() external view returns (uint256);

    /// @notice All OPEN escrowed for epochs up to and including `epoch`.
    function escrowedThrough(uint256 epoch) external view returns (uint256);

    /// @notice All OPEN ever escrowed.
    function totalEscrowed() external view returns (uint256);

    /// @notice The pending root (all zero if none).
    function pendingRoot() external view returns (PendingRoot memory);

    /// @notice Seconds a newly proposed root stays open to challenge.
    function challengeWindow() external view returns (uint256);

    /// @notice ETH a settler posts with a proposal.
    function settlerBond() external view returns (uint256);

    /// @notice ETH a challenger posts with a challenge.
    function challengerBond() external view returns (uint256);

    /// @notice ETH of bonds `account` can withdraw.
    function bondOf(address account) external view returns (uint256);

    /// @notice ETH held for bonds: pending bonds plus withdrawable ones.
    function totalBonds() external view returns (uint256);

    /// @notice What `claim` would pay `account` for `cumulativeAmount` (without checking a proof).
    function claimable(address account, uint256 cumulativeAmount) external view returns (uint256);
}
