// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IDatanetRegistry} from "../../interfaces/IDatanetRegistry.sol";
import {IErrors} from "../../interfaces/IErrors.sol";
import {DatanetLedger} from "./DatanetLedger.sol";

/// @title DatanetCuratorLogic
/// @notice The DatanetRegistry's curator book: appointments by the Datanet owner, bonds,
///         unbonding and slashing of bonds. An external library: deployed once, linked into the
///         registry and run by DELEGATECALL on the registry's storage, so its reverts, events and
///         token transfers are the registry's own (docs/datanets.md, "Code layout"). The
///         registry checks the caller (Datanet owner, PENALTY_ROLE), pausing and re-entry before
///         it delegates; whether a curator may vote (`canVote`) stays in the registry, on the
///         voting path.
/// @dev    Only for the registry: its functions take the registry's storage. Each function keeps
///         checks-effects-interactions: checks, storage writes, event, then the token transfer.
library DatanetCuratorLogic {
    using SafeERC20 for IERC20;

    /// @notice `IDatanetRegistry.appointCurator`, after the owner check.
    function appoint(
        IDatanetRegistry.Datanet storage d,
        IDatanetRegistry.Curator storage c,
        uint256 datanetId,
        address curator
    ) external {
        require(curator != address(0), IErrors.ZeroAddress());
        require(!c.appointed, IDatanetRegistry.AlreadyCurator(datanetId, curator));
        c.appointed = true;
        // A Datanet cannot have 2^32 curators: each appointment is a transaction.
        unchecked {
            ++d.curatorCount;
        }
        emit IDatanetRegistry.CuratorAppointed(datanetId, curator);
    }

    /// @notice `IDatanetRegistry.removeCurator`, after the owner check.
    function remove(
        IDatanetRegistry.Datanet storage d,
        IDatanetRegistry.Curator storage c,
        uint256 datanetId,
        address curator
    ) external {
        require(c.appointed, IDatanetRegistry.NotCurator(datanetId, curator));
        c.appointed = false;
        // appointed implies curatorCount >= 1.
        unchecked {
            --d.curatorCount;
        }
        emit IDatanetRegistry.CuratorRemoved(datanetId, curator);
    }

    /// @notice `IDatanetRegistry.depositCuratorBond` for the caller's bond `c`, after the Datanet
    ///         check: pulls `amount` of `token` from the caller.
    function deposit(
        IDatanetRegistry.Curator storage c,
        DatanetLedger storage ledger,
        IERC20 token,
        uint256 datanetId,
        uint256 amount
    ) external {
        require(amount != 0, IErrors.ZeroAmount());
        require(c.unbondingAt == 0, IDatanetRegistry.CuratorUnbonding(datanetId, msg.sender, c.unbondingAt));
        uint256 bond = c.bond + amount;
        require(bond <= type(uint128).max, IDatanetRegistry.StakeTooLarge(bond, type(uint128).max));
        c.bond = uint128(bond);
        ledger.totalCuratorBonds += amount;
        emit IDatanetRegistry.CuratorBondDeposited(datanetId, msg.sender, amount, bond);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice `IDatanetRegistry.startCuratorUnbonding` for the caller's bond `c`.
    function startUnbonding(
        IDatanetRegistry.Curator storage c,
        IDatanetRegistry.Bounds storage bounds,
        uint256 datanetId
    ) external {
        require(c.bond != 0, IDatanetRegistry.CuratorBondTooLow(datanetId, msg.sender, 0, 1));
        require(c.unbondingAt == 0, IDatanetRegistry.CuratorUnbonding(datanetId, msg.sender, c.unbondingAt));
        uint256 unbondingAt = block.timestamp + bounds.curatorUnbondingDelay;
        c.unbondingAt = uint40(unbondingAt);
        emit IDatanetRegistry.CuratorUnbondingStarted(datanetId, msg.sender, unbondingAt);
    }

    /// @notice `IDatanetRegistry.withdrawCuratorBond` for the caller's bond `c`: sends it all
    ///         back in `token`.
    function withdraw(
        IDatanetRegistry.Curator storage c,
        DatanetLedger storage ledger,
        IERC20 token,
        uint256 datanetId
    ) external {
        uint256 unbondingAt = c.unbondingAt;
        require(unbondingAt != 0, IDatanetRegistry.CuratorNotUnbonding(datanetId, msg.sender));
        require(
            block.timestamp >= unbondingAt,
            IDatanetRegistry.CuratorBondLocked(datanetId, msg.sender, unbondingAt, block.timestamp)
        );
        uint256 amount = c.bond;
        c.bond = 0;
        c.unbondingAt = 0;
        ledger.totalCuratorBonds -= amount;
        emit IDatanetRegistry.CuratorBondWithdrawn(datanetId, msg.sender, amount);
        if (amount != 0) token.safeTransfer(msg.sender, amount);
    }

    /// @notice `IDatanetRegistry.slashCuratorBond`, after the role check: moves `amount` of the
    ///         bond `c` of `curator` into the treasury's pool.
    function slash(
        IDatanetRegistry.Curator storage c,
        DatanetLedger storage ledger,
        uint256 datanetId,
        address curator,
        uint256 amount,
        bytes32 reason
    ) external {
        uint256 bond = c.bond;
        require(amount != 0, IErrors.ZeroAmount());
        require(amount <= bond, IDatanetRegistry.SlashExceedsBond(datanetId, curator, amount, bond));
        // amount <= bond, checked above.
        unchecked {
            c.bond = uint128(bond - amount);
        }
        ledger.totalCuratorBonds -= amount;
        ledger.slashedUnswept += amount;
        emit IDatanetRegistry.CuratorBondSlashed(datanetId, curator, amount, reason);
    }
}
