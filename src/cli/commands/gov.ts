import { formatOpen } from "../../core/amount.js";
import { defineCommand, usageError } from "../define.js";
import { NETWORK_OPTIONS, networkSelection } from "../options.js";

type NetArgs = Parameters<typeof networkSelection>[0];
type Governance = import("../../governance/contracts.js").Governance;
type Proposal = import("../../governance/proposals.js").Proposal;

/** The network, its record and its governance contracts bound to the acting key; closed after `work`. */
export async function withGovernance<T>(args: NetArgs, work: (g: Governance) => Promise<T>): Promise<T> {
  const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
  const { openGovernance } = await import("../../governance/contracts.js");
  const context = await resolveNetwork(networkSelection(args));
  try {
    const record = await loadDeployment(context);
    return await work(await openGovernance(context, record));
  } finally {
    context.close();
  }
}

const PROPOSAL = {
  proposal: {
    type: "string",
    placeholder: "<#n|id>",
    required: true,
    description: "the proposal: its number (#1, as `poa gov status` lists them) or its id",
  },
} as const;

const WAIT = {
  wait: {
    type: "boolean",
    description:
      "if it is too early, wait: on the devnet the L2 clock is moved on (its own control), elsewhere the chain is polled",
  },
} as const;

/** The lines that show a proposal: number, state, tally, times, calls. */
export async function proposalLines(p: Proposal, now: bigint, detail: boolean): Promise<string[]> {
  const { formatTime, when } = await import("../../governance/contracts.js");
  const quorum = p.quorum === undefined ? "" : ` (quorum ${formatOpen(p.quorum)})`;
  const first = p.description.split("\n")[0]!;
  const lines = [
    `#${p.number}  ${p.state.padEnd(9)} ${JSON.stringify(first.length > 72 ? `${first.slice(0, 71)}…` : first)}`,
    `     votes: for ${formatOpen(p.votes.for)}, against ${formatOpen(p.votes.against)}, abstain ${formatOpen(p.votes.abstain)}${quorum}`,
  ];
  if (p.state === "Pending")
    lines.push(`     voting opens after ${when(p.voteStart, now)}, ends at ${formatTime(p.deadline)}`);
  else if (p.state === "Active") lines.push(`     voting ends at ${when(p.deadline, now)}`);
  else lines.push(`     voting ended at ${formatTime(p.deadline)}`);
  if (p.eta !== undefined && (p.state === "Queued" || p.state === "Executed"))
    lines.push(`     ${p.state === "Queued" ? "executable from" : "was executable from"} ${when(p.eta, now)}`);
  if (detail) {
    lines.push(`     id ${p.id} (0x${p.id.toString(16)}), proposed by ${p.proposer} in ${p.txHash}`);
    if (p.description !== first)
      lines.push(
        ...p.description
          .split("\n")
          .slice(1)
          .map((l) => `     ${l}`),
      );
  }
  p.calls.forEach((c, i) => lines.push(`     ${i + 1}. ${c.label}`));
  return lines;
}

