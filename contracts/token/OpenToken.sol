// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

import {ISemver} from "../interfaces/ISemver.sol";

/// @title OpenToken
/// @notice OPEN on L1. The whole supply, 1,000,000,000 OPEN, is minted once in the constructor;
///         there is no owner and no way to mint again. Holders can burn and permit.
/// @dev    Guarantees integrators may rely on: a fixed supply of exactly 1,000,000,000 OPEN (18
///         decimals) minted once to one recipient; no owner, no mint, no pause, no upgrade, no
///         fee on transfer, no transfer callbacks. Supply never increases; holders' burns lower it.
contract OpenToken is ERC20, ERC20Burnable, ERC20Permit, ISemver {
    /// @notice 1,000,000,000 OPEN with 18 decimals.
    uint256 public constant INITIAL_SUPPLY = 1_000_000_000 ether;

    /// @param recipient Receives the whole supply (a treasury or distribution contract).
    ///        The zero address reverts with ERC20InvalidReceiver(address(0)).
    constructor(address recipient) ERC20("OpenLedger", "OPEN") ERC20Permit("OpenLedger") {
        _mint(recipient, INITIAL_SUPPLY);
    }

    /// @inheritdoc ISemver
    function version() external pure returns (string memory) {
        return "1.0.0";
    }
}
