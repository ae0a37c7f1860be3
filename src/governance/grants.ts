/**
 * OpenCircle grants on the GrantsVault (docs/governance.md): creating and cancelling a grant are
 * governance proposals (the timelock funds grants from the treasury it holds); the grantee
 * submits evidence; the council reviews Exploration and Building milestones and a governance
 * proposal reviews Expansion ones; the guardian may veto an approval during its veto window;
 * anyone releases an approved milestone after it, in order.
 *
 * Each job checks what the vault would refuse before sending anything and says it in words
 * ("milestone 0 of grant 1 is vetoed, not approved"), with the times that matter.
 */
import { readFileSync, statSync } from "node:fs";

import { ZeroAddress, type Interface } from "ethers";

import { onChain } from "../chain/errors.js";
import { formatOpen } from "../core/amount.js";
import { PoaError } from "../core/errors.js";
import { keccakText, type Hex } from "../core/hash.js";
import { labelOf, type ProposalCall } from "./calls.js";
import { actingAccount, chainTime, formatTime, waitUntil, when, type Governance } from "./contracts.js";
import { propose, send, type Proposal } from "./proposals.js";
import { keccakHexFast } from "../merkle/index.js";

export const TIERS = ["exploration", "building", "expansion"] as const;
export type Tier = (typeof TIERS)[number];
export const GRANT_STATUS = ["none", "active", "completed", "cancelled"] as const;
export const MILESTONE_STATUS = ["pending", "submitted", "approved", "rejected", "vetoed", "released"] as const;
export type MilestoneStatus = (typeof MILESTONE_STATUS)[number];

const BPS = 10_000n;

/** A milestone as governance writes it: weight, evidence deadline, what it must deliver. */
export interface MilestoneInput {
  weightBps: bigint;
  deadline: bigint;
  specHash: Hex;
  /** The text the spec hash was computed from (or the hash itself). */
  spec: string;
}

/** A hash given as 0x and 64 hex digits, or the keccak-256 of a text. */
export function hashOf(text: string): Hex {
  return /^0x[0-9a-fA-F]{64}$/.test(text) ? (text.toLowerCase() as Hex) : keccakText(text);
}

const UNITS: Record<string, bigint> = { s: 1n, m: 60n, min: 60n, h: 3_600n, d: 86_400n, w: 604_800n };

/**
 * Parses `<weight>:<deadline>:<spec>`, e.g. `50%:30d:dataset v1`:
 * - weight: a percentage (`50%`, `33.33%`) or basis points (`5000bps`, `5000`);
 * - deadline (inclusive): a duration from `now` (`90d`, `12h`, `30m`, `3600s`, `2w`), a date
 *   `YYYY-MM-DD` (the end of that day, UTC) or unix seconds;
 * - spec: what the milestone must deliver: a text (hashed, keccak-256) or a 0x 32-byte hash.
 */
export function parseMilestone(text: string, now: bigint, which: number): MilestoneInput {
  const bad = (why: string) =>
    new PoaError("INVALID_VALUE", `milestone ${which} "${text}": ${why}`, {
      details: { field: "milestone", value: text },
      action: 'Write each milestone as <weight>:<deadline>:<spec>, e.g. "50%:30d:dataset v1".',
    });
  const first = text.indexOf(":");
  const second = first < 0 ? -1 : text.indexOf(":", first + 1);
  if (first < 0 || second < 0) throw bad("expected <weight>:<deadline>:<spec>");
  const weightText = text.slice(0, first).trim();
  const deadlineText = text.slice(first + 1, second).trim();
  const spec = text.slice(second + 1).trim();
  let weightBps: bigint;
  const percent = /^(\d{1,3})(?:\.(\d{1,2}))?%$/.exec(weightText);
  const bps = /^(\d{1,5})(?:bps)?$/.exec(weightText);
  if (percent !== null) weightBps = BigInt(percent[1]!) * 100n + BigInt((percent[2] ?? "").padEnd(2, "0") || "0");
  else if (bps !== null) weightBps = BigInt(bps[1]!);
  else throw bad(`the weight "${weightText}" is not a percentage (50%) or basis points (5000bps)`);
  if (weightBps === 0n || weightBps > BPS) throw bad(`the weight ${weightText} must be above 0% and at most 100%`);
  let deadline: bigint;
  const relative = /^(\d+)(s|m|min|h|d|w)$/.exec(deadlineText);
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(deadlineText);
  if (relative !== null) deadline = now + BigInt(relative[1]!) * UNITS[relative[2]!]!;
  else if (date !== null) {
    const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== deadlineText)
      throw bad(`the deadline "${deadlineText}" is not a date`);
    deadline = BigInt(ms / 1000) + 86_399n;
  } else if (/^\d{9,11}$/.test(deadlineText)) deadline = BigInt(deadlineText);
  else throw bad(`the deadline "${deadlineText}" is not a duration (30d, 12h), a date (2026-06-30) or unix seconds`);
  if (spec === "") throw bad("the spec (what the milestone delivers) is empty");
  return { weightBps, deadline, specHash: hashOf(spec), spec };
}

