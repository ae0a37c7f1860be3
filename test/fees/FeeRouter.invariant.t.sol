// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {RewardDistributor} from "../../contracts/distributor/RewardDistributor.sol";
import {FeeRouter} from "../../contracts/fees/FeeRouter.sol";
import {IFeeRouter} from "../../contracts/interfaces/IFeeRouter.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ModelRegistry} from "../../contracts/model/ModelRegistry.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";
import {Vm} from "../lib/Vm.sol";
import {FeeRouterFixture} from "./FeeRouterFixture.sol";

/// @notice Drives the router with single and batched payments from several payers to several
///         models (base and adapter), price and split changes, pauses, owner withdrawals,
///         sweeps and time passing across epochs. Ghosts add up every part as the events report
///         it, independently of the router's own accounting.
contract FeeRouterHandler is Test {
    FeeRouter public immutable router;
    ModelRegistry public immutable registry;
    RewardDistributor public immutable distributor;
    L2OpenToken public immutable open;

    uint256[] public models;
    address[] public owners;
    address[] public payers;
    uint256[] public epochsTouched;
    mapping(uint256 epoch => bool) internal _touched;

    uint256 public ghostPaid;
    uint256 public ghostPlatform;
    uint256 public ghostOwner;
    uint256 public ghostStakers;
    uint256 public ghostContributors;
    uint256 public ghostWithdrawn;
    uint256 public ghostSwept;
    uint256 public ghostRequests;
    /// Events whose parts do not sum to their fee; payments whose events' fees differ from what
    /// the payer paid. Both must stay 0.
    uint256 public ghostBadEvents;
    uint256 public ghostBadPayments;
    mapping(uint256 epoch => uint256) public ghostEscrow;
    /// Request ids by (payer, hash) as the events report them, and every pair paid, in order.
    mapping(address payer => mapping(bytes32 requestHash => uint256 requestId)) public ghostIdOf;
    address[] public paidPayers;
    bytes32[] public paidHashes;
    /// A payer's reuse of its own hash that did not revert RequestAlreadyPaid(payer, hash, id),
    /// or a reuse of another payer's hash that was refused. Must stay 0.
    uint256 public ghostBadHashVerdicts;
    uint256 internal _nonce;

    bytes32 internal constant REQUEST_PAID = keccak256(
        "RequestPaid(uint256,bytes32,uint256,address,uint256,uint256,uint256,uint256,(uint256,uint256,uint256,uint256))"
    );

    constructor(
        FeeRouter router_,
        ModelRegistry registry_,
        RewardDistributor distributor_,
        L2OpenToken open_,
        uint256[] memory models_,
        address[] memory owners_,
        address[] memory payers_
    ) {
        router = router_;
        registry = registry_;
        distributor = distributor_;
        open = open_;
        models = models_;
        owners = owners_;
        payers = payers_;
    }

    function modelCount() external view returns (uint256) {
        return models.length;
    }

    function ownerCount() external view returns (uint256) {
        return owners.length;
    }

    function epochCount() external view returns (uint256) {
        return epochsTouched.length;
    }

    function paidCount() external view returns (uint256) {
        return paidHashes.length;
    }

    function payerCount() external view returns (uint256) {
        return payers.length;
    }

    /// @dev Pays a hash some payer already paid: refused exactly when this payer paid it (review
    ///      L-1: another payer's use of a hash must never block it).
    function payPaidHash(uint256 modelSeed, uint256 payerSeed, uint256 pickSeed, uint64 tokensIn) external {
        if (paidHashes.length == 0) return;
        bytes32 h = paidHashes[pickSeed % paidHashes.length];
        uint256 modelId = models[modelSeed % models.length];
        address payer = payers[payerSeed % payers.length];
        try registry.paymentTerms(modelId) {} catch {
            return; // not payable: refused before any hash is looked at
        }
        if (open.balanceOf(payer) < 1e25) return; // a fee here is at most about 1e24
        uint256 already = ghostIdOf[payer][h];
        IFeeRouter.PaymentRequest[] memory reqs = new IFeeRouter.PaymentRequest[](1);
        reqs[0] = IFeeRouter.PaymentRequest(h, tokensIn, 1, type(uint256).max);
        if (already == 0) {
            if (!_pay(modelSeed, payerSeed, reqs, false)) ghostBadHashVerdicts += 1;
            return;
        }
        vm.prank(payer);
        try router.pay(modelId, h, 1, 1, type(uint256).max) {
            ghostBadHashVerdicts += 1;
        } catch (bytes memory err) {
            bytes memory expected = abi.encodeWithSelector(IFeeRouter.RequestAlreadyPaid.selector, payer, h, already);
            if (keccak256(err) != keccak256(expected)) ghostBadHashVerdicts += 1;
        }
    }

    function pay(uint256 modelSeed, uint256 payerSeed, uint64 tokensIn, uint64 tokensOut) external {
        IFeeRouter.PaymentRequest[] memory reqs = new IFeeRouter.PaymentRequest[](1);
        reqs[0] = IFeeRouter.PaymentRequest(keccak256(abi.encode(++_nonce)), tokensIn, tokensOut, type(uint256).max);
        _pay(modelSeed, payerSeed, reqs, false);
    }

    function payBatch(uint256 modelSeed, uint256 payerSeed, uint256 n, uint64 tokensIn, uint64 tokensOut) external {
        n = bound(n, 1, 8);
        IFeeRouter.PaymentRequest[] memory reqs = new IFeeRouter.PaymentRequest[](n);
        for (uint256 i = 0; i < n; ++i) {
            reqs[i] = IFeeRouter.PaymentRequest(
                keccak256(abi.encode(++_nonce)),
                uint64(bound(tokensIn, 0, 1e7)) + uint64(i),
                uint64(bound(tokensOut, 0, 1e7)),
                type(uint256).max
            );
        }
        _pay(modelSeed, payerSeed, reqs, true);
    }

    function _pay(
        uint256 modelSeed,
        uint256 payerSeed,
        IFeeRouter.PaymentRequest[] memory reqs,
        bool batch
    ) internal returns (bool paidOk) {
        uint256 modelId = models[modelSeed % models.length];
        address payer = payers[payerSeed % payers.length];
        reqs[0].tokensIn = uint64(bound(reqs[0].tokensIn, 0, 1e7));
        reqs[0].tokensOut = uint64(bound(reqs[0].tokensOut, 1, 1e7));
        uint256 before = open.balanceOf(payer);
        vm.recordLogs();
        vm.prank(payer);
        if (batch) {
            try router.payBatch(modelId, reqs) {} catch {
                return false; // paused or retired model: nothing may have moved (checked by the invariants)
            }
        } else {
            try
                router.pay(modelId, reqs[0].requestHash, reqs[0].tokensIn, reqs[0].tokensOut, type(uint256).max)
            {} catch {
                return false;
            }
        }
        uint256 paid = before - open.balanceOf(payer);
        ghostPaid += paid;
        // Add up the parts as the events report them.
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 sumFees;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(router) || logs[i].topics[0] != REQUEST_PAID) continue;
            (address eventPayer, uint256 epoch, , , uint256 fee, IFeeRouter.Parts memory p) = abi.decode(
                logs[i].data,
                (address, uint256, uint256, uint256, uint256, IFeeRouter.Parts)
            );
            ghostIdOf[eventPayer][logs[i].topics[2]] = uint256(logs[i].topics[1]);
            paidPayers.push(eventPayer);
            paidHashes.push(logs[i].topics[2]);
            // Recorded, not required: a revert in a handler is ignored by the fuzzer.
            if (p.platform + p.owner + p.stakers + p.contributors != fee) ghostBadEvents += 1;
            sumFees += fee;
            ghostRequests += 1;
            ghostPlatform += p.platform;
            ghostOwner += p.owner;
            ghostStakers += p.stakers;
            ghostContributors += p.contributors;
            ghostEscrow[epoch] += p.stakers + p.contributors;
            if (!_touched[epoch]) {
                _touched[epoch] = true;
                epochsTouched.push(epoch);
            }
        }
        if (sumFees != paid) ghostBadPayments += 1;
        return true;
    }

    function withdraw(uint256 ownerSeed, uint256 amount, address to) external {
        address owner = owners[ownerSeed % owners.length];
        uint256 credit = router.creditOf(owner);
        // Credits sent to an account the invariants watch (the treasury, router or distributor)
        // would be indistinguishable from those accounts' own income: send them elsewhere.
        if (
            credit == 0 ||
            to == address(0) ||
            to == address(router) ||
            to == address(distributor) ||
            to == router.treasury()
        ) return;
        amount = bound(amount, 1, credit);
        vm.prank(owner);
        router.withdrawCredit(to, amount);
        ghostWithdrawn += amount;
    }

    function sweep() external {
        uint256 accrued = router.platformFeesAccrued();
        if (accrued == 0) return;
        ghostSwept += router.sweepPlatformFees();
    }

    function scheduleTerms(uint256 modelSeed, uint80 pIn, uint80 pOut, uint16 ownerBps) external {
        uint256 modelId = models[modelSeed % models.length];
        ownerBps = uint16(bound(ownerBps, 0, 7_000));
        uint16 stakersBps = ownerBps >= 500 ? 500 : uint16(1_000 - ownerBps);
        vm.prank(registry.ownerOf(modelId));
        try
            registry.scheduleTerms(
                modelId,
                uint80(bound(pIn, 0, 1e20)),
                uint80(bound(pOut, 1, 1e20)),
                ownerBps,
                stakersBps,
                10_000 - ownerBps - stakersBps
            )
        {} catch {} // solhint-disable-line no-empty-blocks
    }

    function togglePause(uint256 modelSeed) external {
        uint256 modelId = models[modelSeed % models.length];
        address owner = registry.ownerOf(modelId);
        vm.prank(owner);
        if (registry.statusOf(modelId) == IModelRegistry.ModelStatus.Active) registry.pauseModel(modelId);
        else if (registry.statusOf(modelId) == IModelRegistry.ModelStatus.Paused) registry.unpauseModel(modelId);
    }

    /// @dev Rare (1 call in 16), so that most runs keep paying: retiring is final.
    function retire(uint256 seed) external {
        if (seed % 16 != 0) return;
        uint256 modelId = models[(seed / 16) % models.length];
        if (registry.statusOf(modelId) == IModelRegistry.ModelStatus.Retired) return;
        vm.prank(registry.ownerOf(modelId));
        registry.retireModel(modelId);
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 2 days));
    }
}

