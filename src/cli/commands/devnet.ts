import { join, resolve } from "node:path";

import { PoaError, UsageError } from "../../core/errors.js";
import type { Command, CommandInput, OptionSpec } from "../command.js";

const DEVNET_OPTIONS: OptionSpec = {
  "l1-port": { type: "string" },
  "l2-port": { type: "string" },
  "l1-chain-id": { type: "string" },
  "l2-chain-id": { type: "string" },
  dir: { type: "string" },
  "poll-ms": { type: "string" },
};

function integer(values: CommandInput["values"], name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value))
    throw new UsageError(`--${name} must be an integer, got "${String(raw)}"`, `Run \`npx poa devnet --help\`.`);
  return value;
}

/** Devnet configuration from command line options (only what was given; defaults fill the rest). */
export function devnetOverrides(values: CommandInput["values"]) {
  const overrides: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined) overrides[key] = value;
  };
  set("l1Port", integer(values, "l1-port"));
  set("l2Port", integer(values, "l2-port"));
  set("l1ChainId", integer(values, "l1-chain-id"));
  set("l2ChainId", integer(values, "l2-chain-id"));
  set("pollMs", integer(values, "poll-ms"));
  if (typeof values.dir === "string") overrides.dir = values.dir;
  return overrides;
}

export const devnet: Command = {
  name: "devnet",
  summary: "Start a local L1 + OP Stack L2 (anvil) with the bridge, a deposit relayer and an output proposer",
  help: `Usage: poa devnet [options]

Starts an L1 (anvil) and an OP Stack L2 (anvil --network optimism) on 127.0.0.1, deploys the
OP Stack L1 contracts behind proxies (OptimismPortal, L1CrossDomainMessenger, L1StandardBridge,
L2OutputOracle, SystemConfig, SuperchainConfig), installs the L2 predeploys and Multicall3, and
runs a deposit relayer, an output proposer and an L1 clock, so that deposits and withdrawals
(prove, finalize) work with the Optimism SDK and viem. L2 transactions pay an L1 data fee.
Writes <dir>/addresses.json, logs to <dir>/, and runs until Ctrl-C or SIGTERM, then stops
everything it started.

Options:
  --l1-port <n>       L1 RPC port (default 8545)
  --l2-port <n>       L2 RPC port (default 9545)
  --l1-chain-id <n>   L1 chain id (default 900)
  --l2-chain-id <n>   L2 chain id (default 901)
  --dir <path>        state folder: addresses.json, logs (default .devnet)
  --poll-ms <n>       relayer and proposer poll interval in ms (default 100)

Related: \`poa devnet deploy\` (deploy the protocol to it), \`poa devnet stop\`, \`poa bridge\`.

Example:
  npx poa devnet --l2-port 9546`,
  options: DEVNET_OPTIONS,
  async run({ values, positionals }) {
    if (positionals.length > 0)
      throw new UsageError(`unexpected argument "${positionals[0]}"`, "Run `npx poa devnet --help`.");
    const { startDevnet } = await import("../../devnet/devnet.js");
    const { banner } = await import("../../devnet/format.js");
    // Handlers first: a signal's default action kills the process at once, even mid-start-up,
    // which would leave the chains to the reaper. Ctrl-C while starting aborts the start-up.
    const abort = new AbortController();
    let net: Awaited<ReturnType<typeof startDevnet>> | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      abort.abort();
      void net?.stop(`received ${signal}`);
    };
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
    net = await startDevnet(devnetOverrides(values), abort.signal);
    const dir = resolve(net.config.dir);
    console.log(banner(net.addresses, net.accounts, net.config.dir, net.config.mnemonic));
    console.log(`\nDevnet ready in ${(net.startupMs / 1000).toFixed(2)} s. Addresses: ${join(dir, "addresses.json")}`);
    console.log("Deposits are relayed and outputs proposed automatically. Ctrl-C stops everything.");
    const reason = await net.stopped;
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(signal, onSignal);
    const clean = reason.startsWith("received") || reason === "stopped";
    console.log(`\nDevnet stopped (${reason}).`);
    return clean ? 0 : 1;
  },
};

export const devnetStop: Command = {
  name: "devnet stop",
  summary: "Stop the devnet running from this folder",
  help: `Usage: poa devnet stop [--dir <path>]

Sends SIGTERM to the devnet process recorded in <dir>/process.json (default .devnet) and waits
until it and its chains have exited.

Example:
  npx poa devnet stop`,
  options: { dir: { type: "string" } },
  async run({ values }) {
    const { readProcess, isAlive } = await import("../../devnet/addresses.js");
    const dir = typeof values.dir === "string" ? values.dir : ".devnet";
    const proc = readProcess(dir);
    if (proc === undefined || !isAlive(proc.pid)) {
      console.log(`No devnet is running from ${dir}.`);
      return 0;
    }
    process.kill(proc.pid, "SIGTERM");
    const deadline = Date.now() + 10_000;
    while ([proc.pid, ...proc.anvilPids].some(isAlive)) {
      if (Date.now() > deadline)
        throw new PoaError(`devnet process ${proc.pid} did not stop within 10 s`, `Kill it: kill ${proc.pid}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`Stopped the devnet (process ${proc.pid}).`);
  },
};

export const devnetDeploy: Command = {
  name: "devnet deploy",
  summary: "Deploy OPEN (L1), bridged OPEN (L2) and the protocol to the running devnet, idempotently",
  help: `Usage: poa devnet deploy [--dir <path>] [--out <file>] [--private-key <hex>]

Deploys OPEN on the devnet's L1, the bridged OPEN on its L2 (remote token = the L1 OPEN) and
every protocol contract, wired, recording addresses in deployments/devnet.json. A re-run deploys
only what is missing; a restarted devnet (new genesis) gets a new record.

Options:
  --dir <path>          devnet state folder (default .devnet)
  --out <file>          deployment record (default deployments/devnet.json)
  --private-key <hex>   deployer key (default: account 0 of the devnet mnemonic; or POA_PRIVATE_KEY)

Example:
  npx poa devnet deploy`,
  options: { dir: { type: "string" }, out: { type: "string" }, "private-key": { type: "string" } },
  async run({ values }) {
    const { deployToDevnet } = await import("../../context/devnet.js");
    const dir = typeof values.dir === "string" ? values.dir : ".devnet";
    const result = await deployToDevnet({
      dir,
      file: typeof values.out === "string" ? values.out : undefined,
      privateKey: typeof values["private-key"] === "string" ? values["private-key"] : undefined,
      log: (line) => console.error(line),
    });
    for (const [name, entry] of Object.entries(result.record.contracts))
      console.log(
        `${name.padEnd(24)} ${entry.chain}  ${entry.address}  ${result.deployed.includes(name) ? "deployed" : "already there"}`,
      );
    console.log(`\nRecord: ${result.file}`);
  },
};
