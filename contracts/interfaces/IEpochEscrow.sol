// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IEpochEscrow
/// @notice The part of the RewardDistributor that the FeeRouter (and anyone who adds rewards)
///         depends on: the epoch clock and escrow funding.
/// @dev    Epochs have a fixed length from a genesis timestamp set at deployment: epoch `e`
///         covers [genesis + e * length, genesis + (e + 1) * length). Neither value can change,
///         so no epoch boundary can ever move retroactively.
interface IEpochEscrow {
    /// @notice Emitted when OPEN is escrowed for an epoch's rewards.
    event EpochFunded(uint256 indexed epoch, address indexed funder, uint256 amount);

    /// @notice Timestamp at which epoch 0 starts.
    function genesis() external view returns (uint256);

    /// @notice Length of every epoch in seconds.
    function epochLength() external view returns (uint256);

    /// @notice The epoch containing the current block timestamp.
    function currentEpoch() external view returns (uint256);

    /// @notice Pulls `amount` OPEN from the caller (transferFrom: approve first) and escrows it
    ///         for `epoch`'s rewards. Funding a past, already settled epoch is refused.
    function fund(uint256 epoch, uint256 amount) external;

    /// @notice Total OPEN ever escrowed for `epoch`.
    function epochEscrow(uint256 epoch) external view returns (uint256);
}
