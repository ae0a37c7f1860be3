// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {ISemver} from "../interfaces/ISemver.sol";

/// @title OpenTimelock
/// @notice The protocol's timelock: OpenZeppelin's TimelockController, unchanged, plus ISemver.
///         It holds every protocol admin role and the treasury. Deployed (deploy/governance.ts)
///         with the OpenGovernor as its only proposer, anyone as executor (`address(0)`), the
///         governor and the guardian as cancellers, and no admin but itself once the deployer
///         has renounced the temporary admin role it uses to wire the governor in.
/// @dev    A separate contract only so that the project builds an artifact for it and reports
///         a version like every other protocol contract.
contract OpenTimelock is TimelockController, ISemver {
    /// @param minDelay  Seconds between queueing and executing an operation.
    /// @param proposers Granted PROPOSER_ROLE and CANCELLER_ROLE.
    /// @param executors Granted EXECUTOR_ROLE (`address(0)`: anyone).
    /// @param admin     Optional temporary admin (zero for none); must renounce after wiring.
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}

    /// @inheritdoc ISemver
    function version() external pure returns (string memory) {
        return "1.0.0";
    }
}
