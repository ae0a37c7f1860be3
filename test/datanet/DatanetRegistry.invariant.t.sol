// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {DatanetRegistry} from "../../contracts/datanet/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";
import {DatanetHandler} from "./DatanetHandler.sol";

/// @dev The cheatcodes the reach accounting needs (the process environment survives the state
///      reset between invariant runs).
interface VmEnv {
    function setEnv(string calldata name, string calldata value) external;
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256 value);
}

/// @notice The set-up every campaign shares and the checks, stated in words (as Euler keeps
///         them): invariant 2 of ARCHITECTURE.md and the registry's own rules.
abstract contract DatanetInvariantBase is Test {
    string internal constant INV_SOLVENCY =
        "INV_SOLVENCY: registry OPEN balance == live stakes + curator bonds + unswept slashes + stray OPEN not yet skimmed";
    string internal constant INV_STAKES_SUM =
        "INV_STAKES_SUM: totalStaked() == sum over contributions of the stake each still holds";
    string internal constant INV_CONSERVATION =
        "INV_CONSERVATION: OPEN that entered == OPEN that left + OPEN held; swept + unswept == all slashes";
    string internal constant INV_SETTLED_ONCE =
        "INV_SETTLED_ONCE: a stake is released at most once, and held + slashed + paid back == original stake";
    string internal constant INV_UNIQUE_CONTENT =
        "INV_UNIQUE_CONTENT: a content hash is held by at most one contribution per Datanet: the pending, accepted, revoked or taken-down one";
    string internal constant INV_PRECEDENCE =
        "INV_PRECEDENCE: the holder of a content hash is recorded with its own commitment's block, and no reveal took content it had no precedence for";
    string internal constant INV_LIVE_COUNT =
        "INV_LIVE_COUNT: liveAcceptedCount == number of accepted contributions (neither revoked nor taken down) of the Datanet";
    string internal constant INV_DECIDED_BY_QUORUM =
        "INV_DECIDED_BY_QUORUM: accepted (rejected) iff its accept (reject) votes reached the quorum stored at submission first";
    string internal constant INV_TERMS_AT_SUBMISSION =
        "INV_TERMS_AT_SUBMISSION: quorum, slash share, bond period and review deadline are those in force at submission; bondedUntil == acceptance + stored bond period";
    string internal constant INV_NO_SLASH_ESCAPE =
        "INV_NO_SLASH_ESCAPE: a pending stake never leaves before its review deadline, no vote counts after it, every withdrawal pays what is held";
    string internal constant INV_VERSION_MEMBERSHIP =
        "INV_VERSION_MEMBERSHIP: isInVersion(id, v) == id was accepted, not revoked and not taken down when v was published";
    string internal constant INV_DISPUTES =
        "INV_DISPUTES: a version is disputed iff a false leaf was proven or the guardian revoked it; then it has no root";
    string internal constant INV_MODEL =
        "INV_MODEL: every handler call did what the registry's rules say (first violation named)";

    L2OpenToken internal open;
    DatanetRegistry internal registry;
    DatanetHandler internal handler;
    address internal governance;
    /// @dev The curators' bonds deposited in setUp, before the handler's ghosts start.
    uint256 internal initialHeld;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(1);
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

        handler = new DatanetHandler(
            registry,
            open,
            [governance, makeAddr("guardian"), owner, makeAddr("owner2"), makeAddr("settler"), makeAddr("treasury2")],
            [d0, d1]
        );
        for (uint256 i = 0; i < 4; ++i) {
            address c = makeAddr(string.concat("curator", vm.toString(i)));
            if (i < 3) handler.addCurator(c);
            else handler.setExtraCurator(c);
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
        vm.prank(churner);
        registry.depositCuratorBond(d0, 1_000 ether);

        initialHeld = open.balanceOf(address(registry));
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: _weightedSelectors()}));
    }

    /// @dev The actions, each repeated by its weight: the fuzzer draws a selector uniformly from
    ///      this list, so submissions, review rounds and publications (the path to a version)
    ///      come up often, every other function regularly.
    function _weightedSelectors() internal pure returns (bytes4[] memory s) {
        bytes4[57] memory w = [
            DatanetHandler.submit.selector,
            DatanetHandler.submit.selector,
            DatanetHandler.submit.selector,
            DatanetHandler.submit.selector,
            DatanetHandler.submit.selector,
            DatanetHandler.submit.selector,
            DatanetHandler.submit.selector,
            DatanetHandler.submit.selector,
            DatanetHandler.commit.selector,
            DatanetHandler.review.selector,
            DatanetHandler.review.selector,
            DatanetHandler.review.selector,
            DatanetHandler.review.selector,
            DatanetHandler.review.selector,
            DatanetHandler.review.selector,
            DatanetHandler.review.selector,
            DatanetHandler.review.selector,
            DatanetHandler.withdraw.selector,
            DatanetHandler.withdraw.selector,
            DatanetHandler.withdraw.selector,
            DatanetHandler.penalize.selector,
            DatanetHandler.takeDown.selector,
            DatanetHandler.takeDown.selector,
            DatanetHandler.sweep.selector,
            DatanetHandler.donate.selector,
            DatanetHandler.skim.selector,
            DatanetHandler.churnCurator.selector,
            DatanetHandler.churnCurator.selector,
            DatanetHandler.slashCurator.selector,
            DatanetHandler.toggleCurator.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.publish.selector,
            DatanetHandler.dispute.selector,
            DatanetHandler.dispute.selector,
            DatanetHandler.dispute.selector,
            DatanetHandler.revokeVersion.selector,
            DatanetHandler.revokeVersion.selector,
            DatanetHandler.ownership.selector,
            DatanetHandler.metadata.selector,
            DatanetHandler.setParams.selector,
            DatanetHandler.setParams.selector,
            DatanetHandler.createDatanet.selector,
            DatanetHandler.setBounds.selector,
            DatanetHandler.setTreasury.selector,
            DatanetHandler.pauseCycle.selector,
            DatanetHandler.roles.selector,
            DatanetHandler.warp.selector,
            DatanetHandler.warp.selector,
            DatanetHandler.warp.selector
        ];
        s = new bytes4[](w.length);
        for (uint256 i = 0; i < w.length; ++i) s[i] = w[i];
    }

    // --- checks -----------------------------------------------------------------------------

    function _checkModel() internal view {
        assertEq(handler.violations(), 0, string.concat(INV_MODEL, ": ", handler.firstViolation()));
    }

    function _checkSolvency() internal view {
        assertEq(
            open.balanceOf(address(registry)),
            registry.totalStaked() +
                registry.totalCuratorBonds() +
                registry.slashedUnswept() +
                (handler.ghostDonated() - handler.ghostSkimmed()),
            INV_SOLVENCY
        );
    }

    function _checkConservation() internal view {
        assertEq(
            initialHeld + handler.ghostIn(),
            handler.ghostOut() + open.balanceOf(address(registry)),
            INV_CONSERVATION
        );
    }

    /// @dev Per contribution: settled once, split exactly, decided by its stored quorum, judged
    ///      by the terms stored at submission; the sums.
    function _checkContributions() internal view {
        uint256 sum;
        uint256 slashedSum;
        for (uint256 i = 0; i < handler.idCount(); ++i) {
            uint256 id = handler.ids(i);
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            sum += c.stake;
            slashedSum += handler.ghostSlashed(id);
            assertLe(handler.ghostReleaseCount(id), 1, INV_SETTLED_ONCE);
            assertEq(handler.ghostReleaseCount(id) == 1, c.stakeReleased, INV_SETTLED_ONCE);
            assertEq(
                c.stake + handler.ghostSlashed(id) + handler.ghostReleased(id),
                handler.ghostStake(id),
                INV_SETTLED_ONCE
            );
            if (c.stakeReleased) assertEq(c.stake, 0, INV_SETTLED_ONCE);
            _checkDecidedByQuorum(c);
            _checkTerms(id, c);
        }
        assertEq(sum, registry.totalStaked(), INV_STAKES_SUM);
        assertEq(
            handler.ghostSwept() + registry.slashedUnswept(),
            slashedSum + handler.ghostBondSlashed(),
            INV_CONSERVATION
        );
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
        bool accepted = c.firstVersion != 0; // accepted once, whatever came after
        assertEq(accepted, acceptReached, INV_DECIDED_BY_QUORUM);
        assertEq(c.status == IDatanetRegistry.Status.Rejected, rejectReached, INV_DECIDED_BY_QUORUM);
    }

    function _checkTerms(uint256 id, IDatanetRegistry.Contribution memory c) internal view {
        assertEq(c.quorum, handler.ghostQuorum(id), INV_TERMS_AT_SUBMISSION);
        assertEq(c.slashBps, handler.ghostSlashBps(id), INV_TERMS_AT_SUBMISSION);
        assertEq(c.bondPeriod, handler.ghostBondPeriod(id), INV_TERMS_AT_SUBMISSION);
        assertEq(c.reviewDeadline, handler.ghostReviewDeadline(id), INV_TERMS_AT_SUBMISSION);
        if (c.firstVersion != 0) {
            assertEq(c.bondedUntil, handler.ghostAcceptedAt(id) + handler.ghostBondPeriod(id), INV_TERMS_AT_SUBMISSION);
        }
    }

    /// @dev Who holds each content hash, under which commitment, and the live counts.
    function _checkContentAndLiveCount() internal view {
        uint256 n = handler.idCount();
        uint256[2] memory live;
        for (uint256 i = 0; i < n; ++i) {
            uint256 id = handler.ids(i);
            IDatanetRegistry.Contribution memory c = registry.getContribution(id);
            bool holds =
                c.status == IDatanetRegistry.Status.Pending ||
                    c.status == IDatanetRegistry.Status.Accepted ||
                    c.status == IDatanetRegistry.Status.Revoked ||
                    c.status == IDatanetRegistry.Status.TakenDown;
            uint256 holder = registry.contributionOfContent(c.datanetId, c.contentHash);
            if (holds) {
                assertEq(holder, id, INV_UNIQUE_CONTENT);
                assertEq(
                    registry.contentCommitBlock(c.datanetId, c.contentHash),
                    handler.ghostCommitBlock(id),
                    INV_PRECEDENCE
                );
            } else {
                assertNotEq(holder, id, INV_UNIQUE_CONTENT);
            }
            if (c.status == IDatanetRegistry.Status.Accepted) live[c.datanetId == handler.datanets(0) ? 0 : 1] += 1;
        }
        assertEq(registry.getDatanet(handler.datanets(0)).liveAcceptedCount, live[0], INV_LIVE_COUNT);
        assertEq(registry.getDatanet(handler.datanets(1)).liveAcceptedCount, live[1], INV_LIVE_COUNT);
    }

    function _checkVersions() internal view {
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
                IDatanetRegistry.Version memory info = registry.getVersion(d, v);
                assertEq(info.count, count, INV_VERSION_MEMBERSHIP);
                assertEq(info.disputed, handler.ghostDisputed(d, v), INV_DISPUTES);
                assertEq(registry.isPublishedVersion(d, v), !info.disputed, INV_DISPUTES);
                assertEq(registry.versionRoot(d, v), info.disputed ? bytes32(0) : info.root, INV_DISPUTES);
            }
        }
    }

    function _checkAll() internal view {
        _checkModel();
        _checkSolvency();
        _checkConservation();
        _checkContributions();
        _checkContentAndLiveCount();
        _checkVersions();
    }
}

