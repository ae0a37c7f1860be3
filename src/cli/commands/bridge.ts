import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";

import { PoaError, UsageError } from "../../core/errors.js";
import type { Command, CommandInput } from "../command.js";

const OPTIONS = {
  eth: { type: "boolean" },
  dir: { type: "string" },
  deployment: { type: "string" },
  "private-key": { type: "string" },
} as const;

/** Prints each bridge step with the time since the command started (stderr, one line each). */
function stepPrinter() {
  const started = Date.now();
  return (step: string, detail?: string) => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
    process.stderr.write(`[${seconds}s] ${step}${detail === undefined ? "" : ` ${detail}`}\n`);
  };
}

async function setup(values: CommandInput["values"]) {
  const { runningDevnet, resolveKey, DEFAULT_DEPLOYMENT_FILE } = await import("../../context/devnet.js");
  const { createMessenger, signers } = await import("../../bridge/messenger.js");
  const dir = typeof values.dir === "string" ? values.dir : ".devnet";
  const addresses = await runningDevnet(dir);
  const messenger = createMessenger(
    addresses,
    signers(addresses, resolveKey(typeof values["private-key"] === "string" ? values["private-key"] : undefined)),
  );
  let tokens: { l1: string; l2: string } | undefined;
  if (values.eth !== true) {
    const file = resolve(typeof values.deployment === "string" ? values.deployment : DEFAULT_DEPLOYMENT_FILE);
    if (!existsSync(file))
      throw new PoaError(`no deployment record at ${file}`, "Deploy OPEN first: `npx poa devnet deploy`.");
    const record = JSON.parse(readFileSync(file, "utf8")) as {
      contracts: Record<string, { address: string }>;
      l1Genesis: string;
    };
    const l1 = record.contracts.OpenToken?.address;
    const l2 = record.contracts.L2OpenToken?.address;
    if (l1 === undefined || l2 === undefined)
      throw new PoaError(`${file} has no OpenToken/L2OpenToken`, "Run `npx poa devnet deploy`.");
    const genesis = await messenger.l1Provider.getBlock(0);
    if (genesis.hash !== record.l1Genesis)
      throw new PoaError(
        `${file} was written for another devnet (it was restarted since)`,
        "Run `npx poa devnet deploy` again.",
      );
    tokens = { l1, l2 };
  }
  return { messenger, tokens };
}

function amountArg(positionals: string[], verb: string): string {
  if (positionals.length !== 1)
    throw new UsageError(`bridge ${verb} takes exactly one amount`, `Example: npx poa bridge ${verb} 100`);
  return positionals[0]!;
}

export const bridgeDeposit: Command = {
  name: "bridge deposit",
  positionals: true,
  summary: "Deposit OPEN (or ETH) from the devnet's L1 to its L2 with the Optimism SDK, waiting for the relay",
  help: `Usage: poa bridge deposit <amount> [--eth] [options]

Moves <amount> OPEN (or ETH with --eth) from L1 to the same address on L2 through the OP Stack
standard bridge, with @eth-optimism/sdk's CrossChainMessenger: approves the bridge if needed,
deposits, and waits until the message is relayed on L2, printing each step.

Options:
  --eth                 bridge ETH instead of OPEN
  --dir <path>          devnet state folder (default .devnet)
  --deployment <file>   deployment record with the OPEN addresses (default deployments/devnet.json)
  --private-key <hex>   account (default: devnet account 0; or POA_PRIVATE_KEY)

Example:
  npx poa bridge deposit 1000`,
  options: OPTIONS,
  async run({ values, positionals }) {
    const { parseAmount, formatAmount } = await import("../../core/amount.js");
    const { depositERC20, depositETH } = await import("../../bridge/bridge.js");
    const amount = parseAmount(amountArg(positionals, "deposit"));
    const { messenger, tokens } = await setup(values);
    const onStep = stepPrinter();
    const result =
      tokens === undefined
        ? await depositETH(messenger, amount, { onStep })
        : await depositERC20(messenger, tokens.l1, tokens.l2, amount, { onStep });
    console.log(
      `Deposited ${formatAmount(amount)} ${tokens === undefined ? "ETH" : "OPEN"}: L1 ${result.l1TxHash} -> L2 ${result.l2TxHash} (relayed ${result.relayMs} ms after the L1 receipt)`,
    );
  },
};

export const bridgeWithdraw: Command = {
  name: "bridge withdraw",
  positionals: true,
  summary: "Withdraw OPEN (or ETH) from the devnet's L2 to L1 with the Optimism SDK: initiate, prove, finalize",
  help: `Usage: poa bridge withdraw <amount> [--eth] [options]

Moves <amount> OPEN (or ETH with --eth) from L2 back to L1: initiates the withdrawal on L2,
waits for the proposer's output, proves it on L1, waits out the challenge period (0 s on the
devnet) and finalizes it, with @eth-optimism/sdk's CrossChainMessenger, printing each step.

Options: as for \`poa bridge deposit\`.

Example:
  npx poa bridge withdraw 100`,
  options: OPTIONS,
  async run({ values, positionals }) {
    const { parseAmount, formatAmount } = await import("../../core/amount.js");
    const { withdrawERC20, withdrawETH } = await import("../../bridge/bridge.js");
    const amount = parseAmount(amountArg(positionals, "withdraw"));
    const { messenger, tokens } = await setup(values);
    const onStep = stepPrinter();
    const result =
      tokens === undefined
        ? await withdrawETH(messenger, amount, { onStep })
        : await withdrawERC20(messenger, tokens.l1, tokens.l2, amount, { onStep });
    console.log(
      `Withdrew ${formatAmount(amount)} ${tokens === undefined ? "ETH" : "OPEN"}: L2 ${result.l2TxHash}, proven ${result.proveTxHash}, finalized ${result.finalizeTxHash} (${result.totalMs} ms)`,
    );
  },
};
