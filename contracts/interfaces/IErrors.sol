// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IErrors
/// @notice The errors whose meaning is the same in every protocol contract, declared once so that
///         each has one name, one signature and one selector across the protocol. Every protocol
///         interface inherits this one, so its ABI (and the TypeChain type built from it) decodes
///         them. Errors that belong to one domain are declared in that domain's interface, with
///         the values that explain the failure (docs/contracts.md, "Contract vocabulary").
/// @dev    Access control is not here: a missing role always reverts with OpenZeppelin's
///         `AccessControlUnauthorizedAccount(account, role)` (through `onlyRole`).
interface IErrors {
    /// @notice A zero address was given where an account or a contract is required (a
    ///         constructor argument, a treasury, a curator, a recipient).
    error ZeroAddress();

    /// @notice A zero amount was given where a positive one is required (it would change nothing).
    error ZeroAmount();

    /// @notice A zero Merkle root was posted (a Datanet version, a reward root).
    error ZeroRoot();

    /// @notice There is nothing accrued to sweep to the treasury.
    error NothingToSweep();

    /// @notice The contract's token `balance` is exactly the `owed` amount its internal
    ///         accounting holds for others: there is no excess to skim.
    error NothingToSkim(uint256 balance, uint256 owed);

    /// @notice `commitment` was already recorded at block `committedAtBlock` and not yet
    ///         revealed (the earliest commitment is kept).
    error CommitmentExists(bytes32 commitment, uint256 committedAtBlock);

    /// @notice No unrevealed `commitment` = keccak256(abi.encode(hash, caller, salt)): never
    ///         made, made by another account or with another salt, or already revealed.
    error UnknownCommitment(bytes32 commitment);

    /// @notice `commitment` was recorded at block `committedAtBlock`; the reveal needs a later
    ///         block (it is now `blockNumber`), so nobody can commit and reveal in one block.
    error CommitmentTooRecent(bytes32 commitment, uint256 committedAtBlock, uint256 blockNumber);
}
