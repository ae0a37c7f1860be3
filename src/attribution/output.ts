/**
 * Output locations checked before any work: a command that reads a large corpus or trains a
 * model first makes sure it can write its result, so that a wrong --out costs nothing.
 */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

import { PoaError } from "../errors.js";

function kindOf(path: string): "file" | "folder" | "other" | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? "folder" : stat.isFile() ? "file" : "other";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new PoaError(`cannot inspect ${path}: ${(error as Error).message}`, "Check the path and its permissions.");
  }
}

/** Creates `folder` (and its parents) and checks that it is a writable folder. */
function ensureWritableFolder(folder: string, flag: string): void {
  // The nearest part of the path that exists must be a folder (mkdir would fail on a file).
  let existing = folder;
  let kind = kindOf(existing);
  while (kind === undefined && dirname(existing) !== existing) {
    existing = dirname(existing);
    kind = kindOf(existing);
  }
  if (kind !== undefined && kind !== "folder") {
    throw new PoaError(
      `${existing} is a ${kind === "file" ? "file" : "special file"}, but ${flag} needs a folder there`,
      `Pass a ${flag} path whose folders are not existing files.`,
    );
  }
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === "ENOTDIR" ? "a part of the path is a file, not a folder" : (error as Error).message;
    throw new PoaError(`cannot write to ${folder}: ${what}`, `Pass a ${flag} path in a folder you can write to.`);
  }
}

/**
 * Checks that `file` can be written as a result file: its folder is created if missing; an
 * existing folder at `file`, or a file where its folder should be, is refused.
 */
export function prepareOutputFile(file: string, flag = "--out"): void {
  const kind = kindOf(file);
  if (kind === "folder") {
    throw new PoaError(
      `${file} is a folder, but ${flag} names the result file`,
      `Pass a file path, e.g. ${file}/result.json.`,
    );
  }
  if (kind === "other") throw new PoaError(`${file} is not a regular file`, `Pass a file path to ${flag}.`);
  ensureWritableFolder(dirname(resolve(file)), flag);
  if (kind === "file") {
    try {
      accessSync(file, constants.W_OK);
    } catch (error) {
      throw new PoaError(`cannot overwrite ${file}: ${(error as Error).message}`, `Pass a ${flag} file you can write.`);
    }
  }
}

/** Checks that `folder` can hold an output folder: created if missing; an existing file is refused. */
export function prepareOutputFolder(folder: string, flag = "--out"): void {
  ensureWritableFolder(resolve(folder), flag);
}
