import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

/**
 * `npm install <package>` (unlike a bare `npm install`) skips the project's post-install step,
 * so when it runs under the system's older Node it can leave Hardhat's simulator without its
 * native package. Repair that here, before any task needs it, rather than fail with HHE27.
 */
try {
  createRequire(import.meta.url)("@nomicfoundation/edr");
} catch {
  execFileSync(process.execPath, [fileURLToPath(new URL("./scripts/check-install.mjs", import.meta.url))], {
    stdio: "inherit",
  });
}

/**
 * The compiler is the official solc WASM build shipped by the npm package `solc`, pinned
 * exactly in package.json, so compiling never downloads anything. Hardhat takes a non-binary
 * `path` as WASM; the path must be absolute. `version` must match the pinned package.
 */
const SOLC_VERSION = "0.8.37";
const solcPath = fileURLToPath(new URL("./node_modules/solc/soljson.js", import.meta.url));

/** The devnet's well-known test mnemonic (never use it for real funds). */
const DEVNET_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * Where the devnet answers: `.devnet/addresses.json` (or `$POA_DEVNET_DIR/addresses.json`) as the
 * running devnet wrote it, so a devnet started on other ports or from another folder is found;
 * the devnet's defaults when there is none (or it cannot be read).
 */
function devnetEndpoints(): { l1Rpc: string; l1ChainId: number; l2Rpc: string; l2ChainId: number } {
  const defaults = { l1Rpc: "http://127.0.0.1:8545", l1ChainId: 900, l2Rpc: "http://127.0.0.1:9545", l2ChainId: 901 };
  const file = new URL(`./${process.env.POA_DEVNET_DIR ?? ".devnet"}/addresses.json`, import.meta.url);
  if (!existsSync(file)) return defaults;
  try {
    const a = JSON.parse(readFileSync(file, "utf8")) as Partial<typeof defaults>;
    const ok =
      typeof a.l1Rpc === "string" &&
      typeof a.l2Rpc === "string" &&
      Number.isSafeInteger(a.l1ChainId) &&
      Number.isSafeInteger(a.l2ChainId);
    return ok ? (a as typeof defaults) : defaults;
  } catch {
    return defaults;
  }
}
const devnet = devnetEndpoints();

/** Fixed seed so that a CI failure reproduces byte for byte on any machine. */
const CI_SEED = "0x6f70656e6c65646765722d706f612d63692d736565642d303030303030303031";

/**
 * The project's one optimizer setting, for every contract and every test. No per-contract
 * override: a contract that would need one is split instead (docs/contracts.md, "Size"), and
 * test/contracts/bytecodeSize.test.ts fails when any contract comes within 5% of the 24,576-byte
 * limit.
 */
const compiler = {
  version: SOLC_VERSION,
  path: solcPath,
  settings: { optimizer: { enabled: true, runs: 10_000 }, evmVersion: "cancun" },
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  solidity: {
    profiles: {
      default: {
        compilers: [compiler],
      },
      production: {
        compilers: [compiler],
      },
    },
    npmFilesToBuild: [],
  },
  paths: {
    // bench/contracts: reference designs the benchmark measures against (never deployed).
    sources: { solidity: ["contracts", "bench/contracts"] },
    tests: { solidity: "test", mocha: "test" },
  },
  test: {
    solidity: {
      profiles: {
        default: {
          fuzz: { runs: 256 },
          invariant: { runs: 64, depth: 32, failOnRevert: false },
        },
        ci: {
          fuzz: { runs: 1_000, seed: CI_SEED },
          invariant: { runs: 256, depth: 64, failOnRevert: false },
        },
        deep: {
          fuzz: { runs: 20_000 },
          invariant: { runs: 2_000, depth: 128, failOnRevert: false },
        },
      },
    },
    mocha: { timeout: 120_000 },
  },
  networks: {
    hardhatOp: { type: "edr-simulated", chainType: "op" },
    hardhatMainnet: { type: "edr-simulated", chainType: "l1" },
    // The local devnet (`npx poa devnet`): its L1 and its OP Stack L2, with the devnet's funded
    // test accounts. URLs and chain ids are the running devnet's (read from its addresses.json,
    // so `--l2-port` and `--dir` work), else the defaults.
    l1: {
      type: "http",
      chainType: "l1",
      url: devnet.l1Rpc,
      chainId: devnet.l1ChainId,
      accounts: { mnemonic: DEVNET_MNEMONIC },
    },
    l2: {
      type: "http",
      chainType: "op",
      url: devnet.l2Rpc,
      chainId: devnet.l2ChainId,
      accounts: { mnemonic: DEVNET_MNEMONIC },
    },
  },
});
