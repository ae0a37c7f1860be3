/**
 * `poa report`: one self-contained HTML file for a settled epoch, for a person to look at. It
 * shows every paid output with the spans found in the training data highlighted (as OLMoTrace
 * does) and linked to their contribution and contributor, each account's earnings with a chart,
 * the flow of money (fees -> the four parts -> escrow -> the root -> claims) as a Sankey diagram,
 * and the root, the report hash, the epoch range and whether `verify` passed.
 *
 * Two halves:
 * - `renderHtmlReport` is pure: the same inputs give the same bytes (no clock, no random ids;
 *   every list in a fixed order). The chart library (Apache ECharts) is an input, inlined with
 *   the data; the page loads nothing (a Content-Security-Policy of `default-src 'none'` with the
 *   inline scripts allowed by their SHA-256 makes that a rule the browser enforces).
 * - `loadSettlementFolder` reads a settlement folder (report.json, breakdown.jsonl, records.jsonl,
 *   tree.json) and checks each file against the keccak-256 the report names, each record against
 *   its requestHash, and each credited span's text against the output it is a span of.
 *   `readClaims` reads what each account has claimed from the distributor (optional input).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";

import type { Provider } from "ethers";

import { onChain } from "../chain/errors.js";
import { formatOpen } from "../core/amount.js";
import { PoaError, messageOf } from "../core/errors.js";
import { prepareOutputFile, writeFileAtomic } from "../core/fs.js";
import { type Hex } from "../core/hash.js";
import { inputError } from "../core/jsonl.js";
import { RewardDistributor__factory } from "../../types/ethers-contracts/index.js";
import { parseRecordLine, type InferenceRecord } from "./record.js";
import { REPORT_FORMAT } from "./report.js";
import { keccakHexFast } from "../merkle/index.js";

// ---------------------------------------------------------------------------------------------
// The inputs, as read from a settlement folder (docs/settlement.md names every field).

type Units = string;
type Carry = { contributors: Units; stakers: Units };

/** The fields of report.json the HTML report shows. */
export interface ReportDocument {
  format: string;
  version: number;
  root: Hex;
  accounts: Record<string, { previous: Units; earned: Units; cumulative: Units }>;
  totals: { accounts: number; earned: Units; escrowed: Units; previous: Units; total: Units };
  models: {
    modelId: string;
    method: string;
    requests: number;
    pools: Carry;
    carryIn: Carry;
    carryOut: Carry;
    paid: Carry;
    contributorPayouts: Record<string, Units>;
    stakerPayouts: Record<string, Units>;
  }[];
  manifest: {
    network: string;
    chainId: number;
    epochs: { from: string; to: string; endsAt: string };
    contracts: { feeRouter: string; modelRegistry: string; datanetRegistry: string; rewardDistributor: string };
    previous: { epoch: string; root: Hex; reportHash: Hex; total: Units } | null;
  };
  files: Record<"records" | "breakdown" | "tree", { file: string; hash: Hex }>;
  flags: { missingRecords: string[] };
  /** Written by settlements since the HTML report exists; absent in older reports. */
  fees?: { requests: number; fee: Units; platform: Units; owner: Units; stakers: Units; contributors: Units };
  /** Written by settlements since the HTML report exists; absent in older reports. */
  contributions?: Record<string, { contributor: string; datanetId: string }>;
}

/** One line of breakdown.jsonl. */
export interface BreakdownLine {
  requestHash: Hex;
  modelId: string;
  outcome: string;
  pool: Units;
  carried: Units;
  payouts: Record<string, Units>;
  spans: { start: number; end: number; text: string; contributions: string[] }[];
  influence: { contributionId: string; row: number; influence: number }[];
}

export interface SettlementFolder {
  folder: string;
  report: ReportDocument;
  /** keccak-256 of report.json's bytes: the reportHash posted with the root. */
  reportHash: Hex;
  breakdown: BreakdownLine[];
  records: Map<string, InferenceRecord & { requestHash: Hex }>;
}

/** What each account has claimed from the distributor (cumulative over all epochs), and from where. */
export interface ClaimsInput {
  claimed: ReadonlyMap<string, bigint>;
  /** Where the amounts come from, in words (e.g. "RewardDistributor 0x… at L2 block 57"). */
  source: string;
}

/** The chart library inlined into the page. */
export interface ChartLibrary {
  name: string;
  version: string;
  license: string;
  /** The attribution its licence asks to keep (its NOTICE). */
  notice: string;
  /** The browser build, inlined as is: it must not contain "</script" or "<!--". */
  source: string;
}

export interface HtmlReportInput {
  report: ReportDocument;
  reportHash: Hex;
  breakdown: readonly BreakdownLine[];
  records: ReadonlyMap<string, InferenceRecord>;
  /** Whether `verify` recomputed the posted root from public inputs: true passed, false differed, absent not verified. */
  verified?: boolean;
  claims?: ClaimsInput;
  chart: ChartLibrary;
}

// ---------------------------------------------------------------------------------------------
// Loading and checking a settlement folder.

const folderAction = "Use the folder the settlement published, unchanged (report.json names every other file's hash).";

