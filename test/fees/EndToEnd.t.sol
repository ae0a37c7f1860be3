// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IFeeRouter} from "../../contracts/interfaces/IFeeRouter.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {FeeRouterFixture} from "./FeeRouterFixture.sol";

/// @notice The wiring end to end with every real contract: a model registered on published
///         Datanet versions (reached through stake, curator vote and publish), paid single and
///         batched, its escrow visible per epoch in the RewardDistributor, then settled by a
///         root, finalized and claimed, with the owner's credit withdrawn and the platform fees
///         swept: every OPEN a payer paid ends with exactly one recipient.
contract EndToEndTest is FeeRouterFixture {
    function _leaf(address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
    }

    function _pairRoot(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    uint256 internal adapter;
    uint256 internal escrow0;
    uint256 internal escrow1;

    function test_endToEnd_registerPayEscrowSettleClaim_succeeds() public {
        _payTwoEpochs();
        _settleEpoch0();
        _drainRouter();
    }

    function _payTwoEpochs() internal {
        // Provenance: the model setUp registered names two published versions.
        IModelRegistry.DatanetVersion[] memory trained = registry.trainedOn(model);
        for (uint256 i = 0; i < trained.length; ++i) {
            assertTrue(datanets.isPublishedVersion(trained[i].datanetId, trained[i].version), "published");
        }
        adapter = _registerAdapter(stranger, model, keccak256("lora"));

        // Epoch 0: a single payment to the base and a batch of 5 to the adapter.
        vm.startPrank(payer);
        router.pay(model, keccak256("r0"), 1_000, 500, type(uint256).max);
        (, uint256 batchFee) = router.payBatch(adapter, _batch(5, 1));
        vm.stopPrank();
        assertGt(batchFee, 0, "batch paid");
        escrow0 = _escrowTotal(0, model) + _escrowTotal(0, adapter);
        assertEq(distributor.epochEscrow(0), escrow0, "epoch 0 escrow = booked parts of both models");

        // Epoch 1, on the distributor's clock.
        vm.warp(genesis + EPOCH);
        assertEq(router.currentEpoch(), distributor.currentEpoch());
        vm.prank(payer);
        router.pay(model, keccak256("r1"), 10, 10, type(uint256).max);
        escrow1 = _escrowTotal(1, model);
        assertEq(distributor.epochEscrow(1), escrow1, "epoch 1 escrow");
        assertEq(distributor.epochEscrow(0), escrow0, "epoch 0 untouched");
    }

    /// @dev Stakers' pools to the curator, contributors' pools to the contributor.
    function _settleEpoch0() internal {
        IFeeRouter.Escrowed memory a = router.escrowed(0, model);
        IFeeRouter.Escrowed memory b = router.escrowed(0, adapter);
        uint256 stakers = uint256(a.stakers) + b.stakers;
        uint256 contributors = uint256(a.contributors) + b.contributors;
        bytes32 leafS = _leaf(curator, stakers);
        bytes32 leafC = _leaf(contributor, contributors);
        address settler = makeAddr("settler");
        bytes32 settlerRole = distributor.SETTLER_ROLE();
        vm.prank(governance);
        distributor.grantRole(settlerRole, settler);
        vm.deal(settler, 1 ether);
        vm.prank(settler);
        distributor.propose{value: 0.1 ether}(0, _pairRoot(leafS, leafC), escrow0, keccak256("report"), "ipfs://r");
        vm.warp(block.timestamp + 1 days);
        distributor.finalize();

        bytes32[] memory proof = new bytes32[](1);
        proof[0] = leafC;
        uint256 curatorBefore = open.balanceOf(curator);
        distributor.claim(curator, stakers, proof);
        assertEq(open.balanceOf(curator) - curatorBefore, stakers, "stakers' pool paid");
        proof[0] = leafS;
        uint256 contributorBefore = open.balanceOf(contributor);
        distributor.claim(contributor, contributors, proof);
        assertEq(open.balanceOf(contributor) - contributorBefore, contributors, "contributors' pool paid");
        assertEq(open.balanceOf(address(distributor)), escrow1, "only epoch 1 remains escrowed");
    }

    /// @dev Owners pull their credits; anyone sweeps the platform fees; the router ends empty.
    function _drainRouter() internal {
        uint256 c1 = router.creditOf(modelOwner);
        uint256 c2 = router.creditOf(stranger);
        vm.prank(modelOwner);
        router.withdrawCredit(modelOwner, c1);
        vm.prank(stranger);
        router.withdrawCredit(stranger, c2);
        uint256 platform = router.sweepPlatformFees();
        assertEq(open.balanceOf(address(router)), 0, "router empty");
        assertEq(
            1_000_000e18 - open.balanceOf(payer),
            c1 + c2 + platform + escrow0 + escrow1,
            "every OPEN paid has exactly one recipient"
        );
    }
}
