/**
 * Proposals on the OpenGovernor: propose, vote, queue, execute, cancel, delegate, and what they
 * are. The governor keeps no list of its proposals (GovernorStorage did not fit under the size
 * ceiling, docs/governance.md), so proposals and their calls are read from its `ProposalCreated`
 * events, and `queue`/`execute`/`cancel` pass the calls again.
 *
 * Every action checks what the governor would refuse before it sends anything (state, timing,
 * votes, roles) and says it in words: "voting on proposal #2 ended at ... (it is Succeeded)", not
 * `GovernorUnexpectedProposalState(…)`. What the checks do not foresee is still refused by the
 * contract before any transaction is sent (the gas estimate reverts) and decoded.
 *
 * A proposal is named by its number (`#1`, `1`: the order of creation) or by its id (the
 * governor's uint256, decimal or 0x hex).
 */
import { id as keccakId, isError, toQuantity, type ContractTransactionResponse } from "ethers";

import { chainError, onChain } from "../chain/errors.js";
import { formatOpen } from "../core/amount.js";
import { PoaError } from "../core/errors.js";
import { describeCall, type ProposalCall } from "./calls.js";
import { actingAccount, chainTime, formatTime, NEXT_BLOCK, waitUntil, when, type Governance } from "./contracts.js";

export const PROPOSAL_STATES = [
  "Pending",
  "Active",
  "Canceled",
  "Defeated",
  "Succeeded",
  "Queued",
  "Expired",
  "Executed",
] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

export const SUPPORT = { against: 0, for: 1, abstain: 2 } as const;
export type Support = keyof typeof SUPPORT;

export interface Tally {
  against: bigint;
  for: bigint;
  abstain: bigint;
}

export interface Proposal {
  /** 1-based, in order of creation. */
  number: number;
  id: bigint;
  proposer: string;
  description: string;
  descriptionHash: string;
  calls: { target: string; value: bigint; data: string; label: string }[];
  /** The vote's snapshot: votes delegated before it count. Voting opens just after it. */
  voteStart: bigint;
  /** The vote's end (extended by a late quorum). */
  deadline: bigint;
  state: ProposalState;
  votes: Tally;
  /** Votes needed (for + abstain), once the snapshot is past. */
  quorum: bigint | undefined;
  /** When the timelock lets it execute (queued proposals). */
  eta: bigint | undefined;
  txHash: string;
}

export interface Sent {
  txHash: string;
  blockNumber: number;
}

/** Sends a transaction, waits for it, and turns any failure into a PoaError naming `what`. */
export async function send(what: string, tx: () => Promise<ContractTransactionResponse>): Promise<Sent> {
  return onChain(what, async () => {
    const response = await tx();
    const receipt = await response.wait();
    if (receipt === null || receipt.status !== 1)
      throw new PoaError("CONTRACT_REVERTED", `${what}: the transaction ${response.hash} failed`, {
        details: { txHash: response.hash },
      });
    return { txHash: response.hash, blockNumber: receipt.blockNumber };
  });
}

/** Parses a proposal reference: `#3` or `3` (a number), or an id (decimal or 0x hex). */
export function parseProposalRef(ref: string): { number: number } | { id: bigint } {
  const text = ref.trim();
  const numbered = /^#?(\d{1,9})$/.exec(text);
  if (numbered !== null) return { number: Number(numbered[1]) };
  if (/^\d+$/.test(text) || /^0x[0-9a-fA-F]{1,64}$/.test(text)) {
    const id = BigInt(text);
    if (id < 2n ** 256n) return { id };
  }
  throw new PoaError("INVALID_VALUE", `"${ref}" is not a proposal: give its number (#1) or its id`, {
    details: { field: "proposal", value: ref },
  });
}

