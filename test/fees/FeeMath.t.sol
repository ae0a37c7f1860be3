// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {FeeMath} from "../../contracts/fees/FeeMath.sol";
import {Test} from "../lib/Test.sol";

/// @notice The fee formula and the four-way split, on their own: exact sums, rounding
///         directions, where the dust goes, and the bounds each part keeps.
contract FeeMathTest is Test {
    uint256 internal constant BPS = 10_000;

    // --- feeUp ------------------------------------------------------------------------------

    function test_feeUp_exactMultiple_succeeds() public pure {
        // 2 OPEN per 1k input, 6 OPEN per 1k output; 1,500 in and 500 out = 3 + 3 OPEN.
        assertEq(FeeMath.feeUp(2e18, 6e18, 1_500, 500), 6e18);
    }

    function test_feeUp_roundsUpAnyFraction_succeeds() public pure {
        // 1 wei per 1k tokens, 1 token: 0.001 wei is charged as 1 wei, never 0.
        assertEq(FeeMath.feeUp(1, 0, 1, 0), 1, "fraction rounds up");
        assertEq(FeeMath.feeUp(0, 1, 0, 1_000), 1, "exact stays exact");
        assertEq(FeeMath.feeUp(0, 1, 0, 1_001), 2, "just above rounds up");
        assertEq(FeeMath.feeUp(999, 0, 1, 0), 1, "999/1000 rounds up");
    }

    function test_feeUp_unpricedSideOnly_succeeds() public pure {
        // A model that charges only output tokens charges nothing for input tokens alone.
        assertEq(FeeMath.feeUp(0, 5, 1_000_000, 0), 0);
    }

    function test_feeUp_maxInputs_succeeds() public pure {
        uint256 amount = uint256(type(uint80).max) * type(uint64).max * 2;
        assertEq(
            FeeMath.feeUp(type(uint80).max, type(uint80).max, type(uint64).max, type(uint64).max),
            (amount + 999) / 1000
        );
    }

    /// @notice fee is the least integer with fee * 1000 >= price x tokens.
    function testFuzz_feeUp_isCeilOfExact(uint80 pIn, uint80 pOut, uint64 tIn, uint64 tOut) public pure {
        uint256 amount = uint256(pIn) * tIn + uint256(pOut) * tOut;
        uint256 fee = FeeMath.feeUp(pIn, pOut, tIn, tOut);
        assertGe(fee * 1000, amount, "fee covers the exact amount");
        if (fee != 0) assertLt((fee - 1) * 1000, amount, "and is the smallest that does");
        assertTrue(fee == 0 || amount != 0, "zero only for a zero amount");
    }

    /// @notice Paying a workload in two requests never costs less than in one (ceil is
    ///         subadditive the other way): splitting requests cannot dodge the fee.
    function testFuzz_feeUp_splittingNeverPaysLess(uint80 p, uint64 a, uint64 b) public pure {
        a = uint64(bound(a, 0, type(uint64).max / 2));
        b = uint64(bound(b, 0, type(uint64).max / 2));
        uint256 together = FeeMath.feeUp(p, 0, a + b, 0);
        uint256 apart = FeeMath.feeUp(p, 0, a, 0) + FeeMath.feeUp(p, 0, b, 0);
        assertGe(apart, together, "split requests pay at least the whole");
        assertLe(apart - together, 1, "and at most 1 wei more per extra request");
    }

    // --- splitDown --------------------------------------------------------------------------

    function test_splitDown_example_succeeds() public pure {
        // fee 1000, platform 5%: 50; net 950: owner 20% = 190, stakers 30% = 285, contributors 475.
        (uint256 platform, uint256 owner, uint256 stakers, uint256 contributors) = FeeMath.splitDown(
            1000,
            500,
            2_000,
            3_000
        );
        assertEq(platform, 50, "platform");
        assertEq(owner, 190, "owner");
        assertEq(stakers, 285, "stakers");
        assertEq(contributors, 475, "contributors");
    }

    function test_splitDown_dustGoesToContributors_succeeds() public pure {
        // fee 7, platform 10% -> 0 (0.7 down); net 7: owner 1/3 -> 2 (2.33 down), stakers 1/3 -> 2,
        // contributors 3334 bps -> exact 2.33, gets 3: the whole dust.
        (uint256 platform, uint256 owner, uint256 stakers, uint256 contributors) = FeeMath.splitDown(
            7,
            1_000,
            3_333,
            3_333
        );
        assertEq(platform, 0, "platform rounds down");
        assertEq(owner, 2, "owner rounds down");
        assertEq(stakers, 2, "stakers round down");
        assertEq(contributors, 3, "contributors take the remainder");
    }

    function test_splitDown_zeroFee_succeeds() public pure {
        (uint256 platform, uint256 owner, uint256 stakers, uint256 contributors) = FeeMath.splitDown(
            0,
            2_000,
            5_000,
            2_500
        );
        assertEq(platform + owner + stakers + contributors, 0);
    }

    /// @notice Invariant 3 at the level of one request: the parts sum exactly to the fee, each
    ///         part is the floor of its share (contributors: at least their floor, at most 2 wei
    ///         above it), none exceeds the fee.
    function testFuzz_splitDown_partsSumToFee(
        uint256 fee,
        uint256 platformBps,
        uint256 ownerBps,
        uint256 stakersBps
    ) public pure {
        fee = bound(fee, 0, 2 ** 146);
        platformBps = bound(platformBps, 0, BPS);
        ownerBps = bound(ownerBps, 0, BPS);
        stakersBps = bound(stakersBps, 0, BPS - ownerBps);
        uint256 contributorsBps = BPS - ownerBps - stakersBps;

        (uint256 platform, uint256 owner, uint256 stakers, uint256 contributors) = FeeMath.splitDown(
            fee,
            platformBps,
            ownerBps,
            stakersBps
        );
        assertEq(platform + owner + stakers + contributors, fee, "parts sum to the fee");

        assertEq(platform, (fee * platformBps) / BPS, "platform = floor");
        uint256 net = fee - platform;
        assertEq(owner, (net * ownerBps) / BPS, "owner = floor of net");
        assertEq(stakers, (net * stakersBps) / BPS, "stakers = floor of net");
        uint256 contributorsFloor = (net * contributorsBps) / BPS;
        assertGe(contributors, contributorsFloor, "contributors at least their share");
        assertLe(contributors - contributorsFloor, 2, "dust is at most 2 wei");

        // Bounds: no part takes more than its basis points of what it is a share of.
        assertLe(platform * BPS, fee * platformBps, "platform within its bps");
        assertLe(owner * BPS, net * ownerBps, "owner within its bps");
        assertLe(stakers * BPS, net * stakersBps, "stakers within their bps");
        assertLe(platform, fee, "platform <= fee");
        assertLe(contributors, fee, "contributors <= fee");
    }

    /// @notice Batch sums equal the sums of the per-request parts: splitting per request (as the
    ///         router does) and adding gives the same totals as the events.
    function testFuzz_splitDown_batchSumsMatch(
        uint256[8] memory fees,
        uint16 platformBps,
        uint16 ownerBps
    ) public pure {
        platformBps = uint16(bound(platformBps, 0, 2_000));
        ownerBps = uint16(bound(ownerBps, 0, BPS));
        uint256 stakersBps = (BPS - ownerBps) / 2;
        uint256 total;
        uint256 sum;
        for (uint256 i = 0; i < fees.length; ++i) {
            uint256 fee = bound(fees[i], 0, 2 ** 140);
            total += fee;
            (uint256 a, uint256 b, uint256 c, uint256 d) = FeeMath.splitDown(fee, platformBps, ownerBps, stakersBps);
            sum += a + b + c + d;
        }
        assertEq(sum, total, "sum of all parts of a batch = its total fee");
    }
}
