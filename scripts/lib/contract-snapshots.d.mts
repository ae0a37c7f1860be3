// Types of contract-snapshots.mjs, for the TypeScript tests in test/contracts/.

export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  inputSourceName: string;
  abi: readonly ({ type: string; name?: string } & Record<string, unknown>)[];
  bytecode: string;
  deployedBytecode: string;
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
  deployedLinkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
  buildInfoId: string;
  /** Path of the artifact file, relative to the project. */
  file: string;
}

export interface SemverLockEntry {
  version: string | null;
  codeHash: string;
}
export type SemverLock = Record<string, SemverLockEntry>;

export interface BytecodeSize {
  deployedBytes: number;
  initcodeBytes: number;
}
export type BytecodeSizes = Record<string, BytecodeSize>;

export type SemverProblemKind = "unversioned" | "notBumped" | "downgraded" | "stale" | "missing" | "removed";
export interface SemverProblem {
  contract: string;
  kind: SemverProblemKind;
  message: string;
}

export const CODE_SIZE_LIMIT: number;
export const INITCODE_SIZE_LIMIT: number;
export const HEADROOM: number;
export const CODE_SIZE_CEILING: number;
export const INITCODE_SIZE_CEILING: number;
export const SEMVER_LOCK_FILE: string;
export const BYTECODE_SIZES_FILE: string;
export const REFRESH_COMMAND: string;

export function readContractArtifacts(root: string): Map<string, ContractArtifact>;
export function byteLength(hex: string): number;
export function normalizeCode(hex: string): string;
export function codeHash(artifact: ContractArtifact, artifacts: Map<string, ContractArtifact>): string;
/** A node of solc's JSON AST. */
export interface AstNode {
  nodeType: string;
  [key: string]: unknown;
}
export function readProjectAsts(root: string): Map<string, AstNode>;
export function isLibrary(root: string, artifact: ContractArtifact): boolean;
export function versionLiteral(root: string, artifact: ContractArtifact): string | undefined;
export function computeSemverLock(root: string, artifacts?: Map<string, ContractArtifact>): SemverLock;
export function computeBytecodeSizes(root: string, artifacts?: Map<string, ContractArtifact>): BytecodeSizes;
export function compareSemver(a: string | null | undefined, b: string | null | undefined): -1 | 0 | 1 | undefined;
export function checkSemverLock(
  committed: SemverLock,
  current: SemverLock,
  sourceOf?: (contract: string) => string,
): SemverProblem[];
export function checkSizeCeilings(sizes: BytecodeSizes): { contract: string; message: string }[];
export function diffBytecodeSizes(committed: BytecodeSizes, current: BytecodeSizes): string[];
export function formatSnapshot(value: unknown): string;
