// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ISemver
/// @notice Every protocol contract reports the semantic version of its code, as the OP Stack
///         contracts do, so that a deployment can be checked against a release.
/// @dev    Return a string literal. snapshots/contracts/semver-lock.json ties each version to a
///         hash of the code (test/contracts/semverLock.test.ts fails on a code change without a
///         bump); the bump rule (major, minor, patch) is in docs/contracts.md.
interface ISemver {
    /// @notice The semantic version of this contract's code, e.g. "1.0.0".
    function version() external view returns (string memory);
}
