// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IDatanetRegistry} from "../../interfaces/IDatanetRegistry.sol";
import {DatanetLedger} from "./DatanetLedger.sol";

/// @title DatanetPenaltyLogic
/// @notice The DatanetRegistry's removals of contributions: the rule every slash follows
///         (`slashStakeDown`, internal, so a rejection runs it inline in the registry), the
///         penalty of an accepted contribution during its bond period (`penalize`), the
///         takedown of a pending or accepted one without a slash (`takeDown`) and the
///         displacement of a pending one by a reveal with an earlier commitment (`displace`). An external
///         library: deployed once, linked into the registry and run by DELEGATECALL on the
///         registry's storage, so its reverts and events are the registry's own
///         (docs/datanets.md, "Code layout"). The registry checks PENALTY_ROLE or TAKEDOWN_ROLE
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

    /// @notice `IDatanetRegistry.takeDown`, after the role check: `c` is contribution
    ///         `contributionId` and `datanets` the registry's Datanets. Moves no OPEN: the whole
    ///         stake stays the contributor's, withdrawable at once (`withdraw`).
    function takeDown(
        mapping(uint256 datanetId => IDatanetRegistry.Datanet) storage datanets,
        IDatanetRegistry.Contribution storage c,
        uint256 contributionId,
        bytes32 reason
    ) external {
        IDatanetRegistry.Status status = c.status;
        require(status != IDatanetRegistry.Status.None, IDatanetRegistry.UnknownContribution(contributionId));
        require(status != IDatanetRegistry.Status.TakenDown, IDatanetRegistry.AlreadyTakenDown(contributionId));
        require(
            status == IDatanetRegistry.Status.Pending || status == IDatanetRegistry.Status.Accepted,
            IDatanetRegistry.CannotTakeDown(contributionId, status)
        );
        uint256 datanetId = c.datanetId;
        uint256 revokedFromVersion;
        if (status == IDatanetRegistry.Status.Accepted) {
            IDatanetRegistry.Datanet storage d = datanets[datanetId];
            // As in `penalize`: versionCount < 2^32 - 1, and an accepted contribution is counted
            // in liveAcceptedCount.
            unchecked {
                revokedFromVersion = uint256(d.versionCount) + 1;
                --d.liveAcceptedCount;
            }
            c.revokedFromVersion = uint32(revokedFromVersion);
        }
        // A pending one was in no version and never will be (no vote counts any more); its
        // content hash stays held, so the content stays barred, as revoked content does.
        c.status = IDatanetRegistry.Status.TakenDown;
        emit IDatanetRegistry.ContributionTakenDown(contributionId, datanetId, revokedFromVersion, reason);
    }

    /// @notice The precedence rule of a reveal (`IDatanetRegistry.submit`) that finds its content
    ///         held by contribution `heldId` (`x`), revealed from a commitment of block
    ///         `heldCommitBlock`: the new contribution `byId`, revealed from a commitment of block
    ///         `commitBlock`, displaces it if `x` is pending and either was committed later or is
    ///         past its review deadline; otherwise `DuplicateContent`. A displaced contribution
    ///         keeps its whole stake, withdrawable at once, except when it is displaced before its
    ///         deadline after a reject vote: then it pays its slash share, as a rejection would,
    ///         so that displacing one's own contribution with an older commitment of the same
    ///         content cannot end a review that was going against it for free.
    function displace(
        IDatanetRegistry.Contribution storage x,
        DatanetLedger storage ledger,
        uint256 heldId,
        uint256 heldCommitBlock,
        uint256 byId,
        uint256 commitBlock
    ) external {
        uint256 datanetId = x.datanetId;
        bool expired = block.timestamp >= x.reviewDeadline;
        require(
            x.status == IDatanetRegistry.Status.Pending && (commitBlock < heldCommitBlock || expired),
            IDatanetRegistry.DuplicateContent(datanetId, x.contentHash, heldId)
        );
        x.status = IDatanetRegistry.Status.Displaced;
        uint256 slashed;
        if (!expired && x.rejectVotes != 0) (slashed, ) = slashStakeDown(x, ledger, x.slashBps);
        emit IDatanetRegistry.ContributionDisplaced(heldId, datanetId, byId, slashed);
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