function readInput(folder: string, name: string): Uint8Array {
  const path = join(folder, name);
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PoaError(
      code === "ENOENT" ? "FILE_NOT_FOUND" : "INVALID_INPUT_FILE",
      code === "ENOENT" ? `${path} does not exist` : `cannot read ${path}: ${messageOf(error)}`,
      { details: { path, code }, cause: error, action: folderAction },
    );
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const UNITS = /^[0-9]+$/;
const HEX32 = /^0x[0-9a-fA-F]{64}$/;

/** Checks the fields of report.json the page reads; names the first one that is wrong. */
function checkReport(value: unknown, file: string): ReportDocument {
  const bad = (what: string) => inputError(file, undefined, what, folderAction);
  const at = (path: string): unknown =>
    path
      .split(".")
      .reduce<unknown>(
        (v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined),
        value,
      );
  const units = (path: string) => {
    if (typeof at(path) !== "string" || !UNITS.test(at(path) as string))
      throw bad(`field "${path}" must be a decimal string of base units`);
  };
  const object = (path: string) => {
    if (!isObject(at(path))) throw bad(`field "${path}" must be an object`);
    return at(path) as Record<string, unknown>;
  };
  if (!isObject(value)) throw bad("expected a JSON object");
  if (value.format !== REPORT_FORMAT) throw bad(`field "format" must be "${REPORT_FORMAT}" (a settlement report)`);
  if (typeof value.root !== "string" || !HEX32.test(value.root)) throw bad(`field "root" must be 0x and 64 hex digits`);
  for (const [account] of Object.entries(object("accounts")))
    for (const k of ["previous", "earned", "cumulative"]) units(`accounts.${account}.${k}`);
  for (const k of ["earned", "escrowed", "previous", "total"]) units(`totals.${k}`);
  if (!Array.isArray(value.models)) throw bad(`field "models" must be an array`);
  value.models.forEach((_, i) => {
    for (const part of ["pools", "carryIn", "carryOut", "paid"])
      for (const k of ["contributors", "stakers"]) units(`models.${i}.${part}.${k}`);
    for (const map of ["contributorPayouts", "stakerPayouts"])
      for (const account of Object.keys(object(`models.${i}.${map}`))) units(`models.${i}.${map}.${account}`);
  });
  for (const k of ["network", "epochs.from", "epochs.to", "epochs.endsAt", "contracts.rewardDistributor"])
    if (typeof at(`manifest.${k}`) !== "string") throw bad(`field "manifest.${k}" must be a string`);
  for (const k of ["records", "breakdown", "tree"])
    if (typeof at(`files.${k}.hash`) !== "string" || typeof at(`files.${k}.file`) !== "string")
      throw bad(`field "files.${k}" must name a file and its hash`);
  if (value.fees !== undefined)
    for (const k of ["fee", "platform", "owner", "stakers", "contributors"]) units(`fees.${k}`);
  if (value.contributions !== undefined)
    for (const id of Object.keys(object("contributions")))
      if (typeof at(`contributions.${id}.contributor`) !== "string")
        throw bad(`field "contributions.${id}.contributor" must be an address`);
  return value as unknown as ReportDocument;
}

/** Parses one breakdown line; checks its spans against the output of its record, when there is one. */
function checkBreakdownLine(value: unknown, file: string, line: number): BreakdownLine {
  const bad = (what: string) =>
    inputError(file, line, what, "Each line must be a request's breakdown, as the settlement writes it.");
  if (!isObject(value)) throw bad("expected a JSON object");
  if (typeof value.requestHash !== "string" || !HEX32.test(value.requestHash))
    throw bad(`field "requestHash" must be 0x and 64 hex digits`);
  for (const k of ["pool", "carried"])
    if (typeof value[k] !== "string" || !UNITS.test(value[k])) throw bad(`field "${k}" must be a decimal string`);
  if (typeof value.outcome !== "string" || typeof value.modelId !== "string")
    throw bad(`fields "outcome" and "modelId" must be strings`);
  if (!isObject(value.payouts)) throw bad(`field "payouts" must be an object`);
  const spans = value.spans ?? [];
  if (!Array.isArray(spans)) throw bad(`field "spans" must be an array`);
  spans.forEach((s: unknown, i) => {
    if (
      !isObject(s) ||
      !Number.isSafeInteger(s.start) ||
      !Number.isSafeInteger(s.end) ||
      (s.start as number) < 0 ||
      (s.end as number) <= (s.start as number) ||
      typeof s.text !== "string" ||
      !Array.isArray(s.contributions)
    )
      throw bad(`span ${i + 1} must have start < end, its text and its contributions`);
  });
  const influence = value.influence ?? [];
  if (!Array.isArray(influence)) throw bad(`field "influence" must be an array`);
  return { ...(value as unknown as BreakdownLine), spans: spans as BreakdownLine["spans"], influence };
}

/**
 * Reads a settlement folder and checks it: report.json is a settlement report; breakdown.jsonl,
 * records.jsonl and tree.json hash to what it names; every record hashes to its requestHash;
 * every credited span is exactly the output's text between its offsets. `epoch`, when given, must
 * be the last epoch the report settles.
 */
export function loadSettlementFolder(folder: string, epoch?: bigint): SettlementFolder {
  const where = resolve(folder);
  if (!existsSync(where))
    throw new PoaError("FILE_NOT_FOUND", `the settlement folder ${folder} does not exist`, {
      details: { folder },
      action: "Settle the epoch first, or give the folder where its report.json was published.",
    });
  if (!statSync(where).isDirectory())
    throw new PoaError("INVALID_INPUT_FILE", `${folder} is not a folder (a settlement folder holds report.json)`, {
      details: { folder },
      action: "Give the folder that holds report.json, not a file.",
    });
  const reportBytes = readInput(folder, "report.json");
  const reportFile = join(folder, "report.json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(reportBytes));
  } catch (error) {
    throw inputError(reportFile, undefined, `malformed JSON (${messageOf(error)})`, folderAction);
  }
  const report = checkReport(parsed, reportFile);
  if (epoch !== undefined && BigInt(report.manifest.epochs.to) !== epoch)
    throw new PoaError(
      "INVALID_INPUT_FILE",
      `${reportFile} settles epochs ${report.manifest.epochs.from}..${report.manifest.epochs.to}, not epoch ${epoch}`,
      {
        details: { folder, epoch: epoch.toString(), reportEpoch: report.manifest.epochs.to },
        action: "Give the folder of that epoch's settlement.",
      },
    );

  const checked = (key: "records" | "breakdown" | "tree"): string => {
    const name = report.files[key].file;
    const bytes = readInput(folder, name);
    const hash = keccakHexFast(bytes);
    if (hash !== report.files[key].hash.toLowerCase())
      throw new PoaError(
        "INTEGRITY_MISMATCH",
        `${join(folder, name)} hashes to ${hash}, not the ${report.files[key].hash} that report.json names: it was changed after the settlement wrote it`,
        { details: { file: join(folder, name), expected: report.files[key].hash, actual: hash }, action: folderAction },
      );
    return new TextDecoder().decode(bytes);
  };

  const records = new Map<string, InferenceRecord & { requestHash: Hex }>();
  const recordsFile = join(folder, report.files.records.file);
  checked("records")
    .split("\n")
    .forEach((text, i) => {
      if (text.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw inputError(recordsFile, i + 1, `malformed JSON (${messageOf(error)})`, "Each line must be one record.");
      }
      const record = parseRecordLine(value, recordsFile, i + 1);
      records.set(record.requestHash, record);
    });

  const breakdown: BreakdownLine[] = [];
  const breakdownFile = join(folder, report.files.breakdown.file);
  checked("breakdown")
    .split("\n")
    .forEach((text, i) => {
      if (text.trim() === "") return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw inputError(breakdownFile, i + 1, `malformed JSON (${messageOf(error)})`, "Each line must be one object.");
      }
      const line = checkBreakdownLine(value, breakdownFile, i + 1);
      const output = records.get(line.requestHash.toLowerCase())?.output;
      line.spans.forEach((s, k) => {
        if (output !== undefined && output.slice(s.start, s.end) !== s.text)
          throw new PoaError(
            "INTEGRITY_MISMATCH",
            `${breakdownFile}:${i + 1}: span ${k + 1} ("${s.text}") is not the output's text at ${s.start}..${s.end}`,
            { details: { file: breakdownFile, line: i + 1, span: k + 1 }, action: folderAction },
          );
      });
      breakdown.push(line);
    });
  checked("tree");
  return { folder, report, reportHash: keccakHexFast(reportBytes), breakdown, records };
}

