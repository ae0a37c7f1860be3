// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {DatanetRegistry} from "../../contracts/datanet/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";

/// @notice Shared setup for the DatanetRegistry tests: the real bridged OPEN token (minted by
///         pranking the L2 bridge), a registry with the production bounds, one Datanet with
///         three bonded curators, and helpers for the OpenZeppelin StandardMerkleTree leaf.
abstract contract DatanetFixture is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;

    /// @dev 2023-11-14 22:13:20 UTC: a fixed start, 78,400 s into UTC day 19,675.
    uint256 internal constant START = 1_700_000_000;
    /// @dev The block the tests start at (Hardhat's simulator starts at 1).
    uint256 internal constant START_BLOCK = 1;

    uint256 internal constant TEN_MB = 10_000_000;
    uint128 internal constant CURATOR_BOND = 1_000 ether;
    /// @dev The fixture Datanet's review period: a contribution submitted at START can be voted on
    ///      until START + REVIEW_PERIOD (exclusive) and withdrawn pending from then on.
    uint32 internal constant REVIEW_PERIOD = 3 days;

    L2OpenToken internal open;
    DatanetRegistry internal registry;

    address internal governance;
    address internal guardian;
    address internal treasury;
    address internal owner;
    address internal alice;
    uint256 internal aliceKey;
    address internal bob;
    address internal curator1;
    address internal curator2;
    address internal curator3;

    uint256 internal datanetId;

    function setUp() public virtual {
        vm.warp(START);
        vm.roll(START_BLOCK);
        governance = makeAddr("governance");
        guardian = makeAddr("guardian");
        treasury = makeAddr("treasury");
        owner = makeAddr("owner");
        (alice, aliceKey) = makeAddrAndKey("alice");
        bob = makeAddr("bob");
        curator1 = makeAddr("curator1");
        curator2 = makeAddr("curator2");
        curator3 = makeAddr("curator3");

        open = new L2OpenToken(makeAddr("l1Open"));
        registry = new DatanetRegistry(IERC20(address(open)), treasury, governance, guardian, defaultBounds());

        vm.prank(owner);
        datanetId = registry.createDatanet(IDatanetRegistry.DataKind.Text, "ipfs://finance", defaultParams());
        _appointAndBond(datanetId, curator1);
        _appointAndBond(datanetId, curator2);
        _appointAndBond(datanetId, curator3);

        _fund(alice, 1_000_000 ether);
        _fund(bob, 1_000_000 ether);
    }

    function defaultBounds() internal pure returns (IDatanetRegistry.Bounds memory) {
        return
            IDatanetRegistry.Bounds({
                minStakeFloor: 1 ether,
                minStakeCeiling: 1_000_000 ether,
                maxDailyByteCap: uint32(TEN_MB),
                minBondPeriod: 1 days,
                maxBondPeriod: 90 days,
                minSlashBps: 100,
                maxSlashBps: 5_000,
                minQuorum: 1,
                maxQuorum: 15,
                minReviewPeriod: 1 days,
                maxReviewPeriod: 30 days,
                curatorBond: CURATOR_BOND,
                curatorUnbondingDelay: 14 days
            });
    }

    function defaultParams() internal pure returns (IDatanetRegistry.Params memory) {
        return
            IDatanetRegistry.Params({
                minStake: 10 ether,
                dailyByteCap: uint32(TEN_MB),
                bondPeriod: 7 days,
                slashBps: 2_000,
                quorum: 2,
                reviewPeriod: REVIEW_PERIOD
            });
    }

    function _fund(address to, uint256 amount) internal {
        vm.prank(BRIDGE);
        open.mint(to, amount);
        vm.prank(to);
        open.approve(address(registry), type(uint256).max);
    }

    function _appointAndBond(uint256 id, address curator) internal {
        vm.prank(registry.getDatanet(id).owner);
        registry.appointCurator(id, curator);
        _fund(curator, CURATOR_BOND);
        vm.prank(curator);
        registry.depositCuratorBond(id, CURATOR_BOND);
    }

    uint256 private _saltNonce;

    /// @dev `who` commits to `contentHash` with a fresh salt (returned), and a block passes.
    function _commit(address who, bytes32 contentHash) internal returns (bytes32 salt) {
        salt = keccak256(abi.encode("salt", who, contentHash, ++_saltNonce));
        vm.prank(who);
        registry.commitContribution(keccak256(abi.encode(contentHash, who, salt)));
        vm.roll(block.number + 1);
    }

    /// @dev `who` reveals its commitment to `contentHash` (made with `salt`) in the fixture Datanet.
    function _reveal(
        address who,
        bytes32 contentHash,
        uint256 size,
        uint256 stake,
        bytes32 salt
    ) internal returns (uint256) {
        vm.prank(who);
        return registry.submit(datanetId, contentHash, "ipfs://data", size, stake, salt);
    }

    /// @dev Commit, a block, reveal: the whole submission.
    function _submit(address who, bytes32 contentHash, uint256 size, uint256 stake) internal returns (uint256) {
        return _reveal(who, contentHash, size, stake, _commit(who, contentHash));
    }

    function _accept(uint256 id) internal {
        vm.prank(curator1);
        registry.vote(id, true);
        vm.prank(curator2);
        registry.vote(id, true);
    }

    function _reject(uint256 id) internal {
        vm.prank(curator1);
        registry.vote(id, false);
        vm.prank(curator2);
        registry.vote(id, false);
    }

    /// @dev The StandardMerkleTree leaf of (contributionId, contentHash).
    function _leaf(uint256 id, bytes32 contentHash) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(id, contentHash))));
    }

    /// @dev The commutative pair hash of OpenZeppelin's MerkleProof / StandardMerkleTree.
    function _pair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    function _status(uint256 id) internal view returns (IDatanetRegistry.Status) {
        return registry.getContribution(id).status;
    }
}
