// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {OpenToken} from "../../contracts/token/OpenToken.sol";
import {Campaign} from "../distributor/Campaign.sol";
import {Test} from "../lib/Test.sol";

/// @notice Drives the L2 token through every state-changing function (bridge mints and burns,
///         transfer, approve, transferFrom, permit, delegate, delegateBySig) among a fixed set of
///         actors with keys, and keeps the ghost totals the invariants compare with. Violations
///         are recorded in ghosts (an assertion inside a handler would be discarded).
contract L2OpenTokenHandler is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    bytes32 internal constant DELEGATION_TYPEHASH = keccak256(
        "Delegation(address delegatee,uint256 nonce,uint256 expiry)"
    );

    L2OpenToken public immutable token;
    address[] public actors;
    uint256[] internal _keys;
    uint256 public ghostMinted;
    uint256 public ghostBurned;
    /// A permit or delegateBySig that did not set what was signed. Must stay false.
    bool public ghostBadSignature;

    /// Successful calls of each action in this run, by name (read by the campaign counters).
    string[] public actionNames;
    mapping(string name => uint256) public calls;

    constructor(L2OpenToken token_) {
        token = token_;
        for (uint256 i = 0; i < 5; ++i) {
            (address a, uint256 key) = makeAddrAndKey(string.concat("actor", vm.toString(i)));
            actors.push(a);
            _keys.push(key);
        }
        string[8] memory names = [
            "mint",
            "burn",
            "transfer",
            "approve",
            "transferFrom",
            "permit",
            "delegate",
            "delegateBySig"
        ];
        for (uint256 i = 0; i < names.length; ++i) actionNames.push(names[i]);
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function actionCount() external view returns (uint256) {
        return actionNames.length;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function mint(uint256 actorSeed, uint256 amount) external {
        amount = bound(amount, 0, 1e27);
        vm.prank(BRIDGE);
        token.mint(_actor(actorSeed), amount);
        ghostMinted += amount;
        ++calls["mint"];
    }

    function burn(uint256 actorSeed, uint256 amount) external {
        address from = _actor(actorSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(BRIDGE);
        token.burn(from, amount);
        ghostBurned += amount;
        ++calls["burn"];
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.transfer(_actor(toSeed), amount);
        ++calls["transfer"];
    }

    function approve(uint256 ownerSeed, uint256 spenderSeed, uint256 amount) external {
        vm.prank(_actor(ownerSeed));
        token.approve(_actor(spenderSeed), amount);
        ++calls["approve"];
    }

    function transferFrom(uint256 ownerSeed, uint256 spenderSeed, uint256 toSeed, uint256 amount) external {
        address owner = _actor(ownerSeed);
        address spender = _actor(spenderSeed);
        uint256 limit = token.allowance(owner, spender);
        if (token.balanceOf(owner) < limit) limit = token.balanceOf(owner);
        amount = bound(amount, 0, limit);
        vm.prank(spender);
        token.transferFrom(owner, _actor(toSeed), amount);
        ++calls["transferFrom"];
    }

    function permit(uint256 ownerSeed, uint256 spenderSeed, uint256 value) external {
        uint256 i = ownerSeed % actors.length;
        address spender = _actor(spenderSeed);
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, actors[i], spender, value, token.nonces(actors[i]), block.timestamp)
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            _keys[i],
            keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash))
        );
        token.permit(actors[i], spender, value, block.timestamp, v, r, s);
        if (token.allowance(actors[i], spender) != value) ghostBadSignature = true;
        ++calls["permit"];
    }

    function delegate(uint256 fromSeed, uint256 toSeed) external {
        vm.prank(_actor(fromSeed));
        token.delegate(_actor(toSeed));
        ++calls["delegate"];
    }

    function delegateBySig(uint256 fromSeed, uint256 toSeed) external {
        uint256 i = fromSeed % actors.length;
        address delegatee = _actor(toSeed);
        uint256 nonce = token.nonces(actors[i]);
        bytes32 structHash = keccak256(abi.encode(DELEGATION_TYPEHASH, delegatee, nonce, block.timestamp));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            _keys[i],
            keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash))
        );
        token.delegateBySig(delegatee, nonce, block.timestamp, v, r, s);
        if (token.delegates(actors[i]) != delegatee) ghostBadSignature = true;
        ++calls["delegateBySig"];
    }

    function advanceTime(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 1 days));
    }
}

