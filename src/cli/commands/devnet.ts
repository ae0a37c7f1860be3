import { join, resolve } from "node:path";

import { PoaError } from "../../core/errors.js";
import { defineCommand } from "../define.js";
import { DEVNET_DIR_OPTION, NETWORK_OPTIONS, networkSelection } from "../options.js";

export const devnet = defineCommand({
  name: "devnet",
  summary: "Start a local L1 + OP Stack L2 (anvil) with the bridge, a deposit relayer and an output proposer",
  description: `Starts an L1 (anvil) and an OP Stack L2 (anvil --network optimism) on 127.0.0.1, deploys the
OP Stack L1 contracts behind proxies (OptimismPortal, L1CrossDomainMessenger, L1StandardBridge,
L2OutputOracle, SystemConfig, SuperchainConfig), installs the L2 predeploys and Multicall3, and
runs a deposit relayer, an output proposer and an L1 clock, so that deposits and withdrawals
(prove, finalize) work with the Optimism SDK and viem. L2 transactions pay an L1 data fee.
Writes <dir>/addresses.json, logs to <dir>/, and runs until Ctrl-C or SIGTERM, then stops
everything it started. Other commands find it through --dir, whatever ports it uses.

Related: \`poa devnet deploy\` (deploy the protocol to it), \`poa devnet stop\`, \`poa bridge\`.`,
  options: {
    "l1-port": { type: "integer", min: 1, max: 65535, default: 8545, description: "L1 RPC port" },
    "l2-port": { type: "integer", min: 1, max: 65535, default: 9545, description: "L2 RPC port" },
    "l1-chain-id": { type: "integer", min: 1, default: 900, description: "L1 chain id" },
    "l2-chain-id": { type: "integer", min: 1, default: 901, description: "L2 chain id" },
    ...DEVNET_DIR_OPTION,
    "poll-ms": { type: "integer", min: 10, default: 100, description: "relayer and proposer poll interval in ms" },
  },
  examples: ["npx poa devnet", "npx poa devnet --l2-port 9546 --dir .devnet-2"],
  async run(args) {
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
    try {
      net = await startDevnet(
        {
          l1Port: args.l1Port,
          l2Port: args.l2Port,
          l1ChainId: args.l1ChainId,
          l2ChainId: args.l2ChainId,
          pollMs: args.pollMs,
          dir: args.dir,
        },
        abort.signal,
      );
      const dir = resolve(net.config.dir);
      console.log(banner(net.addresses, net.accounts, net.config.dir, net.config.mnemonic));
      console.log(
        `\nDevnet ready in ${(net.startupMs / 1000).toFixed(2)} s. Addresses: ${join(dir, "addresses.json")}`,
      );
      console.log("Deposits are relayed and outputs proposed automatically. Ctrl-C stops everything.");
      const reason = await net.stopped;
      const clean = reason.startsWith("received") || reason === "stopped";
      console.log(`\nDevnet stopped (${reason}).`);
      return clean ? 0 : 1;
    } finally {
      for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(signal, onSignal);
    }
  },
});

export const devnetStop = defineCommand({
  name: "devnet stop",
  summary: "Stop the devnet running from a folder",
  description: `Sends SIGTERM to the devnet process recorded in <dir>/process.json and waits until it and its
chains have exited. Nothing running is not an error.`,
  options: { ...DEVNET_DIR_OPTION },
  examples: ["npx poa devnet stop"],
  async run(args) {
    const { readProcess, isAlive } = await import("../../devnet/addresses.js");
    const proc = readProcess(args.dir);
    if (proc === undefined || !isAlive(proc.pid)) {
      console.log(`No devnet is running from ${args.dir}.`);
      return 0;
    }
    process.kill(proc.pid, "SIGTERM");
    const deadline = Date.now() + 10_000;
    while ([proc.pid, ...proc.anvilPids].some(isAlive)) {
      if (Date.now() > deadline)
        throw new PoaError("TIMEOUT", `devnet process ${proc.pid} did not stop within 10 s`, {
          details: { pid: proc.pid },
          action: `Kill it: kill ${proc.pid}`,
        });
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`Stopped the devnet (process ${proc.pid}).`);
  },
});

export const devnetDeploy = defineCommand({
  name: "devnet deploy",
  summary: "Deploy OPEN (L1), bridged OPEN (L2) and the protocol to a network, idempotently",
  description: `Deploys OPEN on the L1, the bridged OPEN on the L2 (remote token = the L1 OPEN) and every
protocol contract, wired, recording addresses in the deployment record (deployments/<network>.json,
or --out). A re-run deploys only what is missing; a restarted devnet (new genesis) gets a new
record. The record's path is checked before anything is sent.`,
  options: {
    ...NETWORK_OPTIONS,
    out: {
      type: "path",
      placeholder: "<file>",
      description: "record to write (default: --deployment, or deployments/<network>.json)",
    },
  },
  examples: ["npx poa devnet deploy", "npx poa devnet deploy --out /tmp/devnet.json"],
  async run(args) {
    const { resolveNetwork } = await import("../../context/network.js");
    const { deployToNetwork } = await import("../../context/deploy.js");
    const context = await resolveNetwork(networkSelection(args));
    try {
      const file = args.out ?? context.deploymentFile;
      const result = await deployToNetwork(context, { file, log: (line) => console.error(line) });
      for (const [name, entry] of Object.entries(result.record.contracts))
        console.log(
          `${name.padEnd(24)} ${entry.chain}  ${entry.address}  ${result.deployed.includes(name) ? "deployed" : "already there"}`,
        );
      console.log(`\nRecord: ${result.file}`);
    } finally {
      context.close();
    }
  },
});

export const devnetAdvance = defineCommand({
  name: "devnet advance",
  summary: "Move the devnet's L2 clock forward (end an epoch, pass a challenge window)",
  description: `Moves the L2 clock of the devnet running from --dir forward by <seconds> and mines --blocks
blocks (so readers that stay a few blocks behind the head see the new time). Only a local devnet
allows this; the L1 clock is left alone, so withdrawals keep working.`,
  positionals: [{ name: "seconds", type: "integer", min: 1, description: "how far to move the clock" }],
  options: {
    ...DEVNET_DIR_OPTION,
    blocks: { type: "integer", min: 1, max: 100, default: 3, description: "blocks to mine after moving the clock" },
  },
  examples: ["npx poa devnet advance 86400", "npx poa devnet advance 3600 --blocks 1"],
  async run(args) {
    const { requireRunningDevnet } = await import("../../devnet/addresses.js");
    const { advanceL2Time } = await import("../../devnet/time.js");
    const addresses = await requireRunningDevnet(args.dir);
    const t = await advanceL2Time(addresses.l2Rpc, addresses.l2ChainId, BigInt(args.seconds), args.blocks);
    console.log(
      `L2 time moved from ${new Date(Number(t.before) * 1000).toISOString()} to ${new Date(Number(t.after) * 1000).toISOString()}`,
    );
  },
});
