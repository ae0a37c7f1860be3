// The two committed snapshots of the compiled contracts, computed from Hardhat's artifacts (run
// `npm run build` first): the semver lock (each protocol contract's `version()` and the hash of its
// code) and the bytecode sizes. Used by scripts/contract-snapshots.mjs (check or --write) and by
// the mocha tests in test/contracts/. Plain JavaScript on purpose: it runs under any Node >= 18
// without Hardhat, so refreshing the snapshots never needs the simulator. Rules: docs/contracts.md.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

import { keccak256 } from "ethers";

/** EIP-170: the most runtime code a contract may have. */
export const CODE_SIZE_LIMIT = 24_576;
/** EIP-3860: the most creation code a deployment may send. */
export const INITCODE_SIZE_LIMIT = 49_152;
/** Headroom every contract keeps below both limits: the test fails inside it. */
export const HEADROOM = 0.05;
/** 23,347 bytes: the most runtime code a protocol contract may have here. */
export const CODE_SIZE_CEILING = Math.floor(CODE_SIZE_LIMIT * (1 - HEADROOM));
/** 46,694 bytes: the most creation code a protocol contract may have here. */
export const INITCODE_SIZE_CEILING = Math.floor(INITCODE_SIZE_LIMIT * (1 - HEADROOM));

export const SEMVER_LOCK_FILE = "snapshots/contracts/semver-lock.json";
export const BYTECODE_SIZES_FILE = "snapshots/contracts/bytecode-sizes.json";
export const REFRESH_COMMAND = "node scripts/contract-snapshots.mjs --write";

/**
 * solc's metadata trailer: CBOR `{ipfs: <34-byte multihash>, solc: <3-byte version>}` and its
 * 2-byte length (0x0033). It hashes the sources, NatSpec included, so it is removed before
 * hashing: a comment-only edit must not count as a code change.
 */
const METADATA = /a264697066735822[0-9a-f]{68}64736f6c6343[0-9a-f]{6}0033/g;
/** A library link placeholder `__$<34 hex>$__` (20 bytes) in unlinked bytecode. */
const LINK_PLACEHOLDER = /__\$[0-9a-f]{34}\$__/g;

function walk(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith(".json") && !path.endsWith(".dbg.json")) out.push(path);
  }
  return out;
}

/**
 * Every artifact compiled from `contracts/` that has code (contracts and libraries; interfaces
 * and abstract contracts have none), keyed by contract name.
 * @param {string} root the project folder
 */
export function readContractArtifacts(root) {
  const dir = join(root, "artifacts", "contracts");
  let files;
  try {
    files = walk(dir);
  } catch {
    throw new Error(`no artifacts in ${relative(root, dir)}: run \`npm run build\` first`);
  }
  const byName = new Map();
  for (const file of files) {
    const artifact = JSON.parse(readFileSync(file, "utf8"));
    if (artifact.bytecode === undefined || artifact.bytecode === "0x") continue;
    const previous = byName.get(artifact.contractName);
    if (previous !== undefined) {
      throw new Error(
        `two contracts are named ${artifact.contractName} (${previous.sourceName}, ${artifact.sourceName}): ` +
          "contract names must be unique (they key the snapshots and the TypeChain factories)",
      );
    }
    byName.set(artifact.contractName, { ...artifact, file: relative(root, file).split(sep).join("/") });
  }
  if (byName.size === 0) throw new Error(`no compiled contracts in ${relative(root, dir)}: run \`npm run build\``);
  return byName;
}

/** Bytes of a hex string (`0x…`; link placeholders count as their 20 bytes). */
export function byteLength(hex) {
  return (hex.length - 2) / 2;
}

/**
 * The code with every solc metadata trailer removed and every library placeholder zeroed.
 * @param {string} hex `0x…` bytecode as in an artifact
 */
export function normalizeCode(hex) {
  const code = hex.toLowerCase().replace(/^0x/, "").replace(LINK_PLACEHOLDER, "0".repeat(40));
  let found = 0;
  const stripped = code.replace(METADATA, (match, offset) => {
    if (offset % 2 !== 0) return match; // not on a byte boundary: not a trailer
    found += 1;
    return "";
  });
  if (found === 0) {
    throw new Error("no solc metadata trailer found: did the compiler settings change (metadata.bytecodeHash)?");
  }
  return `0x${stripped}`;
}

/** The fully qualified names (`<inputSourceName>:<name>`) of the libraries an artifact links. */
function linkedLibraries(artifact) {
  const names = [];
  for (const [source, libraries] of Object.entries(artifact.linkReferences ?? {})) {
    for (const name of Object.keys(libraries)) names.push(`${source}:${name}`);
  }
  return names.sort();
}