/// @notice Invariant 1 of ARCHITECTURE.md on the L2 side (supply is what the bridge minted minus
///         what it burned) and ERC20Votes' books: votes equal delegated balances exactly.
abstract contract L2OpenTokenInvariants is Test {
    L2OpenToken internal token;
    L2OpenTokenHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        token = new L2OpenToken(makeAddr("l1Open"));
        handler = new L2OpenTokenHandler(token);
        targetContract(address(handler));
    }

    /// @notice The sum of the actors' balances is the total supply (only actors ever hold OPEN).
    function _checkSumOfBalancesEqualsSupply() internal view {
        uint256 sum;
        for (uint256 i = 0; i < handler.actorCount(); ++i) sum += token.balanceOf(handler.actors(i));
        assertEq(sum, token.totalSupply(), "sum of balances");
    }

    /// @notice Every account's votes are exactly the balances delegated to it, so the total of
    ///         votes is exactly the delegated part of the supply (at most the supply); the
    ///         checkpointed total supply is the supply.
    function _checkVotesEqualDelegatedBalances() internal view {
        uint256 n = handler.actorCount();
        uint256 votes;
        uint256 delegated;
        for (uint256 i = 0; i < n; ++i) {
            address a = handler.actors(i);
            uint256 expected;
            for (uint256 j = 0; j < n; ++j) {
                address b = handler.actors(j);
                if (token.delegates(b) == a) expected += token.balanceOf(b);
            }
            assertEq(token.getVotes(a), expected, "votes == balances delegated to the account");
            votes += token.getVotes(a);
            if (token.delegates(a) != address(0)) delegated += token.balanceOf(a);
        }
        assertEq(votes, delegated, "total votes == delegated balances");
        assertLe(votes, token.totalSupply(), "votes above supply");
        assertFalse(handler.ghostBadSignature(), "a permit or delegateBySig did not set what was signed");
    }

    /// @notice Supply is exactly what the bridge minted minus what it burned.
    function _checkSupplyIsMintedMinusBurned() internal view {
        assertEq(token.totalSupply(), handler.ghostMinted() - handler.ghostBurned(), "supply");
    }
}

/// @notice Each invariant as its own campaign.
contract L2OpenTokenInvariantTest is L2OpenTokenInvariants {
    function invariant_sumOfBalancesEqualsSupply() public view {
        _checkSumOfBalancesEqualsSupply();
    }

    function invariant_votesEqualDelegatedBalances() public view {
        _checkVotesEqualDelegatedBalances();
    }

    function invariant_supplyIsMintedMinusBurned() public view {
        _checkSupplyIsMintedMinusBurned();
    }
}

/// @notice One more campaign with every invariant, counting that every state-changing function of
///         the token succeeds somewhere. Figures: `POA_CAMPAIGN_REPORT=1 npx hardhat test solidity
///         test/token/L2OpenToken.invariant.t.sol --test-profile ci`.
contract L2OpenTokenCampaignTest is L2OpenTokenInvariants, Campaign {
    function invariant_everyInvariantAndReach() public view {
        _checkSumOfBalancesEqualsSupply();
        _checkVotesEqualDelegatedBalances();
        _checkSupplyIsMintedMinusBurned();
    }

    function _campaignName() internal pure override returns (string memory) {
        return "POA_CAMPAIGN_L2TOKEN";
    }

    function _countRun() internal override {
        for (uint256 i = 0; i < handler.actionCount(); ++i) {
            string memory name = handler.actionNames(i);
            _count(name, handler.calls(name));
        }
    }

    function _checkFigures(uint256) internal view override returns (string memory report) {
        report = "campaign L2 token: successful calls:";
        for (uint256 i = 0; i < handler.actionCount(); ++i)
            report = string.concat(report, _callFigure(handler.actionNames(i)));
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