export const govDelegate = defineCommand({
  name: "gov delegate",
  summary: "Delegate your OPEN votes (to yourself by default): OPEN votes only once delegated",
  description: `L2 OPEN carries votes (ERC20Votes on a timestamp clock), but only delegated votes count: an
account delegates to itself to vote or propose with its own OPEN, or to another account. Votes
count from the next second, and on a proposal only if delegated before its snapshot.`,
  options: {
    ...NETWORK_OPTIONS,
    to: { type: "address", description: "the account to delegate to (default: yourself)" },
  },
  examples: [
    "npx poa gov delegate --private-key 0x…",
    "npx poa gov delegate --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  ],
  async run(args) {
    const { delegateVotes } = await import("../../governance/proposals.js");
    await withGovernance(args, async (g) => {
      const r = await delegateVotes(g, args.to);
      console.log(
        `Delegated the votes of ${g.account} to ${r.delegate}: it now has ${formatOpen(r.votes)} votes (${r.txHash})`,
      );
    });
  },
});

export const govPropose = defineCommand({
  name: "gov propose",
  summary: "Propose calls for the timelock to make: a JSON calls file and/or built-in actions",
  description: `Proposes a list of calls that the timelock (which holds every protocol admin role and the
treasury) makes if the vote succeeds. The calls come from --calls, a JSON file:
  [{"target": "FeeRouter", "function": "schedulePlatformFee(uint256)", "args": [300]}]
(or {"description": "...", "calls": [...]}). A target is a contract of the deployment by name
(FeeRouter, GrantsVault, OpenGovernor, OpenTimelock, L2OpenToken or OPEN, DatanetRegistry,
ModelRegistry, RewardDistributor) or an address; "function" is a signature (or just the name
for a named contract); "args" are JSON values (big integers as strings, "250 OPEN" for 250 x
10^18, contract names for addresses); "value" (wei) is optional. Built-in actions add their call
after the file's. Everything is checked before proposing: the targets, the functions against
the contracts' ABIs, the arguments against their types, built-in values against the contracts'
bounds, the proposer's votes against the threshold; each call is also tried as the timelock.`,
  options: {
    ...NETWORK_OPTIONS,
    calls: { type: "path", placeholder: "<file.json>", description: "the proposal's calls, as JSON" },
    description: {
      type: "string",
      placeholder: "<text>",
      description: "what the proposal does and why (required unless the calls file has one)",
    },
    "set-platform-fee": {
      type: "integer",
      min: 0,
      max: 10_000,
      placeholder: "<bps>",
      description: "FeeRouter: the platform's share of each fee (takes effect after the models' notice delay)",
    },
    "set-veto-window": {
      type: "integer",
      min: 0,
      placeholder: "<seconds>",
      description: "GrantsVault: the veto window",
    },
    "set-challenge-window": {
      type: "integer",
      min: 0,
      placeholder: "<seconds>",
      description: "RewardDistributor: the challenge window of new roots",
    },
    "set-notice-delay": {
      type: "integer",
      min: 0,
      placeholder: "<seconds>",
      description: "ModelRegistry: how long price and fee changes wait",
    },
    "set-voting-period": {
      type: "integer",
      min: 1,
      placeholder: "<seconds>",
      description: "OpenGovernor: the voting period",
    },
    "set-quorum": {
      type: "integer",
      min: 1,
      max: 100,
      placeholder: "<percent>",
      description: "OpenGovernor: the quorum",
    },
    "set-proposal-threshold": { type: "amount", description: "OpenGovernor: votes needed to propose, in OPEN" },
    "set-timelock-delay": { type: "integer", min: 0, placeholder: "<seconds>", description: "OpenTimelock: its delay" },
    unpause: {
      type: "choice",
      choices: ["DatanetRegistry", "ModelRegistry", "FeeRouter", "GrantsVault"],
      multiple: true,
      description: "unpause a contract the guardian paused",
    },
    transfer: { type: "amount", description: "send this much OPEN from the treasury (the timelock) to --to" },
    to: { type: "address", description: "the recipient of --transfer" },
  },
  examples: [
    'npx poa gov propose --set-platform-fee 300 --description "Platform fee to 3%" --private-key 0x…',
    "npx poa gov propose --calls proposal.json --private-key 0x…",
  ],
  async run(args) {
    if ((args.transfer === undefined) !== (args.to === undefined))
      throw usageError("--transfer <OPEN> and --to <address> go together");
    type Action = import("../../governance/actions.js").BuiltinAction;
    const actions: Action[] = [];
    const secs = (n: number | undefined) => (n === undefined ? undefined : BigInt(n));
    // Unpausing comes first: the setters that follow then act on a running contract.
    for (const contract of args.unpause) actions.push({ kind: "unpause", contract: contract as "FeeRouter" });
    if (args.setPlatformFee !== undefined) actions.push({ kind: "platform-fee", bps: BigInt(args.setPlatformFee) });
    if (args.setVetoWindow !== undefined) actions.push({ kind: "veto-window", seconds: secs(args.setVetoWindow)! });
    if (args.setChallengeWindow !== undefined)
      actions.push({ kind: "challenge-window", seconds: secs(args.setChallengeWindow)! });
    if (args.setNoticeDelay !== undefined) actions.push({ kind: "notice-delay", seconds: secs(args.setNoticeDelay)! });
    if (args.setVotingPeriod !== undefined)
      actions.push({ kind: "voting-period", seconds: secs(args.setVotingPeriod)! });
    if (args.setQuorum !== undefined) actions.push({ kind: "quorum", percent: BigInt(args.setQuorum) });
    if (args.setProposalThreshold !== undefined)
      actions.push({ kind: "proposal-threshold", amount: args.setProposalThreshold });
    if (args.setTimelockDelay !== undefined)
      actions.push({ kind: "timelock-delay", seconds: secs(args.setTimelockDelay)! });
    if (args.transfer !== undefined) actions.push({ kind: "treasury-transfer", to: args.to!, amount: args.transfer });
    if (args.calls === undefined && actions.length === 0)
      throw usageError("nothing to propose: give --calls <file.json> and/or a built-in action (--set-platform-fee, …)");
    const { readCallsFile } = await import("../../governance/calls.js");
    const { builtinCall } = await import("../../governance/actions.js");
    const { propose } = await import("../../governance/proposals.js");
    const { chainTime } = await import("../../governance/contracts.js");
    await withGovernance(args, async (g) => {
      const file = args.calls === undefined ? undefined : readCallsFile(g, args.calls);
      const description = args.description ?? file?.description;
      if (description === undefined || description.trim() === "")
        throw usageError("give --description <text>: what the proposal does and why");
      const calls = [...(file?.calls ?? [])];
      for (const action of actions) calls.push(await builtinCall(g, action));
      const { proposal, txHash, warnings } = await propose(g, { calls, description });
      for (const w of warnings) console.error(`warning: ${w}`);
      console.log(`Proposed #${proposal.number} (${txHash})`);
      for (const line of await proposalLines(proposal, await chainTime(g.provider), false)) console.log(line);
    });
  },
});

export const govVote = defineCommand({
  name: "gov vote",
  summary: "Vote on a proposal: for, against or abstain (with the votes delegated to you at its snapshot)",
  description: `Casts the acting account's vote on an active proposal, weighted by the votes delegated to it
at the proposal's snapshot. Refused, before anything is sent: a proposal whose vote has not
opened (--wait opens it on the devnet) or has ended, a second vote, an account without votes.`,
  options: {
    ...NETWORK_OPTIONS,
    ...PROPOSAL,
    support: { type: "choice", choices: ["for", "against", "abstain"], required: true, description: "your vote" },
    reason: { type: "string", placeholder: "<text>", description: "a reason, recorded with the vote" },
    ...WAIT,
  },
  examples: ["npx poa gov vote --proposal 1 --support for --private-key 0x…"],
  async run(args) {
    const { castVote } = await import("../../governance/proposals.js");
    await withGovernance(args, async (g) => {
      const r = await castVote(g, args.proposal, args.support as "for", {
        ...(args.reason === undefined ? {} : { reason: args.reason }),
        wait: args.wait,
      });
      const p = r.proposal;
      console.log(
        `Voted ${args.support} on proposal #${p.number} with ${formatOpen(r.weight)} votes (${r.txHash}); now for ${formatOpen(p.votes.for)}, against ${formatOpen(p.votes.against)}, abstain ${formatOpen(p.votes.abstain)}`,
      );
    });
  },
});

export const govQueue = defineCommand({
  name: "gov queue",
  summary: "Queue a succeeded proposal in the timelock (its calls are read from the proposal's event)",
  description: `Queues a proposal whose vote succeeded; the timelock then waits its delay before anyone may
execute it. The calls and description are read from the proposal's ProposalCreated event. With
--wait, a proposal still being voted on is waited for (on the devnet: the clock moves to the
vote's end).`,
  options: { ...NETWORK_OPTIONS, ...PROPOSAL, ...WAIT },
  examples: ["npx poa gov queue --proposal 1", "npx poa gov queue --proposal 1 --wait"],
  async run(args) {
    const { queueProposal } = await import("../../governance/proposals.js");
    const { formatTime } = await import("../../governance/contracts.js");
    await withGovernance(args, async (g) => {
      const { proposal, txHash } = await queueProposal(g, args.proposal, { wait: args.wait });
      console.log(`Queued proposal #${proposal.number} (${txHash}); executable from ${formatTime(proposal.eta ?? 0n)}`);
    });
  },
});

export const govExecute = defineCommand({
  name: "gov execute",
  summary: "Execute a queued proposal once the timelock delay is over (anyone may)",
  description: `Executes a queued proposal: the timelock makes its calls. Refused before the timelock delay ends
(--wait waits: on the devnet the clock moves to the proposal's eta).`,
  options: { ...NETWORK_OPTIONS, ...PROPOSAL, ...WAIT },
  examples: ["npx poa gov execute --proposal 1", "npx poa gov execute --proposal 1 --wait"],
  async run(args) {
    const { executeProposal } = await import("../../governance/proposals.js");
    await withGovernance(args, async (g) => {
      const { proposal, txHash } = await executeProposal(g, args.proposal, { wait: args.wait });
      console.log(`Executed proposal #${proposal.number} (${txHash}):`);
      for (const c of proposal.calls) console.log(`  ${c.label}`);
    });
  },
});

export const govCancel = defineCommand({
  name: "gov cancel",
  summary: "Cancel a proposal: the guardian at any stage before execution, the proposer while pending",
  description: `Cancels a proposal through the governor (a queued one is also removed from the timelock). The
guardian may cancel any proposal not yet executed; its proposer only while it is pending.`,
  options: { ...NETWORK_OPTIONS, ...PROPOSAL },
  examples: ["npx poa gov cancel --proposal 2 --private-key 0x…"],
  async run(args) {
    const { cancelProposal } = await import("../../governance/proposals.js");
    await withGovernance(args, async (g) => {
      const { proposal, txHash } = await cancelProposal(g, args.proposal);
      console.log(`Cancelled proposal #${proposal.number} (${txHash}): it is ${proposal.state}`);
    });
  },
});

export const govStatus = defineCommand({
  name: "gov status",
  summary: "The governor's settings and every proposal: state, votes, deadlines, eta, calls",
  description: `Prints the governance settings (voting delay and period, threshold, quorum, timelock delay,
guardian), the acting account's votes, and every proposal (read from the governor's events)
with its state, tally, deadlines, eta and calls; --proposal shows one in full.`,
  options: {
    ...NETWORK_OPTIONS,
    proposal: { ...PROPOSAL.proposal, required: false },
  },
  examples: ["npx poa gov status", "npx poa gov status --proposal 1"],
  async run(args) {
    const { governanceSettings, listProposals, findProposal } = await import("../../governance/proposals.js");
    const { chainTime, formatDuration } = await import("../../governance/contracts.js");
    await withGovernance(args, async (g) => {
      const now = await chainTime(g.provider);
      if (args.proposal !== undefined) {
        const p = await findProposal(g, args.proposal);
        for (const line of await proposalLines(p, now, true)) console.log(line);
        return;
      }
      const s = await governanceSettings(g);
      console.log(
        `Governor ${await g.governor.getAddress()}: voting delay ${formatDuration(s.votingDelay)}, period ${formatDuration(s.votingPeriod)}, late-quorum extension ${formatDuration(s.lateQuorumExtension)}, threshold ${formatOpen(s.proposalThreshold)} OPEN, quorum ${s.quorumPercent}% of the L2 supply`,
      );
      console.log(
        `Timelock ${await g.timelock.getAddress()}: delay ${formatDuration(s.timelockDelay)}; guardian ${s.guardian}`,
      );
      if (s.account !== undefined)
        console.log(
          `Account ${s.account.address}: ${formatOpen(s.account.balance)} OPEN, ${formatOpen(s.account.votes)} votes${/^0x0+$/.test(s.account.delegate) ? " (not delegated)" : s.account.delegate.toLowerCase() === s.account.address.toLowerCase() ? " (delegated to itself)" : ` (delegated to ${s.account.delegate})`}`,
        );
      const proposals = await listProposals(g);
      console.log(proposals.length === 0 ? "No proposals yet." : `${proposals.length} proposal(s):`);
      for (const p of proposals) for (const line of await proposalLines(p, now, false)) console.log(line);
    });
  },
});
