// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {GrantsVault} from "../../contracts/grants/GrantsVault.sol";
import {IGrantsVault} from "../../contracts/interfaces/IGrantsVault.sol";
import {Test} from "../lib/Test.sol";

/// @notice An adversarial token that breaks the vault's token assumption (no transfer hooks):
///         on its next transfer it calls back into `target` with `payload`, once.
contract CallbackToken is ERC20 {
    address public target;
    bytes public payload;
    bytes public lastRevert;

    constructor() ERC20("Callback", "CB") {}

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
            target = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = t.call(payload);
            if (!ok) lastRevert = ret;
        }
    }
}

/// @notice Even a token that calls back on transfer cannot re-enter a function of the vault
///         that moves tokens (createGrant, release, cancelGrant): the transient guard refuses
///         the nested call, and every amount moves exactly once.
contract GrantsVaultReentrancyTest is Test {
    CallbackToken internal token;
    GrantsVault internal vault;
    address internal governance = makeAddr("governance");
    address internal council = makeAddr("council");
    address internal grantee = makeAddr("grantee");
    uint256 internal constant AMOUNT = 1_000;

    function setUp() public {
        token = new CallbackToken();
        IGrantsVault.TierBounds[3] memory b;
        for (uint256 t = 0; t < 3; ++t) b[t] = IGrantsVault.TierBounds(1, 1e24);
        vault = new GrantsVault(
            IERC20(address(token)),
            governance,
            governance,
            council,
            makeAddr("guardian"),
            b,
            1 hours
        );
        token.mint(governance, 10 * AMOUNT);
        vm.prank(governance);
        token.approve(address(vault), type(uint256).max);
    }

    function _grant() internal returns (uint256 id) {
        IGrantsVault.MilestoneSpec[] memory s = new IGrantsVault.MilestoneSpec[](2);
        s[0] = IGrantsVault.MilestoneSpec(5_000, uint64(block.timestamp + 1 days), bytes32(0));
        s[1] = IGrantsVault.MilestoneSpec(5_000, uint64(block.timestamp + 2 days), bytes32(0));
        vm.prank(governance);
        id = vault.createGrant(grantee, IGrantsVault.Tier.Exploration, AMOUNT, s, bytes32(0));
    }

    function _approve(uint256 id, uint256 index) internal {
        vm.prank(grantee);
        vault.submitEvidence(id, index, keccak256("e"));
        vm.prank(council);
        vault.approveMilestone(id, index, keccak256("e"));
    }

    function _assertGuardRefused(string memory why) internal view {
        assertEq(
            token.lastRevert(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector),
            why
        );
    }

    function test_release_reentryFromToken_reverts() public {
        uint256 id = _grant();
        _approve(id, 0);
        _approve(id, 1);
        vm.warp(block.timestamp + 1 hours);
        // While paying milestone 0, the token tries to release milestone 1 (itself releasable
        // right after): refused by the guard, so each milestone pays once, in its own call.
        token.arm(address(vault), abi.encodeCall(vault.release, (id, 1)));
        vault.release(id, 0);
        _assertGuardRefused("nested release refused by the guard");
        assertEq(token.balanceOf(grantee), AMOUNT / 2, "milestone 0 paid once");
        assertEq(vault.getGrant(id).released, AMOUNT / 2);
        assertEq(token.balanceOf(address(vault)), vault.totalUnreleased(), "accounting exact");
    }

    function test_cancelGrant_reentryFromToken_reverts() public {
        uint256 id = _grant();
        _approve(id, 0);
        vm.warp(block.timestamp + 1 hours);
        // While refunding the treasury, the token tries to pay the approved milestone out too.
        token.arm(address(vault), abi.encodeCall(vault.release, (id, 0)));
        vm.prank(governance);
        vault.cancelGrant(id, bytes32(0));
        _assertGuardRefused("nested release during cancel refused by the guard");
        assertEq(token.balanceOf(grantee), 0, "a cancelled grant pays nothing");
        assertEq(token.balanceOf(governance), 10 * AMOUNT, "everything back in the treasury");
        assertEq(token.balanceOf(address(vault)), 0);
    }

    function test_createGrant_reentryFromToken_reverts() public {
        uint256 id = _grant();
        _approve(id, 0);
        vm.warp(block.timestamp + 1 hours);
        // While pulling a new grant's funds, the token tries to release an older grant.
        token.arm(address(vault), abi.encodeCall(vault.release, (id, 0)));
        _grant();
        _assertGuardRefused("nested release during createGrant refused by the guard");
        assertEq(token.balanceOf(grantee), 0);
        assertEq(token.balanceOf(address(vault)), 2 * AMOUNT);
        assertEq(vault.totalUnreleased(), 2 * AMOUNT);
    }
}
