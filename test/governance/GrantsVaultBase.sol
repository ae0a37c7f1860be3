// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {GrantsVault} from "../../contracts/grants/GrantsVault.sol";
import {IGrantsVault} from "../../contracts/interfaces/IGrantsVault.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";

/// @notice Shared deployment for the vault's own tests: the real bridged OPEN (minted by
///         pranking the L2 bridge) and a GrantsVault whose governance and treasury are one
///         named account (the timelock's place; the governance tests use the real timelock).
abstract contract GrantsVaultBase is Test {
    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;
    uint256 internal constant START = 1_750_000_000;
    uint256 internal constant OPEN = 1e18;
    uint256 internal constant VETO_WINDOW = 3 days;
    uint256 internal constant TREASURY_FUNDS = 100_000_000 * OPEN;

    L2OpenToken internal open;
    GrantsVault internal vault;
    address internal governance = makeAddr("governance (timelock)");
    address internal council = makeAddr("council");
    address internal guardian = makeAddr("guardian");
    address internal grantee = makeAddr("grantee");
    address internal stranger = makeAddr("stranger");

    function setUp() public virtual {
        vm.warp(START);
        open = new L2OpenToken(makeAddr("l1Open"));
        vault = new GrantsVault(
            IERC20(address(open)),
            governance,
            governance,
            council,
            guardian,
            defaultBounds(),
            VETO_WINDOW
        );
        vm.prank(BRIDGE);
        open.mint(governance, TREASURY_FUNDS);
        vm.prank(governance);
        open.approve(address(vault), type(uint256).max);
    }

    /// @dev OpenCircle's tiers (Exploration $25k-50k, Building $50k-150k, Expansion
    ///      $250k-500k) at a reference price of 1 OPEN = $1.
    function defaultBounds() internal pure returns (IGrantsVault.TierBounds[3] memory b) {
        b[0] = IGrantsVault.TierBounds(uint128(25_000 * OPEN), uint128(50_000 * OPEN));
        b[1] = IGrantsVault.TierBounds(uint128(50_000 * OPEN), uint128(150_000 * OPEN));
        b[2] = IGrantsVault.TierBounds(uint128(250_000 * OPEN), uint128(500_000 * OPEN));
    }

    /// @dev `n` milestones 30 days apart; weights as given.
    function specs(uint16[] memory weights) internal view returns (IGrantsVault.MilestoneSpec[] memory s) {
        s = new IGrantsVault.MilestoneSpec[](weights.length);
        for (uint256 i = 0; i < weights.length; ++i) {
            s[i] = IGrantsVault.MilestoneSpec({
                weightBps: weights[i],
                deadline: uint64(block.timestamp + (i + 1) * 30 days),
                specHash: keccak256(abi.encode("milestone", i))
            });
        }
    }

    function weights3() internal pure returns (uint16[] memory w) {
        w = new uint16[](3);
        w[0] = 2_500;
        w[1] = 3_333;
        w[2] = 4_167;
    }

    function createGrant(IGrantsVault.Tier tier, uint256 amount) internal returns (uint256 grantId) {
        IGrantsVault.MilestoneSpec[] memory s = specs(weights3());
        vm.prank(governance);
        grantId = vault.createGrant(grantee, tier, amount, s, keccak256("terms"));
    }

    function reviewerOf(IGrantsVault.Tier tier) internal view returns (address) {
        return tier == IGrantsVault.Tier.Expansion ? governance : council;
    }

    function submit(uint256 grantId, uint256 index, bytes32 evidence) internal {
        vm.prank(grantee);
        vault.submitEvidence(grantId, index, evidence);
    }

    function approve(uint256 grantId, uint256 index) internal {
        IGrantsVault.Milestone memory m = vault.getMilestone(grantId, index);
        vm.prank(reviewerOf(vault.getGrant(grantId).tier));
        vault.approveMilestone(grantId, index, m.evidence);
    }

    function reject(uint256 grantId, uint256 index) internal {
        vm.prank(reviewerOf(vault.getGrant(grantId).tier));
        vault.rejectMilestone(grantId, index, keccak256("not enough"));
    }

    /// @dev Submits, approves, waits out the veto window and releases milestone `index`.
    function completeMilestone(uint256 grantId, uint256 index) internal returns (uint256 paid) {
        submit(grantId, index, keccak256(abi.encode("evidence", grantId, index)));
        approve(grantId, index);
        vm.warp(block.timestamp + VETO_WINDOW);
        paid = vault.release(grantId, index);
    }
}
