import { defineCommand } from "../define.js";
import { DEVNET_DIR_OPTION } from "../options.js";

export const demo = defineCommand({
  name: "demo",
  summary: "The main job, end to end on a local OP Stack devnet: deploy, bridge, protocol, withdraw, summary",
  description: `The main job, end to end on a real local L1 + OP Stack L2:
  1. uses the devnet running from --dir (\`poa devnet\`), or starts one (and stops it at the end);
  2. deploys OPEN on L1, bridged OPEN on L2 and the protocol (idempotent, deployments/devnet.json);
  3. bridges OPEN from L1 to L2 with the Optimism SDK and waits for the relay;
  4. runs the protocol flow on L2;
  5. withdraws some OPEN back to L1 (prove, finalize);
  6. prints a summary with the gas, L2 execution fee and L1 data fee of every L2 transaction.`,
  options: {
    ...DEVNET_DIR_OPTION,
    deposit: {
      type: "amount",
      default: "1000000",
      description: "OPEN to bridge to L2 (at least what the story needs)",
    },
    withdraw: { type: "amount", default: "100", description: "OPEN to withdraw back to L1" },
  },
  examples: ["npx poa demo"],
  async run(args) {
    const { runDemo } = await import("../../demo/demo.js");
    await runDemo({ dir: args.dir, deposit: args.deposit, withdraw: args.withdraw });
  },
});
