// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice The DatanetRegistry's OPEN accounting, in one storage struct so that the registry and
///         the logic libraries it delegates to (`DatanetCuratorLogic`) update the same slots.
/// @dev    `totalStaked + totalCuratorBonds + slashedUnswept` is exactly the OPEN the registry
///         received and has not paid out (INV_SOLVENCY in test/datanet/DatanetRegistry.invariant.t.sol).
///         Three consecutive slots, laid out as the three state variables they replace.
/// @param totalStaked       OPEN held for live stakes (see `IDatanetRegistry.totalStaked`).
/// @param totalCuratorBonds OPEN held as curator bonds.
/// @param slashedUnswept    Slashed OPEN not yet swept to the treasury.
struct DatanetLedger {
    uint256 totalStaked;
    uint256 totalCuratorBonds;
    uint256 slashedUnswept;
}