/** Apache ECharts' browser build, from the pinned npm package. */
export function echartsLibrary(): ChartLibrary {
  const require = createRequire(import.meta.url);
  let file: string;
  try {
    file = require.resolve("echarts/dist/echarts.min.js");
  } catch (error) {
    throw new PoaError("FILE_NOT_FOUND", "the chart library (the npm package echarts) is not installed", {
      cause: error,
      action: "Install the project's dependencies (npm install).",
    });
  }
  const root = join(dirname(file), "..");
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; license: string };
  const notice = readFileSync(join(root, "NOTICE"), "utf8").split("\n").slice(0, 2).join(", ").trim();
  return {
    name: "Apache ECharts",
    version: pkg.version,
    license: pkg.license,
    notice,
    source: readFileSync(file, "utf8"),
  };
}

/**
 * What each account of the report has claimed so far (the distributor's `claimed`, cumulative over
 * every epoch), read at one block from the RewardDistributor the report names, on `provider`,
 * which must be the chain the report settles (`chainId`, what the caller connected to).
 */
export async function readClaims(provider: Provider, report: ReportDocument, chainId: number): Promise<ClaimsInput> {
  if (chainId !== report.manifest.chainId)
    throw new PoaError(
      "STATE_CONFLICT",
      `the report settles chain ${report.manifest.chainId}, but the L2 connected to is chain ${chainId}: its claims would be another chain's`,
      {
        details: { reportChainId: report.manifest.chainId, chainId },
        action: "Read the claims from the chain the report settles.",
      },
    );
  const distributor = report.manifest.contracts.rewardDistributor;
  const contract = RewardDistributor__factory.connect(distributor, provider);
  const block = await onChain("read the L2 block number", () => provider.getBlockNumber());
  const claimed = new Map<string, bigint>();
  for (const account of Object.keys(report.accounts).sort(byCodeUnits))
    claimed.set(
      account,
      await onChain(`read what ${account} has claimed`, () => contract.claimed(account, { blockTag: block })),
    );
  return { claimed, source: `RewardDistributor ${distributor} at L2 block ${block}` };
}

