import { formatOpen } from "../../core/amount.js";
import { defineCommand, usageError } from "../define.js";
import { NETWORK_OPTIONS } from "../options.js";
import { proposalLines, withGovernance } from "./gov.js";

const GRANT = { grant: { type: "integer", min: 1, required: true, description: "the grant id" } } as const;
const MILESTONE = {
  milestone: {
    type: "integer",
    min: 0,
    max: 15,
    required: true,
    description: "the milestone's index (0 is the first)",
  },
} as const;

export const grantsCreate = defineCommand({
  name: "grants create",
  summary: "Propose an OpenCircle grant: governance funds it from the treasury (approve + createGrant)",
  description: `Creates a governance proposal whose calls approve exactly --amount OPEN from the treasury (the
timelock) to the GrantsVault and create the grant, which pulls it: the grant is funded in full
when the proposal executes. Each --milestone is <weight>:<deadline>:<spec>: a weight (50% or
5000bps; all weights sum to 100%), an evidence deadline (a duration from now such as 30d or
12h, a date 2026-06-30, or unix seconds; after the earliest time the proposal can execute), and
what it must deliver (a text, hashed, or a 0x 32-byte hash). Checked first: the tier's bounds,
the weights, the deadlines, the treasury's balance, the proposer's votes.`,
  options: {
    ...NETWORK_OPTIONS,
    grantee: { type: "address", required: true, description: "who receives the released milestones" },
    tier: {
      type: "choice",
      choices: ["exploration", "building", "expansion"],
      required: true,
      description: "the OpenCircle tier (its bounds; the council reviews the first two, governance Expansion)",
    },
    amount: { type: "amount", required: true, description: "the grant, in OPEN" },
    milestone: {
      type: "string",
      multiple: true,
      placeholder: "<weight:deadline:spec>",
      description: "a milestone, in release order, e.g. 50%:30d:dataset v1",
    },
    terms: {
      type: "string",
      placeholder: "<text|0x…>",
      description: "the grant agreement, hashed (default: the description)",
    },
    description: { type: "string", placeholder: "<text>", required: true, description: "the proposal's description" },
  },
  examples: [
    'npx poa grants create --grantee 0x976EA74026E726554dB657fA54763abd0C3a0aa9 --tier exploration --amount 30000 --milestone "50%:30d:dataset v1" --milestone "50%:60d:model v1" --description "OpenCircle: a medical Datanet" --private-key 0x…',
  ],
  async run(args) {
    if (args.milestone.length === 0) throw usageError("give at least one --milestone <weight:deadline:spec>");
    const { parseMilestone, proposeGrant } = await import("../../governance/grants.js");
    const { chainTime } = await import("../../governance/contracts.js");
    await withGovernance(args, async (g) => {
      const now = await chainTime(g.provider);
      const milestones = args.milestone.map((m, i) => parseMilestone(m, now, i + 1));
      const { proposal, txHash } = await proposeGrant(g, {
        grantee: args.grantee,
        tier: args.tier as "exploration",
        amount: args.amount,
        milestones,
        terms: args.terms ?? args.description,
        description: args.description,
      });
      console.log(
        `Proposed grant of ${formatOpen(args.amount)} OPEN (${args.tier}) to ${args.grantee} as proposal #${proposal.number} (${txHash})`,
      );
      for (const line of await proposalLines(proposal, await chainTime(g.provider), false)) console.log(line);
      milestones.forEach((m, i) =>
        console.log(
          `     milestone ${i}: ${Number(m.weightBps) / 100}%, evidence due by ${new Date(Number(m.deadline) * 1000).toISOString()}, spec ${m.specHash} (${JSON.stringify(m.spec)})`,
        ),
      );
    });
  },
});

export const grantsSubmit = defineCommand({
  name: "grants submit",
  summary: "Submit (or resubmit) a milestone's evidence, as the grantee: a hash, or a file to hash",
  description: `The grantee submits evidence for a milestone no later than its deadline: --evidence, a 0x 32-byte
hash (a content id, a Datanet version root, a model's artifact hash), or --evidence-file, a file
whose keccak-256 is submitted. A rejected or vetoed milestone can be resubmitted.`,
  options: {
    ...NETWORK_OPTIONS,
    ...GRANT,
    ...MILESTONE,
    evidence: { type: "bytes32", description: "the evidence hash" },
    "evidence-file": { type: "path", placeholder: "<file>", description: "a file whose keccak-256 is the evidence" },
  },
  examples: ["npx poa grants submit --grant 1 --milestone 0 --evidence-file report.pdf --private-key 0x…"],
  async run(args) {
    if ((args.evidence === undefined) === (args.evidenceFile === undefined))
      throw usageError("give exactly one of --evidence <0x…32 bytes> and --evidence-file <file>");
    const { evidenceOf, submitEvidence } = await import("../../governance/grants.js");
    const { evidence, source } = evidenceOf(
      args.evidence === undefined ? { file: args.evidenceFile! } : { hash: args.evidence },
    );
    await withGovernance(args, async (g) => {
      const r = await submitEvidence(g, BigInt(args.grant), args.milestone, evidence);
      console.log(
        `Submitted evidence ${evidence} (${source}) for milestone ${args.milestone} of grant ${args.grant}, attempt ${r.attempt} (${r.txHash})`,
      );
    });
  },
});

