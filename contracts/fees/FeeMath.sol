// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title FeeMath
/// @notice The fee of an inference request and its exact four-way split. Pure, so that it can be
///         fuzzed on its own; the FeeRouter's `quote` exposes it for off-chain callers.
/// @dev    Rounding, in the names:
///         - `feeUp` rounds the fee UP (ceil of price x tokens / 1000): the payer overpays by less
///           than 1 wei per request, and no request with a priced token is ever free (with floor,
///           cutting a workload into tiny requests would pay nothing).
///         - `splitDown` rounds the platform, owner and stakers parts DOWN; the contributors'
///           pool takes the remainder, so the parts sum exactly to the fee and the rounding dust
///           (at most 2 wei beyond the contributors' exact share) goes to the data contributors.
library FeeMath {
    /// @notice Basis points in one whole.
    uint256 internal constant BPS = 10_000;

    /// @notice Prices are quoted per this many tokens.
    uint256 internal constant TOKENS_PER_PRICE_UNIT = 1_000;

    /// @notice ceil((pricePerKInput * tokensIn + pricePerKOutput * tokensOut) / 1000).
    function feeUp(
        uint80 pricePerKInput,
        uint80 pricePerKOutput,
        uint64 tokensIn,
        uint64 tokensOut
    ) internal pure returns (uint256 fee) {
        // Each product is below 2^80 * 2^64 = 2^144, their sum below 2^145, and adding 999 keeps
        // it far below 2^256: nothing here can overflow.
        unchecked {
            uint256 amount = uint256(pricePerKInput) * tokensIn + uint256(pricePerKOutput) * tokensOut;
            fee = (amount + (TOKENS_PER_PRICE_UNIT - 1)) / TOKENS_PER_PRICE_UNIT;
        }
    }

    /// @notice floor(amount * bps / 10^4), for bps <= 10^4.
    function bpsDown(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return (amount * bps) / BPS;
    }

    /// @notice Splits `fee` into platform, owner, stakers and contributors parts. The platform
    ///         takes floor(fee * platformBps / 10^4); of the rest, the owner and the stakers take
    ///         their basis points rounded down and the contributors take what remains.
    /// @dev    Requires platformBps <= 10^4 and ownerBps + stakersBps <= 10^4 (the registry and
    ///         the router enforce both), so no part can underflow.
    function splitDown(
        uint256 fee,
        uint256 platformBps,
        uint256 ownerBps,
        uint256 stakersBps
    ) internal pure returns (uint256 platform, uint256 owner, uint256 stakers, uint256 contributors) {
        platform = bpsDown(fee, platformBps);
        uint256 net = fee - platform;
        owner = bpsDown(net, ownerBps);
        stakers = bpsDown(net, stakersBps);
        // owner + stakers <= floor(net * (ownerBps + stakersBps) / 10^4) <= net: no underflow.
        unchecked {
            contributors = net - owner - stakers;
        }
    }
}