/** Writes the HTML report of a settlement folder; returns where and how many bytes. */
export function writeHtmlReport(options: {
  folder: string;
  epoch?: bigint;
  out?: string;
  verified?: boolean;
  claims?: ClaimsInput;
  loaded?: SettlementFolder;
}): { path: string; bytes: number } {
  const loaded = options.loaded ?? loadSettlementFolder(options.folder, options.epoch);
  const path = options.out ?? join(options.folder, "report.html");
  prepareOutputFile(path, "the HTML report");
  const html = renderHtmlReport({
    report: loaded.report,
    reportHash: loaded.reportHash,
    breakdown: loaded.breakdown,
    records: loaded.records,
    ...(options.verified === undefined ? {} : { verified: options.verified }),
    ...(options.claims === undefined ? {} : { claims: options.claims }),
    chart: echartsLibrary(),
  });
  const bytes = new TextEncoder().encode(html);
  writeFileAtomic(path, bytes);
  return { path, bytes: bytes.length };
}

// ---------------------------------------------------------------------------------------------
// Rendering (pure).

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
const short = (address: string) => (address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address);
const shortHash = (hash: string) => `${hash.slice(0, 10)}…${hash.slice(-6)}`;
const big = (units: string | undefined) => BigInt(units ?? "0");
const sum = (values: Iterable<bigint>) => [...values].reduce((s, v) => s + v, 0n);
/** OPEN as a JavaScript number, for chart geometry only (tables and labels show exact amounts). */
const chartValue = (units: bigint) => Number(units) / 1e18;
const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** At most this many accounts in the earnings chart (all of them are in the table). */
const CHART_ACCOUNTS = 40;

const PALETTE = ["#2f6fde", "#e0672b", "#2f9e57", "#b5428f", "#8a6d1f", "#1b9aa8", "#c23c3c", "#6b5bd2"];

/** An amount cell: exact base units in data-units, OPEN (4 decimals) shown, exact in the tooltip. */
function amount(units: bigint, cls = "amount"): string {
  return `<td class="${cls}" data-units="${units}" title="${units} base units">${formatOpen(units)}</td>`;
}

/** Colours of the flow's nodes: what leaves the protocol in greys, the pools and what they pay in colour. */
const FLOW_COLORS: Record<string, string> = {
  fees: "#3d5a80",
  platform: "#8d99ae",
  owner: "#a3acbd",
  stakers: "#e0672b",
  contributors: "#2f6fde",
  carryIn: "#c9a227",
  escrow: "#f2b134",
  paidStakers: "#e0672b",
  paidContributors: "#2f6fde",
  carryOut: "#c9a227",
  previous: "#9aa5b8",
  root: "#1b9aa8",
  claimed: "#2f9e57",
  unclaimed: "#86c9a0",
};

interface FlowLink {
  source: string;
  target: string;
  value: bigint;
}

/** The flow of money, fees to claims, as labelled nodes and links (exact amounts). */
function moneyFlow(input: HtmlReportInput): { labels: Record<string, string>; links: FlowLink[]; notes: string[] } {
  const { report } = input;
  const notes: string[] = [];
  const models = report.models;
  const poolStakers = sum(models.map((m) => big(m.pools.stakers)));
  const poolContributors = sum(models.map((m) => big(m.pools.contributors)));
  const carryIn = sum(models.map((m) => big(m.carryIn.stakers) + big(m.carryIn.contributors)));
  const carryOut = sum(models.map((m) => big(m.carryOut.stakers) + big(m.carryOut.contributors)));
  const paidStakers = sum(models.map((m) => big(m.paid.stakers)));
  const paidContributors = sum(models.map((m) => big(m.paid.contributors)));
  const previous = big(report.totals.previous);
  const total = big(report.totals.total);
  const labels: Record<string, string> = {};
  const links: FlowLink[] = [];
  const node = (key: string, label: string, value: bigint) => (labels[key] = `${label}\n${formatOpen(value)} OPEN`);
  const link = (source: string, target: string, value: bigint) => {
    if (value > 0n) links.push({ source, target, value });
  };

  if (report.fees !== undefined) {
    const f = report.fees;
    node("fees", `Fees paid (${f.requests} requests)`, big(f.fee));
    node("platform", "Platform (treasury)", big(f.platform));
    node("owner", "Model owners", big(f.owner));
    link("fees", "platform", big(f.platform));
    link("fees", "owner", big(f.owner));
    link("fees", "stakers", big(f.stakers));
    link("fees", "contributors", big(f.contributors));
  } else notes.push("This report predates fee totals: the platform's and owners' parts are not shown.");
  node("stakers", "Stakers' part", poolStakers);
  node("contributors", "Contributors' part", poolContributors);
  node("carryIn", "Carried in (earlier epochs)", carryIn);
  node("escrow", "Escrow (RewardDistributor)", poolStakers + poolContributors + carryIn);
  link("stakers", "escrow", poolStakers);
  link("contributors", "escrow", poolContributors);
  link("carryIn", "escrow", carryIn);
  node("paidStakers", "Paid to stakers", paidStakers);
  node("paidContributors", "Paid to contributors", paidContributors);
  node("carryOut", "Carried over (next epoch)", carryOut);
  link("escrow", "paidStakers", paidStakers);
  link("escrow", "paidContributors", paidContributors);
  link("escrow", "carryOut", carryOut);
  node("previous", "Previous root's total", previous);
  node("root", "Root: cumulative total", total);
  link("paidStakers", "root", paidStakers);
  link("paidContributors", "root", paidContributors);
  link("previous", "root", previous);
  if (input.claims !== undefined) {
    // Claimed is cumulative over every epoch; an account never claims more than its cumulative amount.
    const claimed = sum(
      Object.entries(report.accounts).map(([account, a]) => {
        const c = input.claims!.claimed.get(account) ?? 0n;
        return c < big(a.cumulative) ? c : big(a.cumulative);
      }),
    );
    node("claimed", "Claimed", claimed);
    node("unclaimed", "Not claimed yet", total - claimed);
    link("root", "claimed", claimed);
    link("root", "unclaimed", total - claimed);
  } else {
    node("unclaimed", "Claimable (claims not read)", total);
    link("root", "unclaimed", total);
    notes.push("Claims were not read from the chain: the root's total is shown as claimable.");
  }
  const used = new Set(links.flatMap((l) => [l.source, l.target]));
  for (const key of Object.keys(labels)) if (!used.has(key)) delete labels[key];
  return { labels, links, notes };
}