export const grantsReview = defineCommand({
  name: "grants review",
  summary: "Approve or reject a submitted milestone: the council directly, or a proposal for Expansion",
  description: `Reviews the evidence submitted for a milestone. Exploration and Building grants: the acting
account must hold the vault's COUNCIL_ROLE and the review is sent at once. Expansion grants: the
review is a governance proposal (vote, queue and execute it with poa gov). An approval names the
exact evidence on the chain and opens the veto window; a rejection lets the grantee resubmit.`,
  options: {
    ...NETWORK_OPTIONS,
    ...GRANT,
    ...MILESTONE,
    approve: { type: "boolean", description: "approve the evidence" },
    reject: { type: "boolean", description: "reject it" },
    reason: { type: "string", placeholder: "<text>", default: "", description: "the review (hashed on the chain)" },
    description: { type: "string", placeholder: "<text>", description: "the proposal's description (Expansion)" },
  },
  examples: [
    "npx poa grants review --grant 1 --milestone 0 --approve --private-key 0x…",
    'npx poa grants review --grant 1 --milestone 0 --reject --reason "no test set" --private-key 0x…',
  ],
  async run(args) {
    if (args.approve === args.reject) throw usageError("give exactly one of --approve and --reject");
    const { reviewMilestone } = await import("../../governance/grants.js");
    const { chainTime, when } = await import("../../governance/contracts.js");
    await withGovernance(args, async (g) => {
      const r = await reviewMilestone(g, BigInt(args.grant), args.milestone, {
        approve: args.approve,
        reason: args.reason,
        ...(args.description === undefined ? {} : { description: args.description }),
      });
      const verb = args.approve ? "approve" : "reject";
      if (r.by === "proposal") {
        console.log(
          `Proposed to ${verb} milestone ${args.milestone} of grant ${args.grant} (Expansion: governance reviews) as proposal #${r.proposal.number} (${r.txHash})`,
        );
        return;
      }
      const now = await chainTime(g.provider);
      console.log(
        `${args.approve ? "Approved" : "Rejected"} milestone ${args.milestone} of grant ${args.grant} (evidence ${r.evidence}) (${r.txHash})${r.releasableAt === undefined ? "" : `; releasable after the veto window, ${when(r.releasableAt, now)}`}`,
      );
    });
  },
});

export const grantsVeto = defineCommand({
  name: "grants veto",
  summary: "Veto an approved milestone during its veto window (the guardian)",
  description: `The guardian vetoes a milestone's approval before its veto window closes: it pays nothing and
goes back to the grantee, who may resubmit. Only the vault's GUARDIAN_ROLE.`,
  options: {
    ...NETWORK_OPTIONS,
    ...GRANT,
    ...MILESTONE,
    reason: { type: "string", placeholder: "<text>", required: true, description: "why (hashed on the chain)" },
  },
  examples: ['npx poa grants veto --grant 1 --milestone 0 --reason "duplicate data" --private-key 0x…'],
  async run(args) {
    const { vetoMilestone } = await import("../../governance/grants.js");
    await withGovernance(args, async (g) => {
      const r = await vetoMilestone(g, BigInt(args.grant), args.milestone, args.reason);
      console.log(`Vetoed milestone ${args.milestone} of grant ${args.grant} (${r.txHash}); the grantee may resubmit`);
    });
  },
});

