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
import {Campaign} from "../distributor/Campaign.sol";
import {FeeRouterFixture} from "./FeeRouterFixture.sol";

/// @notice Drives the router and the model registry through every state-changing function:
///         single and batched payments (with and without permit) from several payers to several
///         models (base and adapter), skims of OPEN sent by transfer, price and split changes,
///         model pauses, retirements, transfers, metadata, commit-reveal registrations,
///         governance settings, guardian pauses, role changes, owner withdrawals, sweeps and
///         time passing across epochs. Ghosts add up every part as the events report it,
///         independently of the router's own accounting; violations are recorded in ghosts (an
///         assertion inside a handler would be discarded: failOnRevert is false).
contract FeeRouterHandler is Test {
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    uint256 internal constant MAX_MODELS = 8;

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
    uint256 public ghostSkimmed;
    /// A skim that moved other than the OPEN sent by transfer. Must stay false.
    bool public ghostBadSkim;
    /// Every treasury the router was pointed at (the first is the fixture's).
    address[] public treasuries;
    address internal immutable governance;
    address internal immutable guardian;
    uint256 internal immutable permitKey;
    IModelRegistry.DatanetVersion internal _version;
    bytes32 internal constant SALT = keccak256("handler salt");
    address internal immutable roleHolder;
    uint256 public ghostPayments;

    /// Successful calls of each action in this run, by name (read by the campaign counters).
    string[] public actionNames;
    mapping(string name => uint256) public calls;
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
        address[] memory payers_,
        address[3] memory governanceGuardianTreasury,
        uint256 permitKey_,
        IModelRegistry.DatanetVersion memory version_
    ) {
        router = router_;
        registry = registry_;
        distributor = distributor_;
        open = open_;
        models = models_;
        owners = owners_;
        payers = payers_;
        governance = governanceGuardianTreasury[0];
        guardian = governanceGuardianTreasury[1];
        treasuries.push(governanceGuardianTreasury[2]);
        treasuries.push(makeAddr("second treasury"));
        permitKey = permitKey_;
        _version = version_;
        roleHolder = makeAddr("fees role holder");
        string[31] memory names = [
            "pay",
            "payBatch",
            "payWithPermit",
            "payBatchWithPermit",
            "withdrawCredit",
            "sweepPlatformFees",
            "skim",
            "setTreasury",
            "schedulePlatformFee",
            "pauseRouter",
            "unpauseRouter",
            "routerGrantRevokeRole",
            "routerRenounceRole",
            "commitArtifact",
            "registerModel",
            "supersedeModel",
            "scheduleTerms",
            "cancelScheduledTerms",
            "pauseModel",
            "unpauseModel",
            "retireModel",
            "setMetadataURI",
            "transferModelOwnership",
            "acceptModelOwnership",
            "setSplitBounds",
            "setNoticeDelay",
            "pauseRegistry",
            "unpauseRegistry",
            "registryGrantRevokeRole",
            "registryRenounceRole",
            "payPaidHash"
        ];
        for (uint256 i = 0; i < names.length; ++i) actionNames.push(names[i]);
    }

    function actionCount() external view returns (uint256) {
        return actionNames.length;
    }

    function treasuryCount() external view returns (uint256) {
        return treasuries.length;
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
        if (router.paused()) return; // refused before any hash is looked at
        if (open.balanceOf(payer) < 1e25) return; // a fee here is at most about 1e24
        uint256 already = ghostIdOf[payer][h];
        IFeeRouter.PaymentRequest[] memory reqs = new IFeeRouter.PaymentRequest[](1);
        reqs[0] = IFeeRouter.PaymentRequest(h, tokensIn, 1, type(uint256).max);
        if (already == 0) {
            if (!_pay(modelSeed, payerSeed, reqs, 1)) ghostBadHashVerdicts += 1;
            ++calls["payPaidHash"];
            return;
        }
        vm.prank(payer);
        try router.pay(modelId, h, 1, 1, type(uint256).max) {
            ghostBadHashVerdicts += 1;
        } catch (bytes memory err) {
            bytes memory expected = abi.encodeWithSelector(IFeeRouter.RequestAlreadyPaid.selector, payer, h, already);
            if (keccak256(err) != keccak256(expected)) ghostBadHashVerdicts += 1;
        }
        ++calls["payPaidHash"];
    }

    /// @param withPermit Pays through payWithPermit (as the first payer, who has a key).
    function pay(uint256 modelSeed, uint256 payerSeed, uint64 tokensIn, uint64 tokensOut, bool withPermit) external {
        IFeeRouter.PaymentRequest[] memory reqs = new IFeeRouter.PaymentRequest[](1);
        reqs[0] = IFeeRouter.PaymentRequest(keccak256(abi.encode(++_nonce)), tokensIn, tokensOut, type(uint256).max);
        if (_pay(modelSeed, withPermit ? 0 : payerSeed, reqs, withPermit ? 2 : 0))
            ++calls[withPermit ? "payWithPermit" : "pay"];
    }

    /// @dev A permit for the router's standing allowance (max: it is never decreased).
    function _permit(address owner) internal view returns (uint8 v, bytes32 r, bytes32 s) {
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, owner, address(router), type(uint256).max, open.nonces(owner), block.timestamp)
        );
        (v, r, s) = vm.sign(permitKey, keccak256(abi.encodePacked("\x19\x01", open.DOMAIN_SEPARATOR(), structHash)));
    }

    function payBatch(
        uint256 modelSeed,
        uint256 payerSeed,
        uint256 n,
        uint64 tokensIn,
        uint64 tokensOut,
        bool withPermit
    ) external {
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
        if (_pay(modelSeed, withPermit ? 0 : payerSeed, reqs, withPermit ? 3 : 1))
            ++calls[withPermit ? "payBatchWithPermit" : "payBatch"];
    }

    /// @param mode 0: pay; 1: payBatch; 2: payWithPermit; 3: payBatchWithPermit.
    function _pay(
        uint256 modelSeed,
        uint256 payerSeed,
        IFeeRouter.PaymentRequest[] memory reqs,
        uint256 mode
    ) internal returns (bool paidOk) {
        uint256 modelId = models[modelSeed % models.length];
        address payer = payers[payerSeed % payers.length];
        reqs[0].tokensIn = uint64(bound(reqs[0].tokensIn, 0, 1e7));
        reqs[0].tokensOut = uint64(bound(reqs[0].tokensOut, 1, 1e7));
        uint256 before = open.balanceOf(payer);
        (uint8 v, bytes32 r, bytes32 s) = mode >= 2 ? _permit(payer) : (0, bytes32(0), bytes32(0));
        vm.recordLogs();
        vm.prank(payer);
        if (mode == 1) {
            try router.payBatch(modelId, reqs) {} catch {
                return false; // paused or retired model: nothing may have moved (checked by the invariants)
            }
        } else if (mode == 0) {
            try
                router.pay(modelId, reqs[0].requestHash, reqs[0].tokensIn, reqs[0].tokensOut, type(uint256).max)
            {} catch {
                return false;
            }
        } else if (mode == 2) {
            try
                router.payWithPermit(
                    modelId,
                    reqs[0].requestHash,
                    reqs[0].tokensIn,
                    reqs[0].tokensOut,
                    type(uint256).max,
                    block.timestamp,
                    v,
                    r,
                    s
                )
            {} catch {
                return false;
            }
        } else {
            try router.payBatchWithPermit(modelId, reqs, type(uint256).max, block.timestamp, v, r, s) {} catch {
                return false;
            }
        }
        ++ghostPayments;
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
        for (uint256 i = 0; i < treasuries.length; ++i) if (to == treasuries[i]) return;
        for (uint256 i = 0; i < payers.length; ++i) if (to == payers[i]) return;
        amount = bound(amount, 1, credit);
        vm.prank(owner);
        router.withdrawCredit(to, amount);
        ghostWithdrawn += amount;
        ++calls["withdrawCredit"];
    }

    function sweep() external {
        uint256 accrued = router.platformFeesAccrued();
        if (accrued == 0) return;
        ghostSwept += router.sweepPlatformFees();
        ++calls["sweepPlatformFees"];
    }

    /// @dev A payer sends OPEN to the router by a plain transfer; anyone skims it to the treasury.
    function skim(uint256 payerSeed, uint256 amount) external {
        address payer = payers[payerSeed % payers.length];
        amount = bound(amount, 1, 1e21);
        vm.prank(payer);
        open.transfer(address(router), amount);
        uint256 skimmed = router.skim();
        if (skimmed != amount) ghostBadSkim = true;
        ghostSkimmed += skimmed;
        ++calls["skim"];
    }

    // ------------------------------------------------------------------------------------
    // Router governance and guardian
    // ------------------------------------------------------------------------------------

    function setTreasury(uint256 seed) external {
        vm.prank(governance);
        router.setTreasury(treasuries[seed % treasuries.length]);
        ++calls["setTreasury"];
    }

    function schedulePlatformFee(uint256 bps) external {
        vm.prank(governance);
        router.schedulePlatformFee(bound(bps, 0, 2_000));
        ++calls["schedulePlatformFee"];
    }

    /// @dev Governance unpauses the router, or the guardian pauses it one call in four (so most
    ///      runs keep paying).
    function toggleRouterPause(uint256 seed) external {
        bool paused = router.paused();
        if (!paused && seed % 4 != 0) return;
        vm.prank(paused ? governance : guardian); // the guardian stops, governance restarts
        if (paused) {
            router.unpause();
            ++calls["unpauseRouter"];
        } else {
            router.pause();
            ++calls["pauseRouter"];
        }
    }

    function routerRoles(bool grant, bool renounce) external {
        bytes32 role = router.GUARDIAN_ROLE();
        if (renounce) {
            if (!router.hasRole(role, roleHolder)) return;
            vm.prank(roleHolder);
            router.renounceRole(role, roleHolder);
            ++calls["routerRenounceRole"];
            return;
        }
        vm.prank(governance);
        if (grant) router.grantRole(role, roleHolder);
        else router.revokeRole(role, roleHolder);
        ++calls["routerGrantRevokeRole"];
    }

    // ------------------------------------------------------------------------------------
    // Model registry
    // ------------------------------------------------------------------------------------

    /// @dev Commits, moves a block on and registers a new base model for one of the owners
    ///      (at most MAX_MODELS models in all, so the invariants' loops stay short).
    function registerModel(uint256 ownerSeed, uint80 pIn, uint80 pOut) external {
        if (models.length >= MAX_MODELS) return;
        address owner = owners[ownerSeed % owners.length];
        IModelRegistry.Registration memory r = _newRegistration(keccak256(abi.encode("artifact", ++_nonce)), pIn, pOut);
        vm.prank(owner);
        registry.commitArtifact(keccak256(abi.encode(r.artifactHash, owner, SALT)));
        ++calls["commitArtifact"];
        vm.roll(block.number + 1);
        vm.prank(owner);
        models.push(registry.registerModel(r, SALT));
        ++calls["registerModel"];
    }

    /// @dev Front-running: an owner commits to an artifact, another owner (the squatter)
    ///      commits later and registers first; the first owner's registration supersedes it.
    function supersede(uint256 seed) external {
        if (models.length + 2 > MAX_MODELS) return;
        address publisher = owners[seed % owners.length];
        address squatter = owners[(seed + 1) % owners.length];
        IModelRegistry.Registration memory r = _newRegistration(
            keccak256(abi.encode("contested", ++_nonce)),
            1e15,
            1e15
        );
        vm.prank(publisher);
        registry.commitArtifact(keccak256(abi.encode(r.artifactHash, publisher, SALT)));
        vm.roll(block.number + 1);
        vm.prank(squatter);
        registry.commitArtifact(keccak256(abi.encode(r.artifactHash, squatter, SALT)));
        vm.roll(block.number + 1);
        vm.prank(squatter);
        uint256 squat = registry.registerModel(r, SALT);
        vm.prank(publisher);
        models.push(registry.registerModel(r, SALT));
        if (registry.statusOf(squat) != IModelRegistry.ModelStatus.Retired) ghostBadSupersede = true;
        if (registry.modelIdOfArtifact(r.artifactHash) != models[models.length - 1]) ghostBadSupersede = true;
        models.push(squat);
        ++calls["supersedeModel"];
    }

    /// A front-runner's later-committed model kept its artifact or stayed payable. Must stay false.
    bool public ghostBadSupersede;

    function _newRegistration(
        bytes32 artifactHash,
        uint80 pIn,
        uint80 pOut
    ) internal view returns (IModelRegistry.Registration memory r) {
        r.artifactHash = artifactHash;
        r.metadataURI = "ipfs://handler";
        r.trainedOn = new IModelRegistry.DatanetVersion[](1);
        r.trainedOn[0] = _version;
        r.pricePerKInput = uint80(bound(pIn, 0, 1e20));
        r.pricePerKOutput = uint80(bound(pOut, 1, 1e20));
        r.ownerBps = 3_000;
        r.stakersBps = 2_000;
        r.contributorsBps = 5_000;
    }

    function cancelTerms(uint256 modelSeed) external {
        uint256 modelId = models[modelSeed % models.length];
        IModelRegistry.Terms memory scheduled = registry.getModel(modelId).scheduledTerms;
        if (scheduled.effectiveAt == 0) return;
        vm.prank(registry.ownerOf(modelId));
        registry.cancelScheduledTerms(modelId);
        ++calls["cancelScheduledTerms"];
    }

    function setMetadata(uint256 modelSeed) external {
        uint256 modelId = models[modelSeed % models.length];
        if (registry.statusOf(modelId) == IModelRegistry.ModelStatus.Retired) return;
        vm.prank(registry.ownerOf(modelId));
        registry.setMetadataURI(modelId, "ipfs://updated");
        ++calls["setMetadataURI"];
    }

    /// @dev The owner offers the model to the other owner, who accepts (or not, one call in three).
    function transferModel(uint256 modelSeed) external {
        uint256 modelId = models[modelSeed % models.length];
        if (registry.statusOf(modelId) == IModelRegistry.ModelStatus.Retired) return;
        address owner = registry.ownerOf(modelId);
        address other = owner == owners[0] ? owners[1] : owners[0];
        vm.prank(owner);
        registry.transferModelOwnership(modelId, other);
        ++calls["transferModelOwnership"];
        if (modelSeed % 3 == 0) return;
        vm.prank(other);
        registry.acceptModelOwnership(modelId);
        ++calls["acceptModelOwnership"];
    }

    /// @dev Alternates between two valid sets of split bounds.
    function setSplitBounds(bool wide) external {
        IModelRegistry.SplitBounds memory b = IModelRegistry.SplitBounds({
            minOwnerBps: 0,
            maxOwnerBps: wide ? 8_000 : 7_000,
            minStakersBps: wide ? 0 : 500,
            maxStakersBps: 5_000,
            minContributorsBps: 1_000,
            maxContributorsBps: wide ? 10_000 : 9_000
        });
        vm.prank(governance);
        registry.setSplitBounds(b);
        ++calls["setSplitBounds"];
    }

    function setNoticeDelay(uint256 delay) external {
        vm.prank(governance);
        registry.setNoticeDelay(bound(delay, 1 hours, 2 days));
        ++calls["setNoticeDelay"];
    }

    /// @dev Governance unpauses registrations, or the guardian pauses them one call in four.
    function toggleRegistryPause(uint256 seed) external {
        bool paused = registry.paused();
        if (!paused && seed % 4 != 0) return;
        vm.prank(paused ? governance : guardian); // the guardian stops, governance restarts
        if (paused) {
            registry.unpause();
            ++calls["unpauseRegistry"];
        } else {
            registry.pause();
            ++calls["pauseRegistry"];
        }
    }

    function registryRoles(bool grant, bool renounce) external {
        bytes32 role = registry.GUARDIAN_ROLE();
        if (renounce) {
            if (!registry.hasRole(role, roleHolder)) return;
            vm.prank(roleHolder);
            registry.renounceRole(role, roleHolder);
            ++calls["registryRenounceRole"];
            return;
        }
        vm.prank(governance);
        if (grant) registry.grantRole(role, roleHolder);
        else registry.revokeRole(role, roleHolder);
        ++calls["registryGrantRevokeRole"];
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
        {
            ++calls["scheduleTerms"];
        } catch {} // solhint-disable-line no-empty-blocks
    }

    function togglePause(uint256 modelSeed) external {
        uint256 modelId = models[modelSeed % models.length];
        address owner = registry.ownerOf(modelId);
        IModelRegistry.ModelStatus status = registry.statusOf(modelId);
        // The status is read before the prank: a prank applies to the next call, views included.
        vm.prank(owner);
        if (status == IModelRegistry.ModelStatus.Active) {
            registry.pauseModel(modelId);
            ++calls["pauseModel"];
        } else if (status == IModelRegistry.ModelStatus.Paused) {
            registry.unpauseModel(modelId);
            ++calls["unpauseModel"];
        }
    }

    /// @dev Rare (1 call in 16), so that most runs keep paying: retiring is final.
    function retire(uint256 seed) external {
        if (seed % 16 != 0) return;
        uint256 modelId = models[(seed / 16) % models.length];
        if (registry.statusOf(modelId) == IModelRegistry.ModelStatus.Retired) return;
        vm.prank(registry.ownerOf(modelId));
        registry.retireModel(modelId);
        ++calls["retireModel"];
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 2 days));
    }
}