/** The output with its spans highlighted: cut at every span boundary, each piece marked with the spans covering it. */
function highlighted(output: string, spans: BreakdownLine["spans"], request: number): string {
  const cuts = [...new Set([0, output.length, ...spans.flatMap((s) => [s.start, s.end])])]
    .filter((c) => c >= 0 && c <= output.length)
    .sort((a, b) => a - b);
  let html = "";
  for (let k = 0; k + 1 < cuts.length; k++) {
    const [a, b] = [cuts[k]!, cuts[k + 1]!];
    const text = escapeHtml(output.slice(a, b));
    const covering = spans.flatMap((s, i) => (s.start <= a && s.end >= b ? [i] : []));
    if (covering.length === 0) html += text;
    else {
      const contributions = [...new Set(covering.flatMap((i) => spans[i]!.contributions))];
      html +=
        `<mark class="hl d${Math.min(covering.length, 3)}" data-spans="${covering.join(" ")}" ` +
        `title="span ${covering.map((i) => i + 1).join(", ")}: contribution ${contributions.map((c) => `#${c}`).join(", ")}">` +
        `<a href="#s-${request}-${covering[0]}">${text}</a></mark>`;
    }
  }
  return html;
}

function contributorOf(report: ReportDocument, id: string): string | undefined {
  return report.contributions?.[id]?.contributor;
}

function accountLink(address: string, colors: ReadonlyMap<string, string>): string {
  const color = colors.get(address);
  return `<a class="account" href="#account-${escapeHtml(address)}" title="${escapeHtml(address)}">${
    color === undefined ? "" : `<span class="chip" style="background:${color}"></span>`
  }${escapeHtml(short(address))}</a>`;
}

function contributionLinks(report: ReportDocument, ids: readonly string[], colors: ReadonlyMap<string, string>) {
  return ids
    .map((id) => {
      const who = contributorOf(report, id);
      return `<a class="contribution" href="#contribution-${escapeHtml(id)}">contribution #${escapeHtml(id)}</a> by ${
        who === undefined ? `<span class="unknown">(contributor not in this report)</span>` : accountLink(who, colors)
      }`;
    })
    .join("; ");
}

function outputCard(
  line: BreakdownLine,
  index: number,
  record: InferenceRecord | undefined,
  report: ReportDocument,
  colors: ReadonlyMap<string, string>,
): string {
  const payouts = Object.entries(line.payouts).sort(([a], [b]) => byCodeUnits(a, b));
  const outcome =
    line.outcome === "paid"
      ? `paid ${formatOpen(sum(payouts.map(([, v]) => big(v))))} OPEN to ${payouts.length} contributor${payouts.length === 1 ? "" : "s"}`
      : `${line.outcome}: carried over`;
  const parts: string[] = [
    `<article class="output" id="request-${line.requestHash}" data-request="${line.requestHash}" data-index="${index}">`,
    `<header><h3>Request ${index + 1} <code title="${line.requestHash}">${shortHash(line.requestHash)}</code></h3>` +
      `<span class="meta">model ${escapeHtml(line.modelId)}${
        record === undefined
          ? ""
          : ` · payer ${escapeHtml(short(record.payer))} · ${record.tokensIn} + ${record.tokensOut} tokens`
      } · contributors' part ${formatOpen(big(line.pool))} OPEN · <span class="outcome ${line.outcome === "paid" ? "paid" : "carried"}">${escapeHtml(outcome)}</span></span></header>`,
  ];
  if (record === undefined)
    parts.push(`<p class="missing">No record of this request was published: its contributors' part carried over.</p>`);
  else {
    parts.push(`<div class="prompt"><span class="label">Prompt</span><p>${escapeHtml(record.prompt)}</p></div>`);
    parts.push(
      `<div class="completion"><span class="label">Output</span><p class="output-text">${highlighted(record.output, line.spans, index)}</p></div>`,
    );
  }
  if (line.spans.length > 0) {
    parts.push(`<ol class="spans">`);
    line.spans.forEach((s, i) =>
      parts.push(
        `<li class="span" id="s-${index}-${i}" data-span="${i}" data-start="${s.start}" data-end="${s.end}" data-contributions="${escapeHtml(s.contributions.join(" "))}">` +
          `<q class="span-text">${escapeHtml(s.text)}</q> <span class="where">characters ${s.start}–${s.end}</span> · ${contributionLinks(report, s.contributions, colors)}</li>`,
      ),
    );
    parts.push(`</ol>`);
  }
  if (line.influence.length > 0) {
    parts.push(
      `<table class="influence"><thead><tr><th>training row</th><th>influence</th><th>contribution</th></tr></thead><tbody>`,
    );
    for (const r of line.influence)
      parts.push(
        `<tr><td>${r.row}</td><td>${escapeHtml(String(r.influence))}</td><td>${contributionLinks(report, [r.contributionId], colors)}</td></tr>`,
      );
    parts.push(`</tbody></table>`);
  }
  if (payouts.length > 0)
    parts.push(
      `<p class="payouts">Paid: ${payouts.map(([a, v]) => `${accountLink(a, colors)} <span class="amt" data-account="${escapeHtml(a)}" data-units="${big(v)}">${formatOpen(big(v))} OPEN</span>`).join(", ")}${
        big(line.carried) > 0n ? ` · carried over ${formatOpen(big(line.carried))} OPEN` : ""
      }</p>`,
    );
  parts.push(`</article>`);
  return parts.join("\n");
}

