// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {DatanetRegistry} from "../../contracts/datanet/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../contracts/interfaces/IDatanetRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ModelRegistry} from "../../contracts/model/ModelRegistry.sol";
import {L2OpenToken} from "../../contracts/token/L2OpenToken.sol";
import {Test} from "../lib/Test.sol";

/// @notice Shared setup for the model and fee tests: bridged OPEN, the real DatanetRegistry with
///         published versions reached through its real flow (stake, curator vote, publish), and
///         the ModelRegistry under test.
abstract contract ModelFixture is Test {
    /// @dev The salt every test commitment uses.
    bytes32 internal constant SALT = keccak256("salt");

    address internal constant BRIDGE = 0x4200000000000000000000000000000000000010;
    uint256 internal constant NOTICE = 1 days;

    L2OpenToken internal open;
    DatanetRegistry internal datanets;
    ModelRegistry internal registry;

    address internal governance;
    address internal guardian;
    address internal treasury;
    address internal datanetOwner;
    address internal curator;
    address internal contributor;
    address internal builder;
    address internal stranger;

    /// Published (datanetId, version) pairs made by setUp.
    uint256 internal dnA;
    uint256 internal dnB;

    uint256 private _contentNonce;

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        governance = makeAddr("governance");
        guardian = makeAddr("guardian");
        treasury = makeAddr("treasury");
        datanetOwner = makeAddr("datanetOwner");
        curator = makeAddr("curator");
        contributor = makeAddr("contributor");
        builder = makeAddr("builder");
        stranger = makeAddr("stranger");

        open = new L2OpenToken(makeAddr("l1Open"));
        datanets = new DatanetRegistry(open, treasury, governance, guardian, _datanetBounds());
        registry = new ModelRegistry(address(datanets), governance, guardian, _splitBounds(), NOTICE);

        dnA = _newDatanet();
        _publish(dnA, 2);
        dnB = _newDatanet();
        _publish(dnB, 1);
    }

    // --- OPEN -------------------------------------------------------------------------------

    function _mint(address to, uint256 amount) internal {
        vm.prank(BRIDGE);
        open.mint(to, amount);
    }

    // --- Datanets, through the real flow --------------------------------------------------------

    function _datanetBounds() internal pure returns (IDatanetRegistry.Bounds memory) {
        return
            IDatanetRegistry.Bounds({
                minStakeFloor: 1,
                minStakeCeiling: 1e24,
                maxDailyByteCap: 4e9,
                minBondPeriod: 0,
                maxBondPeriod: 365 days,
                minSlashBps: 0,
                maxSlashBps: 10_000,
                minQuorum: 1,
                maxQuorum: 10,
                minReviewPeriod: 1 days,
                maxReviewPeriod: 365 days,
                curatorBond: 10e18,
                curatorUnbondingDelay: 7 days
            });
    }

    /// @dev A Datanet with one bonded curator and quorum 1.
    function _newDatanet() internal returns (uint256 datanetId) {
        vm.prank(datanetOwner);
        datanetId = datanets.createDatanet(
            IDatanetRegistry.DataKind.Text,
            "ipfs://datanet",
            IDatanetRegistry.Params({
                minStake: 1e18,
                dailyByteCap: 1e9,
                bondPeriod: 1 days,
                slashBps: 1_000,
                quorum: 1,
                reviewPeriod: 7 days
            })
        );
        vm.prank(datanetOwner);
        datanets.appointCurator(datanetId, curator);
        _mint(curator, 10e18);
        vm.startPrank(curator);
        open.approve(address(datanets), 10e18);
        datanets.depositCuratorBond(datanetId, 10e18);
        vm.stopPrank();
    }

    /// @dev Submits, accepts and publishes `count` new contributions as the next version.
    function _publish(uint256 datanetId, uint256 count) internal returns (uint256 version) {
        for (uint256 i = 0; i < count; ++i) {
            bytes32 contentHash = keccak256(abi.encode("content", ++_contentNonce));
            _mint(contributor, 1e18);
            vm.startPrank(contributor);
            open.approve(address(datanets), 1e18);
            // Commit, then reveal a block later (the registry's front-running guard).
            datanets.commitContribution(keccak256(abi.encode(contentHash, contributor, bytes32(0))));
            vm.roll(block.number + 1);
            uint256 id = datanets.submit(datanetId, contentHash, "ipfs://data", 100, 1e18, bytes32(0));
            vm.stopPrank();
            vm.prank(curator);
            datanets.vote(id, true);
        }
        uint256 live = datanets.getDatanet(datanetId).liveAcceptedCount;
        // The root's exact value is the publisher's business (disputable); any non-zero root of
        // the right count publishes.
        vm.prank(datanetOwner);
        version = datanets.publishVersion(datanetId, keccak256(abi.encode("root", datanetId, live)), live, "ipfs://v");
    }

    // --- Models -------------------------------------------------------------------------------

    function _splitBounds() internal pure returns (IModelRegistry.SplitBounds memory) {
        return
            IModelRegistry.SplitBounds({
                minOwnerBps: 0,
                maxOwnerBps: 7_000,
                minStakersBps: 500,
                maxStakersBps: 5_000,
                minContributorsBps: 1_000,
                maxContributorsBps: 9_000
            });
    }

    function _versions1(
        uint256 datanetId,
        uint256 version
    ) internal pure returns (IModelRegistry.DatanetVersion[] memory v) {
        v = new IModelRegistry.DatanetVersion[](1);
        v[0] = IModelRegistry.DatanetVersion(datanetId, version);
    }

    /// @dev A valid base-model registration: 2 OPEN / 1k in, 6 OPEN / 1k out, 30/20/50 split.
    function _registration(bytes32 artifactHash) internal view returns (IModelRegistry.Registration memory r) {
        r.baseModelId = 0;
        r.artifactHash = artifactHash;
        r.metadataURI = "ipfs://model";
        r.trainedOn = new IModelRegistry.DatanetVersion[](2);
        r.trainedOn[0] = IModelRegistry.DatanetVersion(dnA, 1);
        r.trainedOn[1] = IModelRegistry.DatanetVersion(dnB, 1);
        r.attributionMethod = IModelRegistry.AttributionMethod.SuffixArraySpans;
        r.pricePerKInput = 2e18;
        r.pricePerKOutput = 6e18;
        r.ownerBps = 3_000;
        r.stakersBps = 2_000;
        r.contributorsBps = 5_000;
    }

    function _register(address owner, bytes32 artifactHash) internal returns (uint256 modelId) {
        modelId = _registerWith(owner, _registration(artifactHash));
    }

    /// @dev Commits to `artifactHash` for `owner` (with SALT) and moves to the next block, so a
    ///      registration can reveal it.
    function _commit(address owner, bytes32 artifactHash) internal {
        vm.prank(owner);
        registry.commitArtifact(keccak256(abi.encode(artifactHash, owner, SALT)));
        vm.roll(block.number + 1);
    }

    /// @dev Commits to and registers `r` as `owner`.
    function _registerWith(address owner, IModelRegistry.Registration memory r) internal returns (uint256 modelId) {
        _commit(owner, r.artifactHash);
        vm.prank(owner);
        modelId = registry.registerModel(r, SALT);
    }

    function _registerAdapter(address owner, uint256 baseId, bytes32 artifactHash) internal returns (uint256 modelId) {
        IModelRegistry.Registration memory r = _registration(artifactHash);
        r.baseModelId = baseId;
        r.trainedOn = _versions1(dnB, 1);
        modelId = _registerWith(owner, r);
    }
}