async function proposalOf(
  g: Governance,
  event: { args: unknown; transactionHash: string },
  number: number,
  now: bigint,
): Promise<Proposal> {
  // By position: a ProposalCreated parameter is named `values`, which an ethers Result (an
  // array) answers with Array.prototype.values instead.
  const a = event.args as unknown as readonly unknown[];
  const id = a[0] as bigint;
  const proposer = a[1] as string;
  const targets = [...(a[2] as string[])];
  const values = [...(a[3] as bigint[])];
  const calldatas = [...(a[5] as string[])];
  const voteStart = a[6] as bigint;
  const description = a[8] as string;
  const gov = g.governor;
  // As of the next block: what a transaction sent now would find (contracts.ts, chainTime).
  const [state, votes, deadline, eta] = await onChain(`read proposal #${number}`, () =>
    Promise.all([
      gov.state(id, NEXT_BLOCK),
      gov.proposalVotes(id, NEXT_BLOCK),
      gov.proposalDeadline(id, NEXT_BLOCK),
      gov.proposalEta(id, NEXT_BLOCK),
    ]),
  );
  // The quorum is fixed at the snapshot, readable once the snapshot is in the past of the block
  // read from (ERC5805FutureLookup otherwise: "now" may run ahead of the node's pending block).
  const quorum =
    voteStart < now
      ? await gov.quorum(voteStart, NEXT_BLOCK).catch(async () => {
          const latest = await onChain("read the L2 clock", () => g.governor.runner!.provider!.getBlock("latest"));
          return latest !== null && voteStart < BigInt(latest.timestamp)
            ? await onChain("read the quorum", () => gov.quorum(voteStart))
            : undefined;
        })
      : undefined;
  return {
    number,
    id,
    proposer,
    description,
    descriptionHash: keccakId(description),
    calls: targets.map((target, i) => ({
      target,
      value: values[i]!,
      data: calldatas[i]!,
      label: describeCall(g, target, values[i]!, calldatas[i]!),
    })),
    voteStart,
    deadline,
    state: PROPOSAL_STATES[Number(state)] ?? "Pending",
    votes: { against: votes.againstVotes, for: votes.forVotes, abstain: votes.abstainVotes },
    quorum,
    eta: eta === 0n ? undefined : eta,
    txHash: event.transactionHash,
  };
}

/** Every proposal of the governor, oldest first, with its state, votes, deadline and eta. */
export async function listProposals(g: Governance): Promise<Proposal[]> {
  const events = await onChain("read the governor's proposals", () =>
    g.governor.queryFilter(g.governor.filters.ProposalCreated(), g.fromBlock, "latest"),
  );
  const now = await chainTime(g.provider);
  const out: Proposal[] = [];
  for (const [i, event] of events.entries()) out.push(await proposalOf(g, event, i + 1, now));
  return out;
}

/** The proposal `ref` names, or PROPOSAL_NOT_FOUND. */
export async function findProposal(g: Governance, ref: string): Promise<Proposal> {
  const parsed = parseProposalRef(ref);
  const all = await listProposals(g);
  const found = "number" in parsed ? all[parsed.number - 1] : all.find((p) => p.id === parsed.id);
  if (found === undefined)
    throw new PoaError(
      "PROPOSAL_NOT_FOUND",
      `no proposal ${"number" in parsed ? `#${parsed.number}` : parsed.id.toString()} on this governor (it has ${all.length})`,
      { details: { proposal: ref, count: all.length } },
    );
  return found;
}

/** The governor's settings and the acting account's votes. */
export interface GovernanceSettings {
  votingDelay: bigint;
  votingPeriod: bigint;
  lateQuorumExtension: bigint;
  proposalThreshold: bigint;
  quorumPercent: bigint;
  timelockDelay: bigint;
  guardian: string;
  /** The acting account's current votes and OPEN balance, and whom it delegates to. */
  account?: { address: string; votes: bigint; balance: bigint; delegate: string };
}

export async function governanceSettings(g: Governance): Promise<GovernanceSettings> {
  const gov = g.governor;
  const [votingDelay, votingPeriod, lateQuorumExtension, proposalThreshold, quorumPercent, timelockDelay, guardian] =
    await onChain("read the governor's settings", () =>
      Promise.all([
        gov.votingDelay(),
        gov.votingPeriod(),
        gov.lateQuorumVoteExtension(),
        gov.proposalThreshold(),
        gov["quorumNumerator()"](),
        g.timelock.getMinDelay(),
        gov.proposalGuardian(),
      ]),
    );
  const settings: GovernanceSettings = {
    votingDelay,
    votingPeriod,
    lateQuorumExtension,
    proposalThreshold,
    quorumPercent,
    timelockDelay,
    guardian,
  };
  if (g.account !== undefined) {
    const address = g.account;
    const [votes, balance, delegate] = await onChain("read the account's votes", () =>
      Promise.all([g.token.getVotes(address), g.token.balanceOf(address), g.token.delegates(address)]),
    );
    settings.account = { address, votes, balance, delegate };
  }
  return settings;
}

/** Delegates the acting account's votes to `to` (itself by default): OPEN votes only once delegated. */
export async function delegateVotes(g: Governance, to?: string): Promise<Sent & { delegate: string; votes: bigint }> {
  const me = actingAccount(g);
  const delegate = to ?? me;
  const sent = await send(`delegate the votes of ${me} to ${delegate}`, () => g.token.delegate(delegate));
  const votes = await onChain("read the votes", () => g.token.getVotes(delegate));
  return { ...sent, delegate, votes };
}