/** The page's own script: draws the two charts from the embedded data, links span lists and highlights. */
const PAGE_SCRIPT = `(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var charts = [];
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }
  draw("flow-chart", {
    animation: false,
    tooltip: { trigger: "item", formatter: function (p) {
      return p.dataType === "edge" ? data.flow.labels[p.data.source].split("\\n")[0] + " \\u2192 " +
        data.flow.labels[p.data.target].split("\\n")[0] + ": " + p.data.exact + " OPEN" : data.flow.labels[p.name];
    } },
    series: [{
      type: "sankey", left: 10, right: 200, top: 20, bottom: 20, nodeAlign: "left", nodeGap: 18, nodeWidth: 16,
      emphasis: { focus: "adjacency" }, lineStyle: { color: "gradient", curveness: 0.5, opacity: 0.35 },
      label: { formatter: function (p) { return data.flow.labels[p.name]; }, fontSize: 11, lineHeight: 15,
        backgroundColor: "rgba(255,255,255,0.8)", padding: [2, 4], borderRadius: 3 },
      data: data.flow.nodes, links: data.flow.links
    }]
  });
  draw("earnings-chart", {
    animation: false,
    legend: { top: 0 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 10, right: 50, top: 30, bottom: 10, containLabel: true },
    xAxis: { type: "value", name: "OPEN" },
    yAxis: { type: "category", data: data.earnings.labels, inverse: true },
    series: [
      { name: "previous", type: "bar", stack: "cumulative", data: data.earnings.previous, itemStyle: { color: "#b8c2d6" } },
      { name: "earned this epoch", type: "bar", stack: "cumulative", data: data.earnings.earned, itemStyle: { color: "#2f6fde" } }
    ]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  Array.prototype.forEach.call(document.querySelectorAll("li.span"), function (li) {
    var card = li.closest("article");
    var marks = function () { return card.querySelectorAll('mark[data-spans~="' + li.getAttribute("data-span") + '"]'); };
    li.addEventListener("mouseenter", function () { Array.prototype.forEach.call(marks(), function (m) { m.classList.add("active"); }); });
    li.addEventListener("mouseleave", function () { Array.prototype.forEach.call(marks(), function (m) { m.classList.remove("active"); }); });
  });
  document.documentElement.setAttribute("data-charts", String(charts.length));
})();`;

const STYLE = `
:root { color-scheme: light; --ink: #1d2433; --muted: #5d6778; --line: #dde2ea; --bg: #f6f7fa; --accent: #2f6fde; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 1120px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 0 0 10px; } h3 { font-size: 15px; margin: 0; }
.sub { color: var(--muted); margin: 0 0 20px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin-bottom: 18px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; word-break: break-all; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.badge { display: inline-block; padding: 1px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; }
.badge.passed { background: #dff3e6; color: #17653a; } .badge.failed { background: #fbe1e1; color: #9b1c1c; }
.badge.not-verified { background: #eceff4; color: #4a5568; }
.chart { width: 100%; height: 420px; } #earnings-chart { height: var(--h, 320px); }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin-top: 10px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; } td.amount, th.amount { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:target, li:target { background: #fff6cc; }
.chip { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 5px; vertical-align: baseline; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
a.account { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
article.output { border-top: 1px solid var(--line); padding: 14px 0; } article.output:first-of-type { border-top: 0; }
article.output header { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; }
.meta { color: var(--muted); font-size: 13px; }
.outcome.paid { color: #17653a; } .outcome.carried { color: #8a5a00; }
.label { display: block; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin-top: 8px; }
.prompt p, .completion p { margin: 2px 0 0; white-space: pre-wrap; }
.output-text { font-size: 15px; line-height: 1.8; }
mark.hl { border-radius: 3px; padding: 1px 0; } mark.hl a { color: inherit; text-decoration: none; }
mark.d1 { background: #fde9a9; } mark.d2 { background: #fbd36b; } mark.d3 { background: #f5b83d; }
mark.active { outline: 2px solid var(--accent); }
ol.spans { margin: 8px 0 0; padding-left: 22px; font-size: 13.5px; } ol.spans li { margin: 2px 0; }
q.span-text { background: #fdf1c7; } .where { color: var(--muted); }
.unknown, .missing, .note { color: var(--muted); font-style: italic; }
p.payouts { font-size: 13.5px; margin: 8px 0 0; }
footer { color: var(--muted); font-size: 12.5px; margin: 24px 0; }
`;

