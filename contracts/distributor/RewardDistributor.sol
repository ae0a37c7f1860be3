// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IEpochEscrow} from "../interfaces/IEpochEscrow.sol";
import {IRewardDistributor} from "../interfaces/IRewardDistributor.sol";
import {ISemver} from "../interfaces/ISemver.sol";

/// @title RewardDistributor
/// @notice Escrows OPEN per epoch and pays it out against optimistic, cumulative Merkle roots.
/// @dev    Storage is laid out for the hot paths. The finalized root's claim state (the room left
///         under its declared total for proven leaves, the room left under the settled escrow
///         for payments, and its round, packed in one slot) is keyed by the root itself, and
///         only the current root's entry is non-zero (its round is never 0). So
///         `claimWithRoot`, given the root, reads and writes that one slot (which both proves the
///         root current and enforces both caps) and the account's slot (what it received and the
///         round it was last counted in); nothing else. `claim` reads `_root` first. A batch
///         touches the root's slot once. `fund` (called by the FeeRouter) reads and writes one packed
///         `_escrow` slot plus the epoch's escrow. The pending root's slots are never zeroed
///         between epochs (a zero `challengeDeadline` marks "none pending"), so each proposal
///         rewrites warm, non-zero slots instead of paying for fresh ones.
contract RewardDistributor is IRewardDistributor, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Proposes roots (and posts a bond with each).
    bytes32 public constant SETTLER_ROLE = keccak256("SETTLER_ROLE");

    /// @notice Decides challenges (the timelock once governance exists).
    bytes32 public constant RESOLVER_ROLE = keccak256("RESOLVER_ROLE");

    /// @notice Revokes a pending root; never moves funds.
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");

    /// @notice Shortest challenge window governance may set: enough for a watcher to react.
    uint256 public constant MIN_CHALLENGE_WINDOW = 1 hours;

    /// @notice Longest challenge window governance may set, so rewards cannot be frozen.
    uint256 public constant MAX_CHALLENGE_WINDOW = 30 days;

    /// @notice Smallest challenger bond governance may set: a challenge blocks finalization
    ///         until the resolver decides, so a free one could do that again and again (I-2).
    ///         0.01 ETH: each rejected challenge's bond goes to the settler.
    uint256 public constant MIN_CHALLENGER_BOND = 0.01 ether;

    /// @notice Most OPEN that may ever be escrowed (`EscrowOverflow` above): every amount the
    ///         claim state packs (declared totals, rooms) is at most this, so fits in 112 bits.
    uint256 public constant MAX_ESCROW = type(uint112).max;

    /// @notice How many epochs ahead of the current one `fund` accepts. It bounds how far ahead
    ///         escrow can exist (so the look-ahead of `escrowedThrough`), not the loops of
    ///         `propose` and `finalize`: those sum the escrow of every epoch from `nextEpoch` (the
    ///         first not yet finalized) through the proposed epoch, one storage read each (about
    ///         2,350 gas per epoch, cold), so their cost grows with the epochs since the last
    ///         finalization. After a long pause, settle in steps: propose a root for an
    ///         intermediate epoch (a root may end at any ended epoch), finalize it, repeat.
    uint256 public constant MAX_FUND_AHEAD = 1024;

    /// @notice The OPEN token (read it with `token()`).
    IERC20 internal immutable _OPEN;

    /// @notice Start of epoch 0, in seconds (read it with `genesis()`).
    uint256 internal immutable _GENESIS;

    /// @notice Length of each epoch, in seconds (read it with `epochLength()`).
    uint256 internal immutable _EPOCH_LENGTH;

    /// @dev What a claim checks and updates, packed in one slot (docs/distributor.md,
    ///      "Accounting"): `proveRoom` = declared total - leaves proven under this root;
    ///      `payRoom` = escrow of the settled epochs - all OPEN ever paid; `round` = how many
    ///      finalizations there have been (1 for the first root), never 0 for the current root.
    struct ClaimState {
        uint112 proveRoom;
        uint112 payRoom;
        uint32 round;
    }

    /// @dev Per account: OPEN paid so far (its cumulative amount at its last paid claim) and
    ///      the round in which its leaf was last counted against a root's total.
    struct Account {
        uint128 claimed;
        uint32 round;
    }

    /// @dev The finalized root (zero before the first finalization).
    bytes32 private _root;
    /// @dev Claim state of the finalized root; zero for every other root (a stale or
    ///      unfinalized root has no entry, which is how `claimWithRoot` recognises the current one).
    mapping(bytes32 root => ClaimState state) private _states;
    mapping(address account => Account) private _accounts;

    /// @dev The escrow totals `fund` updates, packed in one slot.
    struct Escrow {
        uint128 total;
        uint64 nextEpoch;
    }

    /// @dev All OPEN ever escrowed, and the first epoch not yet covered by a finalized root.
    Escrow private _escrow;
    /// @dev Escrow of all epochs before `_escrow.nextEpoch`, and the declared total of the
    ///      finalized root, packed in one slot (finalize writes both; propose reads both). Both
    ///      are at most MAX_ESCROW < 2^112.
    struct Settled {
        uint128 escrow;
        uint128 finalizedTotal;
    }

    Settled private _settled;
    mapping(uint256 epoch => uint256 amount) private _epochEscrow;
    /// @dev Stale between proposals; live only while `challengeDeadline != 0`.
    PendingRoot private _pending;

    uint256 private _challengeWindow;
    uint96 private _settlerBond;
    uint96 private _challengerBond;
    mapping(address account => uint256 amount) private _bonds;
    uint256 private _totalBonds;

    /// @param admin           Governance (DEFAULT_ADMIN_ROLE): grants roles, sets parameters.
    /// @param open            The OPEN token.
    /// @param genesis_        Start of epoch 0.
    /// @param epochLength_    Seconds per epoch.
    /// @param challengeWindow_ Initial challenge window.
    /// @param settlerBond_    Initial settler bond (wei).
    /// @param challengerBond_ Initial challenger bond (wei).
    /// @dev   Reverts `ZeroAddress` if `admin` or `open` is zero, `ZeroEpochLength` if
    ///        `epochLength_` is.
    constructor(
        address admin,
        IERC20 open,
        uint256 genesis_,
        uint256 epochLength_,
        uint256 challengeWindow_,
        uint256 settlerBond_,
        uint256 challengerBond_
    ) {
        require(admin != address(0) && address(open) != address(0), ZeroAddress());
        require(epochLength_ != 0, ZeroEpochLength());
        _OPEN = open;
        _GENESIS = genesis_;
        _EPOCH_LENGTH = epochLength_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setChallengeWindow(challengeWindow_);
        _setBonds(settlerBond_, challengerBond_);
    }

    // ------------------------------------------------------------------------------------
    // Epoch escrow
    // ------------------------------------------------------------------------------------

    /// @inheritdoc IEpochEscrow
    function genesis() external view returns (uint256) {
        return _GENESIS;
    }

    /// @inheritdoc IEpochEscrow
    function epochLength() external view returns (uint256) {
        return _EPOCH_LENGTH;
    }

    /// @inheritdoc IEpochEscrow
    /// @dev Rounds down; before genesis it is 0 (epoch 0 has not started, let alone ended).
    function currentEpoch() public view returns (uint256) {
        if (block.timestamp < _GENESIS) return 0;
        return (block.timestamp - _GENESIS) / _EPOCH_LENGTH;
    }

    /// @inheritdoc IEpochEscrow
    /// @dev Epochs before `nextEpoch()` are settled and refused. Future epochs are accepted,
    ///      so a rewards programme can fund ahead.
    function fund(uint256 epoch, uint256 amount) external nonReentrant {
        Escrow memory escrow = _escrow;
        require(epoch >= escrow.nextEpoch, EpochSettled(epoch, escrow.nextEpoch));
        uint256 maxEpoch = currentEpoch() + MAX_FUND_AHEAD;
        require(epoch <= maxEpoch, EpochTooFarAhead(epoch, maxEpoch));
        require(amount != 0, ZeroAmount());
        _addEscrow(escrow, epoch, amount);
        emit EpochFunded(epoch, msg.sender, amount);
        _OPEN.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IRewardDistributor
    /// @dev Owed = escrowed - claimed, what internal accounting holds for claims; OPEN only
    ///      arrives through `fund`, so the balance is never below it.
    function skim() external nonReentrant returns (uint256 amount) {
        Escrow memory escrow = _escrow;
        uint256 owed = escrow.total - _totalClaimed();
        uint256 balance = _OPEN.balanceOf(address(this));
        require(balance > owed, NothingToSkim(balance, owed));
        amount = balance - owed;
        // The current epoch is never settled: a root needs an ended epoch, so nextEpoch <= current.
        uint256 epoch = currentEpoch();
        _addEscrow(escrow, epoch, amount);
        emit ExcessEscrowed(epoch, msg.sender, amount);
    }

    /// @inheritdoc IEpochEscrow
    function epochEscrow(uint256 epoch) external view returns (uint256) {
        return _epochEscrow[epoch];
    }

    // ------------------------------------------------------------------------------------
    // Settlement
    // ------------------------------------------------------------------------------------

    /// @inheritdoc IRewardDistributor
    function propose(
        uint256 epoch,
        bytes32 root_,
        uint256 totalCumulative,
        bytes32 reportHash,
        string calldata reportURI
    ) external payable onlyRole(SETTLER_ROLE) {
        PendingRoot storage p = _pending;
        require(p.challengeDeadline == 0, PendingRootExists(p.epoch, p.root));
        uint256 next = _escrow.nextEpoch;
        require(epoch >= next, EpochOutOfOrder(epoch, next));
        uint256 endsAt = _epochEnd(epoch);
        require(endsAt <= block.timestamp, EpochNotEnded(epoch, endsAt));
        require(root_ != bytes32(0), ZeroRoot());
        Settled memory settled = _settled;
        require(totalCumulative >= settled.finalizedTotal, TotalDecreasing(totalCumulative, settled.finalizedTotal));
        uint256 escrowed = settled.escrow + _escrowBetween(next, epoch);
        require(totalCumulative <= escrowed, TotalAboveEscrow(totalCumulative, escrowed));
        uint256 bond = _settlerBond;
        require(msg.value == bond, WrongBond(msg.value, bond));

        uint256 deadline = block.timestamp + _challengeWindow;
        // Casts are exact: totalCumulative <= escrowed < 2^112 (fund caps the escrow); the
        // epoch ended, so epoch < block.timestamp < 2^64; deadline is a timestamp plus at most
        // 30 days; bond is a uint96 setting. The challenger slot is already zero (every
        // resolution and revocation clears it).
        p.root = root_;
        p.totalCumulative = uint128(totalCumulative);
        p.epoch = uint64(epoch);
        p.challengeDeadline = uint64(deadline);
        p.settler = msg.sender;
        p.settlerBond = uint96(bond);
        _totalBonds += bond;
        emit RootProposed(epoch, root_, msg.sender, totalCumulative, reportHash, reportURI, deadline, bond);
    }

    /// @inheritdoc IRewardDistributor
    function challenge() external payable {
        PendingRoot storage p = _pending;
        require(p.challengeDeadline != 0, NoPendingRoot());
        require(block.timestamp < p.challengeDeadline, WindowOver(p.challengeDeadline, block.timestamp));
        require(p.challenger == address(0), AlreadyChallenged(p.challenger));
        uint256 bond = _challengerBond;
        require(msg.value == bond, WrongBond(msg.value, bond));
        p.challenger = msg.sender;
        p.challengerBond = uint96(bond); // a uint96 setting
        _totalBonds += bond;
        emit RootChallenged(p.epoch, p.root, msg.sender, bond);
    }

    /// @inheritdoc IRewardDistributor
    function resolve(bool upheld) external onlyRole(RESOLVER_ROLE) {
        PendingRoot memory p = _pending;
        require(p.challengeDeadline != 0, NoPendingRoot());
        require(p.challenger != address(0), NotChallenged());
        address winner;
        uint256 award;
        if (upheld) {
            winner = p.challenger;
            award = uint256(p.settlerBond) + p.challengerBond;
            _pending.challengeDeadline = 0; // dropped
        } else {
            winner = p.settler;
            award = p.challengerBond;
        }
        _pending.challenger = address(0);
        _pending.challengerBond = 0;
        emit ChallengeResolved(p.epoch, p.root, msg.sender, upheld, winner, award);
        _creditBond(winner, award);
    }

    /// @inheritdoc IRewardDistributor
    function revoke() external onlyRole(GUARDIAN_ROLE) {
        PendingRoot memory p = _pending;
        require(p.challengeDeadline != 0, NoPendingRoot());
        _pending.challengeDeadline = 0;
        _pending.challenger = address(0);
        _pending.challengerBond = 0;
        emit RootRevoked(p.epoch, p.root, msg.sender);
        _creditBond(p.settler, p.settlerBond);
        if (p.challenger != address(0)) _creditBond(p.challenger, p.challengerBond);
    }

    /// @inheritdoc IRewardDistributor
    function finalize() external {
        PendingRoot memory p = _pending;
        require(p.challengeDeadline != 0, NoPendingRoot());
        require(p.challenger == address(0), ChallengeUnresolved(p.challenger));
        require(block.timestamp >= p.challengeDeadline, WindowNotOver(p.challengeDeadline, block.timestamp));
        uint256 newlySettled = _escrowBetween(_escrow.nextEpoch, p.epoch);
        _escrow.nextEpoch = p.epoch + 1; // epoch < block.timestamp < 2^64 - 1
        bytes32 previous = _root;
        ClaimState memory old = _states[previous];
        if (p.root != previous) {
            delete _states[previous];
            _root = p.root;
        }
        // A new round: no leaf of the new root is counted yet, whatever accounts received under
        // earlier roots (so a correction never charges an over-payment to the others); payments
        // keep their one room under the settled escrow, which grows by the newly settled epochs.
        // Casts are exact: totalCumulative <= escrowedThrough(epoch) and payRoom <= the settled
        // escrow, both at most the escrow ever, below 2^112 (fund caps it); a finalization needs
        // a challenge window of at least an hour, so 2^32 rounds take 490,000 years.
        _states[p.root] = ClaimState({
            proveRoom: uint112(p.totalCumulative),
            payRoom: uint112(old.payRoom + newlySettled),
            round: old.round + 1
        });
        // The settled escrow stays within all escrow ever, below 2^112: the cast is exact.
        _settled = Settled({escrow: _settled.escrow + uint128(newlySettled), finalizedTotal: p.totalCumulative});
        _pending.challengeDeadline = 0;
        emit RootFinalized(p.epoch, p.root, p.totalCumulative, msg.sender);
        _creditBond(p.settler, p.settlerBond);
    }

    // ------------------------------------------------------------------------------------
    // Claims
    // ------------------------------------------------------------------------------------

    /// @inheritdoc IRewardDistributor
    function claim(
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 amount) {
        bytes32 root_ = _root;
        amount = _claimOne(root_, _states[root_], account, cumulativeAmount, proof);
        _OPEN.safeTransfer(account, amount);
    }

    /// @inheritdoc IRewardDistributor
    function claimWithRoot(
        bytes32 expectedRoot,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) external nonReentrant returns (uint256 amount) {
        ClaimState storage state = _currentState(expectedRoot);
        amount = _claimOne(expectedRoot, state, account, cumulativeAmount, proof);
        _OPEN.safeTransfer(account, amount);
    }

    /// @inheritdoc IRewardDistributor
    function claimBatch(bytes32 expectedRoot, Claim[] calldata claims) external nonReentrant returns (uint256 total) {
        bytes32 root_ = expectedRoot == bytes32(0) ? _root : expectedRoot;
        ClaimState storage state = _currentState(root_);
        ClaimState memory s = state;
        uint256 n = claims.length;
        uint256[] memory amounts = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            Claim calldata c = claims[i];
            Account memory a = _verifiedAccount(root_, c.account, c.cumulativeAmount, c.proof);
            if (c.cumulativeAmount <= a.claimed) continue; // nothing left: skipped, see interface
            uint256 amount = _count(s, a, c.cumulativeAmount);
            _accounts[c.account] = a;
            total += amount;
            amounts[i] = amount;
            emit Claimed(c.account, amount);
        }
        state.proveRoom = s.proveRoom;
        state.payRoom = s.payRoom;
        for (uint256 i = 0; i < n; ++i) {
            if (amounts[i] != 0) _OPEN.safeTransfer(claims[i].account, amounts[i]);
        }
    }

    /// @inheritdoc IRewardDistributor
    function withdrawBond(address payable to) external nonReentrant {
        require(to != address(0), ZeroAddress());
        uint256 amount = _bonds[msg.sender];
        require(amount != 0, NoBond(msg.sender));
        _bonds[msg.sender] = 0;
        _totalBonds -= amount;
        emit BondWithdrawn(msg.sender, to, amount);
        Address.sendValue(to, amount);
    }

    // ------------------------------------------------------------------------------------
    // Governance
    // ------------------------------------------------------------------------------------

    /// @inheritdoc IRewardDistributor
    function setChallengeWindow(uint256 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setChallengeWindow(window);
    }

    /// @inheritdoc IRewardDistributor
    function setBonds(uint256 settlerBond_, uint256 challengerBond_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setBonds(settlerBond_, challengerBond_);
    }

    // ------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------

    /// @inheritdoc ISemver
    function version() external pure returns (string memory) {
        return "3.0.0";
    }

    /// @inheritdoc IRewardDistributor
    function token() external view returns (address) {
        return address(_OPEN);
    }

    /// @inheritdoc IRewardDistributor
    function root() external view returns (bytes32) {
        return _root;
    }

    /// @inheritdoc IRewardDistributor
    function finalizedTotal() external view returns (uint256) {
        return _settled.finalizedTotal;
    }

    /// @inheritdoc IRewardDistributor
    function provenTotal() external view returns (uint256) {
        return _settled.finalizedTotal - _states[_root].proveRoom;
    }

    /// @inheritdoc IRewardDistributor
    function totalClaimed() external view returns (uint256) {
        return _totalClaimed();
    }

    /// @inheritdoc IRewardDistributor
    function claimed(address account) external view returns (uint256) {
        return _accounts[account].claimed;
    }

    /// @inheritdoc IRewardDistributor
    function nextEpoch() external view returns (uint256) {
        return _escrow.nextEpoch;
    }

    /// @inheritdoc IRewardDistributor
    /// @dev Loops over the epochs between `epoch` and `nextEpoch`: at most MAX_FUND_AHEAD plus the
    ///      epochs since the last finalization ahead of it, and the settled epochs after `epoch`
    ///      behind it (a view, but an on-chain caller pays for an old `epoch`).
    function escrowedThrough(uint256 epoch) external view returns (uint256) {
        uint256 next = _escrow.nextEpoch;
        uint256 lastFundable = currentEpoch() + MAX_FUND_AHEAD;
        if (epoch > lastFundable) epoch = lastFundable; // nothing is escrowed beyond it
        if (epoch >= next) return _settled.escrow + _escrowBetween(next, epoch);
        // epoch + 1 <= next - 1 here, and the settled escrow includes every term subtracted.
        return _settled.escrow - _escrowBetween(epoch + 1, next - 1);
    }

    /// @inheritdoc IRewardDistributor
    function totalEscrowed() external view returns (uint256) {
        return _escrow.total;
    }

    /// @inheritdoc IRewardDistributor
    function pendingRoot() external view returns (PendingRoot memory p) {
        if (_pending.challengeDeadline != 0) p = _pending;
    }

    /// @inheritdoc IRewardDistributor
    function challengeWindow() external view returns (uint256) {
        return _challengeWindow;
    }

    /// @inheritdoc IRewardDistributor
    function settlerBond() external view returns (uint256) {
        return _settlerBond;
    }

    /// @inheritdoc IRewardDistributor
    function challengerBond() external view returns (uint256) {
        return _challengerBond;
    }

    /// @inheritdoc IRewardDistributor
    function bondOf(address account) external view returns (uint256) {
        return _bonds[account];
    }

    /// @inheritdoc IRewardDistributor
    function totalBonds() external view returns (uint256) {
        return _totalBonds;
    }

    /// @inheritdoc IRewardDistributor
    function claimable(address account, uint256 cumulativeAmount) external view returns (uint256) {
        uint256 already = _accounts[account].claimed;
        return cumulativeAmount > already ? cumulativeAmount - already : 0;
    }

    // ------------------------------------------------------------------------------------
    // Internal
    // ------------------------------------------------------------------------------------

    /// @dev Verifies, records and emits one claim; the caller transfers `amount` afterwards.
    function _claimOne(
        bytes32 root_,
        ClaimState storage state,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) private returns (uint256 amount) {
        Account memory a = _verifiedAccount(root_, account, cumulativeAmount, proof);
        require(cumulativeAmount > a.claimed, NothingToClaim(account, cumulativeAmount, a.claimed));
        ClaimState memory s = state;
        amount = _count(s, a, cumulativeAmount);
        _accounts[account] = a;
        state.proveRoom = s.proveRoom;
        state.payRoom = s.payRoom;
        emit Claimed(account, amount);
    }

    /// @dev Checks the proof against `root_` and returns what `account` already received.
    function _verifiedAccount(
        bytes32 root_,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) private view returns (Account memory) {
        require(root_ != bytes32(0), NoFinalizedRoot());
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        require(MerkleProof.verifyCalldata(proof, root_, leaf), InvalidClaimProof(account, cumulativeAmount, root_));
        return _accounts[account];
    }

    /// @dev Counts a paying claim (`cumulativeAmount > a.claimed`) in `s` and `a` (in memory;
    ///      the caller stores them) and returns the amount to pay. The account's leaf counts
    ///      against the root's total in full the first time it is proven in this round, and only
    ///      its increase after that (a bad tree may list an account twice); what it received
    ///      under earlier roots never counts (the L-4 rule). The payment counts against the
    ///      settled escrow, which holds every payment ever.
    function _count(
        ClaimState memory s,
        Account memory a,
        uint256 cumulativeAmount
    ) private view returns (uint256 amount) {
        // cumulativeAmount > a.claimed (every caller checks it).
        unchecked {
            amount = cumulativeAmount - a.claimed;
        }
        uint256 counted = a.round == s.round ? amount : cumulativeAmount;
        if (counted > s.proveRoom) {
            uint256 total = _settled.finalizedTotal;
            revert ClaimsAboveTotal(total - s.proveRoom, counted, total);
        }
        if (amount > s.payRoom) {
            uint256 escrow = _settled.escrow;
            revert ClaimsAboveEscrow(escrow - s.payRoom, amount, escrow);
        }
        // Both fit: counted <= proveRoom and amount <= payRoom, each below 2^112, so the casts
        // are exact, and cumulativeAmount = claimed + amount < 2^112 + 2^112 fits in 128 bits.
        unchecked {
            s.proveRoom -= uint112(counted);
            s.payRoom -= uint112(amount);
        }
        a.claimed = uint128(cumulativeAmount);
        a.round = s.round;
    }

    /// @dev All OPEN ever paid: the settled escrow minus the room left under it.
    function _totalClaimed() private view returns (uint256) {
        return _settled.escrow - _states[_root].payRoom;
    }

    /// @dev Adds `amount` of escrow for `epoch`, keeping all escrow ever within MAX_ESCROW.
    function _addEscrow(Escrow memory escrow, uint256 epoch, uint256 amount) private {
        uint256 newTotal = escrow.total + amount;
        require(newTotal <= MAX_ESCROW, EscrowOverflow(newTotal));
        _epochEscrow[epoch] += amount; // <= newTotal < 2^112: cannot overflow
        _escrow.total = uint128(newTotal); // checked just above
    }

    /// @dev The claim state of `root`, which must be the finalized root. Its entry is non-zero
    ///      (its round is at least 1) unless it is stale or unfinalized; only then is `_root`
    ///      read, to tell a changed root from no root at all (claims then revert NoFinalizedRoot).
    function _currentState(bytes32 root_) private view returns (ClaimState storage state) {
        state = _states[root_];
        if (state.round == 0) {
            bytes32 current = _root;
            require(root_ == current, RootChanged(root_, current));
        }
    }

    /// @dev Sum of the escrow of epochs `from` through `to` (zero if `from > to`).
    function _escrowBetween(uint256 from, uint256 to) private view returns (uint256 sum) {
        for (uint256 e = from; e <= to; ++e) sum += _epochEscrow[e];
    }

    /// @dev End of `epoch`, saturating at 2^256 - 1 for epochs so far out they cannot end.
    function _epochEnd(uint256 epoch) private view returns (uint256) {
        uint256 len = _EPOCH_LENGTH;
        if (epoch >= (type(uint256).max - _GENESIS) / len) return type(uint256).max;
        return _GENESIS + (epoch + 1) * len;
    }

    function _creditBond(address account, uint256 amount) private {
        if (amount == 0) return;
        _bonds[account] += amount;
        emit BondCredited(account, amount);
    }

    function _setChallengeWindow(uint256 window) private {
        require(
            window >= MIN_CHALLENGE_WINDOW && window <= MAX_CHALLENGE_WINDOW,
            ChallengeWindowOutOfBounds(window, MIN_CHALLENGE_WINDOW, MAX_CHALLENGE_WINDOW)
        );
        emit ChallengeWindowSet(_challengeWindow, window);
        _challengeWindow = window;
    }

    function _setBonds(uint256 settlerBond_, uint256 challengerBond_) private {
        require(settlerBond_ <= type(uint96).max, BondTooLarge(settlerBond_));
        require(challengerBond_ <= type(uint96).max, BondTooLarge(challengerBond_));
        require(challengerBond_ >= MIN_CHALLENGER_BOND, ChallengerBondTooLow(challengerBond_, MIN_CHALLENGER_BOND));
        _settlerBond = uint96(settlerBond_);
        _challengerBond = uint96(challengerBond_);
        emit BondsSet(settlerBond_, challengerBond_);
    }
}
