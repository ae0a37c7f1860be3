// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {OpenToken} from "../../contracts/token/OpenToken.sol";
import {Test} from "../lib/Test.sol";

/// @notice Drives the L2 token with random bridge mints and burns, transfers and delegations
///         among a fixed set of actors, and keeps the ghost totals the invariants compare with.
contract L2OpenTokenHandler is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;

    L2OpenToken public immutable token;
    address[] public actors;
    uint256 public ghostMinted;
    uint256 public ghostBurned;

    constructor(L2OpenToken token_) {
        token = token_;
        for (uint256 i = 0; i < 5; ++i) actors.push(makeAddr(string.concat("actor", vm.toString(i))));
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function mint(uint256 actorSeed, uint256 amount) external {
        amount = bound(amount, 0, 1e27);
        vm.prank(BRIDGE);
        token.mint(_actor(actorSeed), amount);
        ghostMinted += amount;
    }

    function burn(uint256 actorSeed, uint256 amount) external {
        address from = _actor(actorSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(BRIDGE);
        token.burn(from, amount);
        ghostBurned += amount;
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.transfer(_actor(toSeed), amount);
    }

    function delegate(uint256 fromSeed, uint256 toSeed) external {
        vm.prank(_actor(fromSeed));
        token.delegate(_actor(toSeed));
    }

    function advanceTime(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 1 days));
    }
}

contract L2OpenTokenInvariantTest is Test {
    L2OpenToken internal token;
    L2OpenTokenHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new L2OpenToken(makeAddr("l1Open"));
        handler = new L2OpenTokenHandler(token);
        targetContract(address(handler));
    }

    /// @notice The sum of the actors' balances is the total supply (only actors ever hold OPEN).
    function invariant_sumOfBalancesEqualsSupply() public view {
        uint256 sum;
        for (uint256 i = 0; i < handler.actorCount(); ++i) sum += token.balanceOf(handler.actors(i));
        assertEq(sum, token.totalSupply(), "sum of balances");
    }

    /// @notice Total votes never exceed the supply (only delegated balances vote).
    function invariant_totalVotesAtMostSupply() public view {
        uint256 votes;
        for (uint256 i = 0; i < handler.actorCount(); ++i) votes += token.getVotes(handler.actors(i));
        assertLe(votes, token.totalSupply(), "votes above supply");
    }

    /// @notice Supply is exactly what the bridge minted minus what it burned.
    function invariant_supplyIsMintedMinusBurned() public view {
        assertEq(token.totalSupply(), handler.ghostMinted() - handler.ghostBurned(), "supply");
    }
}

/// @notice Drives L1 OPEN with random transfers, approvals, transferFrom and burns.
contract OpenTokenHandler is Test {
    OpenToken public immutable token;
    address[] public actors;
    uint256 public ghostBurned;

    constructor(OpenToken token_, address[] memory actors_) {
        token = token_;
        actors = actors_;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.transfer(_actor(toSeed), amount);
    }

    function approveAndTransferFrom(uint256 fromSeed, uint256 spenderSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        address spender = _actor(spenderSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.approve(spender, amount);
        vm.prank(spender);
        token.transferFrom(from, spender, amount);
    }

    function burn(uint256 fromSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.burn(amount);
        ghostBurned += amount;
    }
}

contract OpenTokenInvariantTest is Test {
    OpenToken internal token;
    OpenTokenHandler internal handler;
    address[] internal actors;

    function setUp() public {
        for (uint256 i = 0; i < 4; ++i) actors.push(makeAddr(string.concat("holder", vm.toString(i))));
        token = new OpenToken(actors[0]);
        handler = new OpenTokenHandler(token, actors);
        targetContract(address(handler));
    }

    /// @notice L1 supply is constant except for holders' own burns: nothing can mint.
    function invariant_supplyConstantButForBurns() public view {
        assertEq(token.totalSupply() + handler.ghostBurned(), token.INITIAL_SUPPLY(), "supply");
        uint256 sum;
        for (uint256 i = 0; i < actors.length; ++i) sum += token.balanceOf(actors[i]);
        assertEq(sum, token.totalSupply(), "sum of balances");
    }
}