/** The HTML page (one string, deterministic). */
export function renderHtmlReport(input: HtmlReportInput): string {
  const { report } = input;
  if (/<\/script|<!--/i.test(input.chart.source))
    throw new PoaError(
      "INVALID_VALUE",
      `the chart library ${input.chart.name} cannot be inlined: it contains "</script" or "<!--"`,
    );
  const m = report.manifest;
  const epochs = m.epochs.from === m.epochs.to ? `epoch ${m.epochs.to}` : `epochs ${m.epochs.from}–${m.epochs.to}`;
  const accounts = Object.keys(report.accounts).sort(byCodeUnits);
  const colors = new Map(accounts.map((a, i) => [a, PALETTE[i % PALETTE.length]!]));

  // Per account: what it earned as a contributor and as a staker (all models).
  const asContributor = new Map<string, bigint>();
  const asStaker = new Map<string, bigint>();
  for (const model of report.models) {
    for (const [a, v] of Object.entries(model.contributorPayouts))
      asContributor.set(a, (asContributor.get(a) ?? 0n) + big(v));
    for (const [a, v] of Object.entries(model.stakerPayouts)) asStaker.set(a, (asStaker.get(a) ?? 0n) + big(v));
  }
  const contributorsOf = new Map<string, string[]>();
  for (const [id, c] of Object.entries(report.contributions ?? {}))
    contributorsOf.set(c.contributor, [...(contributorsOf.get(c.contributor) ?? []), id]);

  // The bar chart shows the accounts with the largest cumulative amounts; the table lists all.
  const charted = [...accounts]
    .sort((a, b) => {
      const [x, y] = [big(report.accounts[a]!.cumulative), big(report.accounts[b]!.cumulative)];
      return x > y ? -1 : x < y ? 1 : byCodeUnits(a, b);
    })
    .slice(0, CHART_ACCOUNTS);
  const flow = moneyFlow(input);
  const verification =
    input.verified === true
      ? `<span class="badge passed" id="verification" data-status="passed">poa verify passed</span> the root was recomputed from public inputs and matched`
      : input.verified === false
        ? `<span class="badge failed" id="verification" data-status="failed">poa verify failed</span> the recomputed root differs from this report`
        : `<span class="badge not-verified" id="verification" data-status="not-verified">not verified</span>`;

  const earningsRows = accounts.map((a) => {
    const row = report.accounts[a]!;
    const roles = [
      ...(contributorsOf.has(a) || asContributor.has(a) ? ["contributor"] : []),
      ...(asStaker.has(a) ? ["staker"] : []),
    ];
    const claimed = input.claims?.claimed.get(a);
    return (
      `<tr id="account-${escapeHtml(a)}" data-account="${escapeHtml(a)}"><td><span class="chip" style="background:${colors.get(a)}"></span><code>${escapeHtml(a)}</code></td>` +
      `<td>${roles.join(", ") || "—"}</td>${amount(asContributor.get(a) ?? 0n, "amount contributor-part")}${amount(asStaker.get(a) ?? 0n, "amount staker-part")}` +
      `${amount(big(row.earned), "amount earned")}${amount(big(row.previous), "amount previous")}${amount(big(row.cumulative), "amount cumulative")}` +
      (input.claims === undefined ? "" : amount(claimed ?? 0n, "amount claimed")) +
      `</tr>`
    );
  });

  const contributionRows = Object.entries(report.contributions ?? {})
    .sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0))
    .map(([id, c]) => {
      const outputs = input.breakdown.filter(
        (l) => l.spans.some((s) => s.contributions.includes(id)) || l.influence.some((r) => r.contributionId === id),
      ).length;
      return `<tr id="contribution-${escapeHtml(id)}" data-contribution="${escapeHtml(id)}"><td>#${escapeHtml(id)}</td><td>${escapeHtml(c.datanetId)}</td><td>${accountLink(c.contributor, colors)}</td><td>${outputs}</td></tr>`;
    });

  const data = {
    flow: {
      nodes: Object.keys(flow.labels).map((name) => ({ name, itemStyle: { color: FLOW_COLORS[name] ?? "#7a8599" } })),
      links: flow.links.map((l) => ({
        source: l.source,
        target: l.target,
        value: chartValue(l.value),
        exact: formatOpen(l.value),
      })),
      labels: flow.labels,
    },
    earnings: {
      labels: charted.map(short),
      previous: charted.map((a) => chartValue(big(report.accounts[a]!.previous))),
      earned: charted.map((a) => chartValue(big(report.accounts[a]!.earned))),
    },
  };
  const dataJson = JSON.stringify(data).replace(/</g, "\\u003c");
  const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("base64");
  const scripts = [input.chart.source, PAGE_SCRIPT];
  const csp = [
    "default-src 'none'",
    `script-src ${scripts.map((s) => `'sha256-${sha256(s)}'`).join(" ")}`,
    "style-src 'unsafe-inline'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const flowRows = flow.links.map(
    (l) =>
      `<tr data-from="${l.source}" data-to="${l.target}"><td>${escapeHtml(flow.labels[l.source]!.split("\n")[0]!)}</td><td>${escapeHtml(flow.labels[l.target]!.split("\n")[0]!)}</td>${amount(l.value)}</tr>`,
  );
  const ordered = [...input.breakdown].sort((a, b) => byCodeUnits(a.requestHash, b.requestHash));
  const endsAt = Number(m.epochs.endsAt);
  const previous = m.previous;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Settlement report: ${escapeHtml(m.network)}, ${epochs}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Settlement report: ${escapeHtml(m.network)}, ${epochs}</h1>
