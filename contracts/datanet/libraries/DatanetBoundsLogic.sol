// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IDatanetRegistry} from "../../interfaces/IDatanetRegistry.sol";

/// @title DatanetBoundsLogic
/// @notice The DatanetRegistry's governance bounds: checking new bounds, and checking a
///         Datanet's parameters against the bounds in force. An external library: deployed once, linked into the
///         registry and run by DELEGATECALL on the registry's storage, so its reverts and events
///         are the registry's own (docs/datanets.md, "Code layout").
/// @dev    Only for the registry: its functions take the registry's storage.
library DatanetBoundsLogic {
    /// @notice Basis points in a whole.
    uint256 internal constant _BPS = 10_000;

    /// @notice Reverts with `BoundsInvalid` unless `b` is a consistent set of bounds
    ///         (`IDatanetRegistry.setBounds`; the registry then stores them).
    function checkBounds(IDatanetRegistry.Bounds memory b) external pure {
        require(
            b.minStakeFloor <= b.minStakeCeiling,
            IDatanetRegistry.BoundsInvalid(IDatanetRegistry.BoundField.MinStake, b.minStakeFloor, b.minStakeCeiling)
        );
        require(
            b.maxDailyByteCap != 0,
            IDatanetRegistry.BoundsInvalid(IDatanetRegistry.BoundField.DailyByteCap, 1, b.maxDailyByteCap)
        );
        require(
            b.minBondPeriod <= b.maxBondPeriod,
            IDatanetRegistry.BoundsInvalid(IDatanetRegistry.BoundField.BondPeriod, b.minBondPeriod, b.maxBondPeriod)
        );
        require(
            b.minSlashBps <= b.maxSlashBps && b.maxSlashBps <= _BPS,
            IDatanetRegistry.BoundsInvalid(IDatanetRegistry.BoundField.SlashBps, b.minSlashBps, b.maxSlashBps)
        );
        require(
            b.minQuorum != 0 && b.minQuorum <= b.maxQuorum,
            IDatanetRegistry.BoundsInvalid(IDatanetRegistry.BoundField.Quorum, b.minQuorum, b.maxQuorum)
        );
        require(
            b.minReviewPeriod != 0 && b.minReviewPeriod <= b.maxReviewPeriod,
            IDatanetRegistry.BoundsInvalid(
                IDatanetRegistry.BoundField.ReviewPeriod,
                b.minReviewPeriod,
                b.maxReviewPeriod
            )
        );
    }

    /// @notice Reverts unless every parameter of `p` lies within `b` (`createDatanet`, `setParams`).
    function checkParams(IDatanetRegistry.Bounds storage b, IDatanetRegistry.Params calldata p) external view {
        require(
            p.minStake >= b.minStakeFloor && p.minStake <= b.minStakeCeiling,
            IDatanetRegistry.MinStakeOutOfBounds(p.minStake, b.minStakeFloor, b.minStakeCeiling)
        );
        require(
            p.dailyByteCap != 0 && p.dailyByteCap <= b.maxDailyByteCap,
            IDatanetRegistry.DailyByteCapOutOfBounds(p.dailyByteCap, b.maxDailyByteCap)
        );
        require(
            p.bondPeriod >= b.minBondPeriod && p.bondPeriod <= b.maxBondPeriod,
            IDatanetRegistry.BondPeriodOutOfBounds(p.bondPeriod, b.minBondPeriod, b.maxBondPeriod)
        );
        require(
            p.slashBps >= b.minSlashBps && p.slashBps <= b.maxSlashBps,
            IDatanetRegistry.SlashShareOutOfBounds(p.slashBps, b.minSlashBps, b.maxSlashBps)
        );
        require(
            p.quorum >= b.minQuorum && p.quorum <= b.maxQuorum,
            IDatanetRegistry.QuorumOutOfBounds(p.quorum, b.minQuorum, b.maxQuorum)
        );
        require(
            p.reviewPeriod >= b.minReviewPeriod && p.reviewPeriod <= b.maxReviewPeriod,
            IDatanetRegistry.ReviewPeriodOutOfBounds(p.reviewPeriod, b.minReviewPeriod, b.maxReviewPeriod)
        );
    }
}