export interface Milestone {
  index: number;
  weightBps: bigint;
  status: MilestoneStatus;
  attempts: number;
  deadline: bigint;
  releasableAt: bigint | undefined;
  specHash: string;
  evidence: string | undefined;
  /** What it pays when released. */
  amount: bigint;
}

export interface Grant {
  id: bigint;
  grantee: string;
  tier: Tier;
  status: (typeof GRANT_STATUS)[number];
  amount: bigint;
  released: bigint;
  nextMilestone: number;
  milestones: Milestone[];
}

/** Grant `id` and its milestones, or GRANT_NOT_FOUND. */
export async function readGrant(g: Governance, id: bigint): Promise<Grant> {
  const count = await onChain("read the grants", () => g.vault.grantCount());
  if (id < 1n || id > count)
    throw new PoaError("GRANT_NOT_FOUND", `grant ${id} does not exist (there are ${count})`, {
      details: { grantId: id.toString(), count: count.toString() },
    });
  const grant = await onChain(`read grant ${id}`, () => g.vault.getGrant(id));
  const milestones: Milestone[] = [];
  for (let i = 0; i < Number(grant.milestoneCount); i++) {
    const [m, amount] = await onChain(`read milestone ${i} of grant ${id}`, () =>
      Promise.all([g.vault.getMilestone(id, i), g.vault.milestoneAmount(id, i)]),
    );
    milestones.push({
      index: i,
      weightBps: m.weightBps,
      status: MILESTONE_STATUS[Number(m.status)] ?? "pending",
      attempts: Number(m.attempts),
      deadline: m.deadline,
      releasableAt: m.releasableAt === 0n ? undefined : m.releasableAt,
      specHash: m.specHash,
      evidence: /^0x0+$/.test(m.evidence) ? undefined : m.evidence,
      amount,
    });
  }
  return {
    id,
    grantee: grant.grantee,
    tier: TIERS[Number(grant.tier)] ?? "exploration",
    status: GRANT_STATUS[Number(grant.status)] ?? "none",
    amount: grant.amount,
    released: grant.released,
    nextMilestone: Number(grant.nextMilestone),
    milestones,
  };
}

/** Every grant, oldest first. */
export async function listGrants(g: Governance): Promise<Grant[]> {
  const count = await onChain("read the grants", () => g.vault.grantCount());
  const out: Grant[] = [];
  for (let id = 1n; id <= count; id++) out.push(await readGrant(g, id));
  return out;
}

/** The vault's settings: tier bounds, veto window, treasury and what it holds, what is owed. */
export async function vaultSettings(g: Governance) {
  const v = g.vault;
  const [bounds, vetoWindow, treasury, unreleased, paused] = await onChain("read the grants vault", () =>
    Promise.all([
      Promise.all([0, 1, 2].map((t) => v.tierBounds(t))),
      v.vetoWindow(),
      v.treasury(),
      v.totalUnreleased(),
      v.paused(),
    ]),
  );
  const treasuryBalance = await onChain("read the treasury", () => g.token.balanceOf(treasury));
  return {
    tiers: TIERS.map((tier, i) => ({ tier, min: bounds[i]!.min, max: bounds[i]!.max })),
    vetoWindow,
    treasury,
    treasuryBalance,
    unreleased,
    paused,
  };
}

function active(grant: Grant, doing: string): void {
  if (grant.status === "active") return;
  const state =
    grant.status === "cancelled"
      ? `grant ${grant.id} was cancelled (it pays nothing more)`
      : `grant ${grant.id} is ${grant.status}${grant.status === "completed" ? " (every milestone was released)" : ""}`;
  throw new PoaError(
    "GRANT_STATE",
    `${state}: it cannot ${doing}${grant.status === "cancelled" && doing === "be cancelled" ? " twice" : ""}`,
    {
      details: { grantId: grant.id.toString(), status: grant.status },
    },
  );
}

