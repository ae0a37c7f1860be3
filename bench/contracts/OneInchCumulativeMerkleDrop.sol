// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title OneInchCumulativeMerkleDrop (benchmark reference, not shipped)
/// @notice A minimal re-writing of 1inch's `CumulativeMerkleDrop` (1inch/merkle-distribution)
///         with its original storage and hashing: an owner-set root in one slot, a
///         `cumulativeClaimed` mapping, single-keccak packed leaves
///         `keccak256(abi.encodePacked(account, cumulativeAmount))`, sorted-pair hashing in an
///         assembly loop, and the caller's expected root checked on every claim.
/// @dev    Only the benchmark deploys it, to measure the reference side by side with ours.
contract OneInchCumulativeMerkleDrop is Ownable {
    using SafeERC20 for IERC20;

    address public immutable TOKEN;
    bytes32 public merkleRoot;
    mapping(address account => uint256 amount) public cumulativeClaimed;

    event MerkelRootUpdated(bytes32 oldMerkleRoot, bytes32 newMerkleRoot);
    event Claimed(address indexed account, uint256 amount);

    error InvalidProof();
    error NothingToClaim();
    error MerkleRootWasUpdated();

    constructor(address token_, address owner_) Ownable(owner_) {
        TOKEN = token_;
    }

    function setMerkleRoot(bytes32 merkleRoot_) external onlyOwner {
        emit MerkelRootUpdated(merkleRoot, merkleRoot_);
        merkleRoot = merkleRoot_;
    }

    function claim(
        address account,
        uint256 cumulativeAmount,
        bytes32 expectedMerkleRoot,
        bytes32[] calldata merkleProof
    ) external {
        if (merkleRoot != expectedMerkleRoot) revert MerkleRootWasUpdated();

        // Verify the merkle proof
        bytes32 leaf = keccak256(abi.encodePacked(account, cumulativeAmount));
        if (!_verifyAsm(merkleProof, expectedMerkleRoot, leaf)) revert InvalidProof();

        // Mark it claimed
        uint256 preclaimed = cumulativeClaimed[account];
        if (preclaimed >= cumulativeAmount) revert NothingToClaim();
        cumulativeClaimed[account] = cumulativeAmount;

        // Send the token
        unchecked {
            uint256 amount = cumulativeAmount - preclaimed;
            IERC20(TOKEN).safeTransfer(account, amount);
            emit Claimed(account, amount);
        }
    }

    function _verifyAsm(bytes32[] calldata proof, bytes32 root, bytes32 leaf) private pure returns (bool valid) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := proof.offset
            for {
                let end := add(ptr, mul(0x20, proof.length))
            } lt(ptr, end) {
                ptr := add(ptr, 0x20)
            } {
                let node := calldataload(ptr)
                switch lt(leaf, node)
                case 1 {
                    mstore(0x00, leaf)
                    mstore(0x20, node)
                }
                default {
                    mstore(0x00, node)
                    mstore(0x20, leaf)
                }
                leaf := keccak256(0x00, 0x40)
            }
            valid := eq(root, leaf)
        }
    }
}
