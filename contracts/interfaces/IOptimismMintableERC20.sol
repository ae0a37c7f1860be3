// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title IOptimismMintableERC20
/// @notice The interface the OP Stack standard bridge (and the Optimism SDK) expects of an L2
///         token that represents an L1 token. Its ERC-165 id is the XOR of exactly these four
///         selectors (0xec4fc8e3); inherited functions do not count towards it.
interface IOptimismMintableERC20 is IERC165 {
    /// @notice The address of the token on the remote chain (L1) that this token represents.
    function remoteToken() external view returns (address);

    /// @notice The only address allowed to mint and burn: the L2 standard bridge.
    function bridge() external returns (address);

    /// @notice Mints `amount` to `to`. Only the bridge, when a deposit is finalized on L2.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from` without an allowance. Only the bridge, when a
    ///         withdrawal is initiated on L2.
    function burn(address from, uint256 amount) external;
}
