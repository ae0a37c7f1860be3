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
///         Solvency is enforced on-chain, four ways: a proposed total never decreases and
///         never exceeds everything escrowed up to and including its epoch; an account never
///         receives more than its cumulative amount in the finalized root; the leaves proven
///         against the finalized root never add up to more than the total it declared (the
///         chain cannot see the leaves, only the ones claims prove); and all OPEN ever paid
///         never exceeds the escrow of the settled epochs.
///
///         Accounting rule for corrections (review L-4). A root may lower an account below what
///         it already received (a corrective root after a bad one was finalized and claimed
///         from). Nothing is clawed back, and the over-payment is never charged to the other
///         accounts of the root: each finalized root counts, against its declared total, the
///         cumulative amount of every account that claims under it (once per account, at its
///         largest proven leaf), not what accounts received under earlier roots. Each round
///         (one finalization) starts that count at zero. What an over-paid account received
///         above its current leaf is paid from the settled escrow that no root has assigned
///         (escrow through the root's epoch minus its total): the separate cap "all claims ever
///         <= escrow of the settled epochs" bounds it. So an honest correction blocks nobody
///         while the settled escrow covers the over-payment; a claim that would need escrow of
///         an epoch not yet settled reverts `ClaimsAboveEscrow` and is paid once a later root
///         settles more escrow. A settler that corrects a root keeps its declared total at
///         least the previous one (`TotalDecreasing`) and within escrow, and should leave the
///         over-payment unassigned (total + over-payment <= escrow through its epoch).
///
/// @dev    Token assumptions: OPEN is a standard ERC-20 without transfer fees, rebasing or
///         transfer hooks; all OPEN ever escrowed stays below 2^112 (`EscrowOverflow`; OPEN's
///         supply is 1e27 < 2^90, so that is over five million times the supply). Bonds are
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

    /// @notice OPEN that reached the contract outside `fund` (a plain transfer) was escrowed for
    ///         `epoch` by `caller` (`skim`), restoring "OPEN held == escrowed - claimed".
    event ExcessEscrowed(uint256 indexed epoch, address indexed caller, uint256 amount);

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

    /// @notice Counting `amount` more of the finalized root's leaves on top of `provenSoFar`
    ///         (the cumulative amounts already proven by claims under this root, one per
    ///         account) would exceed `finalizedTotal`: the root's leaves sum to more than the
    ///         total it declared.
    error ClaimsAboveTotal(uint256 provenSoFar, uint256 amount, uint256 finalizedTotal);

    /// @notice Paying `amount` on top of `paidSoFar` (all claims ever) would exceed
    ///         `settledEscrow`, the escrow of every settled epoch: over-payments that a
    ///         corrective root could not claw back have used the unassigned escrow. The claim
    ///         can be paid once a later root settles more escrow.
    error ClaimsAboveEscrow(uint256 paidSoFar, uint256 amount, uint256 settledEscrow);

    /// @notice `epoch` is already settled (the first unsettled one is `nextEpoch`).
    error EpochSettled(uint256 epoch, uint256 nextEpoch);

    /// @notice `epoch` is more than MAX_FUND_AHEAD epochs ahead; the last fundable is `maxEpoch`.
    error EpochTooFarAhead(uint256 epoch, uint256 maxEpoch);

    /// @notice Escrowing would bring all escrow to `total`, above 2^112 - 1.
    error EscrowOverflow(uint256 total);

    /// @notice The challenge window `window` is outside [`min`, `max`] seconds.
    error ChallengeWindowOutOfBounds(uint256 window, uint256 min, uint256 max);

    /// @notice A bond above 2^96 - 1 wei was configured.
    error BondTooLarge(uint256 bond);

    /// @notice A challenger bond of `bond` wei is below `minimum` (MIN_CHALLENGER_BOND): a free
    ///         or near-free challenge would block finalization again and again.
    error ChallengerBondTooLow(uint256 bond, uint256 minimum);

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
    /// @dev    Counts `cumulativeAmount` against the root's total the first time the account
    ///         claims under this root (only the increase afterwards), so what the account
    ///         received under earlier roots never counts: see the accounting rule above.
    ///         Reverts `ClaimsAboveTotal` when the proven leaves would exceed the declared total,
    ///         `ClaimsAboveEscrow` when all payments would exceed the settled escrow.
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
    ///         skipped and counts nothing (so a batch is not undone by one account claiming
    ///         first, and an over-paid account is neither charged nor paid); an invalid proof,
    ///         or a cap (`ClaimsAboveTotal`, `ClaimsAboveEscrow`), reverts the whole batch.
    /// @return total The OPEN paid over all entries.
    function claimBatch(bytes32 expectedRoot, Claim[] calldata claims) external returns (uint256 total);

    /// @notice Sends the caller's withdrawable bonds to `to`.
    function withdrawBond(address payable to) external;

    /// @notice Escrows for the current epoch the OPEN the contract holds beyond what it owes
    ///         (escrowed minus claimed), i.e. OPEN sent by a plain transfer instead of `fund`.
    ///         Anyone may call. The one read of the contract's own balance, and it moves only
    ///         the excess: what claims pay is still decided by internal accounting alone.
    /// @dev    Reverts `NothingToSkim` when the balance is exactly what is owed.
    /// @return amount The OPEN escrowed.
    function skim() external returns (uint256 amount);

    // ------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------

    /// @notice Sets the challenge window for roots proposed from now on. Only governance.
    function setChallengeWindow(uint256 window) external;

    /// @notice Sets the ETH bonds required to propose and to challenge. Only governance. The
    ///         challenger bond is at least MIN_CHALLENGER_BOND (`ChallengerBondTooLow`); each is
    ///         below 2^96 wei (`BondTooLarge`).
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

    /// @notice The cumulative amounts proven against the finalized root by the claims that paid
    ///         under it (each account once, at its largest proven leaf); never above
    ///         `finalizedTotal()`. Zero right after each finalization.
    function provenTotal() external view returns (uint256);

    /// @notice OPEN paid by all claims so far, under every root; never above the escrow of the
    ///         settled epochs. It may exceed `finalizedTotal()` after a corrective root lowered
    ///         accounts below what they had received.
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