/**
 * keccak256 of the contract's creation code (constructor and runtime, so a constructor-only
 * change counts), metadata removed, followed by the same for every library it links, in name
 * order: a change in a linked library is a change of the contract that runs it.
 */
export function codeHash(artifact, artifacts) {
  const byInputName = new Map([...artifacts.values()].map((a) => [`${a.inputSourceName}:${a.contractName}`, a]));
  const parts = [];
  const seen = new Set();
  const add = (a) => {
    parts.push(normalizeCode(a.bytecode).slice(2));
    for (const fqn of linkedLibraries(a)) {
      if (seen.has(fqn)) continue;
      seen.add(fqn);
      const library = byInputName.get(fqn);
      if (library === undefined) throw new Error(`${a.contractName} links ${fqn}, which has no artifact`);
      add(library);
    }
  };
  add(artifact);
  return keccak256(`0x${parts.join("")}`);
}

const buildInfoCache = new Map();

/** The compiler output of one build (parsed once per process: the files are megabytes). */
function buildInfoOutput(root, id) {
  let output = buildInfoCache.get(id);
  if (output === undefined) {
    output = JSON.parse(readFileSync(join(root, "artifacts", "build-info", `${id}.output.json`), "utf8")).output;
    buildInfoCache.set(id, output);
  }
  return output;
}

function contractAst(root, artifact) {
  const ast = buildInfoOutput(root, artifact.buildInfoId).sources[artifact.inputSourceName]?.ast;
  const node = ast?.nodes.find((n) => n.nodeType === "ContractDefinition" && n.name === artifact.contractName);
  if (node === undefined) throw new Error(`no AST for ${artifact.contractName} in build info ${artifact.buildInfoId}`);
  return node;
}

/**
 * The compiler's AST of every source file under `contracts/` (interfaces included), keyed by
 * input source name (`project/contracts/...`), from the build info each artifact names.
 */
export function readProjectAsts(root) {
  const asts = new Map();
  for (const file of walk(join(root, "artifacts", "contracts"))) {
    const { inputSourceName, buildInfoId } = JSON.parse(readFileSync(file, "utf8"));
    if (asts.has(inputSourceName)) continue;
    const ast = buildInfoOutput(root, buildInfoId).sources[inputSourceName]?.ast;
    if (ast === undefined) throw new Error(`no AST for ${inputSourceName} in build info ${buildInfoId}`);
    asts.set(inputSourceName, ast);
  }
  return asts;
}

/** Whether the artifact is a library (libraries have no `version()`; see `codeHash`). */
export function isLibrary(root, artifact) {
  return contractAst(root, artifact).contractKind === "library";
}

/**
 * The string literal `version()` returns, read from the compiler's AST: undefined when the
 * contract has no `version()` or it does not `return "<literal>";` (the convention, so that the
 * lock can be read without running code; test/contracts checks it against the running code).
 */
export function versionLiteral(root, artifact) {
  const fn = contractAst(root, artifact).nodes.find((n) => n.nodeType === "FunctionDefinition" && n.name === "version");
  const statement = fn?.body?.statements?.[0];
  const expression = statement?.nodeType === "Return" ? statement.expression : undefined;
  return expression?.nodeType === "Literal" && expression.kind === "string" ? expression.value : undefined;
}

/** `{ contract: { version, codeHash } }` for every protocol contract (libraries excluded). */
export function computeSemverLock(root, artifacts = readContractArtifacts(root)) {
  const lock = {};
  for (const name of [...artifacts.keys()].sort()) {
    const artifact = artifacts.get(name);
    if (isLibrary(root, artifact)) continue;
    lock[name] = { version: versionLiteral(root, artifact) ?? null, codeHash: codeHash(artifact, artifacts) };
  }
  return lock;
}