function milestoneOf(grant: Grant, index: number): Milestone {
  const m = grant.milestones[index];
  if (m === undefined)
    throw new PoaError(
      "GRANT_NOT_FOUND",
      `grant ${grant.id} has no milestone ${index} (it has ${grant.milestones.length}: 0 to ${grant.milestones.length - 1})`,
      { details: { grantId: grant.id.toString(), index, count: grant.milestones.length } },
    );
  return m;
}

async function notPaused(g: Governance, doing: string): Promise<void> {
  if (await onChain("read the vault's pause", () => g.vault.paused()))
    throw new PoaError(
      "GRANT_STATE",
      `the grants vault is paused by the guardian: no one can ${doing} until governance unpauses it`,
      {
        details: { paused: true },
      },
    );
}

async function hasRole(g: Governance, role: "COUNCIL_ROLE" | "GUARDIAN_ROLE", account: string): Promise<boolean> {
  return onChain("read the vault's roles", async () => g.vault.hasRole(await g.vault[role](), account));
}

/** A call of a vault or token function, encoded and labelled. */
function callOf(
  g: Governance,
  target: string,
  contract: { interface: unknown },
  name: string,
  args: unknown[],
  shown = args,
): ProposalCall {
  const iface = contract.interface as Interface;
  const fn = iface.getFunction(name)!;
  return { target, value: 0n, data: iface.encodeFunctionData(fn, args), label: labelOf(g, target, fn, shown) };
}

// ---------------------------------------------------------------------------------------------
// Governance: create and cancel (proposals)
// ---------------------------------------------------------------------------------------------

export interface GrantProposalInput {
  grantee: string;
  tier: Tier;
  amount: bigint;
  milestones: MilestoneInput[];
  /** The grant agreement (a text, hashed, or a 0x 32-byte hash); emitted with the grant. */
  terms: string;
  description: string;
}

/**
 * Proposes a grant: one proposal that approves exactly `amount` OPEN from the timelock (the
 * treasury) to the vault and creates the grant, which pulls it. Checked first: the grantee, the
 * tier's bounds, the milestones (1 to MAX_MILESTONES, non-zero weights summing to 100%, deadlines
 * non-decreasing and after the earliest time the proposal could execute), and that the treasury
 * is the timelock and holds the amount.
 */
