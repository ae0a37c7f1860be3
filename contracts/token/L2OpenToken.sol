// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {IErrors} from "../interfaces/IErrors.sol";
import {ILegacyMintableERC20} from "../interfaces/ILegacyMintableERC20.sol";
import {IOptimismMintableERC20} from "../interfaces/IOptimismMintableERC20.sol";
import {ISemver} from "../interfaces/ISemver.sol";

/// @title L2OpenToken
/// @notice OPEN on the OP Stack L2, minted and burned only by the L2 standard bridge, with
///         ERC20Votes on a timestamp clock and EIP-2612 permit for governance.
/// @dev    Implements the OptimismMintableERC20 surface (both the current and the legacy
///         interface, advertised through ERC-165) so that the standard bridge and the Optimism
///         SDK treat it as an ordinary bridged token. The bridge address is the fixed predeploy.
contract L2OpenToken is ERC20, ERC20Permit, ERC20Votes, IOptimismMintableERC20, ILegacyMintableERC20, ISemver, IErrors {
    /// @notice The L2 standard bridge predeploy, the only minter and burner.
    address public constant L2_STANDARD_BRIDGE = 0x4200000000000000000000000000000000000010;

    /// @notice OPEN on L1. Also readable as `remoteToken()` and `l1Token()`: the three getters
    ///         of OP Stack's own OptimismMintableERC20, which the standard bridge, the Optimism
    ///         SDK and block explorers call by name, so this is the protocol's one documented
    ///         exception to "one getter per immutable" (docs/contracts.md).
    address public immutable REMOTE_TOKEN;

    /// @notice Emitted when the bridge mints on a deposit.
    event Mint(address indexed account, uint256 amount);

    /// @notice Emitted when the bridge burns on a withdrawal.
    event Burn(address indexed account, uint256 amount);

    /// @notice A caller other than the L2 standard bridge tried to mint or burn.
    error NotBridge(address caller, address bridge);

    modifier onlyBridge() {
        require(msg.sender == L2_STANDARD_BRIDGE, NotBridge(msg.sender, L2_STANDARD_BRIDGE));
        _;
    }

    /// @param remoteToken_ OPEN on L1.
    constructor(address remoteToken_) ERC20("OpenLedger", "OPEN") ERC20Permit("OpenLedger") {
        require(remoteToken_ != address(0), IErrors.ZeroAddress());
        REMOTE_TOKEN = remoteToken_;
    }

    /// @inheritdoc IOptimismMintableERC20
    function remoteToken() external view returns (address) {
        return REMOTE_TOKEN;
    }

    /// @inheritdoc IOptimismMintableERC20
    function bridge() external pure returns (address) {
        return L2_STANDARD_BRIDGE;
    }

    /// @inheritdoc ILegacyMintableERC20
    function l1Token() external view returns (address) {
        return REMOTE_TOKEN;
    }

    /// @notice Legacy getter of the bridge (pre-Bedrock L2StandardERC20 compatibility).
    function l2Bridge() external pure returns (address) {
        return L2_STANDARD_BRIDGE;
    }

    /// @notice Legacy upper-case getter of the bridge (OptimismMintableERC20 compatibility).
    // solhint-disable-next-line func-name-mixedcase
    function BRIDGE() external pure returns (address) {
        return L2_STANDARD_BRIDGE;
    }

    /// @inheritdoc IOptimismMintableERC20
    function mint(
        address to,
        uint256 amount
    ) external override(IOptimismMintableERC20, ILegacyMintableERC20) onlyBridge {
        _mint(to, amount);
        emit Mint(to, amount);
    }

    /// @inheritdoc IOptimismMintableERC20
    function burn(
        address from,
        uint256 amount
    ) external override(IOptimismMintableERC20, ILegacyMintableERC20) onlyBridge {
        _burn(from, amount);
        emit Burn(from, amount);
    }

    /// @notice ERC-165: IERC165, ILegacyMintableERC20 and IOptimismMintableERC20.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return
            interfaceId == type(IERC165).interfaceId ||
            interfaceId == type(ILegacyMintableERC20).interfaceId ||
            interfaceId == type(IOptimismMintableERC20).interfaceId;
    }

    /// @notice ERC-6372: votes are checkpointed by timestamp, as on an L2 block numbers are a
    ///         poor clock (OP Stack blocks are 2 s apart, and governance periods read in time).
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice ERC-6372 machine-readable description of the clock.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ISemver
    function version() external pure returns (string memory) {
        return "2.0.0";
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
