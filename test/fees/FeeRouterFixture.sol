// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {RewardDistributor} from "../../contracts/distributor/RewardDistributor.sol";
import {FeeRouter} from "../../contracts/fees/FeeRouter.sol";
import {IFeeRouter} from "../../contracts/interfaces/IFeeRouter.sol";
import {ModelFixture} from "../model/ModelFixture.sol";

/// @notice The whole payment path with real parts: bridged OPEN, the real DatanetRegistry with
///         published versions, the ModelRegistry, the real RewardDistributor and the FeeRouter.
abstract contract FeeRouterFixture is ModelFixture {
    uint256 internal constant EPOCH = 1 days;
    uint256 internal constant PLATFORM_BPS = 500;

    RewardDistributor internal distributor;
    FeeRouter internal router;

    address internal payer;
    uint256 internal payerKey;
    address internal modelOwner;

    uint256 internal genesis;
    uint256 internal model;

    function setUp() public virtual override {
        super.setUp();
        (payer, payerKey) = makeAddrAndKey("payer");
        modelOwner = makeAddr("modelOwner");
        genesis = block.timestamp;
        distributor = new RewardDistributor(governance, open, genesis, EPOCH, 1 days, 0.1 ether, 0.1 ether);
        router = new FeeRouter(
            address(open),
            address(registry),
            address(distributor),
            treasury,
            PLATFORM_BPS,
            governance,
            guardian
        );
        model = _register(modelOwner, keccak256("base-model"));
        _mint(payer, 1_000_000e18);
        vm.prank(payer);
        open.approve(address(router), type(uint256).max);
    }

    function _req(
        bytes32 h,
        uint64 tIn,
        uint64 tOut,
        uint256 maxFee
    ) internal pure returns (IFeeRouter.PaymentRequest memory) {
        return IFeeRouter.PaymentRequest({requestHash: h, tokensIn: tIn, tokensOut: tOut, maxFee: maxFee});
    }

    function _batch(uint256 n, uint256 salt) internal pure returns (IFeeRouter.PaymentRequest[] memory reqs) {
        reqs = new IFeeRouter.PaymentRequest[](n);
        for (uint256 i = 0; i < n; ++i) {
            reqs[i] = _req(
                keccak256(abi.encode("req", salt, i)),
                uint64(500 + i),
                uint64(200 + 3 * i),
                type(uint256).max
            );
        }
    }

    function _escrowTotal(uint256 epoch, uint256 modelId) internal view returns (uint256) {
        IFeeRouter.Escrowed memory e = router.escrowed(epoch, modelId);
        return uint256(e.stakers) + e.contributors;
    }
}
