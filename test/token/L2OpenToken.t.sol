// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {IErrors} from "../../contracts/interfaces/IErrors.sol";
import {ILegacyMintableERC20} from "../../contracts/interfaces/ILegacyMintableERC20.sol";
import {IOptimismMintableERC20} from "../../contracts/interfaces/IOptimismMintableERC20.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";

contract L2OpenTokenTest is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;

    L2OpenToken internal token;
    address internal l1Open;
    address internal alice;
    uint256 internal aliceKey;
    address internal bob;
    address internal carol;

    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant DELEGATION_TYPEHASH = keccak256(
        "Delegation(address delegatee,uint256 nonce,uint256 expiry)"
    );

    function setUp() public {
        vm.warp(1_700_000_000);
        l1Open = makeAddr("l1Open");
        (alice, aliceKey) = makeAddrAndKey("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        token = new L2OpenToken(l1Open);
    }

    function _mint(address to, uint256 amount) internal {
        vm.prank(BRIDGE);
        token.mint(to, amount);
    }

    // --- bridge surface ---------------------------------------------------------------------

    function test_bridgeGetters_succeeds() public view {
        assertEq(token.remoteToken(), l1Open);
        assertEq(token.REMOTE_TOKEN(), l1Open);
        assertEq(token.l1Token(), l1Open);
        assertEq(token.bridge(), BRIDGE);
        assertEq(token.BRIDGE(), BRIDGE);
        assertEq(token.l2Bridge(), BRIDGE);
        assertEq(token.totalSupply(), 0, "starts empty");
        assertEq(token.symbol(), "OPEN");
        assertEq(token.version(), "2.0.0");
    }

    function test_constructor_zeroRemote_reverts() public {
        vm.expectRevert(IErrors.ZeroAddress.selector);
        new L2OpenToken(address(0));
    }

    function test_supportsInterface_succeeds() public view {
        assertTrue(token.supportsInterface(type(IERC165).interfaceId), "erc165");
        assertTrue(token.supportsInterface(type(IOptimismMintableERC20).interfaceId), "optimism mintable");
        assertTrue(token.supportsInterface(type(ILegacyMintableERC20).interfaceId), "legacy mintable");
        // The ids the OP Stack bridge hard-codes in its checks.
        assertEq(bytes32(type(IOptimismMintableERC20).interfaceId), bytes32(bytes4(0xec4fc8e3)));
        assertEq(bytes32(type(ILegacyMintableERC20).interfaceId), bytes32(bytes4(0x1d1d8b63)));
        assertFalse(token.supportsInterface(0xffffffff), "invalid id");
        assertFalse(token.supportsInterface(0x36372b07), "ierc20 not advertised");
    }

    function test_mint_byBridge_succeeds() public {
        vm.expectEmit(address(token));
        emit L2OpenToken.Mint(alice, 5 ether);
        _mint(alice, 5 ether);
        assertEq(token.balanceOf(alice), 5 ether);
        assertEq(token.totalSupply(), 5 ether);
    }

    function test_mint_notBridge_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(L2OpenToken.NotBridge.selector, alice, BRIDGE));
        vm.prank(alice);
        token.mint(alice, 1);
    }

    function test_burn_byBridge_withoutAllowance_succeeds() public {
        _mint(alice, 5 ether);
        vm.expectEmit(address(token));
        emit L2OpenToken.Burn(alice, 2 ether);
        vm.prank(BRIDGE);
        token.burn(alice, 2 ether);
        assertEq(token.balanceOf(alice), 3 ether);
        assertEq(token.totalSupply(), 3 ether);
    }

    function test_burn_notBridge_reverts() public {
        _mint(alice, 5 ether);
        vm.expectRevert(abi.encodeWithSelector(L2OpenToken.NotBridge.selector, alice, BRIDGE));
        vm.prank(alice);
        token.burn(alice, 1);
    }

    function test_burn_moreThanBalance_reverts() public {
        _mint(alice, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, alice, 1 ether, 2 ether)
        );
        vm.prank(BRIDGE);
        token.burn(alice, 2 ether);
    }

    // --- votes ------------------------------------------------------------------------------

    function test_clock_isTimestamp_succeeds() public view {
        assertEq(uint256(token.clock()), block.timestamp, "clock");
        assertEq(token.CLOCK_MODE(), "mode=timestamp");
    }

    function test_delegate_movesVotes_succeeds() public {
        _mint(alice, 10 ether);
        assertEq(token.getVotes(alice), 0, "undelegated balances do not vote");
        vm.prank(alice);
        token.delegate(alice);
        vm.snapshotGasLastCall("L2OpenToken", "delegate (self)");
        assertEq(token.getVotes(alice), 10 ether, "self-delegated");

        vm.prank(bob);
        token.delegate(bob);
        vm.prank(alice);
        token.transfer(bob, 4 ether);
        vm.snapshotGasLastCall("L2OpenToken", "transfer (both delegated)");
        assertEq(token.getVotes(alice), 6 ether, "alice votes");
        assertEq(token.getVotes(bob), 4 ether, "bob votes");

        vm.prank(alice);
        token.delegate(carol);
        assertEq(token.getVotes(alice), 0, "moved away");
        assertEq(token.getVotes(carol), 6 ether, "carol votes");
    }

    function test_pastVotes_byTimestamp_succeeds() public {
        _mint(alice, 10 ether);
        vm.prank(alice);
        token.delegate(alice);
        uint256 t0 = block.timestamp;
        vm.warp(t0 + 100);
        vm.prank(BRIDGE);
        token.burn(alice, 4 ether);
        vm.warp(t0 + 200);
        assertEq(token.getPastVotes(alice, t0), 10 ether, "at t0");
        assertEq(token.getPastVotes(alice, t0 + 100), 6 ether, "after burn");
        assertEq(token.getPastTotalSupply(t0), 10 ether, "past supply");
    }

    function test_delegateBySig_realSignature_succeeds() public {
        _mint(alice, 3 ether);
        uint256 expiry = block.timestamp + 1 days;
        bytes32 structHash = keccak256(abi.encode(DELEGATION_TYPEHASH, bob, 0, expiry));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(aliceKey, digest);
        token.delegateBySig(bob, 0, expiry, v, r, s);
        assertEq(token.delegates(alice), bob, "delegate");
        assertEq(token.getVotes(bob), 3 ether, "votes");
        assertEq(token.nonces(alice), 1, "shared nonce");
    }

    function test_transfer_plain_succeeds() public {
        _mint(alice, 10 ether);
        vm.prank(alice);
        token.transfer(bob, 1 ether);
        vm.snapshotGasLastCall("L2OpenToken", "transfer (undelegated, recipient new)");
        assertEq(token.balanceOf(bob), 1 ether);
    }

    function test_permit_realSignature_succeeds() public {
        _mint(alice, 3 ether);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, alice, bob, 2 ether, 0, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(aliceKey, digest);
        token.permit(alice, bob, 2 ether, deadline, v, r, s);
        vm.snapshotGasLastCall("L2OpenToken", "permit");
        assertEq(token.allowance(alice, bob), 2 ether);
        vm.prank(bob);
        token.transferFrom(alice, carol, 2 ether);
        assertEq(token.balanceOf(carol), 2 ether);
    }

    function testFuzz_mintBurn_supplyTracksBalances(uint96 minted, uint96 burned) public {
        burned = uint96(bound(burned, 0, minted));
        _mint(alice, minted);
        vm.prank(BRIDGE);
        token.burn(alice, burned);
        assertEq(token.totalSupply(), uint256(minted) - burned, "supply");
        assertEq(token.balanceOf(alice), uint256(minted) - burned, "balance");
    }
}
