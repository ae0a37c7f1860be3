import type { Command } from "../command.js";

export const demo: Command = {
  name: "demo",
  summary:
    "End to end on a local OP Stack devnet: deploy, bridge OPEN to L2, run the protocol, withdraw, show the fees",
  help: `Usage: poa demo [options]

The main job, end to end on a real local L1 + OP Stack L2:
  1. uses the devnet running from --dir (\`poa devnet\`), or starts one embedded (and stops it at the end);
  2. deploys OPEN on L1, bridged OPEN on L2 and the protocol (idempotent, deployments/devnet.json);
  3. bridges OPEN from L1 to L2 with the Optimism SDK and waits for the relay;
  4. runs a small protocol flow on L2 with the contracts that exist;
  5. withdraws some OPEN back to L1 (prove, finalize);
  6. prints a summary with the gas, L2 execution fee and L1 data fee of every L2 transaction.

Options:
  --dir <path>        devnet state folder (default .devnet)
  --deposit <amount>  OPEN to bridge to L2 (default 1000000)
  --withdraw <amount> OPEN to withdraw back to L1 (default 100)

Example:
  npx poa demo`,
  options: { dir: { type: "string" }, deposit: { type: "string" }, withdraw: { type: "string" } },
  async run({ values }) {
    const { runDemo } = await import("../../demo/demo.js");
    await runDemo({
      dir: typeof values.dir === "string" ? values.dir : ".devnet",
      deposit: typeof values.deposit === "string" ? values.deposit : "1000000",
      withdraw: typeof values.withdraw === "string" ? values.withdraw : "100",
    });
  },
};
