// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IDatanetRegistry} from "../../interfaces/IDatanetRegistry.sol";
import {DatanetLedger} from "./DatanetLedger.sol";

/// @title DatanetPenaltyLogic
/// @notice The DatanetRegistry's slashing of contribution stakes: the rule every slash follows
///         (`slashStakeDown`, internal, so a rejection or a withdrawal after a reject vote runs
///         it inline in the registry) and the penalty of an accepted contribution during its bond
///         period (`penalize`). An external library: deployed once, linked into the registry and
///         run by DELEGATECALL on the registry's storage, so its reverts and events are the
///         registry's own (docs/datanets.md, "Code layout"). The registry checks PENALTY_ROLE
///         before it delegates.
/// @dev    Only for the registry: its functions take the registry's storage.
library DatanetPenaltyLogic {
    /// @notice Basis points in a whole.
    uint256 internal constant _BPS = 10_000;

    /// @notice `IDatanetRegistry.penalize`, after the role check: `c` is contribution
    ///         `contributionId` and `datanets` the registry's Datanets.
    function penalize(
        mapping(uint256 datanetId => IDatanetRegistry.Datanet) storage datanets,
        IDatanetRegistry.Contribution storage c,
        DatanetLedger storage ledger,
        uint256 contributionId,
        uint16 slashBps,
        bytes32 reason
    ) external {
        require(slashBps <= _BPS, IDatanetRegistry.SlashShareTooHigh(slashBps));
        IDatanetRegistry.Status status = c.status;
        require(status != IDatanetRegistry.Status.None, IDatanetRegistry.UnknownContribution(contributionId));
        require(status == IDatanetRegistry.Status.Accepted, IDatanetRegistry.NotAccepted(contributionId, status));
        uint256 bondedUntil = c.bondedUntil;
        require(
            block.timestamp < bondedUntil,
            IDatanetRegistry.BondPeriodOver(contributionId, bondedUntil, block.timestamp)
        );

        uint256 datanetId = c.datanetId;
        IDatanetRegistry.Datanet storage d = datanets[datanetId];
        uint256 revokedFromVersion;
        // versionCount < 2^32 - 1 (one per transaction); an accepted contribution is counted
        // in liveAcceptedCount, so it is >= 1.
        unchecked {
            revokedFromVersion = uint256(d.versionCount) + 1;
            --d.liveAcceptedCount;
        }
        c.status = IDatanetRegistry.Status.Revoked;
        c.revokedFromVersion = uint32(revokedFromVersion);
        (uint256 slashed, uint256 refundable) = slashStakeDown(c, ledger, slashBps);
        emit IDatanetRegistry.ContributionRevoked(
            contributionId,
            datanetId,
            slashed,
            refundable,
            revokedFromVersion,
            reason
        );
    }

    /// @notice Slashes `bps` of the contribution's stake, rounded down (the dust stays with the
    ///         contributor), into the treasury's pool; the rest stays as its refundable stake.
    /// @dev    `stake * bps` cannot overflow: stake < 2^128 and bps <= BPS (every caller checks or
    ///         stores a share within the bounds, which are at most BPS).
    function slashStakeDown(
        IDatanetRegistry.Contribution storage c,
        DatanetLedger storage ledger,
        uint256 bps
    ) internal returns (uint256 slashed, uint256 refundable) {
        uint256 stake = c.stake;
        slashed = (stake * bps) / _BPS;
        // slashed <= stake because bps <= BPS.
        unchecked {
            refundable = stake - slashed;
        }
        c.stake = uint128(refundable);
        ledger.totalStaked -= slashed;
        ledger.slashedUnswept += slashed;
    }
}
