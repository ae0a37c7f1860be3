// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title MorphoUniversalRewardsDistributor (benchmark reference, not shipped)
/// @notice A minimal re-writing of Morpho's `UniversalRewardsDistributor`
///         (morpho-org/universal-rewards-distributor) with its original storage and hashing:
///         `root`, `ipfsHash`, `timelock`, `owner`, `isUpdater`, a `pendingRoot` struct and a
///         nested `claimed[account][reward]` mapping; leaves
///         `keccak256(bytes.concat(keccak256(abi.encode(account, reward, claimable))))` checked
///         with OpenZeppelin `MerkleProof.verifyCalldata`; roots submitted by an updater and
///         accepted by anyone after the timelock. String errors as in the original's ErrorsLib.
/// @dev    Only the benchmark deploys it. The original uses solmate's SafeTransferLib; this
///         uses OpenZeppelin's SafeERC20 (the same checks), as solmate is not installed here.
contract MorphoUniversalRewardsDistributor {
    using SafeERC20 for IERC20;

    struct PendingRoot {
        bytes32 root;
        bytes32 ipfsHash;
        uint256 validAt;
    }

    bytes32 public root;
    bytes32 public ipfsHash;
    uint256 public timelock;
    address public owner;
    mapping(address account => bool allowed) public isUpdater;
    PendingRoot public pendingRoot;
    mapping(address account => mapping(address reward => uint256 amount)) public claimed;

    event PendingRootSet(address indexed caller, bytes32 indexed newRoot, bytes32 indexed newIpfsHash);
    event RootSet(bytes32 indexed newRoot, bytes32 indexed newIpfsHash);
    event Claimed(address indexed account, address indexed reward, uint256 amount);

    modifier onlyUpdaterRole() {
        // solhint-disable-next-line gas-custom-errors
        require(isUpdater[msg.sender] || msg.sender == owner, "caller has not the updater role");
        _;
    }

    constructor(address initialOwner, uint256 initialTimelock, bytes32 initialRoot, bytes32 initialIpfsHash) {
        owner = initialOwner;
        timelock = initialTimelock;
        root = initialRoot;
        ipfsHash = initialIpfsHash;
    }

    function submitRoot(bytes32 newRoot, bytes32 newIpfsHash) external onlyUpdaterRole {
        // solhint-disable-next-line gas-custom-errors
        require(newRoot != pendingRoot.root || newIpfsHash != pendingRoot.ipfsHash, "already pending");
        pendingRoot = PendingRoot({root: newRoot, ipfsHash: newIpfsHash, validAt: block.timestamp + timelock});
        emit PendingRootSet(msg.sender, newRoot, newIpfsHash);
    }

    function acceptRoot() external {
        // solhint-disable-next-line gas-custom-errors
        require(pendingRoot.validAt != 0, "no pending root");
        // solhint-disable-next-line gas-custom-errors
        require(block.timestamp >= pendingRoot.validAt, "timelock is not expired");
        root = pendingRoot.root;
        ipfsHash = pendingRoot.ipfsHash;
        delete pendingRoot;
        emit RootSet(root, ipfsHash);
    }

    function claim(
        address account,
        address reward,
        uint256 claimable,
        bytes32[] calldata proof
    ) external returns (uint256 amount) {
        // solhint-disable-next-line gas-custom-errors
        require(root != bytes32(0), "root is not set");
        // solhint-disable-next-line gas-custom-errors
        require(
            MerkleProof.verifyCalldata(
                proof,
                root,
                keccak256(bytes.concat(keccak256(abi.encode(account, reward, claimable))))
            ),
            "invalid proof or expired"
        );
        // solhint-disable-next-line gas-custom-errors
        require(claimable > claimed[account][reward], "claimable too low");
        amount = claimable - claimed[account][reward];
        claimed[account][reward] = claimable;
        IERC20(reward).safeTransfer(account, amount);
        emit Claimed(account, reward, amount);
    }
}
