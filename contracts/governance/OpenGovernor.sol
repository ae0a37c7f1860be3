// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorPreventLateQuorum} from "@openzeppelin/contracts/governance/extensions/GovernorPreventLateQuorum.sol";
import {GovernorProposalGuardian} from "@openzeppelin/contracts/governance/extensions/GovernorProposalGuardian.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorStorage} from "@openzeppelin/contracts/governance/extensions/GovernorStorage.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

import {ISemver} from "../interfaces/ISemver.sol";

/// @title OpenGovernor
/// @notice Token governance of the protocol over the L2 OPEN votes (ERC20Votes on a timestamp
///         clock, so every period below is in seconds). OpenZeppelin 5 Governor with:
///         - GovernorSettings: voting delay, voting period and proposal threshold, changeable
///           by governance;
///         - GovernorCountingSimple: against / for / abstain; quorum counts for + abstain;
///         - GovernorVotes + GovernorVotesQuorumFraction: quorum is a fraction of the L2 OPEN
///           supply at the proposal's snapshot;
///         - GovernorTimelockControl: every successful proposal is queued in and executed by
///           the OpenTimelock, which holds the roles and the treasury;
///         - GovernorPreventLateQuorum: a vote that reaches quorum late extends the deadline;
///         - GovernorStorage: proposals are enumerable on-chain, and `queue(id)` /
///           `execute(id)` / `cancel(id)` take only the id (on an L2 the calldata of a
///           transaction, not its execution, dominates its cost);
///         - GovernorProposalGuardian: the guardian may cancel any proposal at any stage
///           before execution (while pending, active, succeeded or queued).
/// @dev    `version()` is both the ISemver version and the EIP-712 domain version of the
///         governor's vote signatures (clients read it through ERC-5267 `eip712Domain()`).
contract OpenGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorStorage,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    GovernorPreventLateQuorum,
    GovernorProposalGuardian,
    ISemver
{
    /// @notice Initial parameters; all but the token and the timelock can be changed later by
    ///         governance. Times are in seconds (the token's clock is a timestamp).
    /// @param votingDelay          From proposal to the vote's start (and the vote snapshot).
    /// @param votingPeriod         Length of the vote.
    /// @param proposalThreshold    Votes (OPEN, 18 decimals) a proposer needs.
    /// @param quorumNumerator      Quorum in percent of the L2 supply at the snapshot.
    /// @param lateQuorumExtension  Minimum voting time left after quorum is reached
    ///                             (at most the voting period).
    /// @param guardian             May cancel any proposal before execution (zero for none).
    struct Params {
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumNumerator;
        uint48 lateQuorumExtension;
        address guardian;
    }

    /// @param token    The L2 OPEN (IVotes, ERC-6372 timestamp clock).
    /// @param timelock The OpenTimelock that executes proposals.
    /// @param p        Initial parameters.
    constructor(
        IVotes token,
        TimelockController timelock,
        Params memory p
    )
        Governor("OpenLedger Governor")
        GovernorSettings(p.votingDelay, p.votingPeriod, p.proposalThreshold)
        GovernorVotes(token)
        GovernorVotesQuorumFraction(p.quorumNumerator)
        GovernorTimelockControl(timelock)
        GovernorPreventLateQuorum(p.lateQuorumExtension)
    {
        if (p.guardian != address(0)) _setProposalGuardian(p.guardian);
    }

    /// @notice The semantic version of this contract ("1.0.0"), also the EIP-712 domain version.
    function version() public pure override(Governor, ISemver) returns (string memory) {
        return "1.0.0";
    }

    // ------------------------------------------------------------------------------------
    // Overrides required by the combination of extensions (each defers to all its bases)
    // ------------------------------------------------------------------------------------

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function proposalDeadline(
        uint256 proposalId
    ) public view override(Governor, GovernorPreventLateQuorum) returns (uint256) {
        return super.proposalDeadline(proposalId);
    }

    function _tallyUpdated(uint256 proposalId) internal override(Governor, GovernorPreventLateQuorum) {
        super._tallyUpdated(proposalId);
    }

    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override(Governor, GovernorStorage) returns (uint256) {
        return super._propose(targets, values, calldatas, description, proposer);
    }

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }

    function _validateCancel(
        uint256 proposalId,
        address caller
    ) internal view override(Governor, GovernorProposalGuardian) returns (bool) {
        return super._validateCancel(proposalId, caller);
    }
}
