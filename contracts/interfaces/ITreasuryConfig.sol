// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title ITreasuryConfig
/// @notice A contract that accrues OPEN for the treasury (the DatanetRegistry's slashes, the
///         FeeRouter's platform fees) and lets anyone sweep it there; governance sets where the
///         treasury is. Declared once so that the event and the two functions mean the same in
///         every contract that has them.
interface ITreasuryConfig {
    /// @notice Governance set the treasury (`previousTreasury` is zero at deployment).
    event TreasuryUpdated(address indexed previousTreasury, address indexed newTreasury);

    /// @notice `caller` sent to `treasury` the `amount` of OPEN the contract held beyond what it
    ///         owes (OPEN that arrived by a plain transfer, which no accounting credited),
    ///         restoring "OPEN held == OPEN owed" (`skim`).
    event ExcessSkimmed(address indexed caller, address indexed treasury, uint256 amount);

    /// @notice Sets where swept OPEN goes. DEFAULT_ADMIN_ROLE only; reverts `ZeroAddress` for
    ///         the zero address.
    function setTreasury(address treasury) external;

    /// @notice Where swept OPEN goes.
    function treasury() external view returns (address);
}
