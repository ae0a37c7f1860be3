import { startTestServer } from "../test/store/support/postgres.ts";
import { openStore } from "../src/store/open.ts";
const t0 = Date.now();
const s = await startTestServer();
console.log("server up ms", Date.now() - t0, s.port, s.pid);
const url = await s.createDatabase();
for (const loc of [url, "/tmp/probe/store1"]) {
  const t1 = Date.now();
  const db = await openStore(loc, { lockName: "probe" });
  console.log(db.backend, "open+migrate ms", Date.now() - t1, db.holder);
  const r = await db.query(`select 123::numeric(78,0) as n, $1::numeric(78,0) as big, 5::int8 as i8, 7::int4 as i4, '\\x0102'::bytea as b, now() as t, '{"a":1}'::jsonb as j, array['a','b'] as arr, 1.5::numeric as frac, array[1,2]::int8[] as ia, array[3]::numeric[] as na`, [2n**255n]);
  console.log(r.rows);
  try { await openStore(loc, { lockName: "probe" }); } catch (e) { console.log("second:", (e as any).code, (e as any).message, (e as any).details); }
  await db.close();
}
await s.stop();
