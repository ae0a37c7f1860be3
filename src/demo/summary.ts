/**
 * The main job's closing story, as lines for a terminal: who contributed what, what each model was
 * trained on, what the requests cost and where each fee went, the root, who earned how much and
 * why, what was claimed, the L1 data fees, and the L2 supply invariant. Pure.
 */
import { formatAmount, formatOpen } from "../core/amount.js";
import type { MainJobResult } from "./main-job.js";

const short = (address: string) => `${address.slice(0, 8)}…${address.slice(-4)}`;
const gwei = (wei: bigint) => formatAmount(wei, 9, 3);

export function summaryLines(r: MainJobResult): string[] {
  const out: string[] = [];
  const total = r.times.reduce((s, t) => s + t.seconds, 0);
  out.push("", "What happened", "-------------");
  out.push("Contributions (real text: WordNet glosses, SpamAssassin mail):");
  const byContributor = new Map<string, { accepted: number; rejected: number; labels: Set<string> }>();
  for (const c of r.contributions) {
    const e = byContributor.get(c.contributor) ?? { accepted: 0, rejected: 0, labels: new Set<string>() };
    if (c.outcome === "accepted") e.accepted++;
    else e.rejected++;
    e.labels.add(`${c.datanet}`);
    byContributor.set(c.contributor, e);
  }
  for (const [who, e] of byContributor)
    out.push(
      `  ${short(who)}  ${e.accepted} accepted${e.rejected > 0 ? `, ${e.rejected} rejected (stake slashed)` : ""} in ${[...e.labels].join(" and ")}`,
    );
  out.push("Models (Model Factory, deterministic artifacts, provenance on-chain):");
  for (const m of r.models)
    out.push(
      `  model ${m.id} ${m.name.padEnd(13)} ${m.kind.padEnd(12)} trained on ${m.trainedOn} (${formatAmount(BigInt(m.bytes), 0)} bytes, ${m.artifact.slice(0, 10)}…)`,
    );
  const q = r.requests;
  out.push(
    `Inference: ${q.count} requests through the gateway (openai client), ${q.tokensIn} tokens in and ${q.tokensOut} out, ${formatOpen(q.fees)} OPEN in fees, paid in ${q.batches} payBatch transactions`,
  );
  const f = r.fees;
  out.push(
    `Where the fees went: platform ${formatOpen(f.platform)} / model owners ${formatOpen(f.owner)} / stakers ${formatOpen(f.stakers)} / contributors ${formatOpen(f.contributors)} OPEN (stakers' and contributors' parts escrowed for epoch ${r.settlement.epoch})`,
  );
  const s = r.settlement;
  out.push(`Settlement of epoch ${s.epoch}: root ${s.root}, total ${formatOpen(s.total)} OPEN, report ${s.reportURI}`);
  out.push(
    `  poa verify: ${s.verified ? "recomputed from public inputs, identical" : "not verified"}; finalized after the challenge window`,
  );
  out.push("Who earned how much, and why:");
  for (const e of r.earnings.slice(0, 10))
    out.push(
      `  ${short(e.account)}  ${formatOpen(e.earned).padStart(10)} OPEN  ${`${e.share.toFixed(1)}%`.padStart(6)}  ${e.why}`,
    );
  if (r.earnings.length > 10) out.push(`  … and ${r.earnings.length - 10} more accounts (see the report)`);
  out.push(`Claimed: ${formatOpen(r.claimed)} OPEN paid to ${r.earnings.length} accounts by one batched claim`);
  const g = r.governance;
  out.push(
    `Governance: OPEN holders voted the platform fee to ${Number(g.feeBps) / 100}% and a ${formatOpen(g.amount)} OPEN OpenCircle grant (Governor -> Timelock)`,
  );
  out.push(
    `  grant ${g.id}: milestone 1 of ${g.milestones} approved by the council and released: ${formatOpen(g.released)} OPEN to ${short(g.grantee)} (evidence: model artifact ${g.evidence.slice(0, 10)}…)`,
  );
  const l1 = r.l2Txs.reduce((s, t) => s + t.l1Fee, 0n);
  const l2 = r.l2Txs.reduce((s, t) => s + t.l2Fee, 0n);
  const share = l1 + l2 === 0n ? 0 : Number((l1 * 10_000n) / (l1 + l2)) / 100;
  out.push(
    `L1 data fees: ${gwei(l1)} gwei over ${r.l2Txs.length} L2 transactions of the story (${share}% of their fees; execution ${gwei(l2)} gwei)`,
  );
  out.push(
    `Bridge: deposit relayed ${r.relayMs} ms after its L1 receipt; withdrawal proven and finalized in ${(r.withdrawMs / 1000).toFixed(1)} s`,
  );
  out.push(
    `Invariant: L2 OPEN supply ${formatOpen(r.l2Supply)} ${r.l2Supply <= r.lockedInBridge ? "<=" : "EXCEEDS"} OPEN locked in the L1 bridge ${formatOpen(r.lockedInBridge)}`,
  );
  out.push("", `Stages (${total.toFixed(1)} s in all):`);
  for (const t of r.times) out.push(`  ${t.seconds.toFixed(1).padStart(6)} s  ${t.stage}`);
  out.push("", `The epoch's report (open it in a browser, it works offline): ${s.html}`);
  return out;
}
