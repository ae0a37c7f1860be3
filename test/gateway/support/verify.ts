/**
 * The gateway's invariant, checked against the chain: every record has exactly one payment and
 * every payment exactly one record (by request hash), none paid twice, and each payment carries
 * the record's model, tokens and fee.
 */
import { expect } from "chai";

import { recordHash } from "../../../src/settlement/record.js";
import { openStore, type Queryable } from "../../../src/store/index.js";
import { GATEWAY_SCHEMA, type StoredRecord } from "../../../src/gateway/index.js";
import { toStored } from "../../../src/gateway/records.js";
import type { World } from "./world.js";

export interface Reconciled {
  records: number;
  events: number;
  batches: number;
}

/** All records of a store. */
export async function allRecords(db: Queryable): Promise<StoredRecord[]> {
  const { rows } = await db.query("SELECT * FROM gateway_record ORDER BY seq");
  return rows.map((r) => toStored(r as unknown as Parameters<typeof toStored>[0]));
}

export async function expectOneToOne(world: World, db: Queryable, payer = world.operator): Promise<Reconciled> {
  const records = await allRecords(db);
  const events = (await world.router.queryFilter(world.router.filters.RequestPaid())).filter(
    (e) => e.args.payer.toLowerCase() === payer.toLowerCase(),
  );
  const hashes = events.map((e) => e.args.requestHash.toLowerCase());
  expect(new Set(hashes).size, "no request hash paid twice").to.equal(hashes.length);
  expect(events.length, "one payment per record").to.equal(records.length);
  const byHash = new Map(events.map((e) => [e.args.requestHash.toLowerCase(), e]));
  for (const r of records) {
    expect(recordHash(r.record), "the stored fields hash to the stored hash").to.equal(r.requestHash);
    const e = byHash.get(r.requestHash);
    expect(e, `record ${r.requestHash} is paid`).to.not.equal(undefined);
    expect(r.state).to.equal("paid");
    expect(r.requestId).to.equal(e!.args.requestId);
    expect(e!.args.modelId).to.equal(r.record.modelId);
    expect(e!.args.tokensIn).to.equal(BigInt(r.record.tokensIn));
    expect(e!.args.tokensOut).to.equal(BigInt(r.record.tokensOut));
    expect(e!.args.fee).to.equal(r.paidFee);
  }
  const { rows } = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM gateway_batch WHERE status = 'paid'");
  return { records: records.length, events: events.length, batches: Number(rows[0]!.n) };
}

/** Opens a gateway store folder (after its gateway stopped), runs `f`, closes it. */
export async function withStore<T>(location: string, f: (db: Queryable) => Promise<T>): Promise<T> {
  const db = await openStore(location, { lockName: "gateway-test-check", migrations: [GATEWAY_SCHEMA] });
  try {
    return await f(db);
  } finally {
    await db.close();
  }
}
