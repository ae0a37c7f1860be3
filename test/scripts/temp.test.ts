import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { removeOrphans } from "../support/temp.js";

describe("test temp folders: a killed test process's root is removed by the next run", function () {
  it("removes the roots of dead processes, keeps live ones and those marked kept", function () {
    // The pid of a process that has exited (a new process would have to take it in between).
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    const orphan = join(tmpdir(), `poa-test-${dead}-orphan`);
    const kept = join(tmpdir(), `poa-test-${dead}-kept`);
    const live = join(tmpdir(), `poa-test-${process.ppid}-live`);
    const other = join(tmpdir(), `poa-testing-${dead}-other`);
    try {
      for (const folder of [orphan, kept, live, other]) {
        mkdirSync(join(folder, "inside"), { recursive: true });
        writeFileSync(join(folder, "inside", "file"), "x");
      }
      writeFileSync(join(kept, ".keep"), "");
      const saved = process.env.POA_KEEP_TEMP;
      delete process.env.POA_KEEP_TEMP;
      try {
        removeOrphans();
      } finally {
        if (saved !== undefined) process.env.POA_KEEP_TEMP = saved;
      }
      expect(existsSync(orphan), "a dead process's root").to.equal(false);
      expect(existsSync(kept), "a root kept with POA_KEEP_TEMP=1").to.equal(true);
      expect(existsSync(live), "a running process's root").to.equal(true);
      expect(existsSync(other), "a folder of another name").to.equal(true);
    } finally {
      for (const folder of [orphan, kept, live, other]) rmSync(folder, { recursive: true, force: true });
    }
  });
});