export interface ProposeOptions {
  calls: ProposalCall[];
  description: string;
  /**
   * Try each call as the timelock first (eth_call from the timelock's address). The first call
   * failing refuses the proposal; a later one failing is returned as a warning only (it may
   * depend on the calls before it, which a call made alone cannot see).
   */
  simulate?: boolean;
}

/** Proposes `calls`; refuses a proposer below the threshold and a proposal that already exists. */
export async function propose(
  g: Governance,
  options: ProposeOptions,
): Promise<{ proposal: Proposal; txHash: string; warnings: string[] }> {
  const me = actingAccount(g);
  const description = options.description.trim();
  if (description === "")
    throw new PoaError("INVALID_VALUE", "a proposal needs a description (what it does and why)", {
      details: { field: "description" },
    });
  if (options.calls.length === 0)
    throw new PoaError("INVALID_VALUE", "a proposal needs at least one call", { details: { field: "calls" } });
  const targets = options.calls.map((c) => c.target);
  const values = options.calls.map((c) => c.value);
  const datas = options.calls.map((c) => c.data);
  const descriptionHash = keccakId(description);
  const gov = g.governor;
  const [threshold, votes, balance, delegate, id] = await onChain("read the proposer's votes", () =>
    Promise.all([
      gov.proposalThreshold(),
      g.token.getVotes(me),
      g.token.balanceOf(me),
      g.token.delegates(me),
      gov.hashProposal(targets, values, datas, descriptionHash),
    ]),
  );
  if (votes < threshold) {
    const why =
      balance >= threshold && delegate.toLowerCase() !== me.toLowerCase()
        ? ` (it holds ${formatOpen(balance)} OPEN but has not delegated them to itself)`
        : "";
    throw new PoaError(
      "INSUFFICIENT_VOTES",
      `${me} has ${formatOpen(votes)} votes, below the proposal threshold of ${formatOpen(threshold)}${why}`,
      {
        details: { account: me, votes: votes.toString(), threshold: threshold.toString() },
        action: "Delegate enough OPEN to the proposer (votes count from the next second), or ask a holder to propose.",
      },
    );
  }
  if ((await onChain("look the proposal up", () => gov.proposalSnapshot(id))) !== 0n) {
    const existing = await findProposal(g, id.toString());
    throw new PoaError(
      "STATE_CONFLICT",
      `the same proposal (same calls and description) already exists: #${existing.number}, ${existing.state}`,
      { details: { proposalId: id.toString() }, action: "Change the description to propose the same calls again." },
    );
  }
  const warnings: string[] = [];
  if (options.simulate !== false) {
    const timelock = await g.timelock.getAddress();
    for (const [i, call] of options.calls.entries()) {
      const refusal = await tryAsTimelock(g, timelock, call);
      if (refusal === undefined) continue;
      if (refusal.reverted && i === 0)
        throw new PoaError(
          "CONTRACT_REVERTED",
          `executed now by the timelock, ${call.label} would revert: ${refusal.reason}`,
          {
            details: { call: call.label },
            action: "Fix the call; a proposal that cannot execute would waste a vote.",
          },
        );
      warnings.push(
        refusal.reverted
          ? `call ${i + 1} (${call.label}) reverts when tried alone as the timelock (${refusal.reason}); it may depend on the calls before it`
          : `call ${i + 1} (${call.label}) could not be tried as the timelock (${refusal.reason})`,
      );
    }
  }
  const sent = await send("propose", () => gov.propose(targets, values, datas, description));
  const proposal = await findProposal(g, id.toString());
  return { proposal, txHash: sent.txHash, warnings };
}

/**
 * Runs `call` as the timelock would (eth_call from its address, with a state override giving it
 * ETH for the call's gas, since an OP Stack node charges the L1 data fee even to calls).
 * Undefined when it succeeds; otherwise whether it reverted (vs. could not be tried) and why.
 */
async function tryAsTimelock(
  g: Governance,
  timelock: string,
  call: ProposalCall,
): Promise<{ reverted: boolean; reason: string } | undefined> {
  try {
    await g.provider.send("eth_call", [
      { from: timelock, to: call.target, data: call.data, value: toQuantity(call.value) },
      "latest",
      { [timelock]: { balance: toQuantity(10n ** 24n + call.value) } },
    ]);
    return undefined;
  } catch (error) {
    const e = chainError(error, "try the call");
    const reverted =
      e.code === "CONTRACT_REVERTED" && (e.details.error !== undefined || isError(error, "CALL_EXCEPTION"));
    return { reverted, reason: e.message.replace(/^try the call: (the contract refused with )?/, "") };
  }
}

