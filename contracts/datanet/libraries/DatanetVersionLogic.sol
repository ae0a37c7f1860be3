// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IDatanetRegistry} from "../../interfaces/IDatanetRegistry.sol";
import {IErrors} from "../../interfaces/IErrors.sol";

/// @title DatanetVersionLogic
/// @notice The DatanetRegistry's versions: publication by the Datanet owner, on-chain disputes of
///         false inclusions, revocation by the guardian, and the membership rule. An external
///         library: deployed once, linked into the registry and run by DELEGATECALL on the
///         registry's storage, so its reverts and events are the registry's own
///         (docs/datanets.md, "Code layout" and "Versions: design and why"). The registry checks
///         the caller (Datanet owner, GUARDIAN_ROLE) and pausing before it delegates.
/// @dev    Only for the registry: its functions take the registry's storage. `inVersion` is
///         internal, so the registry's `isInVersion` runs it inline.
library DatanetVersionLogic {
    /// @notice `IDatanetRegistry.publishVersion` for Datanet `d` (`versions` is its version
    ///         map), after the owner check.
    function publish(
        IDatanetRegistry.Datanet storage d,
        mapping(uint256 versionId => IDatanetRegistry.Version) storage versions,
        uint256 datanetId,
        bytes32 root,
        uint256 count,
        string calldata uri
    ) external returns (uint256 versionId) {
        require(root != bytes32(0), IErrors.ZeroRoot());
        uint256 live = d.liveAcceptedCount;
        require(live != 0, IDatanetRegistry.EmptyVersion(datanetId));
        require(count == live, IDatanetRegistry.VersionCountMismatch(datanetId, count, live));
        versionId = uint256(d.versionCount) + 1;
        d.versionCount = uint32(versionId);
        versions[versionId] = IDatanetRegistry.Version({
            root: root,
            count: uint64(count),
            publishedAt: uint40(block.timestamp),
            disputed: false
        });
        emit IDatanetRegistry.VersionPublished(datanetId, versionId, root, count, uri);
    }

    /// @notice `IDatanetRegistry.disputeVersion`: `versions` is the Datanet's version map and
    ///         `c` the contribution `contributionId` (possibly of another Datanet, or none).
    function dispute(
        mapping(uint256 versionId => IDatanetRegistry.Version) storage versions,
        IDatanetRegistry.Contribution storage c,
        uint256 datanetId,
        uint256 versionId,
        uint256 contributionId,
        bytes32 contentHash,
        bytes32[] calldata proof
    ) external {
        IDatanetRegistry.Version storage v = _liveVersion(versions, datanetId, versionId);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(contributionId, contentHash))));
        require(
            MerkleProof.verifyCalldata(proof, v.root, leaf),
            IDatanetRegistry.InvalidVersionProof(datanetId, versionId, contributionId)
        );
        bool member = c.datanetId == datanetId && c.contentHash == contentHash && inVersion(c, versionId);
        require(!member, IDatanetRegistry.NotAFalseInclusion(datanetId, versionId, contributionId));
        _markDisputed(v, datanetId, versionId, contributionId);
    }

    /// @notice `IDatanetRegistry.revokeVersion`, after the role check.
    function revoke(
        mapping(uint256 versionId => IDatanetRegistry.Version) storage versions,
        uint256 datanetId,
        uint256 versionId
    ) external {
        _markDisputed(_liveVersion(versions, datanetId, versionId), datanetId, versionId, 0);
    }

    /// @notice Whether the contribution `c` belongs to version `versionId` of its Datanet, by its
    ///         recorded range: accepted before `versionId` was published and not revoked before.
    ///         The caller checks that `versionId` has been published.
    function inVersion(IDatanetRegistry.Contribution storage c, uint256 versionId) internal view returns (bool) {
        uint256 first = c.firstVersion;
        uint256 revokedFrom = c.revokedFromVersion;
        return first != 0 && first <= versionId && (revokedFrom == 0 || versionId < revokedFrom);
    }

    /// @dev A published, undisputed version.
    function _liveVersion(
        mapping(uint256 versionId => IDatanetRegistry.Version) storage versions,
        uint256 datanetId,
        uint256 versionId
    ) private view returns (IDatanetRegistry.Version storage v) {
        v = versions[versionId];
        require(v.root != bytes32(0) && !v.disputed, IDatanetRegistry.UnknownVersion(datanetId, versionId));
    }

    function _markDisputed(
        IDatanetRegistry.Version storage v,
        uint256 datanetId,
        uint256 versionId,
        uint256 contributionId
    ) private {
        v.disputed = true;
        emit IDatanetRegistry.VersionDisputed(datanetId, versionId, contributionId, msg.sender);
    }
}
