import type { DevnetAddresses } from "./addresses.js";
import type { DevnetAccount } from "./devnet.js";

/** The start-up banner: funded accounts and the chain configuration, as supersim prints them. Pure. */
export function banner(addresses: DevnetAddresses, accounts: DevnetAccount[], dir: string, mnemonic: string): string {
  const lines: string[] = [];
  lines.push("Available Accounts", "-----------------------");
  accounts.forEach((a, i) => lines.push(`(${i}): ${a.address} (10000 ETH on L1 and L2)`));
  lines.push("", "Private Keys", "-----------------------");
  accounts.forEach((a, i) => lines.push(`(${i}): ${a.privateKey}`));
  lines.push("", `Mnemonic: ${mnemonic}`, "");
  lines.push("Chain Configuration", "-----------------------");
  lines.push(`L1: Chain ID ${addresses.l1ChainId}  RPC ${addresses.l1Rpc}  Log ${dir}/l1.log`);
  lines.push(
    `L2: Chain ID ${addresses.l2ChainId}  RPC ${addresses.l2Rpc}  Log ${dir}/l2.log  (OP Stack, anvil --network optimism)`,
  );
  lines.push("  L1 contracts (behind proxies):");
  for (const name of [
    "OptimismPortal",
    "L1CrossDomainMessenger",
    "L1StandardBridge",
    "L2OutputOracle",
    "SystemConfig",
    "SuperchainConfig",
  ] as const)
    lines.push(`   - ${name.padEnd(29)} ${addresses[name]}`);
  lines.push("  L2 predeploys:");
  for (const name of [
    "L2CrossDomainMessenger",
    "L2StandardBridge",
    "OptimismMintableERC20Factory",
    "L2ToL1MessagePasser",
    "L1Block",
    "GasPriceOracle",
  ] as const)
    lines.push(`   - ${name.padEnd(29)} ${addresses[name]}`);
  lines.push(`   - ${"Multicall3 (L1 and L2)".padEnd(29)} ${addresses.Multicall3}`);
  return lines.join("\n");
}
