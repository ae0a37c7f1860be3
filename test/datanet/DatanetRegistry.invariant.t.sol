// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {DatanetRegistry} from "../../contracts/datanet/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";

/// @notice Drives the registry with random submissions, votes, withdrawals, penalties, curator
///         bond churn and slashes, sweeps, publications and time, among fixed actors, and keeps
///         the ghost records the invariants compare with. Inputs are shaped to be mostly valid
///         (a wasted call teaches nothing); invalid ones are skipped, not reverted.
contract DatanetHandler is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;
    uint256 internal constant CAP = 10_000_000;

    DatanetRegistry public immutable registry;
    L2OpenToken public immutable open;
    address public immutable governance;

    uint256[2] public datanets;
    address[] public contributors;
    address[] public curators;
    /// @dev A curator that bonds, unbonds and withdraws at random in Datanet 0.
    address public churner;
    bytes32[] public contents;

    // --- ghosts -----------------------------------------------------------------------------
    uint256[] public ids;
    mapping(uint256 id => uint256) public ghostStake; // original stake
    mapping(uint256 id => uint256) public ghostSlashed; // slashed from it
    mapping(uint256 id => uint256) public ghostReleased; // paid back to the contributor
    mapping(uint256 id => uint256) public ghostReleaseCount;
    uint256 public ghostIn; // OPEN that entered the registry
    uint256 public ghostOut; // OPEN that left it
    uint256 public ghostSwept;
    uint256 public ghostBondSlashed;
    /// @dev Withdrawals that paid other than the stake held minus, after a reject vote, the
    ///      stored slash share.
    uint256 public ghostSlashEscapes;
    /// @dev (datanetId, version) => id => member at publication.
    mapping(uint256 datanetId => mapping(uint256 version => mapping(uint256 id => bool))) public ghostMember;
    uint256 public publications;

    mapping(bytes32 selectorName => uint256) public calls;

    constructor(DatanetRegistry registry_, L2OpenToken open_, address governance_, uint256[2] memory datanets_) {
        registry = registry_;
        open = open_;
        governance = governance_;
        datanets = datanets_;
        for (uint256 i = 0; i < 4; ++i) {
            address a = makeAddr(string.concat("contributor", vm.toString(i)));
            contributors.push(a);
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

    function _fund(address to, uint256 amount) internal {
        vm.prank(BRIDGE);
        open.mint(to, amount);
        vm.prank(to);
        open.approve(address(registry), type(uint256).max);
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function contributorCount() external view returns (uint256) {
        return contributors.length;
    }

    function curatorCount() external view returns (uint256) {
        return curators.length;
    }

    /// @dev The first contribution at or after `seed` (cyclically) in state `status` (None:
    ///      any), so that the fuzzer's calls land on contributions where they can act; 0 if none.
    function _find(uint256 seed, IDatanetRegistry.Status status) internal view returns (uint256) {
        uint256 n = ids.length;
        for (uint256 k = 0; k < n; ++k) {
            uint256 id = ids[(seed + k) % n];
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            if (c.stakeReleased) continue;
            if (status == IDatanetRegistry.Status.None || c.status == status) return id;
        }
        return 0;
    }

    // --- actions ----------------------------------------------------------------------------

    function submit(uint256 who, uint256 net, uint256 content, uint256 size, uint256 stake) external {
        address a = contributors[who % contributors.length];
        uint256 d = datanets[net % 2];
        bytes32 h = contents[content % contents.length];
        if (registry.contributionOfContent(d, h) != 0) return;
        uint256 used = registry.bytesSubmittedOn(d, a, block.timestamp / 1 days);
        if (used >= CAP) return;
        size = bound(size, 1, CAP - used);
        stake = bound(stake, 10 ether, 1e24);
        bytes32 salt = keccak256(abi.encode(a, h, block.number));
        vm.prank(a);
        registry.commitContribution(keccak256(abi.encode(h, a, salt)));
        vm.roll(block.number + 1);
        vm.prank(a);
        uint256 id = registry.submit(d, h, "ipfs://x", size, stake, salt);
        ids.push(id);
        ghostStake[id] = stake;
        ghostIn += stake;
        ++calls["submit"];
    }

    function vote(uint256 curatorSeed, uint256 idSeed, bool accept) external {
        uint256 id = _find(idSeed, IDatanetRegistry.Status.Pending);
        if (id == 0) return;
        address c = curators[curatorSeed % curators.length];
        IDatanetRegistry.Contribution memory before = registry.getContribution(id);
        if (before.status != IDatanetRegistry.Status.Pending) return;
        if (registry.hasVoted(id, c) || c == before.contributor || !registry.canVote(before.datanetId, c)) return;
        vm.prank(c);
        registry.vote(id, accept);
        IDatanetRegistry.Contribution memory afterVote = registry.getContribution(id);
        if (afterVote.status == IDatanetRegistry.Status.Rejected) {
            ghostSlashed[id] += before.stake - afterVote.stake;
            ++calls["reject"];
        } else if (afterVote.status == IDatanetRegistry.Status.Accepted) {
            ++calls["accept"];
        }
        ++calls["vote"];
    }

    function withdraw(uint256 idSeed) external {
        uint256 id = _find(idSeed, IDatanetRegistry.Status.None);
        if (id == 0) return;
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        if (c.status == IDatanetRegistry.Status.Accepted && block.timestamp < c.bondedUntil) return;
        if (c.status == IDatanetRegistry.Status.Pending && block.timestamp < c.reviewDeadline) {
            // Under review: the stake must not leave (INV_NO_SLASH_ESCAPE). Recorded, not
            // asserted: with failOnRevert off a failing assert in a handler is discarded.
            vm.prank(c.contributor);
            try registry.withdraw(id) returns (uint256) {
                ++ghostSlashEscapes;
            } catch {}
            ++calls["withdrawUnderReviewRefused"];
            return;
        }
        uint256 balanceBefore = open.balanceOf(c.contributor);
        vm.prank(c.contributor);
        uint256 amount = registry.withdraw(id);
        // Every exit pays what the contribution holds: after the review deadline a pending
        // stake comes back in full, whatever votes were cast.
        if (open.balanceOf(c.contributor) - balanceBefore != amount || amount != c.stake) ++ghostSlashEscapes;
        ghostReleased[id] += amount;
        ++ghostReleaseCount[id];
        ghostOut += amount;
        ++calls["withdraw"];
    }

    /// @dev The owner changes a Datanet's quorum and slash share mid-review: contributions
    ///      already submitted must keep the terms stored in them.
    function setParams(uint256 net, uint8 quorum, uint16 slashBps) external {
        uint256 d = datanets[net % 2];
        IDatanetRegistry.Params memory p = registry.getDatanet(d).params;
        p.quorum = uint8(bound(quorum, 1, 3));
        p.slashBps = uint16(bound(slashBps, 100, 5_000));
        vm.prank(registry.getDatanet(d).owner);
        registry.setParams(d, p);
        ++calls["setParams"];
    }

    function penalize(uint256 idSeed, uint256 bps) external {
        uint256 id = _find(idSeed, IDatanetRegistry.Status.Accepted);
        if (id == 0) return;
        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        if (block.timestamp >= c.bondedUntil) return;
        bps = bound(bps, 0, 10_000);
        vm.prank(governance);
        registry.penalize(id, uint16(bps), "fuzz");
        ghostSlashed[id] += c.stake - registry.getContribution(id).stake;
        ++calls["penalize"];
    }

    function sweep() external {
        uint256 pool = registry.slashedUnswept();
        if (pool == 0) return;
        uint256 amount = registry.sweepSlashed();
        ghostSwept += amount;
        ghostOut += amount;
        ++calls["sweep"];
    }

    function churnCurator(uint256 action, uint256 amount) external {
        uint256 d = datanets[0];
        IDatanetRegistry.Curator memory c = registry.getCurator(d, churner);
        if (c.unbondingAt == 0 && action % 2 == 0) {
            amount = bound(amount, 1, 2_000 ether);
            vm.prank(churner);
            registry.depositCuratorBond(d, amount);
            ghostIn += amount;
        } else if (c.unbondingAt == 0 && c.bond != 0) {
            vm.prank(churner);
            registry.startCuratorUnbonding(d);
        } else if (c.unbondingAt != 0 && block.timestamp >= c.unbondingAt) {
            vm.prank(churner);
            registry.withdrawCuratorBond(d);
            ghostOut += c.bond;
        } else {
            return;
        }
        ++calls["churn"];
    }

    function slashCurator(uint256 who, uint256 amount) external {
        uint256 d = datanets[0];
        address c = who % 2 == 0 ? churner : curators[who % curators.length];
        uint256 bond = registry.getCurator(d, c).bond;
        if (bond == 0) return;
        amount = bound(amount, 1, bond);
        vm.prank(governance);
        registry.slashCuratorBond(d, c, amount, "fuzz");
        ghostBondSlashed += amount;
        ++calls["slashCurator"];
    }

    function publish(uint256 net) external {
        uint256 d = datanets[net % 2];
        IDatanetRegistry.Datanet memory dn = registry.getDatanet(d);
        if (dn.liveAcceptedCount == 0) return;
        uint256 v = uint256(dn.versionCount) + 1;
        // The root's content is the TS verifier's business (tested there); here the count and
        // the per-contribution membership records are checked.
        vm.prank(dn.owner);
        registry.publishVersion(d, keccak256(abi.encode(d, v)), dn.liveAcceptedCount, "");
        for (uint256 i = 0; i < ids.length; ++i) {
            IDatanetRegistry.Contribution memory c = registry.getContribution(ids[i]);
            if (c.datanetId == d && c.status == IDatanetRegistry.Status.Accepted) ghostMember[d][v][ids[i]] = true;
        }
        ++publications;
        ++calls["publish"];
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 2 days));
        ++calls["warp"];
    }
}