/** Refuses with PROPOSAL_STATE unless the proposal is in one of `allowed`; `why` says what was wanted. */
function stateError(p: Proposal, message: string, at?: bigint): PoaError {
  return new PoaError("PROPOSAL_STATE", message, {
    details: {
      proposal: p.number,
      proposalId: p.id.toString(),
      state: p.state,
      ...(at === undefined ? {} : { at: at.toString() }),
    },
  });
}

function tallyText(p: Proposal): string {
  const quorum = p.quorum === undefined ? "" : `, quorum ${formatOpen(p.quorum)}`;
  return `for ${formatOpen(p.votes.for)}, against ${formatOpen(p.votes.against)}, abstain ${formatOpen(p.votes.abstain)}${quorum}`;
}

/** Refuses a proposal that has ended (any state but Pending and Active), saying how it ended. */
function ended(p: Proposal, action: string): PoaError {
  switch (p.state) {
    case "Canceled":
      return stateError(p, `proposal #${p.number} was cancelled: it cannot be ${action}`);
    case "Executed":
      return stateError(p, `proposal #${p.number} was already executed`);
    case "Expired":
      return stateError(p, `proposal #${p.number} expired`);
    case "Defeated":
      return stateError(p, `proposal #${p.number} was defeated (${tallyText(p)}): it cannot be ${action}`);
    default:
      return stateError(p, `proposal #${p.number} is ${p.state}: it cannot be ${action}`);
  }
}

/** Casts the acting account's vote. `wait`: move the clock to the vote's start if it has not started. */
export async function castVote(
  g: Governance,
  ref: string,
  support: Support,
  options: { reason?: string; wait?: boolean } = {},
): Promise<{ proposal: Proposal; weight: bigint; txHash: string }> {
  const me = actingAccount(g);
  let p = await findProposal(g, ref);
  if (p.state === "Pending") {
    const now = await chainTime(g.provider);
    if (options.wait !== true)
      throw new PoaError(
        "TOO_EARLY",
        `voting on proposal #${p.number} opens after its snapshot at ${when(p.voteStart, now)}`,
        { details: { proposal: p.number, at: (p.voteStart + 1n).toString() } },
      );
    await waitUntil(g, p.voteStart + 1n);
    p = await findProposal(g, p.id.toString());
  }
  if (p.state !== "Active") {
    if (p.state === "Canceled" || p.state === "Pending") throw ended(p, "voted on");
    throw stateError(
      p,
      `voting on proposal #${p.number} ended at ${formatTime(p.deadline)} (it is ${p.state}: ${tallyText(p)})`,
    );
  }
  const gov = g.governor;
  if (await onChain("read the vote", () => gov.hasVoted(p.id, me))) {
    const cast = await onChain("read the vote", () => gov.queryFilter(gov.filters.VoteCast(me), g.fromBlock, "latest"));
    const mine = cast.find((e) => e.args.proposalId === p.id);
    const how =
      mine === undefined
        ? ""
        : ` (${Object.keys(SUPPORT)[Number(mine.args.support)] ?? "?"}, ${formatOpen(mine.args.weight)} votes)`;
    throw new PoaError(
      "ALREADY_VOTED",
      `${me} already voted on proposal #${p.number}${how}: a vote cannot be changed`,
      {
        details: { account: me, proposal: p.number },
      },
    );
  }
  const weight = await onChain("read the voting weight", () => gov.getVotes(me, p.voteStart, NEXT_BLOCK));
  if (weight === 0n)
    throw new PoaError(
      "INSUFFICIENT_VOTES",
      `${me} had no votes at proposal #${p.number}'s snapshot (${formatTime(p.voteStart)})`,
      {
        details: { account: me, proposal: p.number },
        action: "Only OPEN delegated before a proposal's snapshot votes on it: delegate now to vote on the next ones.",
      },
    );
  const s = BigInt(SUPPORT[support]);
  const reason = options.reason?.trim();
  const sent = await send(`vote on proposal #${p.number}`, () =>
    reason === undefined || reason === "" ? gov.castVote(p.id, s) : gov.castVoteWithReason(p.id, s, reason),
  );
  return { proposal: await findProposal(g, p.id.toString()), weight, txHash: sent.txHash };
}