<p class="sub">Proof of Attribution: who earned what from this ${epochs.startsWith("epochs") ? "range" : "epoch"}'s paid inference, and why. Written from the published settlement folder; works offline.</p>

<section id="summary">
<h2>Summary</h2>
<dl class="facts">
<dt>Root</dt><dd><code id="root">${escapeHtml(report.root)}</code></dd>
<dt>Report hash</dt><dd><code id="report-hash">${escapeHtml(input.reportHash)}</code> <span class="note">(keccak-256 of report.json, posted with the root)</span></dd>
<dt>Epochs</dt><dd id="epochs" data-from="${escapeHtml(m.epochs.from)}" data-to="${escapeHtml(m.epochs.to)}">${escapeHtml(m.epochs.from)} to ${escapeHtml(m.epochs.to)}, ending at ${Number.isFinite(endsAt) ? new Date(endsAt * 1000).toISOString().replace(".000Z", "Z") : escapeHtml(m.epochs.endsAt)} (chain time)</dd>
<dt>Verification</dt><dd>${verification}</dd>
<dt>Network</dt><dd>${escapeHtml(m.network)} (chain ${escapeHtml(String(m.chainId))}), RewardDistributor <code>${escapeHtml(m.contracts.rewardDistributor)}</code></dd>
<dt>Cumulative total</dt><dd><span id="total" data-units="${big(report.totals.total)}">${formatOpen(big(report.totals.total))} OPEN</span> over ${accounts.length} accounts; escrowed through this epoch ${formatOpen(big(report.totals.escrowed))} OPEN</dd>
<dt>Earned this ${epochs.startsWith("epochs") ? "range" : "epoch"}</dt><dd>${formatOpen(big(report.totals.earned))} OPEN</dd>
<dt>Previous root</dt><dd>${previous === null ? "none (first settlement)" : `<code>${escapeHtml(previous.root)}</code> (epoch ${escapeHtml(previous.epoch)}, total ${formatOpen(big(previous.total))} OPEN)`}</dd>
<dt>Requests</dt><dd>${input.breakdown.length} paid${report.flags.missingRecords.length > 0 ? `, ${report.flags.missingRecords.length} without a record` : ""}</dd>
</dl>
</section>

<section id="flow">
<h2>Flow of money</h2>
<div id="flow-chart" class="chart" role="img" aria-label="Sankey diagram of the flow of money"></div>
${flow.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("\n")}
${input.claims === undefined ? "" : `<p class="note">Claims: ${escapeHtml(input.claims.source)}.</p>`}
<table id="flow-table"><thead><tr><th>from</th><th>to</th><th class="amount">OPEN</th></tr></thead><tbody>
${flowRows.join("\n")}
</tbody></table>
</section>

<section id="earnings">
<h2>Earnings</h2>
<div id="earnings-chart" class="chart" style="--h:${Math.max(160, 60 + 34 * charted.length)}px" role="img" aria-label="Bar chart of each account's earnings"></div>
${charted.length < accounts.length ? `<p class="note">The chart shows the ${charted.length} accounts with the largest cumulative amounts; the table lists all ${accounts.length}.</p>` : ""}
<table id="earnings-table"><thead><tr><th>account</th><th>as</th><th class="amount">as contributor</th><th class="amount">as staker</th><th class="amount">earned this epoch</th><th class="amount">previous</th><th class="amount">cumulative</th>${input.claims === undefined ? "" : `<th class="amount">claimed</th>`}</tr></thead><tbody>
${earningsRows.join("\n")}
</tbody></table>
</section>

<section id="outputs">
<h2>Outputs and the training data they came from</h2>
<p class="note">Highlighted: spans of the output found verbatim in the model's training data (darker where spans overlap). Each span links to the contribution that contains it and its contributor.</p>
${ordered.map((line, i) => outputCard(line, i, input.records.get(line.requestHash.toLowerCase()), report, colors)).join("\n")}
</section>

<section id="contributions">
<h2>Credited contributions</h2>
${
  report.contributions === undefined
    ? `<p class="note">This report predates the contributor map: contributions are shown by id only.</p>`
    : `<table id="contributions-table"><thead><tr><th>contribution</th><th>Datanet</th><th>contributor</th><th>outputs it is credited in</th></tr></thead><tbody>
${contributionRows.join("\n")}
</tbody></table>`
}
</section>

<footer>Written by <code>poa report</code> from report.json (${escapeHtml(shortHash(input.reportHash))}), breakdown.jsonl and records.jsonl, each checked against the hashes report.json names. Charts: ${escapeHtml(input.chart.name)} ${escapeHtml(input.chart.version)}, ${escapeHtml(input.chart.license)} (${escapeHtml(input.chart.notice)}), inlined.</footer>
</main>
<script>${input.chart.source}</script>
<script type="application/json" id="report-data">${dataJson}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