contract FeeRouterInvariantTest is FeeRouterFixture {
    FeeRouterHandler internal handler;

    function setUp() public override {
        super.setUp();
        uint256[] memory models = new uint256[](3);
        address[] memory owners = new address[](2);
        address[] memory payers = new address[](2);
        owners[0] = modelOwner;
        owners[1] = stranger;
        models[0] = model;
        models[1] = _registerAdapter(stranger, model, keccak256("lora"));
        models[2] = _register(stranger, keccak256("second-base"));
        payers[0] = payer;
        payers[1] = makeAddr("gateway");
        handler = new FeeRouterHandler(router, registry, distributor, open, models, owners, payers);
        for (uint256 i = 0; i < payers.length; ++i) {
            _mint(payers[i], 1e27);
            vm.prank(payers[i]);
            open.approve(address(router), type(uint256).max);
        }
        targetContract(address(handler));
    }

    /// @notice The router holds exactly what it owes (unwithdrawn owner credits and unswept
    ///         platform fees) and nothing else after any sequence of payments.
    function invariant_routerHoldsOnlyWhatItOwes() public view {
        assertEq(
            open.balanceOf(address(router)),
            router.totalCredits() + router.platformFeesAccrued(),
            "router balance = credits + accrued platform fees"
        );
        uint256 credits;
        for (uint256 i = 0; i < handler.ownerCount(); ++i) credits += router.creditOf(handler.owners(i));
        assertEq(credits, router.totalCredits(), "sum of credits");
    }

    /// @notice Invariant 3: every part the events reported sums to what payers paid, and each
    ///         destination holds exactly its parts.
    function invariant_partsSumToFees() public view {
        assertEq(
            handler.ghostPlatform() + handler.ghostOwner() + handler.ghostStakers() + handler.ghostContributors(),
            handler.ghostPaid(),
            "platform + owner + stakers + contributors = fees paid"
        );
        assertEq(router.platformFeesAccrued() + handler.ghostSwept(), handler.ghostPlatform(), "platform parts");
        assertEq(open.balanceOf(treasury), handler.ghostSwept(), "treasury got the sweeps");
        assertEq(router.totalCredits() + handler.ghostWithdrawn(), handler.ghostOwner(), "owner parts");
        assertEq(
            open.balanceOf(address(distributor)),
            handler.ghostStakers() + handler.ghostContributors(),
            "distributor holds the escrowed parts"
        );
        assertEq(router.lastRequestId(), handler.ghostRequests(), "one id per request");
        assertEq(handler.ghostBadEvents(), 0, "an event's parts do not sum to its fee");
        assertEq(handler.ghostBadPayments(), 0, "events' fees differ from what the payer paid");
    }

    /// @notice A request hash is accepted once per payer: the router's record of every payer for
    ///         the most recently paid hashes is what the events said (0 for a payer who never
    ///         paid it), and no reuse was judged wrongly. The last 16 pairs only: checking all of
    ///         them after every call would make the suite quadratic.
    function invariant_requestHashAcceptedOncePerPayer() public view {
        assertEq(handler.ghostBadHashVerdicts(), 0, "a reuse was accepted or another payer's hash refused");
        uint256 n = handler.paidCount();
        for (uint256 i = n > 16 ? n - 16 : 0; i < n; ++i) {
            bytes32 h = handler.paidHashes(i);
            assertGt(router.requestIdOf(handler.paidPayers(i), h), 0, "a paid pair is recorded");
            for (uint256 j = 0; j < handler.payerCount(); ++j) {
                address who = handler.payers(j);
                assertEq(router.requestIdOf(who, h), handler.ghostIdOf(who, h), "request id per payer");
            }
        }
    }

    /// @notice A model can be paid exactly when it and (for an adapter) its base are active,
    ///         and then its terms are a valid split with a price.
    function invariant_payableIffActiveWithValidTerms() public view {
        for (uint256 j = 0; j < handler.modelCount(); ++j) {
            uint256 id = handler.models(j);
            IModelRegistry.ModelView memory m = registry.getModel(id);
            bool active =
                m.status == IModelRegistry.ModelStatus.Active &&
                    (m.baseModelId == 0 || registry.statusOf(m.baseModelId) == IModelRegistry.ModelStatus.Active);
            try registry.paymentTerms(id) returns (address owner, IModelRegistry.Terms memory t) {
                assertTrue(active, "paid while it or its base is not active");
                assertEq(owner, m.owner, "paid to the owner");
                assertEq(uint256(t.ownerBps) + t.stakersBps + t.contributorsBps, 10_000, "split sums to 10,000");
                assertTrue(t.pricePerKInput != 0 || t.pricePerKOutput != 0, "priced");
            } catch {
                assertFalse(active, "an active model refused payment");
            }
        }
    }

    /// @notice Invariant 3: each epoch's escrow in the distributor equals the sum of the parts
    ///         escrowed for it, and the router's per-model books add up to it.
    function invariant_epochEscrowEqualsEscrowedParts() public view {
        for (uint256 i = 0; i < handler.epochCount(); ++i) {
            uint256 epoch = handler.epochsTouched(i);
            uint256 booked;
            for (uint256 j = 0; j < handler.modelCount(); ++j) booked += _escrowTotal(epoch, handler.models(j));
            assertEq(distributor.epochEscrow(epoch), handler.ghostEscrow(epoch), "distributor escrow = event parts");
            assertEq(booked, handler.ghostEscrow(epoch), "router books = event parts");
        }
    }
}