/** `{ contract: { deployedBytes, initcodeBytes } }` for every contract and library with code. */
export function computeBytecodeSizes(root, artifacts = readContractArtifacts(root)) {
  const sizes = {};
  for (const name of [...artifacts.keys()].sort()) {
    const artifact = artifacts.get(name);
    sizes[name] = {
      deployedBytes: byteLength(artifact.deployedBytecode),
      initcodeBytes: byteLength(artifact.bytecode),
    };
  }
  return sizes;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** -1, 0 or 1; undefined when either is not `MAJOR.MINOR.PATCH`. */
export function compareSemver(a, b) {
  const x = SEMVER.exec(a ?? "");
  const y = SEMVER.exec(b ?? "");
  if (x === null || y === null) return undefined;
  for (let i = 1; i <= 3; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * What is wrong with the committed lock against the build. Each problem says which contract and
 * what to do. `kind`: "unversioned" (no literal semver `version()`), "notBumped" (code changed,
 * version did not), "downgraded", "stale" (the lock does not record the build), "missing" (a
 * contract the lock lacks), "removed" (a lock entry with no contract).
 * @returns {{ contract: string, kind: string, message: string }[]}
 */
export function checkSemverLock(committed, current, sourceOf = () => "its source") {
  const problems = [];
  for (const [name, now] of Object.entries(current)) {
    const where = sourceOf(name);
    if (now.version === null || compareSemver(now.version, now.version) === undefined) {
      problems.push({
        contract: name,
        kind: "unversioned",
        message:
          `${name} has no \`version()\` returning a literal "MAJOR.MINOR.PATCH" string: implement ISemver in ` +
          `${where} with \`return "1.0.0";\`, then run \`${REFRESH_COMMAND}\`.`,
      });
      continue;
    }
    const locked = committed[name];
    if (locked === undefined) {
      problems.push({
        contract: name,
        kind: "missing",
        message: `${name} (${now.version}) is not in ${SEMVER_LOCK_FILE}: run \`${REFRESH_COMMAND}\` and commit it.`,
      });
      continue;
    }
    if (locked.codeHash === now.codeHash && locked.version === now.version) continue;
    if (locked.codeHash !== now.codeHash && locked.version === now.version) {
      problems.push({
        contract: name,
        kind: "notBumped",
        message:
          `${name}'s code changed but its version() still returns "${now.version}": bump it in ${where} ` +
          "(patch: same ABI and behaviour; minor: additions only; major: anything removed, renamed or " +
          `changed; docs/contracts.md), then run \`${REFRESH_COMMAND}\` and commit ${SEMVER_LOCK_FILE}.`,
      });
      continue;
    }
    if (compareSemver(now.version, locked.version) !== 1) {
      problems.push({
        contract: name,
        kind: "downgraded",
        message: `${name}'s version() went from "${locked.version}" to "${now.version}": versions only increase (${where}).`,
      });
      continue;
    }
    problems.push({
      contract: name,
      kind: "stale",
      message:
        `${SEMVER_LOCK_FILE} is stale for ${name}: it records "${locked.version}", the build is "${now.version}" ` +
        `with ${locked.codeHash === now.codeHash ? "the same" : "a new"} code hash. Run \`${REFRESH_COMMAND}\` and commit it.`,
    });
  }
  for (const name of Object.keys(committed)) {
    if (!(name in current)) {
      problems.push({
        contract: name,
        kind: "removed",
        message: `${SEMVER_LOCK_FILE} lists ${name}, which is no longer a compiled contract: run \`${REFRESH_COMMAND}\`.`,
      });
    }
  }
  return problems;
}

/**
 * Contracts too close to the size limits, with what to do.
 * @returns {{ contract: string, message: string }[]}
 */
export function checkSizeCeilings(sizes) {
  const problems = [];
  const n = (x) => x.toLocaleString("en-US");
  for (const [name, size] of Object.entries(sizes)) {
    if (size.deployedBytes > CODE_SIZE_CEILING) {
      problems.push({
        contract: name,
        message:
          `${name} is ${n(size.deployedBytes)} bytes of runtime code, above the ${n(CODE_SIZE_CEILING)}-byte ceiling ` +
          `(the ${n(CODE_SIZE_LIMIT)}-byte limit minus 5%): move code into a library or a contract of its own ` +
          '(docs/contracts.md, "Size"); an optimizer override is not the answer.',
      });
    }
    if (size.initcodeBytes > INITCODE_SIZE_CEILING) {
      problems.push({
        contract: name,
        message:
          `${name} is ${n(size.initcodeBytes)} bytes of creation code, above the ${n(INITCODE_SIZE_CEILING)}-byte ` +
          `ceiling (the ${n(INITCODE_SIZE_LIMIT)}-byte limit minus 5%).`,
      });
    }
  }
  return problems;
}

/**
 * Differences between the committed size snapshot and the build, one line per contract.
 * @returns {string[]}
 */
export function diffBytecodeSizes(committed, current) {
  const lines = [];
  const n = (x) => x.toLocaleString("en-US");
  for (const [name, now] of Object.entries(current)) {
    const before = committed[name];
    if (before === undefined) lines.push(`${name}: new, ${n(now.deployedBytes)} bytes`);
    else if (before.deployedBytes !== now.deployedBytes || before.initcodeBytes !== now.initcodeBytes) {
      const d = now.deployedBytes - before.deployedBytes;
      lines.push(
        `${name}: ${n(before.deployedBytes)} -> ${n(now.deployedBytes)} bytes (${d >= 0 ? "+" : ""}${n(d)}), ` +
          `creation ${n(before.initcodeBytes)} -> ${n(now.initcodeBytes)}`,
      );
    }
  }
  for (const name of Object.keys(committed)) if (!(name in current)) lines.push(`${name}: no longer compiled`);
  return lines;
}

/** JSON as committed: two-space indent, trailing newline. */
export function formatSnapshot(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}