export const grantsRelease = defineCommand({
  name: "grants release",
  summary: "Release an approved milestone to its grantee after the veto window (anyone may)",
  description: `Pays an approved milestone whose veto window is over to the grantee. Milestones are released in
order; --milestone defaults to the grant's next one. --wait waits out the veto window (on the
devnet: the clock moves on).`,
  options: {
    ...NETWORK_OPTIONS,
    ...GRANT,
    milestone: { ...MILESTONE.milestone, required: false, description: "the milestone's index (default: the next)" },
    ...{
      wait: {
        type: "boolean",
        description: "wait out the veto window: on the devnet the L2 clock is moved on, elsewhere the chain is polled",
      },
    },
  },
  examples: ["npx poa grants release --grant 1", "npx poa grants release --grant 1 --wait"],
  async run(args) {
    const { releaseMilestone } = await import("../../governance/grants.js");
    await withGovernance(args, async (g) => {
      const r = await releaseMilestone(g, BigInt(args.grant), args.milestone, { wait: args.wait });
      console.log(
        `Released milestone ${r.index} of grant ${args.grant}: ${formatOpen(r.amount)} OPEN to ${r.grantee} (${r.txHash})${r.completed ? "; the grant is complete" : ""}`,
      );
    });
  },
});

export const grantsCancel = defineCommand({
  name: "grants cancel",
  summary: "Propose cancelling a grant: everything unreleased returns to the treasury",
  description: `Creates a governance proposal that cancels an active grant; when it executes, everything not yet
released returns to the treasury and the grant never pays again.`,
  options: {
    ...NETWORK_OPTIONS,
    ...GRANT,
    reason: { type: "string", placeholder: "<text>", required: true, description: "why (hashed on the chain)" },
    description: {
      type: "string",
      placeholder: "<text>",
      description: "the proposal's description (default: from the reason)",
    },
  },
  examples: ['npx poa grants cancel --grant 1 --reason "abandoned" --private-key 0x…'],
  async run(args) {
    const { proposeCancelGrant } = await import("../../governance/grants.js");
    await withGovernance(args, async (g) => {
      const r = await proposeCancelGrant(
        g,
        BigInt(args.grant),
        args.reason,
        args.description ?? `Cancel grant ${args.grant}: ${args.reason}`,
      );
      console.log(
        `Proposed cancelling grant ${args.grant} as proposal #${r.proposal.number} (${r.txHash}); it would return ${formatOpen(r.refund)} OPEN to the treasury`,
      );
    });
  },
});

export const grantsStatus = defineCommand({
  name: "grants status",
  summary: "The grants vault and every grant: tier, amount, released, each milestone's state and times",
  description: `Prints the vault's tiers, veto window, treasury and what it owes, then every grant (or --grant
one) with its milestones: weight, amount, status, evidence, deadline and when it is releasable.`,
  options: { ...NETWORK_OPTIONS, grant: { ...GRANT.grant, required: false } },
  examples: ["npx poa grants status", "npx poa grants status --grant 1"],
  async run(args) {
    const { listGrants, readGrant, vaultSettings } = await import("../../governance/grants.js");
    const { chainTime, formatDuration, formatTime, when } = await import("../../governance/contracts.js");
    await withGovernance(args, async (g) => {
      const now = await chainTime(g.provider);
      const grants = args.grant === undefined ? await listGrants(g) : [await readGrant(g, BigInt(args.grant))];
      if (args.grant === undefined) {
        const s = await vaultSettings(g);
        console.log(
          `Grants vault ${await g.vault.getAddress()}${s.paused ? " (PAUSED)" : ""}: veto window ${formatDuration(s.vetoWindow)}; treasury ${s.treasury} holds ${formatOpen(s.treasuryBalance)} OPEN; owed to active grants ${formatOpen(s.unreleased)} OPEN`,
        );
        console.log(
          `  tiers: ${s.tiers.map((t) => `${t.tier} ${formatOpen(t.min)}-${formatOpen(t.max)} OPEN`).join(", ")}`,
        );
        console.log(grants.length === 0 ? "No grants yet." : `${grants.length} grant(s):`);
      }
      for (const grant of grants) {
        console.log(
          `Grant ${grant.id} (${grant.tier}, ${grant.status}): ${formatOpen(grant.amount)} OPEN to ${grant.grantee}, ${formatOpen(grant.released)} released`,
        );
        for (const m of grant.milestones) {
          const timing =
            m.status === "approved" && m.releasableAt !== undefined
              ? `releasable ${now >= m.releasableAt ? "now" : `after ${when(m.releasableAt, now)}`}`
              : m.status === "released"
                ? "paid"
                : `evidence due by ${formatTime(m.deadline)}`;
          console.log(
            `  milestone ${m.index}: ${Number(m.weightBps) / 100}% = ${formatOpen(m.amount)} OPEN, ${m.status}${m.attempts > 0 ? ` (attempt ${m.attempts})` : ""}; ${timing}${m.evidence === undefined ? "" : `; evidence ${m.evidence}`}`,
          );
        }
      }
    });
  },
});
