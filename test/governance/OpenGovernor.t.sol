// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorPreventLateQuorum} from "@openzeppelin/contracts/governance/extensions/GovernorPreventLateQuorum.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

import {OpenGovernor} from "../../contracts/governance/OpenGovernor.sol";
import {GovernanceBase} from "./GovernanceBase.sol";

contract OpenGovernorTest is GovernanceBase {
    function setVetoWindow(uint256 window) internal view returns (Proposal memory) {
        return one(address(vault), abi.encodeCall(vault.setVetoWindow, (window)), "set the veto window");
    }

    // ------------------------------------------------------------------------------------
    // Wiring
    // ------------------------------------------------------------------------------------

    function test_constructor_parametersAndClock_succeeds() public view {
        assertEq(governor.name(), "OpenLedger Governor");
        assertEq(governor.version(), "1.0.0");
        assertEq(timelock.version(), "1.0.0");
        assertEq(governor.CLOCK_MODE(), "mode=timestamp");
        assertEq(uint256(governor.clock()), block.timestamp, "timestamp clock");
        assertEq(address(governor.token()), address(open));
        assertEq(governor.timelock(), address(timelock));
        assertEq(governor.votingDelay(), VOTING_DELAY);
        assertEq(governor.votingPeriod(), VOTING_PERIOD);
        assertEq(governor.proposalThreshold(), THRESHOLD);
        assertEq(governor.quorumNumerator(), QUORUM_PERCENT);
        assertEq(uint256(governor.lateQuorumVoteExtension()), LATE_QUORUM);
        assertEq(governor.proposalGuardian(), guardian);
        assertEq(timelock.getMinDelay(), MIN_DELAY);
        uint256 supply = open.getPastTotalSupply(block.timestamp - 1);
        assertEq(governor.quorum(block.timestamp - 1), (supply * QUORUM_PERCENT) / 100, "4% of the L2 supply");
    }

    function test_timelock_roles_succeeds() public view {
        bytes32 proposer = timelock.PROPOSER_ROLE();
        bytes32 canceller = timelock.CANCELLER_ROLE();
        bytes32 executor = timelock.EXECUTOR_ROLE();
        bytes32 admin = timelock.DEFAULT_ADMIN_ROLE();
        assertTrue(timelock.hasRole(proposer, address(governor)), "governor proposes");
        assertTrue(timelock.hasRole(canceller, address(governor)), "governor cancels (its own cancel path)");
        assertTrue(timelock.hasRole(canceller, guardian), "guardian cancels");
        assertFalse(timelock.hasRole(proposer, guardian), "guardian never proposes");
        assertTrue(timelock.hasRole(executor, address(0)), "anyone executes");
        assertTrue(timelock.hasRole(admin, address(timelock)), "self-administered");
        assertFalse(timelock.hasRole(admin, deployer), "deployer admin renounced");
        assertFalse(timelock.hasRole(proposer, deployer));
        assertFalse(timelock.hasRole(canceller, deployer));
    }

    function test_constructor_lateQuorumAboveVotingPeriod_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                GovernorPreventLateQuorum.GovernorPreventLateQuorumVoteExtensionTooLarge.selector,
                8 days,
                7 days
            )
        );
        new OpenGovernor(
            IVotes(address(open)),
            TimelockController(payable(address(timelock))),
            OpenGovernor.Params({
                votingDelay: VOTING_DELAY,
                votingPeriod: 7 days,
                proposalThreshold: THRESHOLD,
                quorumNumerator: QUORUM_PERCENT,
                lateQuorumExtension: 8 days,
                guardian: guardian
            })
        );
    }

    // ------------------------------------------------------------------------------------
    // The cycle
    // ------------------------------------------------------------------------------------

    function test_fullCycle_changesVaultParameter_succeeds() public {
        Proposal memory p = setVetoWindow(5 days);
        vm.prank(alice);
        uint256 id = governor.propose(p.targets, p.values, p.calldatas, p.description);
        vm.snapshotGasLastCall("Governance", "propose (1 call)");
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Pending));
        assertEq(governor.proposalCount(), 1, "GovernorStorage enumerates");

        vm.warp(governor.proposalSnapshot(id) + 1);
        vm.prank(carol);
        governor.castVote(id, 1);
        vm.snapshotGasLastCall("Governance", "castVote (first vote, reaches quorum)");
        vm.prank(alice);
        governor.castVote(id, 1);
        vm.snapshotGasLastCall("Governance", "castVote (later vote)");
        vm.prank(bob);
        governor.castVote(id, 0);
        (uint256 against, uint256 forVotes, ) = governor.proposalVotes(id);
        assertEq(forVotes, 60_000_000 * OPEN);
        assertEq(against, 30_000_000 * OPEN);

        vm.warp(governor.proposalDeadline(id) + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Succeeded));
        governor.queue(id);
        vm.snapshotGasLastCall("Governance", "queue(id) (1 call)");
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Queued));
        assertEq(governor.proposalEta(id), block.timestamp + MIN_DELAY);

        vm.warp(governor.proposalEta(id));
        vm.prank(stranger); // anyone executes
        governor.execute(id);
        vm.snapshotGasLastCall("Governance", "execute(id) (1 call)");
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Executed));
        assertEq(vault.vetoWindow(), 5 days, "the parameter changed");
    }

    function test_propose_belowThreshold_reverts() public {
        Proposal memory p = setVetoWindow(5 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector,
                dave,
                500_000 * OPEN,
                THRESHOLD
            )
        );
        vm.prank(dave);
        governor.propose(p.targets, p.values, p.calldatas, p.description);
        assertEq(governor.proposalCount(), 0, "nothing proposed");
    }

    function test_propose_votesDelegatedThisSecond_doNotCount_reverts() public {
        // Votes are read one second in the past: a flash loan cannot reach the threshold.
        vm.prank(BRIDGE);
        open.mint(stranger, THRESHOLD);
        vm.prank(stranger);
        open.delegate(stranger);
        Proposal memory p = setVetoWindow(5 days);
        vm.expectRevert(
            abi.encodeWithSelector(IGovernor.GovernorInsufficientProposerVotes.selector, stranger, 0, THRESHOLD)
        );
        vm.prank(stranger);
        governor.propose(p.targets, p.values, p.calldatas, p.description);
        vm.warp(block.timestamp + 1);
        vm.prank(stranger);
        governor.propose(p.targets, p.values, p.calldatas, p.description);
        assertEq(governor.proposalCount(), 1);
    }

    function test_castVote_twice_reverts() public {
        uint256 id = propose(alice, setVetoWindow(5 days));
        vm.warp(governor.proposalSnapshot(id) + 1);
        vm.prank(carol);
        governor.castVote(id, 1);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, carol));
        vm.prank(carol);
        governor.castVote(id, 0);
        (uint256 against, uint256 forVotes, ) = governor.proposalVotes(id);
        assertEq(forVotes, 20_000_000 * OPEN, "first vote stands");
        assertEq(against, 0, "second vote not counted");
    }

    function test_castVote_beforeStartOrAfterEnd_reverts() public {
        uint256 id = propose(alice, setVetoWindow(5 days));
        bytes32 active = stateBit(IGovernor.ProposalState.Active);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id,
                IGovernor.ProposalState.Pending,
                active
            )
        );
        vm.prank(carol);
        governor.castVote(id, 1);

        vm.warp(governor.proposalSnapshot(id) + 1);
        vm.prank(alice);
        governor.castVote(id, 1);
        vm.warp(governor.proposalDeadline(id) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id,
                IGovernor.ProposalState.Succeeded,
                active
            )
        );
        vm.prank(bob);
        governor.castVote(id, 0);
        (uint256 against, , ) = governor.proposalVotes(id);
        assertEq(against, 0, "late vote not counted");
    }

    function test_queue_notSucceeded_reverts() public {
        bytes32 succeeded = stateBit(IGovernor.ProposalState.Succeeded);
        // Active
        uint256 id = propose(alice, setVetoWindow(5 days));
        vm.warp(governor.proposalSnapshot(id) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id,
                IGovernor.ProposalState.Active,
                succeeded
            )
        );
        governor.queue(id);
        // Defeated: more against than for
        vm.prank(alice);
        governor.castVote(id, 0);
        vm.prank(carol);
        governor.castVote(id, 1);
        vm.warp(governor.proposalDeadline(id) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id,
                IGovernor.ProposalState.Defeated,
                succeeded
            )
        );
        governor.queue(id);
        // Defeated: for only, but below quorum (dave's 500k < 4% of the supply)
        uint256 id2 = propose(bob, one(address(vault), abi.encodeCall(vault.setVetoWindow, (2 days)), "tiny"));
        vm.warp(governor.proposalSnapshot(id2) + 1);
        vm.prank(dave);
        governor.castVote(id2, 1);
        vm.warp(governor.proposalDeadline(id2) + 1);
        assertEq(uint256(governor.state(id2)), uint256(IGovernor.ProposalState.Defeated), "no quorum");
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id2,
                IGovernor.ProposalState.Defeated,
                succeeded
            )
        );
        governor.queue(id2);
        assertEq(timelock.getTimestamp(operationId(setVetoWindow(5 days))), 0, "nothing scheduled");
    }

    function test_execute_beforeDelay_reverts() public {
        Proposal memory p = setVetoWindow(5 days);
        uint256 id = propose(alice, p);
        passAndQueue(id);
        uint256 eta = governor.proposalEta(id);
        vm.warp(eta - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                operationId(p),
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        governor.execute(id);
        assertEq(vault.vetoWindow(), VETO_WINDOW, "unchanged");
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Queued));
        vm.warp(eta);
        governor.execute(id);
        assertEq(vault.vetoWindow(), 5 days);
    }

    function test_lateQuorum_extendsTheVote_succeeds() public {
        uint256 id = propose(alice, setVetoWindow(5 days));
        uint256 deadline = governor.proposalDeadline(id);
        vm.warp(deadline - 1 hours);
        vm.expectEmit(address(governor));
        emit GovernorPreventLateQuorum.ProposalExtended(id, uint64(block.timestamp + LATE_QUORUM));
        vm.prank(alice);
        governor.castVote(id, 1); // reaches quorum an hour before the end
        assertEq(governor.proposalDeadline(id), block.timestamp + LATE_QUORUM, "extended");
        vm.warp(deadline + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Active), "others can still react");
        vm.prank(bob);
        governor.castVote(id, 0);
        vm.prank(carol);
        governor.castVote(id, 0);
        vm.warp(governor.proposalDeadline(id) + 1);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Defeated), "and defeat it");
    }

    // ------------------------------------------------------------------------------------
    // The guardian
    // ------------------------------------------------------------------------------------

    function test_guardian_cancelsQueuedProposal_throughGovernor_succeeds() public {
        Proposal memory p = setVetoWindow(5 days);
        uint256 id = propose(alice, p);
        passAndQueue(id);
        assertTrue(timelock.isOperationPending(operationId(p)));
        vm.expectEmit(address(governor));
        emit IGovernor.ProposalCanceled(id);
        vm.prank(guardian);
        governor.cancel(id);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Canceled));
        assertFalse(timelock.isOperation(operationId(p)), "removed from the timelock");

        vm.warp(governor.proposalEta(id) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id,
                IGovernor.ProposalState.Canceled,
                stateBit(IGovernor.ProposalState.Queued)
            )
        );
        governor.execute(id);
        assertEq(vault.vetoWindow(), VETO_WINDOW, "never executed");
    }

    function test_guardian_cancelsQueuedProposal_inTimelock_succeeds() public {
        Proposal memory p = setVetoWindow(5 days);
        uint256 id = propose(alice, p);
        passAndQueue(id);
        bytes32 op = operationId(p);
        vm.prank(guardian);
        timelock.cancel(op);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Canceled), "governor sees it");
        vm.warp(governor.proposalEta(id) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id,
                IGovernor.ProposalState.Canceled,
                stateBit(IGovernor.ProposalState.Queued)
            )
        );
        governor.execute(id);
        assertEq(vault.vetoWindow(), VETO_WINDOW, "never executed");
    }

    function test_guardian_cancelsActiveProposal_succeeds() public {
        uint256 id = propose(alice, setVetoWindow(5 days));
        vm.warp(governor.proposalSnapshot(id) + 1);
        vm.prank(alice);
        governor.castVote(id, 1);
        vm.prank(guardian);
        governor.cancel(id);
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Canceled));
    }

    function test_cancel_byOthers_reverts() public {
        Proposal memory p = setVetoWindow(5 days);
        uint256 id = propose(alice, p);
        passAndQueue(id);
        address[3] memory callers = [alice, council, stranger]; // the proposer too, once voting started
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorUnableToCancel.selector, id, callers[i]));
            vm.prank(callers[i]);
            governor.cancel(id);
        }
        bytes32 op = operationId(p);
        bytes32 canceller = timelock.CANCELLER_ROLE();
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], canceller)
            );
            vm.prank(callers[i]);
            timelock.cancel(op);
        }
        assertEq(uint256(governor.state(id)), uint256(IGovernor.ProposalState.Queued), "still queued");
    }

    /// @dev The proposal guardian is itself a governance parameter.
    function test_setProposalGuardian_throughGovernance_succeeds() public {
        govern(one(address(governor), abi.encodeCall(governor.setProposalGuardian, (council)), "new guardian"));
        assertEq(governor.proposalGuardian(), council);
    }

    // ------------------------------------------------------------------------------------
    // Acting without the timelock, per role
    // ------------------------------------------------------------------------------------

    /// @dev Every governor setter is onlyGovernance: only the timelock, during an execution.
    function test_governorSetters_withoutTimelock_reverts() public {
        address[3] memory callers = [guardian, alice, deployer];
        for (uint256 i = 0; i < callers.length; ++i) {
            bytes memory denied = abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, callers[i]);
            vm.startPrank(callers[i]);
            vm.expectRevert(denied);
            governor.setVotingDelay(1);
            vm.expectRevert(denied);
            governor.setVotingPeriod(1);
            vm.expectRevert(denied);
            governor.setProposalThreshold(0);
            vm.expectRevert(denied);
            governor.updateQuorumNumerator(1);
            vm.expectRevert(denied);
            governor.setLateQuorumVoteExtension(0);
            vm.expectRevert(denied);
            governor.setProposalGuardian(callers[i]);
            vm.expectRevert(denied);
            governor.updateTimelock(TimelockController(payable(callers[i])));
            vm.expectRevert(denied);
            governor.relay(address(open), 0, abi.encodeCall(open.transfer, (callers[i], 1)));
            vm.stopPrank();
        }
        assertEq(governor.votingDelay(), VOTING_DELAY);
        assertEq(governor.proposalGuardian(), guardian);
    }

    /// @dev Only the governor schedules; only the timelock itself changes its delay or roles.
    function test_timelock_withoutGovernor_reverts() public {
        bytes memory data = abi.encodeCall(open.transfer, (stranger, 1));
        bytes32 proposer = timelock.PROPOSER_ROLE();
        bytes32 admin = timelock.DEFAULT_ADMIN_ROLE();
        address[4] memory callers = [guardian, alice, council, deployer];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.startPrank(callers[i]);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], proposer)
            );
            timelock.schedule(address(open), 0, data, bytes32(0), bytes32(0), MIN_DELAY);
            vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, callers[i]));
            timelock.updateDelay(0);
            vm.expectRevert(
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], admin)
            );
            timelock.grantRole(proposer, callers[i]);
            vm.stopPrank();
        }
        assertEq(timelock.getMinDelay(), MIN_DELAY);
        assertEq(open.balanceOf(stranger), 0);
    }

    /// @dev The timelock's own delay changes only by a proposal (and takes the old delay).
    function test_timelockDelay_throughGovernance_succeeds() public {
        govern(one(address(timelock), abi.encodeCall(timelock.updateDelay, (3 days)), "longer delay"));
        assertEq(timelock.getMinDelay(), 3 days);
    }
}
