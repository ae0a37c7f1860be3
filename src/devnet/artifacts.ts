import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import type { Abi, Hex } from "viem";

/** The OP Stack contracts the devnet installs, from `@eth-optimism/contracts-bedrock`. */
export type BedrockContract =
  | "Proxy"
  | "SuperchainConfig"
  | "L2OutputOracle"
  | "SystemConfig"
  | "OptimismPortal"
  | "L1CrossDomainMessenger"
  | "L1StandardBridge"
  | "L2CrossDomainMessenger"
  | "L2StandardBridge"
  | "OptimismMintableERC20Factory"
  | "L1Block"
  | "GasPriceOracle"
  | "L2ToL1MessagePasser";

export interface BedrockArtifact {
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
}

const require = createRequire(import.meta.url);
const packageRoot = dirname(require.resolve("@eth-optimism/contracts-bedrock/package.json"));
const cache = new Map<BedrockContract, BedrockArtifact>();

/** Reads one forge artifact of the pinned contracts-bedrock package (cached per process). */
export function bedrockArtifact(name: BedrockContract): BedrockArtifact {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const json = JSON.parse(
    readFileSync(join(packageRoot, "forge-artifacts", `${name}.sol`, `${name}.json`), "utf8"),
  ) as {
    abi: Abi;
    bytecode: { object: Hex };
    deployedBytecode: { object: Hex };
  };
  const artifact = { abi: json.abi, bytecode: json.bytecode.object, deployedBytecode: json.deployedBytecode.object };
  cache.set(name, artifact);
  return artifact;
}

/** Multicall3's runtime code, a hex constant in the package's `Preinstalls.sol`. */
export function multicall3Code(): Hex {
  const source = readFileSync(join(packageRoot, "src", "libraries", "Preinstalls.sol"), "utf8");
  const match = /MultiCall3Code\s*=\s*hex"([0-9a-fA-F]+)"/.exec(source);
  if (match?.[1] === undefined) throw new Error("Multicall3 code not found in contracts-bedrock Preinstalls.sol");
  return `0x${match[1]}`;
}

/** Well-known addresses on every OP Stack chain. */
export const PREDEPLOYS = {
  L2ToL1MessagePasser: "0x4200000000000000000000000000000000000016",
  L2CrossDomainMessenger: "0x4200000000000000000000000000000000000007",
  L2StandardBridge: "0x4200000000000000000000000000000000000010",
  OptimismMintableERC20Factory: "0x4200000000000000000000000000000000000012",
  L1Block: "0x4200000000000000000000000000000000000015",
  GasPriceOracle: "0x420000000000000000000000000000000000000F",
} as const;

export const MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11" as const;
/** The system account that sends L1-attribute deposits (and may set GasPriceOracle's fork flags). */
export const DEPOSITOR_ACCOUNT = "0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001" as const;
