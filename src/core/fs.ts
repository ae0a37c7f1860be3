/**
 * Output locations, checked before any work: a command that reads a large corpus, trains a model
 * or starts a devnet first makes sure it can write where it was told to, so that a wrong path
 * costs nothing. And atomic writes, so that a crash never leaves half a file.
 */
import { accessSync, constants, mkdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";

import { PoaError } from "./errors.js";

type Kind = "file" | "folder" | "other";

function kindOf(path: string): Kind | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? "folder" : stat.isFile() ? "file" : "other";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new PoaError("FILE_NOT_WRITABLE", `cannot inspect ${path}: ${(error as Error).message}`, {
      details: { path, code },
      action: "Check the path and its permissions.",
    });
  }
}

/** Kernel file systems that accept mkdir calls they can never satisfy (a recursive mkdir spins). */
const VIRTUAL_ROOTS = ["/proc", "/sys", "/dev"];

function refuseVirtual(path: string, what: string): void {
  const absolute = resolve(path);
  const root = VIRTUAL_ROOTS.find((r) => absolute === r || absolute.startsWith(r + sep));
  if (root !== undefined)
    throw new PoaError(
      "FILE_NOT_WRITABLE",
      `${what} ${path} is inside ${root}, a kernel file system, not a place for files`,
      {
        details: { path, what },
        action: "Choose a folder on a normal disk, e.g. under the project or /tmp.",
      },
    );
}

/** Creates `folder` (and its parents) and checks that it is a writable folder. `what` names it in errors. */
export function prepareOutputFolder(folder: string, what = "the output folder"): void {
  refuseVirtual(folder, what);
  let existing = resolve(folder);
  let kind = kindOf(existing);
  while (kind === undefined && dirname(existing) !== existing) {
    existing = dirname(existing);
    kind = kindOf(existing);
  }
  if (kind !== undefined && kind !== "folder")
    throw new PoaError(
      "FILE_NOT_WRITABLE",
      `${existing} is a ${kind === "file" ? "file" : "special file"}, but ${what} ${folder} needs a folder there`,
      {
        details: { path: folder, what, blocking: existing },
        action: "Choose a path whose folders are not existing files.",
      },
    );
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOTDIR" ? "a part of the path is a file, not a folder" : (error as Error).message;
    throw new PoaError("FILE_NOT_WRITABLE", `cannot write to ${what} ${folder}: ${why}`, {
      details: { path: folder, what, code },
      cause: error,
      action: "Choose a folder you can write to.",
    });
  }
}

/**
 * Checks that `file` can be written: its folder is created if missing; an existing folder at
 * `file`, or a file where its folder should be, is refused.
 */
export function prepareOutputFile(file: string, what = "the output file"): void {
  refuseVirtual(file, what);
  const kind = kindOf(file);
  if (kind === "folder")
    throw new PoaError("FILE_NOT_WRITABLE", `${what} ${file} is a folder, not a file`, {
      details: { path: file, what },
      action: `Give a file path, e.g. ${file}/result.json.`,
    });
  if (kind === "other")
    throw new PoaError("FILE_NOT_WRITABLE", `${what} ${file} is not a regular file`, {
      details: { path: file, what },
      action: "Give the path of a regular file.",
    });
  prepareOutputFolder(dirname(resolve(file)), `the folder of ${what}`);
  if (kind === "file") {
    try {
      accessSync(file, constants.W_OK);
    } catch (error) {
      throw new PoaError("FILE_NOT_WRITABLE", `cannot overwrite ${what} ${file}: ${(error as Error).message}`, {
        details: { path: file, what },
        cause: error,
        action: "Give a file you can write.",
      });
    }
  }
}

/** Writes `data` to `file` through a temporary file and a rename: readers never see half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (error) {
    throw new PoaError("FILE_NOT_WRITABLE", `cannot write ${file}: ${(error as Error).message}`, {
      details: { path: file },
      cause: error,
      action: "Check that the folder exists and is writable.",
    });
  }
}
