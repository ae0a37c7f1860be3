/**
 * `npm run bench`: runs every `bench/*.bench.ts` module (or those named on the command line) and
 * updates BENCHMARKS.md. Each module's default export returns a Markdown section; a section that
 * was run replaces the section of the same title (or is added), every other section is kept as it
 * was, with the command, machine and date of its own run. An unknown name is refused, and the
 * file is only rewritten after every requested module has run.
 * Benchmarks compare ratios measured side by side in one run, never absolute times alone.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface BenchSection {
  title: string;
  markdown: string;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const target = join(here, "..", "BENCHMARKS.md");
const wanted = process.argv.slice(2);
const all = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
const names = all.map((f) => basename(f, ".bench.ts"));
const unknown = wanted.filter((w) => !names.includes(w));
if (unknown.length > 0) {
  console.error(`error: no benchmark named ${unknown.map((u) => `"${u}"`).join(", ")}`);
  console.error(`Benchmarks: ${names.join(", ")}. Run \`npm run bench -- <name>...\`, or no name for all.`);
  process.exit(2);
}
const files = all.filter((f) => wanted.length === 0 || wanted.includes(basename(f, ".bench.ts")));

const date = new Date().toISOString().slice(0, 10);
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;

const fresh: { title: string; text: string }[] = [];
for (const file of files) {
  const name = basename(file, ".bench.ts");
  console.error(`[bench] ${name}`);
  const module = (await import(join(here, file))) as { default: () => Promise<BenchSection> };
  const section = await module.default();
  fresh.push({
    title: section.title,
    text: `## ${section.title}\n\n_Measured by \`npm run bench -- ${name}\` on ${date}; ${machine}._\n\n${section.markdown.trim()}\n`,
  });
}

/** The existing file's sections, by title, in their order. */
function existingSections(): { title: string; text: string }[] {
  if (!existsSync(target)) return [];
  const text = readFileSync(target, "utf8");
  const parts = text.split(/^(?=## )/m).slice(1);
  return parts.map((part) => ({ title: part.slice(3, part.indexOf("\n")).trim(), text: part.trimEnd() + "\n" }));
}

const sections = existingSections();
for (const section of fresh) {
  const at = sections.findIndex((s) => s.title === section.title);
  if (at >= 0) sections[at] = section;
  else sections.push(section);
}

const header = `# Benchmarks

Written by \`npm run bench\` (all modules) or \`npm run bench -- <name>\` (one module: only its
section is replaced). Each section names the command, the date and the machine of its own run.
Gas figures are deterministic; times are noisy on this machine, so compare the ratios measured
side by side in the same run.
`;
const tmp = `${target}.tmp`;
writeFileSync(tmp, `${header}\n${sections.map((s) => s.text).join("\n")}`);
renameSync(tmp, target);
console.error(`[bench] updated BENCHMARKS.md (${fresh.length} section(s) run, ${sections.length} in the file)`);
process.exit(0);
