// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "../lib/Test.sol";

/// @notice The environment cheatcodes the campaign counters use (not in test/lib/Vm.sol).
interface VmEnv {
    function setEnv(string calldata name, string calldata value) external;
    function envOr(string calldata name, uint256 defaultValue) external view returns (uint256);
    function envOr(string calldata name, string calldata defaultValue) external view returns (string memory);
}

/// @title Campaign
/// @notice Counts what the runs of an invariant campaign reach, across runs, and checks it.
/// @dev    The fuzzer resets the EVM state before every run, so per-run facts (did the run
///         finalize a root, which handler actions succeeded) are added to counters kept in
///         environment variables of the test process (`setEnv`/`envOr`), from `afterInvariant`,
///         which the fuzzer calls at the end of every run. Once CHECK_AFTER_RUNS runs are counted
///         (one whole campaign at the `ci` profile: 256 runs x 64 calls), the suite checks the
///         reach figures it declares (a failing figure fails the suite, naming it) and freezes the
///         counters. With POA_CAMPAIGN_REPORT=1 it skips those checks and fails on purpose with
///         the figures as its message, which is how anyone reads them:
///
///             POA_CAMPAIGN_REPORT=1 npx hardhat test solidity <suite file> --test-profile ci
///
///         (the run stops at the first report; the message starts with "campaign "). To look
///         at fewer runs (e.g. the `default` profile's 64), set POA_CAMPAIGN_RUNS as well.
abstract contract Campaign is Test {
    VmEnv internal constant ENV = VmEnv(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice Runs counted before the figures are checked (a whole `ci` campaign).
    uint256 internal constant CHECK_AFTER_RUNS = 256;

    /// @notice The prefix of this suite's environment variables (unique per suite).
    function _campaignName() internal pure virtual returns (string memory);

    /// @notice Adds this run's facts to the counters (called by `afterInvariant`, not frozen).
    function _countRun() internal virtual;

    /// @notice Checks the counted figures (after CHECK_AFTER_RUNS runs) and returns them as text.
    function _checkFigures(uint256 runs) internal virtual returns (string memory report);

    function afterInvariant() public {
        string memory frozen = ENV.envOr(_key("report"), string(""));
        if (bytes(frozen).length == 0) {
            _count("runs", 1);
            _countRun();
            uint256 runs = _counter("runs");
            if (runs < ENV.envOr("POA_CAMPAIGN_RUNS", CHECK_AFTER_RUNS)) return;
            frozen = _checkFigures(runs);
            ENV.setEnv(_key("report"), frozen);
        }
        if (ENV.envOr("POA_CAMPAIGN_REPORT", uint256(0)) == 1) revert(frozen);
    }

    function _key(string memory name) internal pure returns (string memory) {
        return string.concat(_campaignName(), "_", name);
    }

    function _count(string memory name, uint256 amount) internal {
        if (amount == 0) return;
        ENV.setEnv(_key(name), vm.toString(_counter(name) + amount));
    }

    function _counter(string memory name) internal view returns (uint256) {
        return ENV.envOr(_key(name), uint256(0));
    }

    /// @dev "name=count (pct%)" for a count of runs, and checks pct >= minPct.
    function _runFigure(string memory name, uint256 runs, uint256 minPct) internal view returns (string memory) {
        uint256 count = _counter(name);
        uint256 pct = (count * 100) / runs;
        string memory figure = string.concat(
            name,
            "=",
            vm.toString(count),
            "/",
            vm.toString(runs),
            " (",
            vm.toString(pct),
            "%)"
        );
        if (ENV.envOr("POA_CAMPAIGN_REPORT", uint256(0)) != 1)
            require(pct >= minPct, string.concat("campaign reach below ", vm.toString(minPct), "%: ", figure));
        return figure;
    }

    /// @dev "name=calls" for a handler action's successful calls over all runs; checks it ran.
    function _callFigure(string memory name) internal view returns (string memory) {
        uint256 calls = _counter(name);
        if (ENV.envOr("POA_CAMPAIGN_REPORT", uint256(0)) != 1)
            require(calls != 0, string.concat("campaign never called ", name));
        return string.concat(" ", name, "=", vm.toString(calls));
    }
}
