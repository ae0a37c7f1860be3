/**
 * The import rule of the library, as data, and a checker for it. The README's "Layers" section
 * states the same rule in words; `test/architecture/layers.test.ts` runs the checker on the real
 * tree and on a fixture with known violations.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

export interface Layer {
  name: string;
  /** Folders (relative to the root) that belong to the layer. */
  folders: readonly string[];
  /**
   * Within the layer, may a folder import the folders listed before it? (Domain modules build on
   * each other in order; chain and store, or devnet and bridge, stay independent.)
   */
  ordered: boolean;
}

/** From the bottom up: a module imports its own folder and lower layers only. */
export const LAYERS: readonly Layer[] = [
  { name: "core", folders: ["src/core"], ordered: false },
  { name: "domain", folders: ["src/merkle", "src/attribution", "src/content", "src/factory"], ordered: true },
  { name: "chain and store", folders: ["types", "src/chain", "src/store"], ordered: true },
  { name: "infrastructure", folders: ["src/devnet", "src/bridge", "deploy"], ordered: false },
  { name: "context", folders: ["src/context"], ordered: false },
  {
    name: "services",
    folders: ["src/datanet", "src/models", "src/settlement", "src/gateway", "src/governance"],
    ordered: true,
  },
  { name: "demo", folders: ["src/demo"], ordered: false },
  { name: "cli", folders: ["src/cli"], ordered: false },
  { name: "bin", folders: ["bin"], ordered: false },
];

/** Packages confined to the folders that need them (prefix match on the import specifier). */
export const PACKAGE_RULES: readonly { pkg: string; allowedIn: readonly string[]; why: string }[] = [
  { pkg: "viem", allowedIn: ["src/devnet"], why: "viem is the devnet's node-level client only" },
  { pkg: "@poa/optimism-sdk", allowedIn: ["src/bridge"], why: "the SDK's ethers v5 stays inside src/bridge" },
  { pkg: "@eth-optimism", allowedIn: [], why: "the SDK is reached through @poa/optimism-sdk" },
  { pkg: "hardhat", allowedIn: [], why: "the library runs without Hardhat" },
  {
    pkg: "ethers",
    allowedIn: [
      "types",
      "src/chain",
      "src/store",
      "src/devnet",
      "src/bridge",
      "deploy",
      "src/context",
      "src/datanet",
      "src/models",
      "src/settlement",
      "src/gateway",
      "src/governance",
      "src/demo",
      "src/cli",
    ],
    why: "pure layers (core, domain) use no Ethereum client",
  },
];

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

const SOURCE = /\.(ts|mts|mjs|js)$/;
const IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^"';]*?\sfrom\s)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function walk(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (SOURCE.test(entry) && !entry.endsWith(".d.ts")) out.push(path);
  }
}

function folderOf(root: string, file: string): string | undefined {
  const rel = relative(root, file).split(sep).join("/");
  let best: string | undefined;
  for (const layer of LAYERS)
    for (const folder of layer.folders)
      if ((rel === folder || rel.startsWith(`${folder}/`)) && (best === undefined || folder.length > best.length))
        best = folder;
  return best;
}

function position(folder: string): { layer: number; index: number; ordered: boolean } {
  for (let l = 0; l < LAYERS.length; l++) {
    const index = LAYERS[l]!.folders.indexOf(folder);
    if (index >= 0) return { layer: l, index, ordered: LAYERS[l]!.ordered };
  }
  throw new Error(`folder ${folder} is in no layer`);
}

/** Resolves a relative specifier to a file of the tree (".js" written for ".ts"). */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [
    base,
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.mjs$/, ".mts"),
    `${base}.ts`,
    join(base, "index.ts"),
  ])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  return undefined;
}

export interface CheckResult {
  files: number;
  edges: number;
  violations: Violation[];
  cycles: string[][];
}

/** Checks every source file under `roots` (relative to `root`) against LAYERS and PACKAGE_RULES. */
export function checkLayers(root: string, roots: readonly string[] = ["src", "deploy", "bin"]): CheckResult {
  const files: string[] = [];
  for (const r of roots) walk(join(root, r), files);
  const violations: Violation[] = [];
  const graph = new Map<string, string[]>();
  let edges = 0;
  for (const file of files) {
    const rel = relative(root, file).split(sep).join("/");
    const from = folderOf(root, file);
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, "");
    const targets: string[] = [];
    for (const match of text.matchAll(IMPORT)) {
      const specifier = (match[1] ?? match[2])!;
      if (specifier.startsWith(".")) {
        const target = resolveSpecifier(file, specifier);
        if (target === undefined) continue; // generated or missing: the compiler reports it
        targets.push(target);
        edges++;
        const to = folderOf(root, target);
        if (from === undefined) {
          violations.push({ file: rel, imports: specifier, rule: "the file is in no layer: add its folder to LAYERS" });
          continue;
        }
        if (to === undefined) {
          violations.push({ file: rel, imports: specifier, rule: "imports a file that is in no layer" });
          continue;
        }
        if (to === from) continue;
        const a = position(from);
        const b = position(to);
        const allowed = b.layer < a.layer || (b.layer === a.layer && a.ordered && b.index < a.index);
        if (!allowed)
          violations.push({
            file: rel,
            imports: specifier,
            rule: `${from} (${LAYERS[a.layer]!.name}) may not import ${to} (${LAYERS[b.layer]!.name})`,
          });
      } else if (!specifier.startsWith("node:")) {
        for (const rule of PACKAGE_RULES) {
          if (specifier !== rule.pkg && !specifier.startsWith(`${rule.pkg}/`)) continue;
          if (from === undefined || !rule.allowedIn.includes(from))
            violations.push({ file: rel, imports: specifier, rule: rule.why });
        }
      }
    }
    graph.set(file, targets);
  }
  return {
    files: files.length,
    edges,
    violations,
    cycles: findCycles(graph).map((c) => c.map((f) => relative(root, f))),
  };
}

/** Every strongly connected component with more than one file (or a self-import): each is a cycle. */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
