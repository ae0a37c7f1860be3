// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

import {OpenGovernor} from "../../contracts/governance/OpenGovernor.sol";
import {OpenTimelock} from "../../contracts/governance/OpenTimelock.sol";
import {GrantsVault} from "../../contracts/grants/GrantsVault.sol";
import {IGrantsVault} from "../../contracts/interfaces/IGrantsVault.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";

/// @notice The governance stack wired exactly as deploy/governance.ts wires it, with the
///         mainnet defaults: the real bridged OPEN with votes, an OpenTimelock whose only
///         proposer is the OpenGovernor, anyone executing, the governor and the guardian
///         cancelling and the deployer's admin renounced, and a GrantsVault whose governance and
///         treasury are the timelock.
abstract contract GovernanceBase is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;
    uint256 internal constant START = 1_750_000_000;
    uint256 internal constant OPEN = 1e18;

    // deploy/governance.ts MAINNET defaults
    uint48 internal constant VOTING_DELAY = 1 days;
    uint32 internal constant VOTING_PERIOD = 7 days;
    uint256 internal constant THRESHOLD = 1_000_000 * OPEN;
    uint256 internal constant QUORUM_PERCENT = 4;
    uint48 internal constant LATE_QUORUM = 2 days;
    uint256 internal constant MIN_DELAY = 2 days;
    uint256 internal constant VETO_WINDOW = 3 days;

    uint256 internal constant TREASURY_FUNDS = 10_000_000 * OPEN;

    L2OpenToken internal open;
    OpenTimelock internal timelock;
    OpenGovernor internal governor;
    GrantsVault internal vault;

    address internal alice = makeAddr("alice"); // 40M votes: above quorum on her own
    address internal bob = makeAddr("bob"); // 30M
    address internal carol = makeAddr("carol"); // 20M
    address internal dave = makeAddr("dave"); // 500k: below the proposal threshold
    address internal guardian = makeAddr("guardian");
    address internal council = makeAddr("council");
    address internal grantee = makeAddr("grantee");
    address internal stranger = makeAddr("stranger");
    address internal deployer;

    function setUp() public virtual {
        vm.warp(START);
        deployer = address(this);
        open = new L2OpenToken(makeAddr("l1Open"));
        _mintAndDelegate(alice, 40_000_000 * OPEN);
        _mintAndDelegate(bob, 30_000_000 * OPEN);
        _mintAndDelegate(carol, 20_000_000 * OPEN);
        _mintAndDelegate(dave, 500_000 * OPEN);

        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1); // address(0): anyone may execute
        timelock = new OpenTimelock(MIN_DELAY, none, anyone, deployer);
        governor = new OpenGovernor(
            IVotes(address(open)),
            TimelockController(payable(address(timelock))),
            OpenGovernor.Params({
                votingDelay: VOTING_DELAY,
                votingPeriod: VOTING_PERIOD,
                proposalThreshold: THRESHOLD,
                quorumNumerator: QUORUM_PERCENT,
                lateQuorumExtension: LATE_QUORUM,
                guardian: guardian
            })
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), guardian);
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), deployer);

        IGrantsVault.TierBounds[3] memory b;
        b[0] = IGrantsVault.TierBounds(uint128(25_000 * OPEN), uint128(50_000 * OPEN));
        b[1] = IGrantsVault.TierBounds(uint128(50_000 * OPEN), uint128(150_000 * OPEN));
        b[2] = IGrantsVault.TierBounds(uint128(250_000 * OPEN), uint128(500_000 * OPEN));
        vault = new GrantsVault(
            IERC20(address(open)),
            address(timelock),
            address(timelock),
            council,
            guardian,
            b,
            VETO_WINDOW
        );
        vm.prank(BRIDGE);
        open.mint(address(timelock), TREASURY_FUNDS);
        vm.warp(block.timestamp + 1); // checkpoints are read strictly in the past
    }

    function _mintAndDelegate(address who, uint256 amount) private {
        vm.prank(BRIDGE);
        open.mint(who, amount);
        vm.prank(who);
        open.delegate(who);
    }

    // ------------------------------------------------------------------------------------
    // Proposal helpers
    // ------------------------------------------------------------------------------------

    struct Proposal {
        address[] targets;
        uint256[] values;
        bytes[] calldatas;
        string description;
    }

    function one(
        address target,
        bytes memory data,
        string memory description
    ) internal pure returns (Proposal memory p) {
        p.targets = new address[](1);
        p.values = new uint256[](1);
        p.calldatas = new bytes[](1);
        p.targets[0] = target;
        p.calldatas[0] = data;
        p.description = description;
    }

    function two(
        address target0,
        bytes memory data0,
        address target1,
        bytes memory data1,
        string memory description
    ) internal pure returns (Proposal memory p) {
        p.targets = new address[](2);
        p.values = new uint256[](2);
        p.calldatas = new bytes[](2);
        (p.targets[0], p.targets[1]) = (target0, target1);
        (p.calldatas[0], p.calldatas[1]) = (data0, data1);
        p.description = description;
    }

    function propose(address proposer, Proposal memory p) internal returns (uint256 id) {
        vm.prank(proposer);
        id = governor.propose(p.targets, p.values, p.calldatas, p.description);
    }

    /// @dev Votes it through (alice and bob for), waits for the end and queues it.
    function passAndQueue(uint256 id) internal {
        vm.warp(governor.proposalSnapshot(id) + 1);
        vm.prank(alice);
        governor.castVote(id, 1);
        vm.prank(bob);
        governor.castVote(id, 1);
        vm.warp(governor.proposalDeadline(id) + 1);
        governor.queue(id);
    }

    /// @dev The whole cycle: propose (alice), vote, queue, wait the delay, execute.
    function govern(Proposal memory p) internal returns (uint256 id) {
        id = propose(alice, p);
        passAndQueue(id);
        vm.warp(governor.proposalEta(id));
        governor.execute(id);
    }

    /// @dev The timelock operation id the governor uses for a proposal.
    function operationId(Proposal memory p) internal view returns (bytes32) {
        bytes32 salt = bytes20(address(governor)) ^ keccak256(bytes(p.description));
        return timelock.hashOperationBatch(p.targets, p.values, p.calldatas, 0, salt);
    }

    function stateBit(IGovernor.ProposalState s) internal pure returns (bytes32) {
        return bytes32(1 << uint8(s));
    }
}