/// @notice Invariant 2 of ARCHITECTURE.md and the registry's own bookkeeping, stated in words
///         (as Euler keeps them) and checked after every random call sequence.
contract DatanetRegistryInvariantTest is Test {
    string internal constant INV_SOLVENCY =
        "INV_SOLVENCY: registry OPEN balance == sum of live stakes + curator bonds + slashed funds not yet swept";
    string internal constant INV_STAKES_SUM =
        "INV_STAKES_SUM: totalStaked() == sum over contributions of the stake each still holds";
    string internal constant INV_CONSERVATION =
        "INV_CONSERVATION: OPEN that entered == OPEN that left + OPEN held; swept == slashed - unswept";
    string internal constant INV_SETTLED_ONCE =
        "INV_SETTLED_ONCE: a stake is released at most once, and once settled released + slashed == stake";
    string internal constant INV_UNIQUE_CONTENT =
        "INV_UNIQUE_CONTENT: an accepted or pending content hash is held by exactly one contribution per Datanet";
    string internal constant INV_LIVE_COUNT =
        "INV_LIVE_COUNT: liveAcceptedCount == number of accepted, non-revoked contributions of the Datanet";
    string internal constant INV_DECIDED_BY_QUORUM =
        "INV_DECIDED_BY_QUORUM: accepted (rejected) iff its accept (reject) votes reached the quorum stored at submission first";
    string internal constant INV_NO_SLASH_ESCAPE =
        "INV_NO_SLASH_ESCAPE: a pending stake never leaves before its review deadline; every withdrawal pays exactly what the contribution holds";
    string internal constant INV_VERSION_MEMBERSHIP =
        "INV_VERSION_MEMBERSHIP: isInVersion(id, v) == id was accepted and not revoked when v was published";

    L2OpenToken internal open;
    DatanetRegistry internal registry;
    DatanetHandler internal handler;
    address internal governance;
    /// @dev The curators' bonds deposited in setUp, before the handler's ghosts start.
    uint256 internal initialHeld;

    function setUp() public {
        vm.warp(1_700_000_000);
        governance = makeAddr("governance");
        open = new L2OpenToken(makeAddr("l1Open"));
        registry = new DatanetRegistry(
            IERC20(address(open)),
            makeAddr("treasury"),
            governance,
            makeAddr("guardian"),
            IDatanetRegistry.Bounds({
                minStakeFloor: 1 ether,
                minStakeCeiling: 1_000_000 ether,
                maxDailyByteCap: 10_000_000,
                minBondPeriod: 1 days,
                maxBondPeriod: 90 days,
                minSlashBps: 100,
                maxSlashBps: 5_000,
                minQuorum: 1,
                maxQuorum: 15,
                minReviewPeriod: 1 days,
                maxReviewPeriod: 30 days,
                curatorBond: 1_000 ether,
                curatorUnbondingDelay: 3 days
            })
        );
        address owner = makeAddr("owner");
        vm.startPrank(owner);
        uint256 d0 = registry.createDatanet(
            IDatanetRegistry.DataKind.Text,
            "a",
            IDatanetRegistry.Params({
                minStake: 10 ether,
                dailyByteCap: 10_000_000,
                bondPeriod: 1 days,
                slashBps: 2_000,
                quorum: 2,
                reviewPeriod: 3 days
            })
        );
        uint256 d1 = registry.createDatanet(
            IDatanetRegistry.DataKind.Image,
            "b",
            IDatanetRegistry.Params({
                minStake: 10 ether,
                dailyByteCap: 1_000_000,
                bondPeriod: 3 days,
                slashBps: 5_000,
                quorum: 1,
                reviewPeriod: 2 days
            })
        );
        vm.stopPrank();

        handler = new DatanetHandler(registry, open, governance, [d0, d1]);
        for (uint256 i = 0; i < 3; ++i) {
            address c = makeAddr(string.concat("curator", vm.toString(i)));
            handler.addCurator(c);
            vm.startPrank(owner);
            registry.appointCurator(d0, c);
            registry.appointCurator(d1, c);
            vm.stopPrank();
            vm.startPrank(c);
            registry.depositCuratorBond(d0, 1_000 ether);
            registry.depositCuratorBond(d1, 1_000 ether);
            vm.stopPrank();
        }
        address churner = handler.churner();
        vm.prank(owner);
        registry.appointCurator(d0, churner);

        initialHeld = open.balanceOf(address(registry));
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = DatanetHandler.submit.selector;
        selectors[1] = DatanetHandler.vote.selector;
        selectors[2] = DatanetHandler.withdraw.selector;
        selectors[3] = DatanetHandler.penalize.selector;
        selectors[4] = DatanetHandler.sweep.selector;
        selectors[5] = DatanetHandler.churnCurator.selector;
        selectors[6] = DatanetHandler.slashCurator.selector;
        selectors[7] = DatanetHandler.publish.selector;
        selectors[8] = DatanetHandler.warp.selector;
        selectors[9] = DatanetHandler.setParams.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev No tally ever passes the stored quorum, and the status says which side reached it.
    function _checkDecidedByQuorum(IDatanetRegistry.Contribution memory c) internal pure {
        uint256 q = c.quorum;
        assertGe(q, 1, INV_DECIDED_BY_QUORUM);
        assertLe(c.acceptVotes, q, INV_DECIDED_BY_QUORUM);
        assertLe(c.rejectVotes, q, INV_DECIDED_BY_QUORUM);
        bool acceptReached = c.acceptVotes == q;
        bool rejectReached = c.rejectVotes == q;
        assertFalse(acceptReached && rejectReached, INV_DECIDED_BY_QUORUM);
        bool accepted = c.status == IDatanetRegistry.Status.Accepted || c.status == IDatanetRegistry.Status.Revoked;
        assertEq(accepted, acceptReached, INV_DECIDED_BY_QUORUM);
        assertEq(c.status == IDatanetRegistry.Status.Rejected, rejectReached, INV_DECIDED_BY_QUORUM);
    }

    function invariant_noSlashEscape() public view {
        assertEq(handler.ghostSlashEscapes(), 0, INV_NO_SLASH_ESCAPE);
    }

    function invariant_solvency() public view {
        assertEq(
            open.balanceOf(address(registry)),
            registry.totalStaked() + registry.totalCuratorBonds() + registry.slashedUnswept(),
            INV_SOLVENCY
        );
    }

    function invariant_stakesSumAndSettledOnce() public view {
        uint256 sum;
        uint256 slashedSum;
        for (uint256 i = 0; i < handler.idCount(); ++i) {
            uint256 id = handler.ids(i);
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            sum += c.stake;
            slashedSum += handler.ghostSlashed(id);
            assertLe(handler.ghostReleaseCount(id), 1, INV_SETTLED_ONCE);
            assertEq(handler.ghostReleaseCount(id) == 1, c.stakeReleased, INV_SETTLED_ONCE);
            // Whatever happened, the original stake is split exactly into held, slashed, paid.
            assertEq(
                c.stake + handler.ghostSlashed(id) + handler.ghostReleased(id),
                handler.ghostStake(id),
                INV_SETTLED_ONCE
            );
            if (c.stakeReleased) assertEq(c.stake, 0, INV_SETTLED_ONCE);
            _checkDecidedByQuorum(c);
        }
        assertEq(sum, registry.totalStaked(), INV_STAKES_SUM);
        assertEq(
            handler.ghostSwept() + registry.slashedUnswept(),
            slashedSum + handler.ghostBondSlashed(),
            INV_CONSERVATION
        );
    }

    function invariant_conservation() public view {
        assertEq(
            initialHeld + handler.ghostIn(),
            handler.ghostOut() + open.balanceOf(address(registry)),
            INV_CONSERVATION
        );
    }

    function invariant_uniqueContentAndLiveCount() public view {
        uint256 n = handler.idCount();
        uint256[2] memory live;
        for (uint256 i = 0; i < n; ++i) {
            uint256 id = handler.ids(i);
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            bool holds =
                c.status == IDatanetRegistry.Status.Pending ||
                    c.status == IDatanetRegistry.Status.Accepted ||
                    c.status == IDatanetRegistry.Status.Revoked;
            if (holds) assertEq(registry.contributionOfContent(c.datanetId, c.contentHash), id, INV_UNIQUE_CONTENT);
            if (c.status == IDatanetRegistry.Status.Accepted) {
                live[c.datanetId == handler.datanets(0) ? 0 : 1] += 1;
                for (uint256 j = i + 1; j < n; ++j) {
                    IDatanetRegistry.Contribution memory o = registry.getContribution(handler.ids(j));
                    bool sameSlot = o.datanetId == c.datanetId && o.contentHash == c.contentHash;
                    bool oLive =
                        o.status == IDatanetRegistry.Status.Accepted || o.status == IDatanetRegistry.Status.Pending;
                    assertFalse(sameSlot && oLive, INV_UNIQUE_CONTENT);
                }
            }
        }
        assertEq(registry.getDatanet(handler.datanets(0)).liveAcceptedCount, live[0], INV_LIVE_COUNT);
        assertEq(registry.getDatanet(handler.datanets(1)).liveAcceptedCount, live[1], INV_LIVE_COUNT);
    }

    function invariant_versionMembership() public view {
        for (uint256 k = 0; k < 2; ++k) {
            uint256 d = handler.datanets(k);
            uint256 versions = registry.getDatanet(d).versionCount;
            for (uint256 v = 1; v <= versions; ++v) {
                uint256 count;
                for (uint256 i = 0; i < handler.idCount(); ++i) {
                    uint256 id = handler.ids(i);
                    if (registry.getContribution(id).datanetId != d) continue;
                    bool member = handler.ghostMember(d, v, id);
                    assertEq(registry.isInVersion(id, v), member, INV_VERSION_MEMBERSHIP);
                    if (member) ++count;
                }
                assertEq(registry.getVersion(d, v).count, count, INV_VERSION_MEMBERSHIP);
            }
        }
    }
}
