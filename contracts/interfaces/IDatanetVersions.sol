// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IDatanetVersions
/// @notice The part of the DatanetRegistry that other contracts (the ModelRegistry) depend on:
///         whether a numbered Datanet version has been published, and its root.
interface IDatanetVersions {
    /// @notice True when `version` of `datanetId` has been published (versions are immutable).
    function isPublishedVersion(uint256 datanetId, uint256 version) external view returns (bool);

    /// @notice The Merkle root of the accepted contributions in a published version
    ///         (zero when not published).
    function versionRoot(uint256 datanetId, uint256 version) external view returns (bytes32);
}
