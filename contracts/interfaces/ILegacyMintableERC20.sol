// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title ILegacyMintableERC20
/// @notice The pre-Bedrock interface of a bridged L2 token, still checked by the standard
///         bridge and the Optimism SDK through ERC-165 (id 0x1d1d8b63 = l1Token ^ mint ^ burn;
///         the legacy `l2Bridge()` getter is not part of the id).
interface ILegacyMintableERC20 is IERC165 {
    /// @notice The L1 token this token represents.
    function l1Token() external view returns (address);

    /// @notice Mints `amount` to `to`. Only the bridge.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from`. Only the bridge.
    function burn(address from, uint256 amount) external;
}
