/**
 * The main job's wall time by stage (`npm start` after installation = `poa demo`): the library's
 * `runMainJob` on a devnet of its own (fresh folder, free ports), as a new user's first run
 * starts one, and a second run on that same devnet, as `npm start` does when a devnet is running.
 * The 3-minute goal of issue 16 is checked against the first.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { runMainJob, type MainJobResult } from "../src/demo/main-job.js";
import { startDevnet } from "../src/devnet/devnet.js";
import { freePort } from "../src/devnet/ports.js";
import type { BenchSection } from "./run.js";

const OPEN = 10n ** 18n;

async function once(dir: string): Promise<{ result: MainJobResult; wallMs: number }> {
  const t0 = performance.now();
  const result = await runMainJob({
    dir,
    deposit: 1_000_000n * OPEN,
    withdraw: 100n * OPEN,
    requests: 300,
    print: (line) => {
      if (line.startsWith("[")) console.error(`[bench demo] ${line}`);
    },
  });
  return { result, wallMs: performance.now() - t0 };
}

export default async function bench(): Promise<BenchSection> {
  const dir = mkdtempSync(join(tmpdir(), "poa-bench-demo-"));
  const load = loadavg()[0]!.toFixed(1);
  try {
    // First run: the job starts the devnet itself (a folder with no running devnet) and stops it.
    const first = await once(dir);
    // Second run: a devnet already running from the folder is reused (as `npm start` does).
    const net = await startDevnet({ dir, l1Port: await freePort(), l2Port: await freePort() });
    let second: Awaited<ReturnType<typeof once>>;
    try {
      second = await once(dir);
    } finally {
      await net.stop("benchmark finished");
    }
    const rows = first.result.times.map(
      (t, i) =>
        `| ${i + 1} | ${t.stage.replace(/\|/g, "\\|")} | ${t.seconds.toFixed(1)} | ${second.result.times[i]?.seconds.toFixed(1) ?? "–"} |`,
    );
    const total = (r: MainJobResult) => r.times.reduce((s, t) => s + t.seconds, 0);
    const markdown = `
\`runMainJob\` (what \`npm start\` runs after installing and compiling) with its defaults: 300
requests, 1,000,000 OPEN bridged in, 100 OPEN withdrawn. Column "own devnet": the job starts the
devnet in an empty folder and stops it at the end (a new user's first run); column "reused": a
second run on a devnet already running from that folder (stage 1 only finds it). 1-minute load
average at the start: ${load} (2 cores).

| # | stage | own devnet (s) | reused (s) |
|---|---|---:|---:|
${rows.join("\n")}
| | **total (stages)** | **${total(first.result).toFixed(1)}** | **${total(second.result).toFixed(1)}** |
| | wall time of \`runMainJob\` | ${(first.wallMs / 1000).toFixed(1)} | ${(second.wallMs / 1000).toFixed(1)} |

Goal (issue 16): at most 3 minutes after installation. Both runs settled, verified and finalized
an epoch of ${first.result.requests.count} paid requests and released a grant milestone; the
first paid ${first.result.earnings.length} accounts ${(Number(first.result.claimed) / 1e18).toFixed(4)} OPEN.
`;
    return { title: "Main job (npm start) by stage", markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
