import { expect } from "chai";

import { PoaError } from "../../src/core/errors.js";
import type { Database } from "../../src/store/database.js";
import { Journal, inputsHash } from "../../src/store/journal.js";
import { openStore } from "../../src/store/open.js";
import { describeBackends } from "./support/backends.js";
import { runChild, startChild } from "./support/child.js";

describeBackends("step journal", (backend) => {
  let db: Database | undefined;
  afterEach(async function () {
    await db?.close();
    db = undefined;
  });

  it("runs a step once, then returns its recorded outputs without running it", async function () {
    db = await openStore(await backend.fresh());
    const journal = new Journal(db, "settle:epoch-1");
    let runs = 0;
    const body = async () => {
      runs++;
      return { root: "0xabc", total: "1000000000000000000000", accounts: 3 };
    };
    const first = await journal.run("tree", { epoch: 1, leaves: 3 }, body);
    expect(first).to.deep.equal({
      outputs: { root: "0xabc", total: "1000000000000000000000", accounts: 3 },
      skipped: false,
      attempt: 1,
    });
    const second = await journal.run("tree", { leaves: 3, epoch: 1 }, body); // same inputs, other key order
    expect(second).to.deep.equal({ ...first, skipped: true });
    expect(runs).to.equal(1);
    const record = await journal.get("tree");
    expect(record).to.include({ status: "done", attempts: 1, inputsHash: inputsHash({ epoch: 1, leaves: 3 }) });
    expect(record!.finishedAt).to.be.instanceOf(Date);
    // Another job's step of the same name is its own.
    expect((await new Journal(db, "settle:epoch-2").run("tree", { epoch: 2 }, body)).skipped).to.equal(false);
  });

  it("refuses a done or interrupted step whose inputs changed, until the caller resets it", async function () {
    db = await openStore(await backend.fresh());
    const journal = new Journal(db, "job");
    await journal.run("read", { block: 10 }, async () => ({ logs: 5 }));
    try {
      await journal.run("read", { block: 11 }, async () => ({ logs: 6 }));
      expect.fail("ran a done step on other inputs");
    } catch (e) {
      expect((e as PoaError).code).to.equal("JOURNAL_INPUTS_CHANGED");
      expect((e as PoaError).details).to.include({
        status: "done",
        recorded: inputsHash({ block: 10 }),
        now: inputsHash({ block: 11 }),
      });
    }
    await journal
      .run("send", { to: "a" }, async () => {
        throw new Error("node down");
      })
      .catch(() => undefined);
    expect(await journal.get("send")).to.include({ status: "running", lastError: "node down" });
    try {
      await journal.run("send", { to: "b" }, async () => ({}));
      expect.fail("ran an interrupted step on other inputs");
    } catch (e) {
      expect((e as PoaError).details).to.include({ status: "running" });
    }
    expect(await journal.reset(["read"])).to.equal(1);
    expect((await journal.run("read", { block: 11 }, async () => ({ logs: 6 }))).outputs).to.deep.equal({ logs: 6 });
    expect((await journal.steps()).map((s) => s.step).sort()).to.deep.equal(["read", "send"]);
  });

  it("runInTransaction: the body's writes and the step's completion commit together or not at all", async function () {
    db = await openStore(await backend.fresh());
    await db.exec("CREATE TABLE payout (account TEXT PRIMARY KEY, amount NUMERIC(78,0) NOT NULL)");
    const journal = new Journal(db, "epoch-3");
    const write = async (fail: boolean) =>
      journal.runInTransaction("allocate", { pool: "100" }, async (tx, ctx) => {
        await tx.query("INSERT INTO payout VALUES ('0xa', 60), ('0xb', 40)");
        if (fail) throw new Error("invariant broken");
        return { attempt: ctx.attempt, resumed: ctx.resumed };
      });
    await write(true).catch(() => undefined);
    expect((await db.query("SELECT * FROM payout")).rows).to.have.length(0, "the failed attempt left no rows");
    expect(await journal.get("allocate")).to.include({ status: "running", attempts: 1 });
    const ok = await write(false);
    expect(ok).to.deep.equal({ outputs: { attempt: 2, resumed: true }, skipped: false, attempt: 2 });
    expect((await write(false)).skipped).to.equal(true);
    const { rows } = await db.query<{ amount: bigint }>("SELECT amount FROM payout ORDER BY account");
    expect(rows.map((r) => r.amount)).to.deep.equal([60n, 40n]);
  });

  it("after kill -9 inside a step, a re-run skips the finished steps and redoes the interrupted one", async function () {
    const location = await backend.fresh();
    const crashed = startChild("journal", { location, input: "v1", killIn: "compute" });
    const { signal } = await crashed.exited;
    expect(signal).to.equal("SIGKILL");
    expect(crashed.lines).to.deep.include({ step: "read", skipped: false, attempt: 1 });
    expect(crashed.lines.some((l) => l.step === "compute")).to.equal(false, "compute never finished");

    db = await openStore(location, { lockName: "check" });
    const journal = new Journal(db, "job-1");
    expect(await journal.get("read")).to.include({ status: "done", attempts: 1 });
    expect(await journal.get("compute")).to.include({ status: "running", attempts: 1 });
    expect(await journal.get("publish")).to.equal(undefined);
    const partial = await db.query("SELECT * FROM effects WHERE step = 'compute'");
    expect(partial.rows).to.have.length(2, "the interrupted attempt left part of its work");
    await db.close();
    db = undefined;

    const lines = await runChild("journal", { location, input: "v1" });
    expect(lines).to.deep.include({ step: "read", skipped: true, attempt: 1 });
    expect(lines).to.deep.include({ running: "compute", attempt: 2, resumed: true });
    expect(lines).to.deep.include({ step: "compute", skipped: false, attempt: 2 });
    expect(lines).to.deep.include({ step: "publish", skipped: false, attempt: 1 });
    expect(lines.some((l) => l.running === "read")).to.equal(false, "read did not run again");

    db = await openStore(location, { lockName: "check" });
    const { rows } = await db.query<{ step: string; attempt: number }>(
      "SELECT step, attempt FROM effects ORDER BY step, item",
    );
    expect(rows.map((r) => `${r.step}/${r.attempt}`)).to.deep.equal([
      "compute/2",
      "compute/2",
      "compute/2",
      "publish/1",
      "publish/1",
      "publish/1",
      "read/1",
      "read/1",
      "read/1",
    ]);
    // A third run does nothing at all.
    await db.close();
    db = undefined;
    const third = await runChild("journal", { location, input: "v1" });
    expect(third.filter((l) => l.running !== undefined)).to.deep.equal([]);
  });

  it("after kill -9 between two steps, nothing finished runs again", async function () {
    const location = await backend.fresh();
    const crashed = startChild("journal", { location, input: "v1", killAfter: "compute" });
    expect((await crashed.exited).signal).to.equal("SIGKILL");
    const lines = await runChild("journal", { location, input: "v1" });
    expect(lines.filter((l) => l.running !== undefined).map((l) => l.running)).to.deep.equal(["publish"]);
    // Other inputs are refused before any step runs.
    const changed = await runChild("journal", { location, input: "v2" }).catch((e: Error) => e);
    expect(String(changed)).to.include("JOURNAL_INPUTS_CHANGED");
  });
});