export async function proposeGrant(
  g: Governance,
  input: GrantProposalInput,
): Promise<{ proposal: Proposal; txHash: string; calls: ProposalCall[] }> {
  const vault = g.vault;
  const vaultAddress = await vault.getAddress();
  const timelockAddress = await g.timelock.getAddress();
  const tier = TIERS.indexOf(input.tier);
  const name = `the ${input.tier[0]!.toUpperCase()}${input.tier.slice(1)} tier`;
  if (input.grantee === ZeroAddress || input.grantee.toLowerCase() === vaultAddress.toLowerCase())
    throw new PoaError("INVALID_VALUE", `${input.grantee} cannot receive a grant (the zero address or the vault)`, {
      details: { field: "grantee", value: input.grantee },
    });
  const [bounds, maxMilestones, treasury, votingDelay, votingPeriod, delay, now] = await onChain(
    "read the vault and the governor",
    () =>
      Promise.all([
        vault.tierBounds(tier),
        vault.MAX_MILESTONES(),
        vault.treasury(),
        g.governor.votingDelay(),
        g.governor.votingPeriod(),
        g.timelock.getMinDelay(),
        chainTime(g.provider),
      ]),
  );
  if (input.amount < bounds.min || input.amount > bounds.max)
    throw new PoaError(
      "VALUE_OUT_OF_RANGE",
      `${formatOpen(input.amount)} OPEN is outside ${name}'s bounds [${formatOpen(bounds.min)}, ${formatOpen(bounds.max)}] OPEN`,
      {
        details: {
          field: "amount",
          tier: input.tier,
          amount: input.amount.toString(),
          min: bounds.min.toString(),
          max: bounds.max.toString(),
        },
        action: "Choose an amount within the tier's bounds, or another tier.",
      },
    );
  const ms = input.milestones;
  if (ms.length === 0 || BigInt(ms.length) > maxMilestones)
    throw new PoaError("VALUE_OUT_OF_RANGE", `a grant has 1 to ${maxMilestones} milestones, not ${ms.length}`, {
      details: { field: "milestones", count: ms.length },
    });
  const sum = ms.reduce((s, m) => s + m.weightBps, 0n);
  if (sum !== BPS)
    throw new PoaError(
      "VALUE_OUT_OF_RANGE",
      `the milestone weights sum to ${Number(sum) / 100}% (${sum} bps), not 100%`,
      {
        details: { field: "milestones", sumBps: sum.toString() },
        action: "Make the weights add up to exactly 100% (10,000 bps).",
      },
    );
  // createGrant runs when the proposal executes: every deadline must still be ahead then.
  const earliest = now + votingDelay + votingPeriod + delay + 1n;
  ms.forEach((m, i) => {
    if (m.deadline < earliest)
      throw new PoaError(
        "VALUE_OUT_OF_RANGE",
        `milestone ${i + 1}'s deadline ${formatTime(m.deadline)} is before the grant can exist (the proposal executes at ${formatTime(earliest)} at the earliest)`,
        { details: { field: "milestones", index: i, deadline: m.deadline.toString(), earliest: earliest.toString() } },
      );
    if (i > 0 && m.deadline < ms[i - 1]!.deadline)
      throw new PoaError(
        "VALUE_OUT_OF_RANGE",
        `milestone ${i + 1}'s deadline is before milestone ${i}'s: deadlines never decrease`,
        {
          details: { field: "milestones", index: i },
        },
      );
  });
  if (treasury.toLowerCase() !== timelockAddress.toLowerCase())
    throw new PoaError(
      "STATE_CONFLICT",
      `the vault's treasury ${treasury} is not the timelock: a proposal cannot approve its OPEN`,
      { details: { treasury, timelock: timelockAddress } },
    );
  const balance = await onChain("read the treasury", () => g.token.balanceOf(timelockAddress));
  if (balance < input.amount)
    throw new PoaError(
      "INSUFFICIENT_FUNDS",
      `the treasury (the timelock) holds ${formatOpen(balance)} OPEN, less than the grant's ${formatOpen(input.amount)} OPEN`,
      { details: { treasury: timelockAddress, balance: balance.toString(), amount: input.amount.toString() } },
    );
  const termsHash = hashOf(input.terms);
  const specs = ms.map((m) => ({ weightBps: m.weightBps, deadline: m.deadline, specHash: m.specHash }));
  const tokenAddress = await g.token.getAddress();
  const calls: ProposalCall[] = [
    callOf(g, tokenAddress, g.token, "approve", [vaultAddress, input.amount]),
    callOf(
      g,
      vaultAddress,
      vault,
      "createGrant",
      [input.grantee, tier, input.amount, specs, termsHash],
      [input.grantee, tier, input.amount, specs.map((s) => [s.weightBps, s.deadline, s.specHash]), termsHash],
    ),
  ];
  // The createGrant call depends on the approve before it: checked above instead of simulated.
  const { proposal, txHash } = await propose(g, { calls, description: input.description, simulate: false });
  return { proposal, txHash, calls };
}

/** Proposes cancelling an active grant (everything unreleased returns to the treasury). */
export async function proposeCancelGrant(
  g: Governance,
  grantId: bigint,
  reason: string,
  description: string,
): Promise<{ proposal: Proposal; txHash: string; refund: bigint }> {
  const grant = await readGrant(g, grantId);
  active(grant, "be cancelled");
  const call = callOf(g, await g.vault.getAddress(), g.vault, "cancelGrant", [grantId, hashOf(reason)]);
  const { proposal, txHash } = await propose(g, { calls: [call], description, simulate: true });
  return { proposal, txHash, refund: grant.amount - grant.released };
}

// ---------------------------------------------------------------------------------------------
// The release path
// ---------------------------------------------------------------------------------------------

/** Evidence: a 0x 32-byte hash as is, or the keccak-256 of a file's bytes. */
export function evidenceOf(input: { hash?: string; file?: string }): { evidence: Hex; source: string } {
  if ((input.hash === undefined) === (input.file === undefined))
    throw new PoaError(
      "INVALID_VALUE",
      "give the evidence either as a hash or as a file to hash, not both or neither",
      {
        details: { field: "evidence", usage: true },
      },
    );
  if (input.hash !== undefined) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(input.hash))
      throw new PoaError("INVALID_VALUE", `the evidence "${input.hash}" is not 0x and 64 hex digits`, {
        details: { field: "evidence" },
      });
    if (/^0x0{64}$/.test(input.hash))
      throw new PoaError("INVALID_VALUE", "the evidence hash is zero", { details: { field: "evidence" } });
    return { evidence: input.hash.toLowerCase() as Hex, source: "given" };
  }
  const path = input.file!;
  let bytes: Uint8Array;
  try {
    if (!statSync(path).isFile()) throw new Error("not a file");
    bytes = readFileSync(path);
  } catch {
    throw new PoaError("FILE_NOT_FOUND", `cannot read the evidence file ${path}`, { details: { path } });
  }
  return { evidence: keccakHexFast(bytes), source: `keccak-256 of ${path} (${bytes.length} bytes)` };
}

