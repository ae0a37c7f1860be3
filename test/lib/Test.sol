// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Vm} from "./Vm.sol";

/// @title Test
/// @notice The project's own Solidity test base: cheatcodes, assertions, `bound`, named
///         addresses and invariant targeting. Deliberately small; every helper is used.
/// @dev    Assertions delegate to the assertion cheatcodes, which print both sides on failure.
///         Invariant targeting follows the protocol the fuzzer reads (`targetContracts()`,
///         `targetSelectors()`, `targetSenders()`, `excludeContracts()`, `excludeSenders()`).
abstract contract Test {
    /// @dev Marks this contract as a test suite for the runner.
    bool public constant IS_TEST = true;

    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 internal constant UINT256_MAX = type(uint256).max;

    // ------------------------------------------------------------------------------------
    // Assertions
    // ------------------------------------------------------------------------------------

    function assertEq(uint256 a, uint256 b) internal pure {
        vm.assertEq(a, b, "");
    }

    function assertEq(uint256 a, uint256 b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertEq(int256 a, int256 b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertEq(address a, address b) internal pure {
        vm.assertEq(a, b, "");
    }

    function assertEq(address a, address b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertEq(bytes32 a, bytes32 b) internal pure {
        vm.assertEq(a, b, "");
    }

    function assertEq(bytes32 a, bytes32 b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertEq(bool a, bool b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertEq(string memory a, string memory b) internal pure {
        vm.assertEq(a, b, "");
    }

    function assertEq(bytes memory a, bytes memory b, string memory why) internal pure {
        vm.assertEq(a, b, why);
    }

    function assertNotEq(uint256 a, uint256 b, string memory why) internal pure {
        vm.assertNotEq(a, b, why);
    }

    function assertNotEq(address a, address b, string memory why) internal pure {
        vm.assertNotEq(a, b, why);
    }

    function assertLt(uint256 a, uint256 b, string memory why) internal pure {
        vm.assertLt(a, b, why);
    }

    function assertLe(uint256 a, uint256 b, string memory why) internal pure {
        vm.assertLe(a, b, why);
    }

    function assertGt(uint256 a, uint256 b, string memory why) internal pure {
        vm.assertGt(a, b, why);
    }

    function assertGe(uint256 a, uint256 b, string memory why) internal pure {
        vm.assertGe(a, b, why);
    }

    function assertTrue(bool condition) internal pure {
        vm.assertTrue(condition, "");
    }

    function assertTrue(bool condition, string memory why) internal pure {
        vm.assertTrue(condition, why);
    }

    function assertFalse(bool condition) internal pure {
        vm.assertFalse(condition, "");
    }

    function assertFalse(bool condition, string memory why) internal pure {
        vm.assertFalse(condition, why);
    }

    function assertApproxEqAbs(uint256 a, uint256 b, uint256 maxDelta, string memory why) internal pure {
        vm.assertApproxEqAbs(a, b, maxDelta, why);
    }

    // ------------------------------------------------------------------------------------
    // Fuzzing helpers
    // ------------------------------------------------------------------------------------

    /// @notice Maps any `x` into [min, max] (inclusive) without rejecting inputs, so a fuzz
    ///         run never wastes a case. Values already in range are returned unchanged, which
    ///         keeps the fuzzer's dictionary values (0, 1, max) meaningful at the edges.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, BoundMinAboveMax(min, max));
        if (x >= min && x <= max) return x;
        uint256 size = max - min;
        // size + 1 overflows only when the range is the whole uint256, which the check above returned.
        unchecked {
            return min + (x % (size + 1));
        }
    }

    /// @notice The bounds given to `bound` were reversed.
    error BoundMinAboveMax(uint256 min, uint256 max);

    // ------------------------------------------------------------------------------------
    // Named accounts
    // ------------------------------------------------------------------------------------

    /// @notice A deterministic address derived from `name`, labelled in traces.
    function makeAddr(string memory name) internal returns (address account) {
        (account, ) = makeAddrAndKey(name);
    }

    /// @notice A deterministic address and its private key (for signatures) derived from `name`.
    function makeAddrAndKey(string memory name) internal returns (address account, uint256 privateKey) {
        privateKey = uint256(keccak256(abi.encodePacked(name))) % SECP256K1_ORDER;
        account = vm.addr(privateKey);
        vm.label(account, name);
    }

    uint256 private constant SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ------------------------------------------------------------------------------------
    // Invariant targeting
    // ------------------------------------------------------------------------------------

    /// @notice A contract and the selectors of it the invariant fuzzer may call.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetedContracts;
    address[] private _excludedContracts;
    address[] private _targetedSenders;
    address[] private _excludedSenders;
    FuzzSelector[] private _targetedSelectors;

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function excludeContract(address target) internal {
        _excludedContracts.push(target);
    }

    function targetSender(address sender) internal {
        _targetedSenders.push(sender);
    }

    function excludeSender(address sender) internal {
        _excludedSenders.push(sender);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    function excludeContracts() public view returns (address[] memory) {
        return _excludedContracts;
    }

    function targetSenders() public view returns (address[] memory) {
        return _targetedSenders;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }
}