function callArrays(p: Proposal): [string[], bigint[], string[], string] {
  return [p.calls.map((c) => c.target), p.calls.map((c) => c.value), p.calls.map((c) => c.data), p.descriptionHash];
}

/** Queues a succeeded proposal in the timelock. `wait`: move the clock past the vote's end first. */
export async function queueProposal(
  g: Governance,
  ref: string,
  options: { wait?: boolean } = {},
): Promise<{ proposal: Proposal; txHash: string }> {
  actingAccount(g);
  let p = await findProposal(g, ref);
  if ((p.state === "Active" || p.state === "Pending") && options.wait === true) {
    await waitUntil(g, p.deadline + 1n);
    p = await findProposal(g, p.id.toString());
  }
  if (p.state === "Pending" || p.state === "Active") {
    const now = await chainTime(g.provider);
    throw stateError(
      p,
      `proposal #${p.number} has not succeeded: it is ${p.state} (voting ${p.state === "Pending" ? "opens" : "ends"} at ${when(p.state === "Pending" ? p.voteStart : p.deadline, now)}; ${tallyText(p)})`,
      p.deadline + 1n,
    );
  }
  if (p.state === "Queued")
    throw stateError(p, `proposal #${p.number} is already queued (executable from ${formatTime(p.eta ?? 0n)})`);
  if (p.state !== "Succeeded") throw ended(p, "queued");
  const [targets, values, datas, hash] = callArrays(p);
  const sent = await send(`queue proposal #${p.number}`, () => g.governor.queue(targets, values, datas, hash));
  return { proposal: await findProposal(g, p.id.toString()), txHash: sent.txHash };
}

/** Executes a queued proposal once the timelock delay is over. `wait`: move the clock to its eta first. */
export async function executeProposal(
  g: Governance,
  ref: string,
  options: { wait?: boolean } = {},
): Promise<{ proposal: Proposal; txHash: string }> {
  actingAccount(g);
  let p = await findProposal(g, ref);
  if (p.state === "Succeeded")
    throw stateError(
      p,
      `proposal #${p.number} succeeded but is not queued yet: queue it first, then wait the timelock delay`,
    );
  if (p.state !== "Queued") {
    if (p.state === "Pending" || p.state === "Active")
      throw stateError(p, `proposal #${p.number} is still ${p.state}: it must succeed and be queued first`);
    throw ended(p, "executed");
  }
  const eta = p.eta ?? 0n;
  let now = await chainTime(g.provider);
  if (now < eta) {
    if (options.wait !== true)
      throw new PoaError("TOO_EARLY", `proposal #${p.number} is queued; the timelock delay ends at ${when(eta, now)}`, {
        details: { proposal: p.number, at: eta.toString() },
      });
    now = await waitUntil(g, eta);
    p = await findProposal(g, p.id.toString());
  }
  const [targets, values, datas, hash] = callArrays(p);
  const sent = await send(`execute proposal #${p.number}`, () => g.governor.execute(targets, values, datas, hash));
  return { proposal: await findProposal(g, p.id.toString()), txHash: sent.txHash };
}

/**
 * Cancels a proposal: the guardian at any stage before execution (GovernorProposalGuardian; a
 * queued proposal is also removed from the timelock), the proposer while it is pending.
 */
export async function cancelProposal(g: Governance, ref: string): Promise<{ proposal: Proposal; txHash: string }> {
  const me = actingAccount(g);
  const p = await findProposal(g, ref);
  if (p.state === "Canceled" || p.state === "Executed" || p.state === "Expired") throw ended(p, "cancelled");
  const guardian = await onChain("read the proposal guardian", () => g.governor.proposalGuardian());
  const isGuardian = guardian.toLowerCase() === me.toLowerCase();
  const isProposer = p.proposer.toLowerCase() === me.toLowerCase();
  if (!isGuardian && !(isProposer && p.state === "Pending"))
    throw new PoaError(
      "NOT_AUTHORIZED",
      isProposer
        ? `proposal #${p.number} is ${p.state}: its proposer may cancel it only while it is pending; now only the guardian ${guardian} can`
        : `${me} may not cancel proposal #${p.number}: only the guardian ${guardian} can (or its proposer while it is pending)`,
      { details: { account: me, guardian, proposal: p.number } },
    );
  const [targets, values, datas, hash] = callArrays(p);
  const sent = await send(`cancel proposal #${p.number}`, () => g.governor.cancel(targets, values, datas, hash));
  return { proposal: await findProposal(g, p.id.toString()), txHash: sent.txHash };
}
