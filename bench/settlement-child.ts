/**
 * The measured side of the settlement benchmark, run in a process of its own so its time, CPU
 * and memory are the settlement's alone (no set-up data on its heap):
 *
 *   node --import tsx bench/settlement-child.ts '<json>'
 *
 * Modes: "settle" (the library `settle`, stopping after the proposal), "verify" (`verifyEpoch`
 * with a fresh store), "attribution" (the spans attribution that `settle` runs inside its compute
 * step, timed alone: index build, spans over every output, token metering). Each phase's wall
 * time, CPU time and peak resident memory are measured: the kernel's high-water mark (VmHWM) is
 * read at the end of a phase and reset (/proc/self/clear_refs) at its start, so a peak inside a
 * long synchronous computation is caught too. The result is one JSON line on stdout after
 * "RESULT "; progress goes to stderr.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";

import { buildIndex } from "../src/attribution/corpus-index.js";
import { attributeSpans } from "../src/attribution/span-attribution.js";
import { tokenize } from "../src/attribution/tokenize.js";
import { readDeployment } from "../src/chain/deployment.js";
import { ContentStore } from "../src/content/store.js";
import { resolveNetwork } from "../src/context/network.js";
import { readRecords } from "../src/settlement/inputs.js";
import { DEFAULT_SPAN_PARAMETERS, settle, type SettleEvent } from "../src/settlement/pipeline.js";
import { verifyEpoch } from "../src/settlement/verify.js";

export interface Phase {
  name: string;
  wallMs: number;
  cpuMs: number;
  /** Peak resident set size during the phase, bytes. */
  peakRss: number;
  /** V8 heap in use at the end of the phase, bytes. */
  heapEnd: number;
  /** Memory outside the V8 heap at the end of the phase (buffers, PGlite's WebAssembly memory), bytes. */
  externalEnd: number;
}

export interface ChildResult {
  phases: Phase[];
  totalMs: number;
  /** Peak RSS over the whole run, bytes. */
  peakRss: number;
  heapLimit: number;
  outcome: Record<string, unknown>;
}

export type ChildArgs =
  | {
      mode: "settle";
      devnetDir: string;
      deploymentFile: string;
      store: string;
      content: string;
      out: string;
      records: string[];
      epoch: string;
    }
  | {
      mode: "verify";
      devnetDir: string;
      deploymentFile: string;
      store: string;
      content: string;
      folder: string;
      epoch: string;
    }
  | {
      mode: "attribution";
      content: string;
      /** The model's training contributions, by id: what the settlement indexes. */
      documents: { id: string; contributor: string; cid: string; contentHash: string }[];
      records: string;
      chainId: number;
    };

const status = (field: string): number => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"));
  return Number(m?.[1] ?? 0) * 1024;
};
const resetPeak = () => writeFileSync("/proc/self/clear_refs", "5");

/** Phase bookkeeping: `mark(name)` ends the current phase and starts `name`. */
function phases() {
  const list: Phase[] = [];
  let overallPeak = status("VmHWM");
  let name = "";
  let t = performance.now();
  let cpu = process.cpuUsage();
  const t0 = t;
  resetPeak();
  const close = () => {
    const peak = status("VmHWM");
    overallPeak = Math.max(overallPeak, peak);
    const used = process.cpuUsage(cpu);
    list.push({
      name,
      wallMs: performance.now() - t,
      cpuMs: (used.user + used.system) / 1000,
      peakRss: peak,
      heapEnd: getHeapStatistics().used_heap_size,
      externalEnd: process.memoryUsage().external,
    });
  };
  return {
    mark(next: string) {
      if (name !== "") close();
      name = next;
      t = performance.now();
      cpu = process.cpuUsage();
      resetPeak();
      process.stderr.write(`[settlement:child] ${next}\n`);
    },
    end(): { phases: Phase[]; totalMs: number; peakRss: number } {
      close();
      return { phases: list, totalMs: performance.now() - t0, peakRss: overallPeak };
    },
  };
}

/** Stage events to phase names ("check" has several parts, told apart by their detail). */
function phaseName(event: Extract<SettleEvent, { kind: "stage" }>): string {
  if (event.stage !== "check") return event.stage;
  const d = event.detail ?? "";
  if (d.includes("records file")) return "check: records files (hash = requestHash)";
  if (d.includes("previous")) return "check: previous report (hash, CID, root rebuilt)";
  if (d.includes("contribution bytes")) return "check: contribution bytes (keccak, CID)";
  if (d.includes("records against")) return "check: records against the payments";
  return `check: ${d}`;
}

function progressPrinter() {
  let last = 0;
  return (event: SettleEvent) => {
    if (event.kind !== "progress") return;
    if (Date.now() - last < 2000 && event.done < event.total) return;
    last = Date.now();
    process.stderr.write(`[settlement:child]   ${event.label}: ${event.done}/${event.total}\n`);
  };
}

