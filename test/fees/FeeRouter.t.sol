// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

import {RewardDistributor} from "../../contracts/distributor/RewardDistributor.sol";
import {FeeRouter} from "../../contracts/fees/FeeRouter.sol";
import {IErrors} from "../../contracts/interfaces/IErrors.sol";
import {IFeeRouter} from "../../contracts/interfaces/IFeeRouter.sol";
import {ITreasuryConfig} from "../../contracts/interfaces/ITreasuryConfig.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {FeeRouterFixture} from "./FeeRouterFixture.sol";

contract FeeRouterTest is FeeRouterFixture {
    bytes32 internal constant H1 = keccak256("request-1");
    bytes32 internal constant H2 = keccak256("request-2");
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    // 1,000 in x 2 OPEN/1k + 500 out x 6 OPEN/1k = 5 OPEN; platform 5%; net 4.75 split 30/20/50.
    uint256 internal constant FEE = 5e18;
    uint256 internal constant PLATFORM = 0.25e18;
    uint256 internal constant OWNER = 1.425e18;
    uint256 internal constant STAKERS = 0.95e18;
    uint256 internal constant CONTRIBUTORS = 2.375e18;

    function _parts(uint256 p, uint256 o, uint256 s, uint256 c) internal pure returns (IFeeRouter.Parts memory) {
        return IFeeRouter.Parts({platform: p, owner: o, stakers: s, contributors: c});
    }

    // --- constructor --------------------------------------------------------------------------

    function test_constructor_state_succeeds() public view {
        assertEq(router.token(), address(open));
        assertEq(router.registry(), address(registry));
        assertEq(router.distributor(), address(distributor));
        assertEq(router.genesis(), distributor.genesis(), "genesis copied");
        assertEq(router.epochLength(), distributor.epochLength(), "length copied");
        assertEq(router.treasury(), treasury);
        assertEq(router.platformFeeBps(), PLATFORM_BPS);
        assertEq(open.allowance(address(router), address(distributor)), type(uint256).max, "standing allowance");
        assertTrue(router.hasRole(router.DEFAULT_ADMIN_ROLE(), governance), "admin");
        assertTrue(router.hasRole(router.GUARDIAN_ROLE(), guardian), "guardian");
        assertEq(router.version(), "4.0.0");
        assertEq(router.lastRequestId(), 0);
    }

    function test_constructor_zeroAddress_reverts() public {
        address[6] memory a = [address(open), address(registry), address(distributor), treasury, governance, guardian];
        for (uint256 i = 0; i < 6; ++i) {
            address[6] memory b = a;
            b[i] = address(0);
            vm.expectRevert(IErrors.ZeroAddress.selector);
            new FeeRouter(b[0], b[1], b[2], b[3], PLATFORM_BPS, b[4], b[5]);
        }
    }

    function test_constructor_platformFeeTooHigh_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.PlatformFeeTooHigh.selector, 2_001, 2_000));
        new FeeRouter(address(open), address(registry), address(distributor), treasury, 2_001, governance, guardian);
    }

    function test_constructor_distributorTokenMismatch_reverts() public {
        // A real RewardDistributor on the same clock, escrowing another token.
        L2OpenToken other = new L2OpenToken(makeAddr("otherL1Open"));
        RewardDistributor wrong = new RewardDistributor(
            governance,
            other,
            genesis,
            EPOCH,
            1 days,
            0.1 ether,
            0.1 ether
        );
        vm.expectRevert(
            abi.encodeWithSelector(IFeeRouter.DistributorTokenMismatch.selector, address(open), address(other))
        );
        new FeeRouter(address(open), address(registry), address(wrong), treasury, PLATFORM_BPS, governance, guardian);
    }

    // --- epochs ---------------------------------------------------------------------------------

    function test_currentEpoch_matchesDistributor_succeeds() public {
        for (uint256 i = 0; i < 5; ++i) {
            assertEq(router.currentEpoch(), distributor.currentEpoch(), "same clock");
            vm.warp(block.timestamp + EPOCH / 2 + 7);
        }
        assertEq(router.epochAt(genesis - 1), 0, "before genesis: 0, as the distributor says");
        assertEq(router.epochAt(genesis + EPOCH), 1);
        assertEq(router.epochAt(genesis + EPOCH - 1), 0);
    }

    // --- pay ------------------------------------------------------------------------------------

    function test_pay_splitsAndEscrows_succeeds() public {
        uint256 payerBefore = open.balanceOf(payer);
        vm.expectEmit(address(router));
        emit IFeeRouter.RequestPaid(
            1,
            H1,
            model,
            payer,
            0,
            1_000,
            500,
            FEE,
            _parts(PLATFORM, OWNER, STAKERS, CONTRIBUTORS)
        );
        vm.prank(payer);
        (uint256 id, uint256 fee) = router.pay(model, H1, 1_000, 500, FEE);
        vm.snapshotGasLastCall("FeeRouter", "pay (first payment: fresh slots)");

        assertEq(id, 1);
        assertEq(fee, FEE);
        assertEq(open.balanceOf(payer), payerBefore - FEE, "payer paid the fee");
        assertEq(open.balanceOf(address(router)), OWNER + PLATFORM, "router holds only what it owes");
        assertEq(router.creditOf(modelOwner), OWNER);
        assertEq(router.totalCredits(), OWNER);
        assertEq(router.platformFeesAccrued(), PLATFORM);
        assertEq(open.balanceOf(address(distributor)), STAKERS + CONTRIBUTORS, "escrow in the distributor");
        assertEq(distributor.epochEscrow(0), STAKERS + CONTRIBUTORS, "per epoch");
        IFeeRouter.Escrowed memory e = router.escrowed(0, model);
        assertEq(e.stakers, STAKERS);
        assertEq(e.contributors, CONTRIBUTORS);
        assertEq(router.requestIdOf(payer, H1), 1);
        assertEq(router.lastRequestId(), 1);

        vm.prank(payer);
        router.pay(model, H2, 1_000, 500, FEE);
        vm.snapshotGasLastCall("FeeRouter", "pay (second payment, same model and epoch)");
        assertEq(distributor.epochEscrow(0), 2 * (STAKERS + CONTRIBUTORS));
        assertEq(router.lastRequestId(), 2);
    }

    function test_pay_nextEpoch_succeeds() public {
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        vm.warp(genesis + EPOCH);
        vm.expectEmit(address(router));
        emit IFeeRouter.RequestPaid(
            2,
            H2,
            model,
            payer,
            1,
            1_000,
            500,
            FEE,
            _parts(PLATFORM, OWNER, STAKERS, CONTRIBUTORS)
        );
        vm.prank(payer);
        router.pay(model, H2, 1_000, 500, FEE);
        assertEq(distributor.epochEscrow(0), STAKERS + CONTRIBUTORS);
        assertEq(distributor.epochEscrow(1), STAKERS + CONTRIBUTORS);
        assertEq(_escrowTotal(1, model), STAKERS + CONTRIBUTORS);
    }

    function test_pay_adapterCreditsItsOwner_succeeds() public {
        uint256 adapter = _registerAdapter(stranger, model, keccak256("lora"));
        vm.prank(payer);
        router.pay(adapter, H1, 1_000, 500, FEE);
        assertEq(router.creditOf(stranger), OWNER, "adapter owner credited");
        assertEq(router.creditOf(modelOwner), 0, "base owner not");
        assertEq(_escrowTotal(0, adapter), STAKERS + CONTRIBUTORS, "escrow booked to the adapter");
        assertEq(_escrowTotal(0, model), 0);
    }

    function test_pay_onePricedSide_succeeds() public {
        // Only output tokens: 0 in, 1 out at 6 OPEN/1k = 0.006 OPEN exactly.
        vm.prank(payer);
        (, uint256 fee) = router.pay(model, H1, 0, 1, type(uint256).max);
        assertEq(fee, 6e15);
    }

    /// @notice L-5: a model may price one side only; a request that uses only the unpriced side
    ///         would cost 0 and still take a request id and emit RequestPaid (free spam of
    ///         attribution events). It is refused, in a batch too.
    function test_pay_zeroFeeOnTheUnpricedSide_reverts() public {
        IModelRegistry.Registration memory r = _registration(keccak256("output-only"));
        r.pricePerKInput = 0;
        uint256 outputOnly = _registerWith(modelOwner, r);
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.ZeroFee.selector, H1, 1_000, 0));
        vm.prank(payer);
        router.pay(outputOnly, H1, 1_000, 0, type(uint256).max);
        IFeeRouter.PaymentRequest[] memory reqs = new IFeeRouter.PaymentRequest[](2);
        reqs[0] = _req(H1, 10, 10, type(uint256).max);
        reqs[1] = _req(H2, 7, 0, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.ZeroFee.selector, H2, 7, 0));
        vm.prank(payer);
        router.payBatch(outputOnly, reqs);
        assertEq(router.lastRequestId(), 0, "no request id taken");
    }

    /// @notice I-3: OPEN sent by a plain transfer is skimmed to the treasury by anyone, and only
    ///         the excess moves: credits and platform fees stay payable.
    function test_skim_sendsTheExcessToTheTreasury_succeeds() public {
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        uint256 owed = router.totalCredits() + router.platformFeesAccrued();
        vm.prank(payer);
        open.transfer(address(router), 123);
        uint256 before = open.balanceOf(treasury);
        vm.expectEmit(address(router));
        emit ITreasuryConfig.ExcessSkimmed(address(this), treasury, 123);
        assertEq(router.skim(), 123);
        assertEq(open.balanceOf(treasury) - before, 123);
        assertEq(open.balanceOf(address(router)), owed, "holds exactly what it owes again");
        vm.expectRevert(abi.encodeWithSelector(IErrors.NothingToSkim.selector, owed, owed));
        router.skim();
    }

    function test_pay_feeRoundsUp_succeeds() public {
        IModelRegistry.Registration memory r = _registration(keccak256("cheap"));
        (r.pricePerKInput, r.pricePerKOutput) = (1, 1);
        _commit(modelOwner, r.artifactHash);
        vm.prank(modelOwner);
        uint256 cheap = registry.registerModel(r, SALT);
        vm.prank(payer);
        (, uint256 fee) = router.pay(cheap, H1, 1, 0, 1);
        assertEq(fee, 1, "a 0.001 wei request pays 1 wei, never 0");
        // 1 wei: platform 0, owner 0, stakers 0, contributors 1 (the dust).
        assertEq(router.escrowed(0, cheap).contributors, 1);
        assertEq(router.creditOf(modelOwner), 0);
    }

    function test_pay_feeAboveMax_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.FeeAboveMax.selector, H1, FEE, FEE - 1));
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE - 1);
    }

    function test_pay_reusedHash_reverts() public {
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.RequestAlreadyPaid.selector, payer, H1, 1));
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        // Per payer, across models: the same payer cannot pay the hash again to another model.
        uint256 other = _register(stranger, keccak256("other"));
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.RequestAlreadyPaid.selector, payer, H1, 1));
        vm.prank(payer);
        router.pay(other, H1, 1_000, 500, FEE);
    }

    /// Review L-1: an attacker who pays a gateway's hash first (to its own model, for a
    /// wei-scale fee) neither blocks the gateway's payment nor becomes its request.
    function test_pay_hashPaidByAnotherPayer_succeeds() public {
        address attacker = makeAddr("attacker");
        uint256 attackerModel = _register(attacker, keccak256("attacker-model"));
        _mint(attacker, 1e18);
        vm.prank(attacker);
        open.approve(address(router), type(uint256).max);
        vm.prank(attacker);
        (uint256 squatId, uint256 squatFee) = router.pay(attackerModel, H1, 1, 0, type(uint256).max);
        assertEq(squatId, 1);
        assertLt(squatFee, 1e16, "a wei-scale squat");

        vm.expectEmit(address(router));
        emit IFeeRouter.RequestPaid(
            2,
            H1,
            model,
            payer,
            0,
            1_000,
            500,
            FEE,
            _parts(PLATFORM, OWNER, STAKERS, CONTRIBUTORS)
        );
        vm.prank(payer);
        (uint256 id, uint256 fee) = router.pay(model, H1, 1_000, 500, FEE);
        assertEq(id, 2);
        assertEq(fee, FEE);
        assertEq(router.requestIdOf(attacker, H1), 1, "the attacker's request stays its own");
        assertEq(router.requestIdOf(payer, H1), 2, "the gateway's request is its own");
        assertEq(router.requestIdOf(stranger, H1), 0, "nobody else paid it");
        // Each payer is still held to "accepted once".
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.RequestAlreadyPaid.selector, attacker, H1, 1));
        vm.prank(attacker);
        router.pay(attackerModel, H1, 1, 0, type(uint256).max);
    }

    function testFuzz_pay_hashScopedPerPayer(address other, bytes32 h) public {
        vm.assume(other != payer && other != address(0) && other != address(router));
        vm.assume(h != bytes32(0));
        _mint(other, FEE);
        vm.prank(other);
        open.approve(address(router), type(uint256).max);
        vm.prank(other);
        router.pay(model, h, 1_000, 500, FEE);
        vm.prank(payer);
        router.pay(model, h, 1_000, 500, FEE);
        assertEq(router.requestIdOf(other, h), 1);
        assertEq(router.requestIdOf(payer, h), 2);
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.RequestAlreadyPaid.selector, payer, h, 2));
        vm.prank(payer);
        router.pay(model, h, 1_000, 500, FEE);
    }

    function test_pay_zeroHash_reverts() public {
        vm.expectRevert(IFeeRouter.ZeroRequestHash.selector);
        vm.prank(payer);
        router.pay(model, bytes32(0), 1_000, 500, FEE);
    }

    function test_pay_zeroTokens_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.ZeroTokens.selector, H1));
        vm.prank(payer);
        router.pay(model, H1, 0, 0, FEE);
    }

    function test_pay_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 42));
        vm.prank(payer);
        router.pay(42, H1, 1_000, 500, FEE);
    }

    function test_pay_pausedModel_reverts() public {
        vm.prank(modelOwner);
        registry.pauseModel(model);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsPaused.selector, model));
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
    }

    function test_pay_retiredModel_reverts() public {
        vm.prank(modelOwner);
        registry.retireModel(model);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsRetired.selector, model));
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
    }

    function test_pay_adapterOfRetiredBase_reverts() public {
        uint256 adapter = _registerAdapter(stranger, model, keccak256("lora"));
        vm.prank(modelOwner);
        registry.retireModel(model);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.BaseModelNotActive.selector,
                adapter,
                model,
                IModelRegistry.ModelStatus.Retired
            )
        );
        vm.prank(payer);
        router.pay(adapter, H1, 1_000, 500, FEE);
    }

    function test_pay_routerPaused_reverts() public {
        vm.prank(guardian);
        router.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        // The guardian stops; only governance restarts.
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                guardian,
                router.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(guardian);
        router.unpause();
        assertTrue(router.paused(), "still paused after the guardian's attempt");
        vm.prank(governance);
        router.unpause();
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
    }

    function test_pay_noAllowance_reverts() public {
        vm.prank(payer);
        open.approve(address(router), FEE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(router), FEE - 1, FEE)
        );
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        assertEq(router.requestIdOf(payer, H1), 0, "nothing recorded: the hash can be paid again");
    }

    function test_pay_amountAbove96Bits_reverts() public {
        // More than all OPEN that can exist (10^27 < 2^90): the packed totals refuse it.
        IModelRegistry.Registration memory r = _registration(keccak256("absurd"));
        (r.pricePerKInput, r.pricePerKOutput) = (type(uint80).max, 0);
        _commit(modelOwner, r.artifactHash);
        vm.prank(modelOwner);
        uint256 absurd = registry.registerModel(r, SALT);
        _mint(payer, 2 ** 120);
        (uint256 fee, IFeeRouter.Parts memory p) = router.quote(absurd, type(uint64).max, 0);
        assertGt(p.platform, type(uint96).max, "platform part above 96 bits");
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 96, p.platform));
        vm.prank(payer);
        router.pay(absurd, H1, type(uint64).max, 0, fee);
    }

    function test_pay_priceChangeNeedsNotice_succeeds() public {
        (uint256 quoted, ) = router.quote(model, 1_000, 500);
        vm.prank(modelOwner);
        uint256 effectiveAt = registry.scheduleTerms(model, 4e18, 12e18, 3_000, 2_000, 5_000);
        vm.warp(effectiveAt - 1);
        vm.prank(payer);
        (, uint256 fee) = router.pay(model, H1, 1_000, 500, quoted);
        assertEq(fee, quoted, "old price until the notice ends");
        vm.warp(effectiveAt);
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.FeeAboveMax.selector, H2, 2 * FEE, quoted));
        vm.prank(payer);
        router.pay(model, H2, 1_000, 500, quoted);
    }

    // --- permit ---------------------------------------------------------------------------------

    function _permit(uint256 value, uint256 deadline) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, payer, address(router), value, open.nonces(payer), deadline)
        );
        (v, r, s) = vm.sign(payerKey, keccak256(abi.encodePacked("\x19\x01", open.DOMAIN_SEPARATOR(), structHash)));
    }

    function test_payWithPermit_succeeds() public {
        vm.prank(payer);
        open.approve(address(router), 0);
        (uint8 v, bytes32 r, bytes32 s) = _permit(FEE, block.timestamp + 1 hours);
        vm.prank(payer);
        (uint256 id, uint256 fee) = router.payWithPermit(
            model,
            H1,
            1_000,
            500,
            FEE,
            block.timestamp + 1 hours,
            v,
            r,
            s
        );
        assertEq(id, 1);
        assertEq(fee, FEE);
        assertEq(open.allowance(payer, address(router)), 0, "permit of maxFee, fee pulled");
    }

    function test_payWithPermit_frontRun_succeeds() public {
        vm.prank(payer);
        open.approve(address(router), 0);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(FEE, deadline);
        // Someone submits the permit first: the payment must still go through.
        open.permit(payer, address(router), FEE, deadline, v, r, s);
        vm.prank(payer);
        router.payWithPermit(model, H1, 1_000, 500, FEE, deadline, v, r, s);
        assertEq(router.requestIdOf(payer, H1), 1);
    }

    function test_payWithPermit_badSignature_reverts() public {
        vm.prank(payer);
        open.approve(address(router), 0);
        (uint8 v, bytes32 r, bytes32 s) = _permit(FEE - 1, block.timestamp + 1 hours);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(router), 0, FEE)
        );
        vm.prank(payer);
        router.payWithPermit(model, H1, 1_000, 500, FEE, block.timestamp + 1 hours, v, r, s);
    }

    // --- payBatch -------------------------------------------------------------------------------

    function test_payBatch_sameEventsAsSingles_succeeds() public {
        IFeeRouter.PaymentRequest[] memory reqs = new IFeeRouter.PaymentRequest[](3);
        reqs[0] = _req(H1, 1_000, 500, FEE);
        reqs[1] = _req(H2, 1_000, 500, FEE);
        reqs[2] = _req(keccak256("request-3"), 1, 0, 1e18);
        uint256 tinyFee = 2e15; // 1 in x 2 OPEN/1k
        for (uint256 i = 0; i < 2; ++i) {
            vm.expectEmit(address(router));
            emit IFeeRouter.RequestPaid(
                i + 1,
                reqs[i].requestHash,
                model,
                payer,
                0,
                1_000,
                500,
                FEE,
                _parts(PLATFORM, OWNER, STAKERS, CONTRIBUTORS)
            );
        }
        vm.expectEmit(address(router));
        emit IFeeRouter.RequestPaid(
            3,
            reqs[2].requestHash,
            model,
            payer,
            0,
            1,
            0,
            tinyFee,
            _parts(1e14, 5.7e14, 3.8e14, 9.5e14)
        );
        vm.prank(payer);
        (uint256 first, uint256 total) = router.payBatch(model, reqs);
        assertEq(first, 1);
        assertEq(total, 2 * FEE + tinyFee);
        assertEq(router.lastRequestId(), 3);
        assertEq(router.requestIdOf(payer, reqs[2].requestHash), 3);
        assertEq(router.creditOf(modelOwner), 2 * OWNER + 5.7e14);
        assertEq(router.platformFeesAccrued(), 2 * PLATFORM + 1e14);
        assertEq(distributor.epochEscrow(0), 2 * (STAKERS + CONTRIBUTORS) + 3.8e14 + 9.5e14);
        assertEq(open.balanceOf(address(router)), router.totalCredits() + router.platformFeesAccrued());
    }

    function test_payBatch_gas_succeeds() public {
        // Warm the (epoch, model) escrow slot and the owner's credit as a gateway's later batches would.
        vm.prank(payer);
        router.pay(model, keccak256("warm"), 1, 1, type(uint256).max);
        IFeeRouter.PaymentRequest[] memory reqs = _batch(10, 1);
        vm.prank(payer);
        router.payBatch(model, reqs);
        vm.snapshotGasLastCall("FeeRouter", "payBatch (10 requests)");
        reqs = _batch(100, 2);
        vm.prank(payer);
        router.payBatch(model, reqs);
        vm.snapshotGasLastCall("FeeRouter", "payBatch (100 requests)");
        assertEq(router.lastRequestId(), 111);
    }

    function test_payBatch_empty_reverts() public {
        vm.expectRevert(IFeeRouter.EmptyBatch.selector);
        vm.prank(payer);
        router.payBatch(model, new IFeeRouter.PaymentRequest[](0));
    }

    function test_payBatch_duplicateInBatch_reverts() public {
        IFeeRouter.PaymentRequest[] memory reqs = _batch(4, 7);
        reqs[3].requestHash = reqs[1].requestHash;
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.RequestAlreadyPaid.selector, payer, reqs[1].requestHash, 2));
        vm.prank(payer);
        router.payBatch(model, reqs);
    }

    function test_payBatch_hashPaidByAnotherPayer_succeeds() public {
        IFeeRouter.PaymentRequest[] memory reqs = _batch(4, 9);
        _mint(stranger, 1e18);
        vm.prank(stranger);
        open.approve(address(router), type(uint256).max);
        vm.prank(stranger);
        router.pay(model, reqs[2].requestHash, 1, 0, type(uint256).max);
        vm.prank(payer);
        (uint256 first, ) = router.payBatch(model, reqs);
        assertEq(first, 2);
        assertEq(router.requestIdOf(payer, reqs[2].requestHash), 4);
        assertEq(router.requestIdOf(stranger, reqs[2].requestHash), 1);
    }

    function test_payBatch_oneBadRequestRevertsAll_reverts() public {
        IFeeRouter.PaymentRequest[] memory reqs = _batch(4, 7);
        reqs[2].maxFee = 1;
        (uint256 fee, ) = router.quote(model, reqs[2].tokensIn, reqs[2].tokensOut);
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.FeeAboveMax.selector, reqs[2].requestHash, fee, 1));
        vm.prank(payer);
        router.payBatch(model, reqs);
        assertEq(router.requestIdOf(payer, reqs[0].requestHash), 0, "all or nothing");
        reqs[2].maxFee = fee;
        reqs[3].tokensIn = 0;
        reqs[3].tokensOut = 0;
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.ZeroTokens.selector, reqs[3].requestHash));
        vm.prank(payer);
        router.payBatch(model, reqs);
        reqs[3].tokensIn = 1;
        reqs[0].requestHash = bytes32(0);
        vm.expectRevert(IFeeRouter.ZeroRequestHash.selector);
        vm.prank(payer);
        router.payBatch(model, reqs);
    }

    function test_payBatch_pausedModel_reverts() public {
        vm.prank(modelOwner);
        registry.pauseModel(model);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsPaused.selector, model));
        vm.prank(payer);
        router.payBatch(model, _batch(2, 1));
        vm.prank(guardian);
        router.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        vm.prank(payer);
        router.payBatch(model, _batch(2, 1));
    }

    function test_payBatchWithPermit_succeeds() public {
        vm.prank(payer);
        open.approve(address(router), 0);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) = _permit(100e18, deadline);
        vm.prank(payer);
        (, uint256 total) = router.payBatchWithPermit(model, _batch(5, 3), 100e18, deadline, v, r, s);
        assertEq(open.allowance(payer, address(router)), 100e18 - total);
    }

    /// @notice A batch books exactly what the same requests paid one by one book.
    function testFuzz_payBatch_equalsSingles(uint256 n, uint256 salt, uint64 tIn, uint64 tOut) public {
        n = bound(n, 1, 12);
        tIn = uint64(bound(tIn, 0, 1e9));
        tOut = uint64(bound(tOut, 1, 1e9));
        _mint(payer, 1e29);
        IFeeRouter.PaymentRequest[] memory reqs = _batch(n, salt);
        for (uint256 i = 0; i < n; ++i) (reqs[i].tokensIn, reqs[i].tokensOut) = (tIn + uint64(i), tOut);

        uint256 snap = vm.snapshotState();
        vm.startPrank(payer);
        for (uint256 i = 0; i < n; ++i)
            router.pay(model, reqs[i].requestHash, reqs[i].tokensIn, reqs[i].tokensOut, reqs[i].maxFee);
        vm.stopPrank();
        uint256[5] memory singles = [
            router.creditOf(modelOwner),
            router.platformFeesAccrued(),
            uint256(router.escrowed(0, model).stakers),
            uint256(router.escrowed(0, model).contributors),
            open.balanceOf(payer)
        ];
        vm.revertToState(snap);

        vm.prank(payer);
        router.payBatch(model, reqs);
        assertEq(router.creditOf(modelOwner), singles[0], "owner");
        assertEq(router.platformFeesAccrued(), singles[1], "platform");
        assertEq(router.escrowed(0, model).stakers, singles[2], "stakers");
        assertEq(router.escrowed(0, model).contributors, singles[3], "contributors");
        assertEq(open.balanceOf(payer), singles[4], "payer");
        assertEq(router.lastRequestId(), n);
    }

    /// @notice Any priced request: the payer pays exactly the quote, the router keeps exactly the
    ///         owner's and the platform's parts, the distributor gets exactly the rest.
    function testFuzz_pay_exactMoneyFlow(
        uint80 pIn,
        uint80 pOut,
        uint16 ownerBps,
        uint16 stakersBps,
        uint64 tIn,
        uint64 tOut
    ) public {
        pIn = uint80(bound(pIn, 0, 1e21));
        pOut = uint80(bound(pOut, 1, 1e21));
        ownerBps = uint16(bound(ownerBps, 0, 7_000));
        // Stakers within [500, 5000] and contributors within [1000, 9000] given the owner's share.
        uint256 lo = ownerBps >= 500 ? 500 : 1_000 - ownerBps;
        uint256 hi = ownerBps <= 4_000 ? 5_000 : 9_000 - ownerBps;
        stakersBps = uint16(bound(stakersBps, lo, hi));
        tIn = uint64(bound(tIn, 0, 1e8));
        tOut = uint64(bound(tOut, 1, 1e8));
        _mint(payer, 1e27);
        IModelRegistry.Registration memory r = _registration(keccak256("fuzzed"));
        (r.pricePerKInput, r.pricePerKOutput) = (pIn, pOut);
        (r.ownerBps, r.stakersBps, r.contributorsBps) = (ownerBps, stakersBps, 10_000 - ownerBps - stakersBps);
        _commit(stranger, r.artifactHash);
        vm.prank(stranger);
        uint256 m = registry.registerModel(r, SALT);

        (uint256 quoted, IFeeRouter.Parts memory p) = router.quote(m, tIn, tOut);
        assertEq(p.platform + p.owner + p.stakers + p.contributors, quoted, "quote parts sum");
        uint256 payerBefore = open.balanceOf(payer);
        vm.prank(payer);
        (, uint256 fee) = router.pay(m, H1, tIn, tOut, quoted);
        assertEq(fee, quoted, "fee = quote");
        assertEq(payerBefore - open.balanceOf(payer), fee, "payer");
        assertEq(open.balanceOf(address(router)), p.owner + p.platform, "router");
        assertEq(open.balanceOf(address(distributor)), p.stakers + p.contributors, "distributor");
        assertEq(distributor.epochEscrow(0), _escrowTotal(0, m), "epoch escrow = booked parts");
    }

    // --- withdrawCredit -------------------------------------------------------------------------

    function test_withdrawCredit_succeeds() public {
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        vm.expectEmit(address(router));
        emit IFeeRouter.CreditWithdrawn(modelOwner, stranger, OWNER - 1);
        vm.prank(modelOwner);
        router.withdrawCredit(stranger, OWNER - 1);
        assertEq(open.balanceOf(stranger), OWNER - 1);
        assertEq(router.creditOf(modelOwner), 1);
        assertEq(router.totalCredits(), 1);
        assertEq(open.balanceOf(address(router)), 1 + PLATFORM);
    }

    function test_withdrawCredit_wholeCredit_succeeds() public {
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        vm.prank(modelOwner);
        router.withdrawCredit(stranger, OWNER);
        assertEq(router.creditOf(modelOwner), 0);
        assertEq(open.balanceOf(address(router)), PLATFORM, "only the platform fee is left");
    }

    function test_withdrawCredit_tooMuch_reverts() public {
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.InsufficientCredit.selector, modelOwner, OWNER, OWNER + 1));
        vm.prank(modelOwner);
        router.withdrawCredit(modelOwner, OWNER + 1);
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.InsufficientCredit.selector, stranger, 0, 1));
        vm.prank(stranger);
        router.withdrawCredit(stranger, 1);
    }

    function test_withdrawCredit_zero_reverts() public {
        vm.expectRevert(IErrors.ZeroAmount.selector);
        vm.prank(modelOwner);
        router.withdrawCredit(modelOwner, 0);
        vm.expectRevert(IErrors.ZeroAddress.selector);
        vm.prank(modelOwner);
        router.withdrawCredit(address(0), 1);
    }

    function test_withdrawCredit_whilePausedAndRetired_succeeds() public {
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        vm.prank(modelOwner);
        registry.retireModel(model);
        vm.prank(guardian);
        router.pause();
        vm.prank(modelOwner);
        router.withdrawCredit(modelOwner, OWNER);
        assertEq(open.balanceOf(modelOwner), OWNER, "exits are never paused");
    }

    function test_withdrawCredit_creditsStayWithPreviousOwner_succeeds() public {
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        vm.prank(modelOwner);
        registry.transferModelOwnership(model, stranger);
        vm.prank(stranger);
        registry.acceptModelOwnership(model);
        vm.prank(payer);
        router.pay(model, H2, 1_000, 500, FEE);
        assertEq(router.creditOf(modelOwner), OWNER, "earned before the transfer");
        assertEq(router.creditOf(stranger), OWNER, "earned after");
    }

    // --- sweepPlatformFees ----------------------------------------------------------------------

    function test_sweepPlatformFees_succeeds() public {
        vm.prank(payer);
        router.payBatch(model, _batch(3, 9));
        uint256 accrued = router.platformFeesAccrued();
        vm.prank(guardian);
        router.pause();
        vm.expectEmit(address(router));
        emit IFeeRouter.PlatformFeesSwept(treasury, accrued);
        vm.prank(stranger);
        assertEq(router.sweepPlatformFees(), accrued);
        assertEq(open.balanceOf(treasury), accrued);
        assertEq(router.platformFeesAccrued(), 0);
        assertEq(open.balanceOf(address(router)), router.totalCredits());
    }

    function test_sweepPlatformFees_nothing_reverts() public {
        vm.expectRevert(IErrors.NothingToSweep.selector);
        router.sweepPlatformFees();
    }

    // --- governance -----------------------------------------------------------------------------

    function test_setTreasury_succeeds() public {
        vm.expectEmit(address(router));
        emit ITreasuryConfig.TreasuryUpdated(treasury, stranger);
        vm.prank(governance);
        router.setTreasury(stranger);
        assertEq(router.treasury(), stranger);
        vm.expectRevert(IErrors.ZeroAddress.selector);
        vm.prank(governance);
        router.setTreasury(address(0));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                guardian,
                router.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(guardian);
        router.setTreasury(guardian);
    }

    function test_schedulePlatformFee_afterNotice_succeeds() public {
        uint256 effectiveAt = block.timestamp + registry.noticeDelay();
        vm.expectEmit(address(router));
        emit IFeeRouter.PlatformFeeScheduled(1_000, effectiveAt);
        vm.prank(governance);
        assertEq(router.schedulePlatformFee(1_000), effectiveAt);
        vm.warp(effectiveAt - 1);
        assertEq(router.platformFeeBps(), PLATFORM_BPS);
        vm.warp(effectiveAt);
        assertEq(router.platformFeeBps(), 1_000);
        vm.prank(payer);
        router.pay(model, H1, 1_000, 500, FEE);
        assertEq(router.platformFeesAccrued(), 0.5e18);
        // A later schedule keeps the one in force until its own notice ends.
        vm.prank(governance);
        uint256 next = router.schedulePlatformFee(0);
        assertEq(router.platformFeeBps(), 1_000);
        vm.warp(next);
        assertEq(router.platformFeeBps(), 0);
    }

    function test_schedulePlatformFee_tooHigh_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IFeeRouter.PlatformFeeTooHigh.selector, 2_001, 2_000));
        vm.prank(governance);
        router.schedulePlatformFee(2_001);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                modelOwner,
                router.DEFAULT_ADMIN_ROLE()
            )
        );
        vm.prank(modelOwner);
        router.schedulePlatformFee(0);
    }

    function test_pause_notGuardian_reverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector,
                governance,
                router.GUARDIAN_ROLE()
            )
        );
        vm.prank(governance);
        router.pause();
    }

    function test_quote_unknownModel_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.UnknownModel.selector, 9));
        router.quote(9, 1, 1);
    }
}
