import { defineCommand } from "../define.js";
import { DEVNET_DIR_OPTION } from "../options.js";
import { progress, type Progress } from "../output.js";

export const demo = defineCommand({
  name: "demo",
  summary:
    "The main job: data -> models -> paid inference -> attribution -> settlement -> claims, on a local OP Stack devnet",
  description: `The whole lifecycle on a real local L1 + OP Stack L2, through the same library code the commands
use: start (or reuse) the devnet; deploy; bridge OPEN in; contributors add real data (WordNet
glosses, SpamAssassin mail) to two Datanets; curators accept it and reject an off-topic
contribution (slashed); versions are published; the Model Factory trains a base model and two
adapters; the gateway serves them; a few hundred requests go through the official openai client
and are paid in batches; the epoch ends; the settlement attributes every output, splits the
pools and proposes the root; poa verify recomputes it; it is finalized; everyone is paid by a
batched claim; OPEN holders vote a platform fee and an OpenCircle grant through the Governor and
the Timelock, whose first milestone the council approves and the vault releases; OPEN goes back
to L1; the summary tells the story and an offline HTML report of
the epoch is written (its path is printed). Stops everything it started.`,
  options: {
    ...DEVNET_DIR_OPTION,
    deposit: {
      type: "amount",
      default: "1000000",
      description: "OPEN to bridge to L2 (at least what the story needs)",
    },
    withdraw: { type: "amount", default: "100", description: "OPEN to withdraw back to L1" },
    requests: {
      type: "integer",
      min: 3,
      max: 10_000,
      default: 300,
      description: "paid requests to send through the gateway",
    },
  },
  examples: ["npx poa demo", "npx poa demo --requests 60"],
  async run(args) {
    const { runMainJob } = await import("../../demo/main-job.js");
    const { summaryLines } = await import("../../demo/summary.js");
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const bars = new Map<string, Progress>();
    try {
      const result = await runMainJob({
        dir: args.dir,
        deposit: args.deposit,
        withdraw: args.withdraw,
        requests: args.requests,
        signal: abort.signal,
        onProgress: (label, done, total) => {
          let bar = bars.get(label);
          if (bar === undefined) bars.set(label, (bar = progress(`  ${label}`, total)));
          bar.set(done);
          if (done >= total) bar.done();
        },
      });
      for (const line of summaryLines(result)) console.log(line);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
});