/// @notice Invariant 3 of ARCHITECTURE.md and the router's exact books, as checks shared by the
///         named campaigns and the counted one.
abstract contract FeeRouterInvariants is FeeRouterFixture {
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
        handler = new FeeRouterHandler(
            router,
            registry,
            distributor,
            open,
            models,
            owners,
            payers,
            [governance, guardian, treasury],
            payerKey,
            IModelRegistry.DatanetVersion(dnA, 1)
        );
        for (uint256 i = 0; i < payers.length; ++i) {
            _mint(payers[i], 1e27);
            vm.prank(payers[i]);
            open.approve(address(router), type(uint256).max);
        }
        targetContract(address(handler));
    }

    /// @notice The router holds exactly what it owes (unwithdrawn owner credits and unswept
    ///         platform fees) and nothing else after any sequence of payments.
    function _checkRouterHoldsOnlyWhatItOwes() internal view {
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
    function _checkPartsSumToFees() internal view {
        assertEq(
            handler.ghostPlatform() + handler.ghostOwner() + handler.ghostStakers() + handler.ghostContributors(),
            handler.ghostPaid(),
            "platform + owner + stakers + contributors = fees paid"
        );
        assertEq(router.platformFeesAccrued() + handler.ghostSwept(), handler.ghostPlatform(), "platform parts");
        uint256 treasuries;
        for (uint256 i = 0; i < handler.treasuryCount(); ++i) treasuries += open.balanceOf(handler.treasuries(i));
        assertEq(treasuries, handler.ghostSwept() + handler.ghostSkimmed(), "treasuries got the sweeps and skims");
        assertFalse(handler.ghostBadSkim(), "a skim moved other than the excess");
        assertFalse(handler.ghostBadSupersede(), "a later commitment kept the artifact");
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
    function _checkRequestHashAcceptedOncePerPayer() internal view {
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
    function _checkPayableIffActiveWithValidTerms() internal view {
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
    function _checkEpochEscrowEqualsEscrowedParts() internal view {
        for (uint256 i = 0; i < handler.epochCount(); ++i) {
            uint256 epoch = handler.epochsTouched(i);
            uint256 booked;
            for (uint256 j = 0; j < handler.modelCount(); ++j) booked += _escrowTotal(epoch, handler.models(j));
            assertEq(distributor.epochEscrow(epoch), handler.ghostEscrow(epoch), "distributor escrow = event parts");
            assertEq(booked, handler.ghostEscrow(epoch), "router books = event parts");
        }
    }
}

/// @notice Each invariant as its own campaign (a failure names it).
contract FeeRouterInvariantTest is FeeRouterInvariants {
    function invariant_routerHoldsOnlyWhatItOwes() public view {
        _checkRouterHoldsOnlyWhatItOwes();
    }

    function invariant_partsSumToFees() public view {
        _checkPartsSumToFees();
    }

    function invariant_requestHashAcceptedOncePerPayer() public view {
        _checkRequestHashAcceptedOncePerPayer();
    }

    function invariant_payableIffActiveWithValidTerms() public view {
        _checkPayableIffActiveWithValidTerms();
    }

    function invariant_epochEscrowEqualsEscrowedParts() public view {
        _checkEpochEscrowEqualsEscrowedParts();
    }
}

/// @notice One more campaign that checks every invariant after every call and counts what its
///         runs reach: every action of the handler (every state-changing function of the router
///         and the model registry) succeeds somewhere. Figures: `POA_CAMPAIGN_REPORT=1 npx hardhat
///         test solidity test/fees/FeeRouter.invariant.t.sol --test-profile ci`.
contract FeeRouterCampaignTest is FeeRouterInvariants, Campaign {
    function invariant_everyInvariantAndReach() public view {
        _checkRouterHoldsOnlyWhatItOwes();
        _checkPartsSumToFees();
        _checkRequestHashAcceptedOncePerPayer();
        _checkPayableIffActiveWithValidTerms();
        _checkEpochEscrowEqualsEscrowedParts();
    }

    function _campaignName() internal pure override returns (string memory) {
        return "POA_CAMPAIGN_FEES";
    }

    function _countRun() internal override {
        _count("paid", handler.ghostPayments() > 0 ? 1 : 0);
        _count("payments", handler.ghostPayments());
        _count("requests", handler.ghostRequests());
        for (uint256 i = 0; i < handler.actionCount(); ++i) {
            string memory name = handler.actionNames(i);
            _count(name, handler.calls(name));
        }
    }

    function _checkFigures(uint256 runs) internal view override returns (string memory report) {
        report = string.concat(
            "campaign fees: ",
            _runFigure("paid", runs, 50),
            " payments=",
            vm.toString(_counter("payments")),
            " requests=",
            vm.toString(_counter("requests")),
            "; successful calls:"
        );
        for (uint256 i = 0; i < handler.actionCount(); ++i)
            report = string.concat(report, _callFigure(handler.actionNames(i)));
    }
}
