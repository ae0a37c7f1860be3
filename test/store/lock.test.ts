import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";

import { PoaError } from "../../src/core/errors.js";
import { openDatabase, openStore } from "../../src/store/open.js";
import { describeBackends } from "./support/backends.js";
import { runChild, startChild, type Child } from "./support/child.js";

describeBackends("one runner at a time", (backend) => {
  const children: Child[] = [];
  afterEach(async function () {
    await Promise.all(children.splice(0).map((c) => c.kill()));
  });
  const hold = async (location: string, lockName = "settle") => {
    const child = startChild("hold", { location, lockName });
    children.push(child);
    await child.waitFor((l) => l.ready !== undefined);
    return child;
  };

  it("a second process is refused with STORE_LOCKED naming the holder; after the holder is killed -9 the next run starts", async function () {
    const location = await backend.fresh();
    const holder = await hold(location);

    const [refused] = await runChild("open", { location, lockName: "settle" });
    expect(refused!.ok).to.equal(false);
    const error = refused!.error as {
      code: string;
      kind: string;
      message: string;
      details: { holder: { pid: number } };
    };
    expect(error.code).to.equal("STORE_LOCKED");
    expect(error.kind).to.equal("unavailable");
    expect(error.details.holder.pid).to.equal(holder.pid);
    expect(error.message).to.include(`process ${holder.pid}`);
    expect(error.message).to.include("settle");

    // In this process as well.
    try {
      await openDatabase(location, { lockName: "settle" });
      expect.fail("opened a locked store");
    } catch (e) {
      expect((e as PoaError).code).to.equal("STORE_LOCKED");
    }

    await holder.kill(); // SIGKILL: no cleanup ran
    // A server notices the dropped connection within moments; a folder's stale lock is taken over at once.
    const [after] = await runChild("open", {
      location,
      lockName: "settle",
      waitMs: backend.name === "postgres" ? 5_000 : 0,
    });
    expect(after, JSON.stringify(after)).to.deep.include({ ok: true });
  });

  it("processes racing for one store: every one gets it in turn, never two at the same time", async function () {
    const location = await backend.fresh();
    // Create the schema first so that the racers only race for the lock.
    await (await openStore(location, { lockName: "race" })).close();
    const at = Date.now() + 4_000;
    const racers = Array.from({ length: 4 }, () => startChild("race", { location, at, waitMs: 60_000, holdMs: 150 }));
    children.push(...racers);
    const results = await Promise.all(racers.map((r) => r.waitFor((l) => l.ok !== undefined, 90_000)));
    expect(results.map((r) => r.ok)).to.deep.equal([true, true, true, true], JSON.stringify(results));
    const db = await openDatabase(location, { lockName: "race" });
    try {
      const { rows } = await db.query<{ pid: number; t0: Date; t1: Date }>(
        "SELECT pid, t0, t1 FROM holding ORDER BY t0",
      );
      expect(rows).to.have.length(4);
      for (let i = 1; i < rows.length; i++)
        expect(rows[i]!.t0.getTime(), `holder ${i} started before holder ${i - 1} released`).to.be.at.least(
          rows[i - 1]!.t1.getTime(),
        );
    } finally {
      await db.close();
    }
  });

  it("a runner that gave up its lock by closing lets the next one in at once", async function () {
    const location = await backend.fresh();
    const first = await openStore(location, { lockName: "settle" });
    await first.close();
    const second = await openStore(location, { lockName: "settle" });
    await second.close();
  });

  if (backend.name === "pglite") {
    const lockFiles = (location: string) => readdirSync(join(location, "locks"));
    const holderFile = (location: string, content: object) =>
      writeFileSync(
        join(location, "locks", `holder-${Math.floor(Math.random() * 1e9)}-x.json`),
        JSON.stringify(content),
      );

    it("takes over the lock of a process that is gone, and of a reused process id", async function () {
      const location = await backend.fresh();
      const gone = spawnSync(process.execPath, ["-e", "0"]).pid!;
      holderFile(location, {
        name: "settle",
        pid: gone,
        hostname: (await import("node:os")).hostname(),
        since: "x",
        processStart: null,
      });
      // A live pid whose start time differs: the process that wrote the file is gone, the id reused.
      holderFile(location, {
        name: "settle",
        pid: process.pid,
        hostname: (await import("node:os")).hostname(),
        since: "x",
        processStart: "1",
      });
      expect(lockFiles(location)).to.have.length(2);
      const db = await openStore(location, { lockName: "settle" });
      expect(lockFiles(location)).to.have.length(1, "the stale files were removed, this holder's written");
      await db.close();
      expect(lockFiles(location)).to.have.length(0);
    });

    it("a holder on another host cannot be checked: refused, with the file to delete if it is gone", async function () {
      const location = await backend.fresh();
      holderFile(location, {
        name: "gateway",
        pid: 4242,
        hostname: "elsewhere",
        since: "2026-01-01T00:00:00Z",
        processStart: null,
      });
      try {
        await openStore(location, { lockName: "settle" });
        expect.fail("opened a store held on another host");
      } catch (e) {
        const error = e as PoaError;
        expect(error.code).to.equal("STORE_LOCKED");
        expect(error.message).to.include("process 4242 on elsewhere");
        expect(error.action).to.include(String(error.details.lockFile));
      }
    });

    it("the same process cannot open a folder twice (PGlite would corrupt it)", async function () {
      const location = await backend.fresh();
      const db = await openStore(location, { lockName: "gateway" });
      try {
        await openStore(location, { lockName: "other" });
        expect.fail("opened twice");
      } catch (e) {
        expect((e as PoaError).message).to.include("this same process");
      } finally {
        await db.close();
      }
    });
  } else {
    it("on a server, runners with different lock names share the database; a lock-free reader opens beside them", async function () {
      const location = await backend.fresh();
      await hold(location, "settle");
      const gateway = await openStore(location, { lockName: "gateway" });
      const reader = await openDatabase(location, { noLock: true });
      try {
        expect(reader.holder).to.equal(undefined);
        expect(
          (await reader.query<{ n: bigint }>("SELECT count(*) AS n FROM schema_migrations")).rows[0]!.n,
        ).to.be.greaterThan(0n);
      } finally {
        await reader.close();
        await gateway.close();
      }
    });
  }
});