/// @notice The invariants, in three groups, each group checked after every call of its own
///         random campaign (the reach campaign below checks all of them too).
contract DatanetRegistryInvariantTest is DatanetInvariantBase {
    /// @dev INV_MODEL, INV_NO_SLASH_ESCAPE and what the handler predicts call by call.
    function invariant_model() public view {
        _checkModel();
    }

    /// @dev INV_SOLVENCY, INV_CONSERVATION, INV_STAKES_SUM, INV_SETTLED_ONCE,
    ///      INV_DECIDED_BY_QUORUM, INV_TERMS_AT_SUBMISSION.
    function invariant_accounting() public view {
        _checkSolvency();
        _checkConservation();
        _checkContributions();
    }

    /// @dev INV_UNIQUE_CONTENT, INV_PRECEDENCE, INV_LIVE_COUNT, INV_VERSION_MEMBERSHIP, INV_DISPUTES.
    function invariant_contentAndVersions() public view {
        _checkContentAndLiveCount();
        _checkVersions();
    }
}

/// @notice The same campaign, measuring how often the guarded states are reached and that every
///         state-changing function of the registry is exercised: after every run it adds the run
///         to counters kept in the process environment (they survive the state reset between
///         runs). Once 32 runs are in, it fails unless at least 70% of them published a version
///         (50% when runs are shallower than the ci profile's 64 calls); from 64 runs on (the last
///         run of the default profile), unless every function was called successfully in some
///         run. With DATANET_REACH_REPORT=<runs> set, the run
///         numbered <runs> fails on purpose and prints the counters, the way to read them:
///
///         DATANET_REACH_REPORT=256 npx hardhat test solidity test/datanet/DatanetRegistry.invariant.t.sol --test-profile ci
///
///         Its one invariant checks everything, so this campaign cannot pass on a broken registry.
contract DatanetRegistryReachTest is DatanetInvariantBase {
    VmEnv internal constant ENV = VmEnv(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant WARM_UP_RUNS = 32;
    uint256 internal constant ALL_FUNCTIONS_BY = 64;

    /// @dev The registry's state-changing external functions (AccessControl's included).
    string[30] internal _functions = [
        "setBounds",
        "setTreasury",
        "pause",
        "unpause",
        "createDatanet",
        "setParams",
        "setMetadataURI",
        "transferDatanetOwnership",
        "acceptDatanetOwnership",
        "appointCurator",
        "removeCurator",
        "depositCuratorBond",
        "startCuratorUnbonding",
        "withdrawCuratorBond",
        "slashCuratorBond",
        "commitContribution",
        "submit",
        "submitWithPermit",
        "vote",
        "withdraw",
        "penalize",
        "takeDown",
        "sweepSlashed",
        "skim",
        "publishVersion",
        "disputeVersion",
        "revokeVersion",
        "grantRole",
        "revokeRole",
        "renounceRole"
    ];

    /// @dev Guarded states: reached in a run when its counter is non-zero at the end.
    string[12] internal _states = [
        "publishVersion",
        "accepted",
        "rejected",
        "displaced",
        "revealRefusedDuplicate",
        "withdrawUnderReviewRefused",
        "withdrawnAfterDeadline",
        "voteAfterDeadlineRefused",
        "takeDownAfterBond",
        "penalizeAfterBondRefused",
        "disputeVersion",
        "skim"
    ];

    function invariant_reach() public view {
        _checkAll();
    }

    function afterInvariant() public {
        uint256 runs = _bump("DATANET_REACH_RUNS", 1);
        uint256 depth = _bump("DATANET_REACH_STEPS", handler.steps()) / runs;
        uint256 published = _bump("DATANET_REACH_STATE_publishVersion", handler.publications() > 0 ? 1 : 0);
        for (uint256 i = 1; i < _states.length; ++i) {
            _bump(string.concat("DATANET_REACH_STATE_", _states[i]), handler.calls(_states[i]) > 0 ? 1 : 0);
        }
        for (uint256 i = 0; i < _functions.length; ++i) {
            _bump(string.concat("DATANET_REACH_CALLS_", _functions[i]), handler.calls(_functions[i]));
        }
        if (runs == ENV.envOr("DATANET_REACH_REPORT", uint256(0))) assertEq(runs, 0, _report(runs));
        if (runs >= WARM_UP_RUNS) {
            // 70% at the ci profile's depth (64 calls a run) and deeper; 50% for the default
            // profile's shallower runs (32 calls), where a version needs a larger share of them.
            uint256 minPercent = depth >= 64 ? 70 : 50;
            assertGe(
                published * 100,
                runs * minPercent,
                string.concat("versions published in under ", vm.toString(minPercent), "% of runs; ", _report(runs))
            );
        }
        if (runs >= ALL_FUNCTIONS_BY) {
            for (uint256 i = 0; i < _functions.length; ++i) {
                assertGt(
                    ENV.envOr(string.concat("DATANET_REACH_CALLS_", _functions[i]), uint256(0)),
                    0,
                    string.concat(_functions[i], " never called; ", _report(runs))
                );
            }
        }
    }

    function _bump(string memory name, uint256 by) internal returns (uint256 count) {
        count = ENV.envOr(name, uint256(0)) + by;
        ENV.setEnv(name, vm.toString(count));
    }

    function _report(uint256 runs) internal view returns (string memory out) {
        out = string.concat(
            "runs ",
            vm.toString(runs),
            " (",
            vm.toString(ENV.envOr("DATANET_REACH_STEPS", uint256(0)) / runs),
            " calls each); runs reaching:"
        );
        for (uint256 i = 0; i < _states.length; ++i) {
            uint256 n = ENV.envOr(string.concat("DATANET_REACH_STATE_", _states[i]), uint256(0));
            out = string.concat(out, " ", _states[i], " ", vm.toString(n), " (", vm.toString((n * 100) / runs), "%)");
        }
        out = string.concat(out, "; successful calls:");
        for (uint256 i = 0; i < _functions.length; ++i) {
            uint256 n = ENV.envOr(string.concat("DATANET_REACH_CALLS_", _functions[i]), uint256(0));
            out = string.concat(out, " ", _functions[i], " ", vm.toString(n));
        }
    }
}
