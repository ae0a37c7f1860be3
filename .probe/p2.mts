import { PGlite } from "@electric-sql/pglite";
const dir = "/tmp/probe/pgl2";
const mode = process.argv[2];
const t0 = Date.now();
const db = await PGlite.create(dir);
console.log(mode, "open ms", Date.now() - t0);
await db.exec("create table if not exists t (i int primary key, v text)");
if (mode === "write") {
  const r = await db.query("select coalesce(max(i),0) as m from t");
  const m = (r.rows[0] as any).m as number;
  for (let k = 1; k <= 100; k++) await db.query("insert into t values ($1, $2)", [m + k, "x"]);
  console.log("wrote up to", m + 100);
  process.kill(process.pid, "SIGKILL");
} else {
  console.log((await db.query("select count(*)::int as c, max(i) as m from t")).rows);
  const t1 = Date.now();
  await db.query("insert into t select g, 'y' from generate_series(1000000, 1099999) g");
  console.log("100k insert ms", Date.now() - t1);
  await db.query("delete from t where i >= 1000000");
  await db.close();
}
