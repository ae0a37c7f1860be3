// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

import {RewardDistributor} from "../../contracts/distributor/RewardDistributor.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";

/// @notice Builds trees in StandardMerkleTree's layout (heap array, leaf i at index
///         length-1-i, sorted-pair node hash) over double-hashed (address, uint256) leaves, in
///         the order given (the library also sorts the leaves by hash first; proofs verify the
///         same way in any order). The TypeScript differential test covers the library itself.
library TestTree {
    function leaf(address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
    }

    function build(bytes32[] memory leaves) internal pure returns (bytes32[] memory tree) {
        uint256 n = leaves.length;
        tree = new bytes32[](2 * n - 1);
        for (uint256 i = 0; i < n; ++i) tree[tree.length - 1 - i] = leaves[i];
        // Inner nodes are 0 .. n - 2, hashed from the bottom up.
        for (uint256 i = n - 1; i > 0; --i) {
            uint256 k = i - 1;
            tree[k] = Hashes.commutativeKeccak256(tree[2 * k + 1], tree[2 * k + 2]);
        }
    }

    function proof(bytes32[] memory tree, uint256 leafIndex) internal pure returns (bytes32[] memory p) {
        uint256 index = tree.length - 1 - leafIndex;
        uint256 depth;
        for (uint256 i = index; i > 0; i = (i - 1) / 2) ++depth;
        p = new bytes32[](depth);
        uint256 d;
        while (index > 0) {
            p[d++] = tree[index % 2 == 1 ? index + 1 : index - 1];
            index = (index - 1) / 2;
        }
    }
}

/// @notice Shared deployment: real bridged OPEN (minted by pranking the L2 bridge), the
///         distributor, and named role holders.
abstract contract DistributorBase is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;
    uint256 internal constant GENESIS = 1_700_000_000;
    uint256 internal constant EPOCH = 1 days;
    uint256 internal constant WINDOW = 6 hours;
    uint256 internal constant SETTLER_BOND = 1 ether;
    uint256 internal constant CHALLENGER_BOND = 0.5 ether;

    L2OpenToken internal open;
    RewardDistributor internal distributor;
    address internal admin = makeAddr("admin");
    address internal settler = makeAddr("settler");
    address internal resolver = makeAddr("resolver");
    address internal guardian = makeAddr("guardian");
    address internal funder = makeAddr("funder");
    address internal challenger = makeAddr("challenger");

    function setUp() public virtual {
        vm.warp(GENESIS);
        open = new L2OpenToken(makeAddr("l1Open"));
        distributor = new RewardDistributor(
            admin,
            IERC20(address(open)),
            GENESIS,
            EPOCH,
            WINDOW,
            SETTLER_BOND,
            CHALLENGER_BOND
        );
        vm.startPrank(admin);
        distributor.grantRole(distributor.SETTLER_ROLE(), settler);
        distributor.grantRole(distributor.RESOLVER_ROLE(), resolver);
        distributor.grantRole(distributor.GUARDIAN_ROLE(), guardian);
        vm.stopPrank();
        vm.deal(settler, 100 ether);
        vm.deal(challenger, 100 ether);
        mintOpen(funder, 1e27);
        vm.prank(funder);
        open.approve(address(distributor), type(uint256).max);
    }

    function mintOpen(address to, uint256 amount) internal {
        vm.prank(BRIDGE);
        open.mint(to, amount);
    }

    function fundEpoch(uint256 epoch, uint256 amount) internal {
        vm.prank(funder);
        distributor.fund(epoch, amount);
    }

    function propose(uint256 epoch, bytes32 root, uint256 total) internal {
        vm.prank(settler);
        distributor.propose{value: SETTLER_BOND}(epoch, root, total, keccak256("report"), "ipfs://report");
    }

    function endOfEpoch(uint256 epoch) internal pure returns (uint256) {
        return GENESIS + (epoch + 1) * EPOCH;
    }

    /// @dev Funds `epoch` with `total`, waits for it to end, proposes and finalizes `root`.
    function settle(uint256 epoch, bytes32 root, uint256 total) internal {
        if (total > distributor.escrowedThrough(epoch)) fundEpoch(epoch, total - distributor.escrowedThrough(epoch));
        if (block.timestamp < endOfEpoch(epoch)) vm.warp(endOfEpoch(epoch));
        propose(epoch, root, total);
        vm.warp(block.timestamp + WINDOW);
        distributor.finalize();
    }
}
