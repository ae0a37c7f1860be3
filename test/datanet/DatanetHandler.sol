// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DatanetRegistry} from "../../contracts/datanet/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";

/// @notice Drives the registry through every state-changing function (commitments and reveals,
///         with and without permit, precedence races and displacements, review rounds, every
///         kind of withdrawal, penalties, takedowns, sweeps and skims of stray OPEN, curator
///         bonds, appointments and slashes, versions honest and false, disputes and
///         revocations, ownership transfers, parameters, bounds, treasury, pause and roles) and
///         time, among fixed actors, and keeps the ghost records the invariants compare with.
///
///         The handler asserts nothing: every suite runs with failOnRevert off, so a failing
///         assertion inside a handler would only be a discarded call. Each action instead
///         predicts what the registry must do (succeed or refuse, and with which effect) and
///         records any disagreement in `violations` (with the first one's reason), which an
///         invariant reads. Inputs are shaped to be mostly valid (a wasted call teaches nothing).
contract DatanetHandler is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;
    uint256 internal constant BPS = 10_000;
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant PENALTY_ROLE = keccak256("PENALTY_ROLE");

    DatanetRegistry public immutable registry;
    L2OpenToken public immutable open;
    address public immutable governance;
    address public immutable guardian;
    address public immutable owner;
    address public immutable owner2;
    address public immutable settler;
    address public immutable treasury2;

    uint256[2] public datanets;
    address[] public contributors;
    uint256[] internal _keys;
    address[] public curators;
    /// @dev A fourth curator of both Datanets, removed and re-appointed at random.
    address public extraCurator;
    /// @dev A curator of Datanet 0 that bonds, unbonds and withdraws at random.
    address public churner;
    bytes32[] public contents;
    address internal _originalTreasury;

    // --- ghosts -----------------------------------------------------------------------------
    uint256[] public ids;
    mapping(uint256 id => uint256) public ghostStake; // original stake
    mapping(uint256 id => uint256) public ghostSlashed; // slashed from it
    mapping(uint256 id => uint256) public ghostReleased; // paid back to the contributor
    mapping(uint256 id => uint256) public ghostReleaseCount;
    /// @dev The terms in force when it was submitted, and when it was accepted.
    mapping(uint256 id => uint256) public ghostBondPeriod;
    mapping(uint256 id => uint256) public ghostReviewDeadline;
    mapping(uint256 id => uint256) public ghostQuorum;
    mapping(uint256 id => uint256) public ghostSlashBps;
    mapping(uint256 id => uint256) public ghostCommitBlock;
    mapping(uint256 id => uint256) public ghostAcceptedAt;
    uint256 public ghostIn; // OPEN that entered the registry (stakes, bonds, stray transfers)
    uint256 public ghostOut; // OPEN that left it
    uint256 public ghostSwept;
    uint256 public ghostBondSlashed;
    uint256 public ghostDonated; // OPEN sent by plain transfer
    uint256 public ghostSkimmed;
    /// @dev (datanetId, version) => id => member at publication.
    mapping(uint256 datanetId => mapping(uint256 version => mapping(uint256 id => bool))) public ghostMember;
    /// @dev The leaf a version's root was built on (root = pair(leaf, sibling)), if any.
    struct Leaf {
        bool set;
        uint256 id;
        bytes32 contentHash;
        bytes32 sibling;
    }
    mapping(uint256 datanetId => mapping(uint256 version => Leaf)) internal _leaves;
    mapping(uint256 datanetId => mapping(uint256 version => bool)) public ghostDisputed;

    /// @dev Every disagreement between what the registry did and what it must do.
    uint256 public violations;
    string public firstViolation;

    /// @dev Commitments made by `commit` and not yet revealed.
    struct Commitment {
        address who;
        bytes32 contentHash;
        bytes32 salt;
        uint256 atBlock;
    }
    Commitment[] internal _commitments;
    uint256 internal _saltNonce;
    uint256 public createdDatanets;

    /// @dev Handler actions called in this run (the run's depth).
    uint256 public steps;

    modifier step() {
        ++steps;
        _;
    }

    /// @dev Successful calls of each registry function, and of notable paths, in this run.
    mapping(string name => uint256) public calls;
    uint256 public publications;

    constructor(
        DatanetRegistry registry_,
        L2OpenToken open_,
        address[6] memory actors, // governance, guardian, owner, owner2, settler, treasury2
        uint256[2] memory datanets_
    ) {
        registry = registry_;
        open = open_;
        governance = actors[0];
        guardian = actors[1];
        owner = actors[2];
        owner2 = actors[3];
        settler = actors[4];
        treasury2 = actors[5];
        datanets = datanets_;
        _originalTreasury = registry_.treasury();
        for (uint256 i = 0; i < 4; ++i) {
            (address a, uint256 key) = makeAddrAndKey(string.concat("contributor", vm.toString(i)));
            contributors.push(a);
            _keys.push(key);
            _fund(a, 1e30);
        }
        for (uint256 i = 0; i < 8; ++i) contents.push(keccak256(abi.encode("content", i)));
        churner = makeAddr("churner");
        _fund(churner, 1e30);
    }

    function addCurator(address c) external {
        curators.push(c);
        _fund(c, 1e30);
    }

    function setExtraCurator(address c) external {
        extraCurator = c;
        _fund(c, 1e30);
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function leaf(uint256 d, uint256 v) external view returns (Leaf memory) {
        return _leaves[d][v];
    }

    // --- helpers ----------------------------------------------------------------------------

    function _fund(address to, uint256 amount) internal {
        vm.prank(BRIDGE);
        open.mint(to, amount);
        vm.prank(to);
        open.approve(address(registry), type(uint256).max);
    }

    function _violation(string memory reason) internal {
        if (violations++ == 0) firstViolation = reason;
    }

    function _status(uint256 id) internal view returns (IDatanetRegistry.Status) {
        return registry.getContribution(id).status;
    }

    /// @dev The first contribution at or after `seed` (cyclically) in state `status` (None: any),
    ///      skipping released stakes unless `released`; 0 if none.
    function _find(uint256 seed, IDatanetRegistry.Status status, bool released) internal view returns (uint256) {
        uint256 n = ids.length;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = ids[(seed + k) % n];
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            if (c.stakeReleased && !released) continue;
            if (status == IDatanetRegistry.Status.None || c.status == status) return id;
        }
        return 0;
    }

    function _leafHash(uint256 id, bytes32 contentHash) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(id, contentHash))));
    }

    function _pair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    function _selector(bytes memory err) internal pure returns (bytes4 s) {
        if (err.length >= 4) s = bytes4(err);
    }

    // --- contributions ----------------------------------------------------------------------

    /// @notice Commits to content without revealing it yet (a later `submit` of the same
    ///         contributor and content may reveal it, racing for precedence).
    function commit(uint256 who, uint256 content) external step {
        address a = contributors[who % contributors.length];
        bytes32 h = contents[content % contents.length];
        bytes32 salt = keccak256(abi.encode("salt", ++_saltNonce));
        bytes32 commitment = registry.contributionCommitment(h, a, salt);
        vm.prank(a);
        registry.commitContribution(commitment);
        _commitments.push(Commitment(a, h, salt, block.number));
        ++calls["commitContribution"];
    }

    /// @dev What a reveal must do, predicted before it is sent.
    struct Plan {
        address who;
        uint256 d;
        bytes32 h;
        bytes32 salt;
        uint256 commitBlock;
        uint256 size;
        uint256 stake;
        uint256 held;
        bool expectOk;
        bool displaces;
        uint256 expectedSlash;
    }

    /// @notice Submits (reveals) a contribution: the oldest pending commitment (`commit`) if
    ///         `mode % 4 == 0` and there is one, else a fresh commitment a block
    ///         earlier; with a permit if `mode % 4 == 1`. The outcome is predicted first:
    ///         precedence goes to the earliest commitment, an expired pending holder gives way,
    ///         anything else held is refused.
    function submit(
        uint256 who,
        uint256 net,
        uint256 content,
        uint256 size,
        uint256 stake,
        uint256 mode
    ) external step {
        Plan memory p;
        p.who = contributors[who % contributors.length];
        p.d = datanets[net % 2];
        p.h = contents[content % contents.length];
        bool revealPending = mode % 4 == 0 && _takeCommitment(p);
        uint256 cap = registry.getDatanet(p.d).params.dailyByteCap;
        uint256 used = registry.bytesSubmittedOn(p.d, p.who, block.timestamp / 1 days);
        if (used >= cap) return;
        p.size = bound(size, 1, cap - used);
        p.stake = bound(stake, 10 ether, 1e24);
        if (!revealPending) {
            p.salt = keccak256(abi.encode("salt", ++_saltNonce));
            bytes32 commitment = registry.contributionCommitment(p.h, p.who, p.salt);
            vm.prank(p.who);
            registry.commitContribution(commitment);
            p.commitBlock = block.number;
            ++calls["commitContribution"];
        }
        if (p.commitBlock >= block.number) vm.roll(block.number + 1);
        _predict(p);
        IDatanetRegistry.Params memory terms = registry.getDatanet(p.d).params;
        IDatanetRegistry.Contribution memory heldBefore;
        if (p.held != 0) heldBefore = registry.getContribution(p.held);
        (bool ok, bytes memory ret) = _reveal(p, mode % 4 == 1);
        if (!ok) {
            if (p.expectOk) _violation("a reveal with precedence was refused");
            else if (_selector(ret) != IDatanetRegistry.DuplicateContent.selector)
                _violation("a refused reveal: not DuplicateContent");
            else ++calls["revealRefusedDuplicate"];
            return;
        }
        if (!p.expectOk) _violation("a reveal took content it had no precedence for");
        uint256 id = abi.decode(ret, (uint256));
        ids.push(id);
        ghostStake[id] = p.stake;
        ghostIn += p.stake;
        ghostBondPeriod[id] = terms.bondPeriod;
        ghostReviewDeadline[id] = block.timestamp + terms.reviewPeriod;
        ghostQuorum[id] = terms.quorum;
        ghostSlashBps[id] = terms.slashBps;
        ghostCommitBlock[id] = p.commitBlock;
        if (p.displaces) {
            IDatanetRegistry.Contribution memory x = registry.getContribution(p.held);
            if (x.status != IDatanetRegistry.Status.Displaced) _violation("the holder was not displaced");
            if (heldBefore.stake - x.stake != p.expectedSlash) _violation("a displacement slashed the wrong amount");
            ghostSlashed[p.held] += heldBefore.stake - x.stake;
            ++calls["displaced"];
        }
        ++calls[mode % 4 == 1 ? "submitWithPermit" : "submit"];
    }

    /// @dev Takes the oldest pending commitment (of whoever made it, to whatever content: the
    ///      reveal is then theirs), if any.
    function _takeCommitment(Plan memory p) internal returns (bool) {
        uint256 n = _commitments.length;
        if (n == 0) return false;
        Commitment memory c = _commitments[0];
        p.who = c.who;
        p.h = c.contentHash;
        p.salt = c.salt;
        p.commitBlock = c.atBlock;
        for (uint256 i = 1; i < n; ++i) _commitments[i - 1] = _commitments[i];
        _commitments.pop();
        return true;
    }

    function _predict(Plan memory p) internal view {
        p.held = registry.contributionOfContent(p.d, p.h);
        p.expectOk = p.held == 0;
        if (p.held == 0) return;
        IDatanetRegistry.Contribution memory x = registry.getContribution(p.held);
        // The model's precedence (the registry's own record is compared by an invariant).
        bool expired = block.timestamp >= x.reviewDeadline;
        p.displaces =
            x.status == IDatanetRegistry.Status.Pending &&
            (p.commitBlock < ghostCommitBlock[p.held] || expired);
        p.expectOk = p.displaces;
        if (p.displaces && !expired && x.rejectVotes != 0) p.expectedSlash = (uint256(x.stake) * x.slashBps) / BPS;
    }

    function _reveal(Plan memory p, bool withPermit) internal returns (bool ok, bytes memory ret) {
        bytes memory data;
        if (withPermit) {
            uint256 deadline = block.timestamp + 1 hours;
            (uint8 v, bytes32 r, bytes32 s) = _signPermit(p.who, p.stake, deadline);
            data = abi.encodeCall(
                registry.submitWithPermit,
                (p.d, p.h, "ipfs://x", p.size, p.stake, p.salt, deadline, v, r, s)
            );
        } else {
            data = abi.encodeCall(registry.submit, (p.d, p.h, "ipfs://x", p.size, p.stake, p.salt));
        }
        vm.prank(p.who);
        (ok, ret) = address(registry).call(data);
        if (withPermit) {
            // The permit replaced the unlimited allowance: restore it.
            vm.prank(p.who);
            open.approve(address(registry), type(uint256).max);
        }
    }

    function _signPermit(address who, uint256 value, uint256 deadline) internal view returns (uint8, bytes32, bytes32) {
        uint256 key;
        for (uint256 i = 0; i < contributors.length; ++i) if (contributors[i] == who) key = _keys[i];
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, who, address(registry), value, open.nonces(who), deadline)
        );
        return vm.sign(key, keccak256(abi.encodePacked("\x19\x01", open.DOMAIN_SEPARATOR(), structHash)));
    }

    /// @notice A review round: the Datanet's voting curators vote on one pending contribution,
    ///         each accepting three times in four, until it is decided. After the review
    ///         deadline a vote must be refused instead.
    function review(uint256 idSeed, uint256 bits) external step {
        uint256 id = _underReview(idSeed);
        if (id == 0) id = _find(idSeed, IDatanetRegistry.Status.Pending, false);
        if (id == 0) return;
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        address[] memory voters = _voters(c.datanetId);
        if (block.timestamp >= c.reviewDeadline) {
            for (uint256 i = 0; i < voters.length; ++i) {
                address v = voters[i];
                if (v == address(0) || v == c.contributor || registry.hasVoted(id, v)) continue;
                vm.prank(v);
                try registry.vote(id, true) {
                    _violation("a vote counted after the review deadline");
                } catch {
                    ++calls["voteAfterDeadlineRefused"];
                }
                return;
            }
            return;
        }
        for (uint256 i = 0; i < voters.length; ++i) {
            address v = voters[i];
            if (v == address(0) || v == c.contributor || registry.hasVoted(id, v)) continue;
            bool accept = (bits >> (2 * i)) & 3 != 0;
            IDatanetRegistry.Contribution memory before = registry.getContribution(id);
            vm.prank(v);
            registry.vote(id, accept);
            ++calls["vote"];
            IDatanetRegistry.Contribution memory after_ = registry.getContribution(id);
            if (after_.status == IDatanetRegistry.Status.Rejected) {
                ghostSlashed[id] += before.stake - after_.stake;
                if (before.stake - after_.stake != (uint256(before.stake) * ghostSlashBps[id]) / BPS) {
                    _violation("a rejection slashed other than the share stored at submission");
                }
                ++calls["rejected"];
                return;
            }
            if (after_.status == IDatanetRegistry.Status.Accepted) {
                ghostAcceptedAt[id] = block.timestamp;
                if (after_.bondedUntil != block.timestamp + ghostBondPeriod[id]) {
                    _violation("an acceptance bonded for other than the period stored at submission");
                }
                ++calls["accepted"];
                return;
            }
        }
    }

    /// @dev The first pending contribution at or after `seed` whose review is still open; 0 if none.
    function _underReview(uint256 seed) internal view returns (uint256) {
        uint256 n = ids.length;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = ids[(seed + k) % n];
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            if (c.status == IDatanetRegistry.Status.Pending && block.timestamp < c.reviewDeadline) return id;
        }
        return 0;
    }

    /// @dev The curators that can vote in `d` (zero entries for those that cannot).
    function _voters(uint256 d) internal view returns (address[] memory out) {
        out = new address[](curators.length + 2);
        for (uint256 i = 0; i < curators.length; ++i) if (registry.canVote(d, curators[i])) out[i] = curators[i];
        if (registry.canVote(d, extraCurator)) out[curators.length] = extraCurator;
        if (registry.canVote(d, churner)) out[curators.length + 1] = churner;
    }

    /// @notice Withdraws a stake. Under review (pending, before its deadline) the registry must
    ///         refuse; otherwise it must pay exactly what the contribution holds.
    function withdraw(uint256 idSeed) external step {
        uint256 id = _find(idSeed, IDatanetRegistry.Status.None, false);
        if (id == 0) return;
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        if (c.status == IDatanetRegistry.Status.Accepted && block.timestamp < c.bondedUntil) return;
        if (c.status == IDatanetRegistry.Status.Pending && block.timestamp < c.reviewDeadline) {
            vm.prank(c.contributor);
            try registry.withdraw(id) returns (uint256) {
                _violation("a pending stake left before its review deadline");
            } catch {
                ++calls["withdrawUnderReviewRefused"];
            }
            return;
        }
        uint256 balanceBefore = open.balanceOf(c.contributor);
        vm.prank(c.contributor);
        uint256 amount = registry.withdraw(id);
        if (open.balanceOf(c.contributor) - balanceBefore != amount || amount != c.stake) {
            _violation("a withdrawal paid other than what the contribution held");
        }
        if (c.status == IDatanetRegistry.Status.Pending) ++calls["withdrawnAfterDeadline"];
        ghostReleased[id] += amount;
        ++ghostReleaseCount[id];
        ghostOut += amount;
        ++calls["withdraw"];
    }

    /// @notice The penalty role (governance, or the settler while it holds the role) slashes an
    ///         accepted contribution during its bond; after the bond it must be refused.
    function penalize(uint256 idSeed, uint256 bps, bool bySettler) external step {
        uint256 id = _find(idSeed, IDatanetRegistry.Status.Accepted, false);
        if (id == 0) return;
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        bps = bound(bps, 0, BPS);
        address by = bySettler && registry.hasRole(PENALTY_ROLE, settler) ? settler : governance;
        if (block.timestamp >= c.bondedUntil) {
            vm.prank(by);
            try registry.penalize(id, uint16(bps), "late") {
                _violation("a penalty after the bond period");
            } catch {
                ++calls["penalizeAfterBondRefused"];
            }
            return;
        }
        vm.prank(by);
        registry.penalize(id, uint16(bps), "fuzz");
        ghostSlashed[id] += c.stake - registry.getContribution(id).stake;
        ++calls["penalize"];
    }

    /// @notice TAKEDOWN_ROLE removes a pending or (mostly) an accepted contribution, also one whose
    ///         bond is over and whose stake is withdrawn: no slash, out of every later version.
    function takeDown(uint256 idSeed, uint256 which) external step {
        IDatanetRegistry.Status status =
            which % 3 == 0 ? IDatanetRegistry.Status.Pending : IDatanetRegistry.Status.Accepted;
        uint256 id = _find(idSeed, status, true);
        if (id == 0) return;
        IDatanetRegistry.Contribution memory before = registry.getContribution(id);
        uint256 versions = registry.getDatanet(before.datanetId).versionCount;
        vm.prank(governance);
        registry.takeDown(id, "fuzz");
        IDatanetRegistry.Contribution memory after_ = registry.getContribution(id);
        if (after_.status != IDatanetRegistry.Status.TakenDown) _violation("not taken down");
        if (after_.stake != before.stake) _violation("a takedown moved stake");
        uint256 expectedFrom = status == IDatanetRegistry.Status.Accepted ? versions + 1 : 0;
        if (after_.revokedFromVersion != expectedFrom) _violation("a takedown left the wrong version range");
        if (status == IDatanetRegistry.Status.Accepted && block.timestamp >= before.bondedUntil) {
            ++calls["takeDownAfterBond"];
        }
        ++calls["takeDown"];
        vm.prank(governance);
        try registry.takeDown(id, "again") {
            _violation("taken down twice");
        } catch {}
    }

    // --- money ------------------------------------------------------------------------------

    function sweep() external step {
        if (registry.slashedUnswept() == 0) return;
        uint256 amount = registry.sweepSlashed();
        ghostSwept += amount;
        ghostOut += amount;
        ++calls["sweepSlashed"];
    }

    /// @notice A holder sends OPEN to the registry by a plain transfer (owed to no one).
    function donate(uint256 who, uint256 amount) external step {
        address a = contributors[who % contributors.length];
        amount = bound(amount, 1, 1e21);
        vm.prank(a);
        open.transfer(address(registry), amount);
        ghostIn += amount;
        ghostDonated += amount;
        ++calls["donate"];
    }

    /// @notice Anyone skims: exactly the stray OPEN not yet skimmed, or a refusal when none.
    function skim() external step {
        uint256 excess = ghostDonated - ghostSkimmed;
        if (excess == 0) {
            try registry.skim() {
                _violation("a skim with no excess");
            } catch {}
            return;
        }
        uint256 amount = registry.skim();
        if (amount != excess) _violation("a skim moved other than the excess");
        ghostSkimmed += amount;
        ghostOut += amount;
        ++calls["skim"];
    }

    // --- curators ---------------------------------------------------------------------------

    /// @notice The churner of Datanet 0 bonds, asks to unbond (and sometimes waits out the
    ///         delay and withdraws at once), and withdraws once it may.
    function churnCurator(uint256 action, uint256 amount) external step {
        uint256 d = datanets[0];
        IDatanetRegistry.Curator memory c = registry.getCurator(d, churner);
        if (c.unbondingAt == 0 && (action % 2 == 0 || c.bond == 0)) {
            amount = bound(amount, 1, 2_000 ether);
            vm.prank(churner);
            registry.depositCuratorBond(d, amount);
            ghostIn += amount;
            ++calls["depositCuratorBond"];
        } else if (c.unbondingAt == 0) {
            vm.prank(churner);
            registry.startCuratorUnbonding(d);
            ++calls["startCuratorUnbonding"];
            if (action % 3 != 0) return;
            c = registry.getCurator(d, churner);
            vm.warp(c.unbondingAt);
            vm.prank(churner);
            registry.withdrawCuratorBond(d);
            ghostOut += c.bond;
            ++calls["withdrawCuratorBond"];
        } else {
            if (block.timestamp < c.unbondingAt) vm.warp(c.unbondingAt);
            vm.prank(churner);
            registry.withdrawCuratorBond(d);
            ghostOut += c.bond;
            ++calls["withdrawCuratorBond"];
        }
    }

    /// @notice The penalty role slashes a curator's bond; a voting curator then tops it up, so
    ///         slashing never starves a Datanet of voters.
    function slashCurator(uint256 who, uint256 net, uint256 amount) external step {
        uint256 d = datanets[net % 2];
        uint256 k = who % (curators.length + 2);
        address c =
            k < curators.length
                ? curators[k]
                : k == curators.length
                    ? extraCurator
                    : churner;
        IDatanetRegistry.Curator memory before = registry.getCurator(d, c);
        if (before.bond == 0) return;
        amount = bound(amount, 1, before.bond);
        vm.prank(governance);
        registry.slashCuratorBond(d, c, amount, "fuzz");
        ghostBondSlashed += amount;
        ++calls["slashCuratorBond"];
        uint256 required = registry.bounds().curatorBond;
        uint256 left = before.bond - amount;
        if (c != churner && before.unbondingAt == 0 && left < required) {
            vm.prank(c);
            registry.depositCuratorBond(d, required - left);
            ghostIn += required - left;
            ++calls["depositCuratorBond"];
        }
    }

    /// @notice The owner removes the extra curator (and, if `back`, appoints it again at once),
    ///         or appoints it again.
    function toggleCurator(uint256 net, bool back) external step {
        uint256 d = datanets[net % 2];
        address o = registry.getDatanet(d).owner;
        if (registry.getCurator(d, extraCurator).appointed) {
            vm.prank(o);
            registry.removeCurator(d, extraCurator);
            ++calls["removeCurator"];
            if (!back) return;
        }
        vm.prank(o);
        registry.appointCurator(d, extraCurator);
        ++calls["appointCurator"];
    }

    // --- versions ---------------------------------------------------------------------------

    /// @notice The owner publishes the next version of a Datanet that has live data (the other
    ///         one if needed). Its root is built on a true member's leaf (`mode % 3 == 0`), on a
    ///         false leaf (1: a non-member, or a member with another content hash), or on no
    ///         recorded leaf (2); the count is always right (the chain checks it).
    function publish(uint256 net, uint256 mode, uint256 leafSeed, bytes32 sibling) external step {
        uint256 d = datanets[net % 2];
        if (registry.getDatanet(d).liveAcceptedCount == 0) d = datanets[(net + 1) % 2];
        IDatanetRegistry.Datanet memory dn = registry.getDatanet(d);
        if (dn.liveAcceptedCount == 0) return;
        uint256 v = uint256(dn.versionCount) + 1;
        Leaf memory l;
        if (mode % 3 == 0) {
            uint256 id = _memberOf(d, leafSeed);
            l = Leaf(true, id, registry.getContribution(id).contentHash, sibling);
        } else if (mode % 3 == 1 && ids.length != 0) {
            uint256 id = ids[leafSeed % ids.length];
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            bool member = c.datanetId == d && c.status == IDatanetRegistry.Status.Accepted;
            l = Leaf(true, id, member ? c.contentHash ^ bytes32(uint256(1)) : c.contentHash, sibling);
        }
        bytes32 root = l.set ? _pair(_leafHash(l.id, l.contentHash), sibling) : keccak256(abi.encode(d, v));
        vm.prank(dn.owner);
        registry.publishVersion(d, root, dn.liveAcceptedCount, "");
        _leaves[d][v] = l;
        for (uint256 i = 0; i < ids.length; ++i) {
            IDatanetRegistry.Contribution memory c = registry.getContribution(ids[i]);
            if (c.datanetId == d && c.status == IDatanetRegistry.Status.Accepted) ghostMember[d][v][ids[i]] = true;
        }
        ++publications;
        ++calls["publishVersion"];
    }

    function _memberOf(uint256 d, uint256 seed) internal view returns (uint256) {
        uint256 n = ids.length;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = ids[(seed + k) % n];
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            if (c.datanetId == d && c.status == IDatanetRegistry.Status.Accepted) return id;
        }
        return 0; // unreachable: the Datanet has live data
    }

    /// @notice A verifier disputes a version whose root was built on a leaf that was not a
    ///         member at publication (as `findFalseInclusion` finds it off-chain), in either
    ///         Datanet; when there is none, it tries a true leaf. The dispute must succeed exactly
    ///         for a false leaf, and only once.
    function dispute(uint256 vSeed) external step {
        (uint256 d, uint256 v) = _disputable(vSeed, true);
        if (v == 0) (d, v) = _disputable(vSeed, false);
        if (v == 0) return;
        Leaf memory l = _leaves[d][v];
        bool isFalse = _isFalse(d, v, l);
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = l.sibling;
        try registry.disputeVersion(d, v, l.id, l.contentHash, proof) {
            if (!isFalse || ghostDisputed[d][v]) _violation("a dispute of a true leaf, or of a disputed version");
            ghostDisputed[d][v] = true;
            ++calls["disputeVersion"];
        } catch {
            if (isFalse && !ghostDisputed[d][v]) _violation("a false inclusion could not be disputed");
            ++calls["disputeRefused"];
        }
    }

    /// @dev A version (of either Datanet, from `seed` on) with a recorded leaf, not disputed,
    ///      whose leaf is false (`wantFalse`) or any; (0, 0) if none.
    function _disputable(uint256 seed, bool wantFalse) internal view returns (uint256, uint256) {
        for (uint256 k = 0; k < 2; ++k) {
            uint256 d = datanets[(seed + k) % 2];
            uint256 versions = registry.getDatanet(d).versionCount;
            for (uint256 j = 0; j < versions; ++j) {
                uint256 v = 1 + ((seed + j) % versions);
                Leaf memory l = _leaves[d][v];
                if (!l.set || ghostDisputed[d][v]) continue;
                if (!wantFalse || _isFalse(d, v, l)) return (d, v);
            }
        }
        return (0, 0);
    }

    function _isFalse(uint256 d, uint256 v, Leaf memory l) internal view returns (bool) {
        IDatanetRegistry.Contribution memory c = registry.getContribution(l.id);
        return !(ghostMember[d][v][l.id] && c.contentHash == l.contentHash && c.datanetId == d);
    }

    /// @notice The guardian revokes a version (an omission the chain cannot prove): once.
    function revokeVersion(uint256 net, uint256 vSeed) external step {
        uint256 d = datanets[net % 2];
        uint256 versions = registry.getDatanet(d).versionCount;
        if (versions == 0) {
            d = datanets[(net + 1) % 2];
            versions = registry.getDatanet(d).versionCount;
            if (versions == 0) return;
        }
        uint256 v = 1 + (vSeed % versions);
        vm.prank(guardian);
        try registry.revokeVersion(d, v) {
            if (ghostDisputed[d][v]) _violation("a version revoked twice");
            ghostDisputed[d][v] = true;
            ++calls["revokeVersion"];
        } catch {
            if (!ghostDisputed[d][v]) _violation("a live version could not be revoked");
        }
    }

    // --- owners and governance --------------------------------------------------------------

    /// @notice The owner names the other owner as pending owner (who, if `accept`, accepts at
    ///         once), or the pending owner accepts.
    function ownership(uint256 net, bool accept) external step {
        uint256 d = datanets[net % 2];
        IDatanetRegistry.Datanet memory dn = registry.getDatanet(d);
        if (dn.pendingOwner == address(0)) {
            address next = dn.owner == owner ? owner2 : owner;
            vm.prank(dn.owner);
            registry.transferDatanetOwnership(d, next);
            ++calls["transferDatanetOwnership"];
            if (!accept) return;
            dn.pendingOwner = next;
        }
        vm.prank(dn.pendingOwner);
        registry.acceptDatanetOwnership(d);
        ++calls["acceptDatanetOwnership"];
    }

    function metadata(uint256 net) external step {
        uint256 d = datanets[net % 2];
        vm.prank(registry.getDatanet(d).owner);
        registry.setMetadataURI(d, "ipfs://new");
        ++calls["setMetadataURI"];
    }

    /// @notice The owner changes a Datanet's parameters mid-review, within the bounds in force:
    ///         contributions already submitted keep the terms stored in them.
    function setParams(
        uint256 net,
        uint8 quorum,
        uint16 slashBps,
        uint32 bondPeriod,
        uint32 reviewPeriod
    ) external step {
        uint256 d = datanets[net % 2];
        IDatanetRegistry.Bounds memory b = registry.bounds();
        IDatanetRegistry.Params memory p = registry.getDatanet(d).params;
        p.quorum = uint8(bound(quorum, b.minQuorum, b.maxQuorum < 3 ? b.maxQuorum : 3));
        p.slashBps = uint16(bound(slashBps, b.minSlashBps, b.maxSlashBps));
        p.bondPeriod = uint32(bound(bondPeriod, b.minBondPeriod, b.maxBondPeriod < 3 days ? b.maxBondPeriod : 3 days));
        p.reviewPeriod = uint32(
            bound(reviewPeriod, b.minReviewPeriod, b.maxReviewPeriod < 4 days ? b.maxReviewPeriod : 4 days)
        );
        vm.prank(registry.getDatanet(d).owner);
        registry.setParams(d, p);
        ++calls["setParams"];
    }

    /// @notice Someone creates another Datanet (a few per run).
    function createDatanet(uint256 kind) external step {
        if (createdDatanets >= 3) return;
        IDatanetRegistry.Params memory p = registry.getDatanet(datanets[0]).params;
        vm.prank(owner2);
        try registry.createDatanet(IDatanetRegistry.DataKind(kind % 4), "ipfs://more", p) {
            ++createdDatanets;
            ++calls["createDatanet"];
        } catch {} // the Datanet's parameters may lie outside bounds changed since
    }

    /// @notice Governance changes the global bounds (never the curator bond, so voters stay).
    function setBounds(
        uint8 maxQuorum,
        uint16 maxSlashBps,
        uint32 maxBondPeriod,
        uint32 maxReviewPeriod
    ) external step {
        IDatanetRegistry.Bounds memory b = registry.bounds();
        b.maxQuorum = uint8(bound(maxQuorum, 3, 15));
        b.maxSlashBps = uint16(bound(maxSlashBps, 5_000, BPS));
        b.maxBondPeriod = uint32(bound(maxBondPeriod, 3 days, 90 days));
        b.maxReviewPeriod = uint32(bound(maxReviewPeriod, 4 days, 30 days));
        vm.prank(governance);
        registry.setBounds(b);
        ++calls["setBounds"];
    }

    function setTreasury() external step {
        address next = registry.treasury() == treasury2 ? _originalTreasury : treasury2;
        vm.prank(governance);
        registry.setTreasury(next);
        ++calls["setTreasury"];
    }

    /// @notice The guardian pauses: a commitment must be refused, an exit must not; then
    ///         governance unpauses (the guardian stops, never restarts).
    function pauseCycle(uint256 who) external step {
        vm.prank(guardian);
        registry.pause();
        ++calls["pause"];
        address a = contributors[who % contributors.length];
        vm.prank(a);
        try registry.commitContribution(keccak256(abi.encode("paused", who))) {
            _violation("a commitment while paused");
        } catch {}
        if (registry.slashedUnswept() != 0) {
            uint256 amount = registry.sweepSlashed(); // exits are never paused
            ghostSwept += amount;
            ghostOut += amount;
            ++calls["sweepSlashed"];
        }
        vm.prank(governance);
        registry.unpause();
        ++calls["unpause"];
    }

    /// @notice Governance grants the settler PENALTY_ROLE (which it then keeps for a while, if
    ///         `keep`), and takes it back, or the settler renounces it.
    function roles(bool renounce, bool keep) external step {
        if (!registry.hasRole(PENALTY_ROLE, settler)) {
            vm.prank(governance);
            registry.grantRole(PENALTY_ROLE, settler);
            ++calls["grantRole"];
            if (keep) return;
        }
        if (renounce) {
            vm.prank(settler);
            registry.renounceRole(PENALTY_ROLE, settler);
            ++calls["renounceRole"];
        } else {
            vm.prank(governance);
            registry.revokeRole(PENALTY_ROLE, settler);
            ++calls["revokeRole"];
        }
    }

    function warp(uint256 secondsAhead) external step {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 2 days));
        vm.roll(block.number + 1);
        ++calls["warp"];
    }
}
