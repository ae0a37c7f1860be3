// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

import {OpenToken} from "../../contracts/token/OpenToken.sol";
import {Test} from "../lib/Test.sol";

contract OpenTokenTest is Test {
    OpenToken internal token;
    address internal treasury;
    address internal alice;
    uint256 internal aliceKey;
    address internal bob;

    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    function setUp() public {
        treasury = makeAddr("treasury");
        (alice, aliceKey) = makeAddrAndKey("alice");
        bob = makeAddr("bob");
        token = new OpenToken(treasury);
    }

    function test_constructor_mintsWholeSupplyOnce_succeeds() public view {
        assertEq(token.totalSupply(), 1_000_000_000 ether, "supply");
        assertEq(token.balanceOf(treasury), 1_000_000_000 ether, "recipient");
        assertEq(token.INITIAL_SUPPLY(), 1_000_000_000 ether, "constant");
        assertEq(token.symbol(), "OPEN");
        assertEq(token.name(), "OpenLedger");
        assertEq(uint256(token.decimals()), 18, "decimals");
        assertEq(token.version(), "1.0.0");
    }

    function test_constructor_zeroRecipient_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InvalidReceiver.selector, address(0)));
        new OpenToken(address(0));
    }

    function test_noMintOrOwnerSelector() public {
        // The token must expose no way to create supply or an owner to do so.
        (bool okMint, ) = address(token).call(abi.encodeWithSignature("mint(address,uint256)", alice, 1));
        (bool okOwner, ) = address(token).call(abi.encodeWithSignature("owner()"));
        assertFalse(okMint, "mint exists");
        assertFalse(okOwner, "owner exists");
    }

    function test_transfer_succeeds() public {
        vm.prank(treasury);
        token.transfer(alice, 100 ether);
        vm.prank(alice);
        token.transfer(bob, 40 ether);
        vm.snapshotGasLastCall("OpenToken", "transfer (recipient new)");
        vm.prank(alice);
        token.transfer(bob, 10 ether);
        vm.snapshotGasLastCall("OpenToken", "transfer (recipient holds)");
        assertEq(token.balanceOf(alice), 50 ether, "alice");
        assertEq(token.balanceOf(bob), 50 ether, "bob");
    }

    function test_burn_reducesSupply_succeeds() public {
        vm.prank(treasury);
        token.burn(1 ether);
        assertEq(token.totalSupply(), 1_000_000_000 ether - 1 ether, "supply");
    }

    function test_burnFrom_withoutAllowance_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, bob, 0, 1 ether));
        vm.prank(bob);
        token.burnFrom(treasury, 1 ether);
    }

    function test_permit_realSignature_succeeds() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 7 ether, 0, deadline);
        token.permit(alice, bob, 7 ether, deadline, v, r, s);
        vm.snapshotGasLastCall("OpenToken", "permit");
        assertEq(token.allowance(alice, bob), 7 ether, "allowance");
        assertEq(token.nonces(alice), 1, "nonce");
    }

    function test_permit_replay_reverts() public {
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 7 ether, 0, deadline);
        token.permit(alice, bob, 7 ether, deadline, v, r, s);
        // The same signature now recovers to another signer because the nonce moved on.
        vm.expectRevert();
        token.permit(alice, bob, 7 ether, deadline, v, r, s);
    }

    function test_permit_expired_reverts() public {
        vm.warp(1_000_000);
        uint256 deadline = block.timestamp - 1;
        (uint8 v, bytes32 r, bytes32 s) = _signPermit(aliceKey, alice, bob, 1, 0, deadline);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(alice, bob, 1, deadline, v, r, s);
    }

    function testFuzz_transfer_conservesSupply(address to, uint256 amount) public {
        vm.assume(to != address(0));
        amount = bound(amount, 0, token.INITIAL_SUPPLY());
        vm.prank(treasury);
        token.transfer(to, amount);
        assertEq(token.totalSupply(), token.INITIAL_SUPPLY(), "supply");
        if (to != treasury) assertEq(token.balanceOf(to), amount, "received");
    }

    function _signPermit(
        uint256 key,
        address owner,
        address spender,
        uint256 value,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (uint8, bytes32, bytes32) {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        return vm.sign(key, digest);
    }
}
