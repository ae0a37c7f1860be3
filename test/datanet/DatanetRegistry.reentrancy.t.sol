// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {DatanetRegistry} from "../../contracts/datanet/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";
import {Test} from "../lib/Test.sol";

/// @notice An adversarial token that breaks the registry's token assumption (no transfer
///         hooks): on every transfer it calls back into the registry with `payload`.
contract HookToken is ERC20 {
    address public target;
    bytes public payload;
    bytes public lastRevert;

    constructor() ERC20("Hook", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (target != address(0)) {
            address t = target;
            target = address(0); // one re-entry attempt per arming
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = t.call(payload);
            if (!ok) lastRevert = ret;
        }
    }
}

/// @notice Even a token that calls back on transfer cannot re-enter a function that moves
///         tokens: the transient guard refuses the nested call.
contract DatanetRegistryReentrancyTest is Test {
    HookToken internal token;
    DatanetRegistry internal registry;
    address internal governance = makeAddr("governance");
    address internal owner = makeAddr("owner");
    address internal alice = makeAddr("alice");
    uint256 internal datanetId;

    function setUp() public {
        token = new HookToken();
        registry = new DatanetRegistry(
            IERC20(address(token)),
            makeAddr("treasury"),
            governance,
            address(0),
            IDatanetRegistry.Bounds({
                minStakeFloor: 1,
                minStakeCeiling: 1e24,
                maxDailyByteCap: 10_000_000,
                minBondPeriod: 1 days,
                maxBondPeriod: 90 days,
                minSlashBps: 100,
                maxSlashBps: 5_000,
                minQuorum: 1,
                maxQuorum: 15,
                minReviewPeriod: 1 days,
                maxReviewPeriod: 30 days,
                curatorBond: 1,
                curatorUnbondingDelay: 1 days
            })
        );
        vm.prank(owner);
        datanetId = registry.createDatanet(
            IDatanetRegistry.DataKind.Text,
            "x",
            IDatanetRegistry.Params({
                minStake: 10,
                dailyByteCap: 1_000,
                bondPeriod: 1 days,
                slashBps: 100,
                quorum: 1,
                reviewPeriod: 1 days
            })
        );
        token.mint(alice, 1_000);
        vm.prank(alice);
        token.approve(address(registry), type(uint256).max);
    }

    bytes32 internal constant SALT = keccak256("salt");

    /// @dev Alice commits to `contentHash` with SALT; a block passes.
    function _commit(bytes32 contentHash) internal {
        vm.prank(alice);
        registry.commitContribution(keccak256(abi.encode(contentHash, alice, SALT)));
        vm.roll(block.number + 1);
    }

    function test_withdraw_reentryFromToken_reverts() public {
        _commit(keccak256("a"));
        vm.prank(alice);
        uint256 id = registry.submit(datanetId, keccak256("a"), "u", 1, 100, SALT);
        vm.warp(block.timestamp + 1 days); // the review deadline: a pending stake may leave
        token.arm(address(registry), abi.encodeCall(registry.withdraw, (id)));
        vm.prank(alice);
        registry.withdraw(id);
        assertEq(
            token.lastRevert(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector),
            "nested withdraw refused by the guard"
        );
        assertEq(token.balanceOf(alice), 1_000, "refunded exactly once");
        assertEq(token.balanceOf(address(registry)), 0, "nothing left, nothing extra paid");
    }

    function test_skim_reentryFromToken_reverts() public {
        vm.prank(alice);
        token.transfer(address(registry), 100); // stray OPEN, owed to no one
        token.arm(address(registry), abi.encodeCall(registry.skim, ()));
        assertEq(registry.skim(), 100, "the excess");
        assertEq(
            token.lastRevert(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector),
            "nested skim refused by the guard"
        );
        assertEq(token.balanceOf(makeAddr("treasury")), 100, "skimmed exactly once");
    }

    function test_submit_reentryFromToken_reverts() public {
        _commit(keccak256("a"));
        token.arm(address(registry), abi.encodeCall(registry.sweepSlashed, ()));
        vm.prank(alice);
        registry.submit(datanetId, keccak256("a"), "u", 1, 100, SALT);
        assertEq(
            token.lastRevert(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector),
            "nested sweep refused by the guard"
        );
        assertEq(registry.totalStaked(), 100, "stake recorded once");
    }
}