async function runSettle(args: Extract<ChildArgs, { mode: "settle" }>): Promise<ChildResult> {
  const context = await resolveNetwork({ devnetDir: args.devnetDir, deploymentFile: args.deploymentFile });
  const record = readDeployment(args.deploymentFile);
  const p = phases();
  const progress = progressPrinter();
  p.mark("open store, read the epoch clock");
  try {
    const result = await settle({
      context,
      record,
      store: args.store,
      content: args.content,
      out: args.out,
      records: args.records,
      epoch: BigInt(args.epoch),
      confirmations: 2,
      wait: false,
      pollMs: 50,
      onEvent: (event) => {
        if (event.kind === "stage") p.mark(phaseName(event));
        else progress(event);
      },
    });
    const measured = p.end();
    return {
      ...measured,
      heapLimit: getHeapStatistics().heap_size_limit,
      outcome: {
        outcome: result.outcome,
        root: result.root,
        total: result.total.toString(),
        reportHash: result.reportHash,
        reportURI: result.reportURI,
        folder: result.folder,
        accounts: result.accounts,
        proposeTx: result.proposeTx,
        requests: result.result?.requests.length ?? 0,
        paidRequests: result.result?.requests.filter((r) => r.outcome === "paid").length ?? 0,
        earners: result.result?.earned.size ?? 0,
      },
    };
  } finally {
    context.close();
  }
}

async function runVerify(args: Extract<ChildArgs, { mode: "verify" }>): Promise<ChildResult> {
  const context = await resolveNetwork({ devnetDir: args.devnetDir, deploymentFile: args.deploymentFile });
  const record = readDeployment(args.deploymentFile);
  const p = phases();
  p.mark("open store, read the epoch clock");
  let readDone = false;
  const progress = progressPrinter();
  try {
    const result = await verifyEpoch({
      context,
      record,
      store: args.store,
      content: args.content,
      folder: args.folder,
      epoch: BigInt(args.epoch),
      confirmations: 2,
      onEvent: (event) => {
        if (event.kind === "stage") p.mark(event.stage);
        else {
          progress(event);
          if (event.kind === "progress" && !readDone && event.done >= event.total) {
            readDone = true;
            p.mark("recompute (index the chain state, check inputs, attribute, allocate, tree, report)");
          }
        }
      },
    });
    const measured = p.end();
    return {
      ...measured,
      heapLimit: getHeapStatistics().heap_size_limit,
      outcome: {
        verdict: result.verdict,
        reasons: result.reasons,
        posted: result.posted.root,
        recomputed: result.recomputed?.root ?? null,
        differences: result.differences.length,
      },
    };
  } finally {
    context.close();
  }
}

/** What computeSettlement does for a spans model, piece by piece, on the same inputs. */
async function runAttribution(args: Extract<ChildArgs, { mode: "attribution" }>): Promise<ChildResult> {
  const content = new ContentStore(args.content);
  const texts: string[] = [];
  for (const d of args.documents) texts.push(new TextDecoder().decode(await content.get(d.cid)));
  const records = await readRecords([args.records], args.chainId);
  const outputs = [...records.values()]
    .sort((a, b) => (a.requestHash < b.requestHash ? -1 : a.requestHash > b.requestHash ? 1 : 0))
    .map((r) => ({ id: r.requestHash, text: r.output, prompt: r.prompt }));
  const p = phases();
  p.mark("index (tokenise, suffix array)");
  const index = buildIndex(
    args.documents.map((d, i) => ({
      line: i + 1,
      value: { id: d.id, contributor: d.contributor, text: texts[i]! },
    })),
  );
  p.mark("spans over every output");
  const attribution = attributeSpans(index, outputs, DEFAULT_SPAN_PARAMETERS);
  p.mark("metering (tokens of every prompt and output)");
  let tokens = 0;
  for (const o of outputs) tokens += tokenize(o.prompt).words.length + tokenize(o.text).words.length;
  const measured = p.end();
  const credited = attribution.outputs.filter((o) => o.spans.length > 0).length;
  return {
    ...measured,
    heapLimit: getHeapStatistics().heap_size_limit,
    outcome: {
      outputs: outputs.length,
      credited,
      spans: attribution.outputs.reduce((s, o) => s + o.spans.length, 0),
      indexTokens: index.tokens.length,
      meteredTokens: tokens,
    },
  };
}

const args = JSON.parse(process.argv[2] ?? "{}") as ChildArgs;
const result =
  args.mode === "settle"
    ? await runSettle(args)
    : args.mode === "verify"
      ? await runVerify(args)
      : await runAttribution(args);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
process.exit(0);
