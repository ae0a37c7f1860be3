import { formatAmount } from "../../core/amount.js";
import { defineCommand } from "../define.js";
import { EXIT } from "../hints.js";
import { NETWORK_OPTIONS, networkSelection } from "../options.js";

/** `poa report`: the HTML report of a settled epoch. The work is in src/settlement/html-report.ts. */
export const reportCommand = defineCommand({
  name: "report",
  summary: "Write an epoch's settlement as one self-contained HTML page (spans, earnings, flow of money)",
  description: `Reads a settlement folder (report.json, breakdown.jsonl, records.jsonl, tree.json), checks every
file against the keccak-256 hash report.json names, and writes one HTML file that works offline
(no network request; the chart library, Apache ECharts, is inlined): every paid output with the
spans found in the training data highlighted and linked to their contribution and contributor,
each account's earnings with a chart, the flow of money from fees to the four parts, escrow, the
root and claims as a Sankey diagram, and the root, the report hash, the epochs and whether
\`poa verify\` passed. The same folder gives the same bytes.

--verified states that \`poa verify\` passed for this epoch (run it first; without the flag the
page says "not verified"). --claims reads what each account has claimed so far from the
RewardDistributor the report names, on the network's L2 (without it, claims are "not read").`,
  options: {
    epoch: { type: "integer", min: 0, required: true, description: "the settled epoch (the last of its range)" },
    folder: {
      type: "path",
      placeholder: "<folder>",
      description: "the settlement folder (default settlement/<network>/epoch-<N>)",
    },
    out: {
      type: "path",
      placeholder: "<file.html>",
      description: "where to write the page (default <folder>/report.html)",
    },
    verified: { type: "boolean", description: "`poa verify` passed for this epoch: say so on the page" },
    claims: { type: "boolean", description: "read each account's claims from the chain (needs the L2)" },
    network: NETWORK_OPTIONS.network,
    dir: NETWORK_OPTIONS.dir,
    "l2-rpc": NETWORK_OPTIONS["l2-rpc"],
  },
  examples: [
    "npx poa report --epoch 0",
    "npx poa report --epoch 0 --folder settlement/devnet/epoch-0 --out /tmp/epoch-0.html --verified --claims",
  ],
  async run(args) {
    const { loadSettlementFolder, readClaims, writeHtmlReport } = await import("../../settlement/html-report.js");
    const folder = args.folder ?? `settlement/${args.network}/epoch-${args.epoch}`;
    const loaded = loadSettlementFolder(folder, BigInt(args.epoch));
    let claims;
    if (args.claims) {
      const { resolveNetwork } = await import("../../context/network.js");
      const context = await resolveNetwork(networkSelection(args));
      try {
        claims = await readClaims(context.l2, loaded.report, context.endpoints.l2ChainId);
      } finally {
        context.close();
      }
    }
    const written = writeHtmlReport({
      folder,
      loaded,
      ...(args.out === undefined ? {} : { out: args.out }),
      ...(args.verified ? { verified: true } : {}),
      ...(claims === undefined ? {} : { claims }),
    });
    console.log(written.path);
    process.stderr.write(
      `epoch ${args.epoch}: ${loaded.breakdown.length} outputs, ${Object.keys(loaded.report.accounts).length} accounts, root ${loaded.report.root}; ${formatAmount(BigInt(written.bytes), 6, 2)} MB, ${args.verified ? "verified" : "not verified"}${claims === undefined ? "" : `, claims from ${claims.source}`}\n`,
    );
    return EXIT.ok;
  },
});
