/**
 * `npm run bench`: runs every `bench/*.bench.ts` module (or those named on the command line) and
 * writes BENCHMARKS.md with the command, the machine and the date. Each module's default export
 * returns a Markdown section; sections are written in file-name order so the file is stable.
 * Benchmarks compare ratios measured side by side in one run, never absolute times alone.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface BenchSection {
  title: string;
  markdown: string;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

const sections: BenchSection[] = [];
for (const file of files) {
  console.error(`[bench] ${basename(file)}`);
  const module = (await import(join(here, file))) as { default: () => Promise<BenchSection> };
  sections.push(await module.default());
}

const cpu = cpus()[0]?.model ?? "unknown CPU";
const header = `# Benchmarks

Written by \`npm run bench${wanted.length ? " -- " + wanted.join(" ") : ""}\` on ${new Date().toISOString().slice(0, 10)}.
Machine: ${cpus().length} x ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}.
Gas figures are deterministic; times are noisy on this machine, so compare the ratios measured
side by side in the same run.
`;
const body = sections.map((s) => `## ${s.title}\n\n${s.markdown.trim()}\n`).join("\n");
writeFileSync(join(here, "..", "BENCHMARKS.md"), `${header}\n${body}`);
console.error(`[bench] wrote BENCHMARKS.md (${sections.length} sections)`);
process.exit(0);