/** The grantee submits (or resubmits) evidence for a milestone, no later than its deadline. */
export async function submitEvidence(
  g: Governance,
  grantId: bigint,
  index: number,
  evidence: Hex,
): Promise<{ txHash: string; attempt: number }> {
  const me = actingAccount(g);
  const grant = await readGrant(g, grantId);
  active(grant, "take evidence");
  const m = milestoneOf(grant, index);
  if (me.toLowerCase() !== grant.grantee.toLowerCase())
    throw new PoaError(
      "NOT_AUTHORIZED",
      `only grant ${grantId}'s grantee ${grant.grantee} submits its evidence, not ${me}`,
      {
        details: { account: me, grantee: grant.grantee },
      },
    );
  if (m.status !== "pending" && m.status !== "rejected" && m.status !== "vetoed")
    throw new PoaError(
      "GRANT_STATE",
      `milestone ${index} of grant ${grantId} is ${m.status}: evidence is taken only while it is pending, rejected or vetoed`,
      { details: { grantId: grantId.toString(), index, status: m.status } },
    );
  const now = await chainTime(g.provider);
  if (now > m.deadline)
    throw new PoaError(
      "DEADLINE_PASSED",
      `evidence for milestone ${index} of grant ${grantId} was due by ${formatTime(m.deadline)}; it is ${formatTime(now)}`,
      {
        details: { grantId: grantId.toString(), index, deadline: m.deadline.toString(), now: now.toString() },
        action: "The milestone can no longer be delivered; governance may cancel the grant.",
      },
    );
  await notPaused(g, "submit evidence");
  const sent = await send(`submit evidence for milestone ${index} of grant ${grantId}`, () =>
    g.vault.submitEvidence(grantId, index, evidence),
  );
  return { txHash: sent.txHash, attempt: m.attempts + 1 };
}

/**
 * Reviews a submitted milestone: the council approves or rejects Exploration and Building
 * milestones directly; an Expansion milestone's review is a governance proposal. An approval
 * names the exact evidence submitted (read from the chain), so it cannot apply to other evidence.
 */
export async function reviewMilestone(
  g: Governance,
  grantId: bigint,
  index: number,
  review: { approve: boolean; reason: string; description?: string },
): Promise<
  | { by: "council"; txHash: string; evidence: string; releasableAt?: bigint }
  | { by: "proposal"; proposal: Proposal; txHash: string; evidence: string }
> {
  const me = actingAccount(g);
  const grant = await readGrant(g, grantId);
  active(grant, "be reviewed");
  const m = milestoneOf(grant, index);
  if (m.status !== "submitted")
    throw new PoaError(
      "GRANT_STATE",
      `milestone ${index} of grant ${grantId} is ${m.status}, not submitted: there is nothing to review`,
      { details: { grantId: grantId.toString(), index, status: m.status } },
    );
  const evidence = m.evidence!;
  const reasonHash = hashOf(review.reason);
  const verb = review.approve ? "approve" : "reject";
  if (grant.tier === "expansion") {
    const call = callOf(
      g,
      await g.vault.getAddress(),
      g.vault,
      review.approve ? "approveMilestone" : "rejectMilestone",
      [grantId, index, review.approve ? evidence : reasonHash],
    );
    const description =
      review.description ??
      `Grant ${grantId} (Expansion): ${verb} milestone ${index}, evidence ${evidence}${review.reason === "" ? "" : `. ${review.reason}`}`;
    const { proposal, txHash } = await propose(g, { calls: [call], description, simulate: true });
    return { by: "proposal", proposal, txHash, evidence };
  }
  if (!(await hasRole(g, "COUNCIL_ROLE", me)))
    throw new PoaError("NOT_AUTHORIZED", `${me} is not the council (COUNCIL_ROLE) that reviews ${grant.tier} grants`, {
      details: { account: me, role: "COUNCIL_ROLE", tier: grant.tier },
    });
  await notPaused(g, "review milestones");
  const sent = await send(`${verb} milestone ${index} of grant ${grantId}`, () =>
    review.approve
      ? g.vault.approveMilestone(grantId, index, evidence)
      : g.vault.rejectMilestone(grantId, index, reasonHash),
  );
  if (!review.approve) return { by: "council", txHash: sent.txHash, evidence };
  const after = await onChain("read the milestone", () => g.vault.getMilestone(grantId, index));
  return { by: "council", txHash: sent.txHash, evidence, releasableAt: after.releasableAt };
}

