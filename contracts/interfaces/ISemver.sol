// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ISemver
/// @notice Every protocol contract reports the semantic version of its code, as the OP Stack
///         contracts do, so that a deployment can be checked against a release.
interface ISemver {
    /// @notice The semantic version of this contract's code, e.g. "1.0.0".
    function version() external view returns (string memory);
}