/** The guardian vetoes an approved milestone before its veto window closes. */
export async function vetoMilestone(
  g: Governance,
  grantId: bigint,
  index: number,
  reason: string,
): Promise<{ txHash: string }> {
  const me = actingAccount(g);
  const grant = await readGrant(g, grantId);
  active(grant, "be vetoed");
  const m = milestoneOf(grant, index);
  if (!(await hasRole(g, "GUARDIAN_ROLE", me)))
    throw new PoaError("NOT_AUTHORIZED", `${me} is not the guardian (GUARDIAN_ROLE): only the guardian vetoes`, {
      details: { account: me, role: "GUARDIAN_ROLE" },
    });
  if (m.status !== "approved")
    throw new PoaError(
      "GRANT_STATE",
      `milestone ${index} of grant ${grantId} is ${m.status}, not approved: there is nothing to veto`,
      {
        details: { grantId: grantId.toString(), index, status: m.status },
      },
    );
  const now = await chainTime(g.provider);
  if (now >= (m.releasableAt ?? 0n))
    throw new PoaError(
      "DEADLINE_PASSED",
      `the veto window of milestone ${index} of grant ${grantId} closed at ${formatTime(m.releasableAt ?? 0n)}`,
      { details: { grantId: grantId.toString(), index, releasableAt: String(m.releasableAt) } },
    );
  const sent = await send(`veto milestone ${index} of grant ${grantId}`, () =>
    g.vault.vetoMilestone(grantId, index, hashOf(reason)),
  );
  return { txHash: sent.txHash };
}

/**
 * Releases an approved milestone to the grantee after its veto window (anyone may). `index`
 * defaults to the grant's next milestone. `wait`: move the clock to the window's end first.
 */
export async function releaseMilestone(
  g: Governance,
  grantId: bigint,
  index: number | undefined,
  options: { wait?: boolean } = {},
): Promise<{ txHash: string; index: number; amount: bigint; grantee: string; completed: boolean }> {
  actingAccount(g);
  const grant = await readGrant(g, grantId);
  active(grant, "release milestones");
  const i = index ?? grant.nextMilestone;
  const m = milestoneOf(grant, i);
  if (m.status === "released")
    throw new PoaError(
      "GRANT_STATE",
      `milestone ${i} of grant ${grantId} was already released (${formatOpen(m.amount)} OPEN to ${grant.grantee})`,
      {
        details: { grantId: grantId.toString(), index: i, status: m.status },
      },
    );
  if (i > grant.nextMilestone)
    throw new PoaError(
      "GRANT_STATE",
      `milestones are released in order: milestone ${grant.nextMilestone} of grant ${grantId} comes before milestone ${i}`,
      { details: { grantId: grantId.toString(), index: i, next: grant.nextMilestone } },
    );
  if (m.status !== "approved")
    throw new PoaError(
      "GRANT_STATE",
      `milestone ${i} of grant ${grantId} is ${m.status}, not approved: it cannot be released${m.status === "vetoed" || m.status === "rejected" ? " (the grantee may submit new evidence)" : ""}`,
      { details: { grantId: grantId.toString(), index: i, status: m.status } },
    );
  const at = m.releasableAt ?? 0n;
  const now = await chainTime(g.provider);
  if (now < at) {
    if (options.wait !== true)
      throw new PoaError(
        "TOO_EARLY",
        `milestone ${i} of grant ${grantId} is in its veto window until ${when(at, now)}`,
        { details: { grantId: grantId.toString(), index: i, at: at.toString() } },
      );
    await waitUntil(g, at);
  } else if (options.wait === true && g.context.devnet !== undefined) {
    await waitUntil(g, at); // the latest block itself at `at` (see executeProposal)
  }
  await notPaused(g, "release milestones");
  const sent = await send(`release milestone ${i} of grant ${grantId}`, () => g.vault.release(grantId, i));
  const after = await readGrant(g, grantId);
  return {
    txHash: sent.txHash,
    index: i,
    amount: m.amount,
    grantee: grant.grantee,
    completed: after.status === "completed",
  };
}
