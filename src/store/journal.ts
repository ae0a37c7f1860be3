/**
 * The step journal: resumable jobs made of named steps, each run at most once to completion.
 *
 * A step is identified by (job, step), e.g. ("settle:l2:epoch-7", "attribute"), and bound to
 * the hash of its inputs (canonical JSON, keccak-256). `run` behaves as follows:
 *
 * | recorded state            | same inputs                         | other inputs                |
 * |---------------------------|-------------------------------------|-----------------------------|
 * | none                      | record "running", run, record "done" with the outputs          |
 * | "done"                    | skip: return the recorded outputs   | refuse (JOURNAL_INPUTS_CHANGED) |
 * | "running" (a crash, or a failure, interrupted it) | run again (attempt n+1) | refuse (JOURNAL_INPUTS_CHANGED) |
 *
 * "running" is committed before the step's body starts, so a `kill -9` at any point leaves
 * either no record, "running" (the body may have done part of its work: it runs again and must
 * be idempotent) or "done" (it never runs again). A body that fails leaves "running" with the
 * error in `last_error`.
 *
 * `runInTransaction` gives the body a transaction in which its database writes and the step's
 * "done" commit together: for a step whose effects are all in the database, a re-run never sees
 * half of them. Effects outside the database (files, transactions on a chain) need their own
 * idempotence: write files atomically under content-derived names; send transactions through the
 * outbox (outbox.ts).
 *
 * Outputs are JSON (bigints as decimal strings): they are what later steps and re-runs read.
 */
import { canonicalJson, type Json } from "../core/canonical-json.js";
import { PoaError, messageOf } from "../core/errors.js";
import { keccakText, type Hex } from "../core/hash.js";
import type { Database, Queryable } from "./database.js";

export type StepStatus = "running" | "done";

export interface StepRecord {
  job: string;
  step: string;
  status: StepStatus;
  inputsHash: Hex;
  outputs: Json | null;
  attempts: number;
  lastError: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface StepContext {
  /** 1 on the first run, n when the step was interrupted n - 1 times before. */
  attempt: number;
  /** True when an earlier attempt started and did not finish (the body must be idempotent). */
  resumed: boolean;
}

export interface StepResult<T extends Json> {
  outputs: T;
  /** True when the step was already done and its body did not run. */
  skipped: boolean;
  attempt: number;
}

/** keccak-256 of the canonical JSON of `inputs`: what binds a step to its inputs. */
export function inputsHash(inputs: Json): Hex {
  return keccakText(canonicalJson(inputs, 0));
}

interface StepRow {
  job: string;
  step: string;
  status: StepStatus;
  inputs_hash: Hex;
  outputs: Json | null;
  attempts: number;
  last_error: string | null;
  started_at: Date;
  finished_at: Date | null;
}

function toRecord(r: StepRow): StepRecord {
  return {
    job: r.job,
    step: r.step,
    status: r.status,
    inputsHash: r.inputs_hash,
    outputs: r.outputs,
    attempts: r.attempts,
    lastError: r.last_error,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

const MAX_ERROR_TEXT = 2000;

export class Journal {
  constructor(
    private readonly db: Database,
    readonly job: string,
  ) {
    if (job === "") throw new PoaError("INVALID_VALUE", "a journal needs a job name");
  }

  /** The record of `step`, if any. */
  async get(step: string): Promise<StepRecord | undefined> {
    const { rows } = await this.db.query<StepRow>("SELECT * FROM job_step WHERE job = $1 AND step = $2", [
      this.job,
      step,
    ]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /** Every step of the job, by the start of its latest attempt. */
  async steps(): Promise<StepRecord[]> {
    const { rows } = await this.db.query<StepRow>("SELECT * FROM job_step WHERE job = $1 ORDER BY started_at, step", [
      this.job,
    ]);
    return rows.map(toRecord);
  }

  /**
   * Forgets the job's records (all, or the given steps), so that they run again. For a caller
   * that knows the inputs legitimately changed; the outbox is not touched.
   */
  async reset(steps?: readonly string[]): Promise<number> {
    const result =
      steps === undefined
        ? await this.db.query("DELETE FROM job_step WHERE job = $1", [this.job])
        : await this.db.query(
            "DELETE FROM job_step WHERE job = $1 AND step = ANY(ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))",
            [this.job, JSON.stringify(steps)],
          );
    return result.rowCount;
  }

  /** Runs `body` unless the step is done (see the file comment). */
  async run<T extends Json>(
    step: string,
    inputs: Json,
    body: (ctx: StepContext) => Promise<T>,
  ): Promise<StepResult<T>> {
    const start = await this.start(step, inputs);
    if ("done" in start) return start.done as StepResult<T>;
    let outputs: T;
    try {
      outputs = await body(start.ctx);
    } catch (error) {
      await this.recordError(step, error);
      throw error;
    }
    await this.finish(this.db, step, start.hash, outputs);
    return { outputs, skipped: false, attempt: start.ctx.attempt };
  }

  /** `run` with a transaction: the body's writes through `tx` and the step's "done" commit together. */
  async runInTransaction<T extends Json>(
    step: string,
    inputs: Json,
    body: (tx: Queryable, ctx: StepContext) => Promise<T>,
  ): Promise<StepResult<T>> {
    const start = await this.start(step, inputs);
    if ("done" in start) return start.done as StepResult<T>;
    try {
      const outputs = await this.db.transaction(async (tx) => {
        const out = await body(tx, start.ctx);
        await this.finish(tx, step, start.hash, out);
        return out;
      });
      return { outputs, skipped: false, attempt: start.ctx.attempt };
    } catch (error) {
      await this.recordError(step, error);
      throw error;
    }
  }

  /** Records "running" (or returns the recorded outputs of a done step). */
  private async start(
    step: string,
    inputs: Json,
  ): Promise<{ done: StepResult<Json> } | { ctx: StepContext; hash: Hex }> {
    const hash = inputsHash(inputs);
    const outcome = await this.db.transaction(
      async (tx): Promise<{ done: StepResult<Json> } | { ctx: StepContext }> => {
        const { rows } = await tx.query<StepRow>("SELECT * FROM job_step WHERE job = $1 AND step = $2 FOR UPDATE", [
          this.job,
          step,
        ]);
        const row = rows[0];
        if (row === undefined) {
          await tx.query("INSERT INTO job_step (job, step, inputs_hash, status) VALUES ($1, $2, $3, 'running')", [
            this.job,
            step,
            hash,
          ]);
          return { ctx: { attempt: 1, resumed: false } };
        }
        if (row.inputs_hash !== hash)
          throw new PoaError(
            "JOURNAL_INPUTS_CHANGED",
            `step "${step}" of job "${this.job}" was ${row.status === "done" ? "done" : "started"} with other inputs`,
            {
              details: { job: this.job, step, status: row.status, recorded: row.inputs_hash, now: hash },
              action:
                row.status === "done"
                  ? "The job already finished this step on other inputs: check what changed, or start it over as a new job."
                  : "An interrupted attempt used other inputs and may have acted on them: check what changed before starting the job over.",
            },
          );
        if (row.status === "done")
          return { done: { outputs: row.outputs ?? null, skipped: true, attempt: row.attempts } as StepResult<Json> };
        await tx.query(
          "UPDATE job_step SET attempts = attempts + 1, started_at = now(), last_error = NULL WHERE job = $1 AND step = $2",
          [this.job, step],
        );
        return { ctx: { attempt: row.attempts + 1, resumed: true } };
      },
    );
    return "ctx" in outcome ? { ctx: outcome.ctx, hash } : outcome;
  }

  private async finish(db: Queryable, step: string, hash: Hex, outputs: Json): Promise<void> {
    const { rowCount } = await db.query(
      `UPDATE job_step SET status = 'done', outputs = $4::jsonb, finished_at = now()
        WHERE job = $1 AND step = $2 AND inputs_hash = $3 AND status = 'running'`,
      [this.job, step, hash, JSON.stringify(outputs)],
    );
    if (rowCount !== 1)
      throw new PoaError("STATE_CONFLICT", `step "${step}" of job "${this.job}" changed while it ran`, {
        details: { job: this.job, step },
        action: "Another run may be working on this job: make sure only one runs, then run again.",
      });
  }

  private async recordError(step: string, error: unknown): Promise<void> {
    await this.db
      .query("UPDATE job_step SET last_error = $3 WHERE job = $1 AND step = $2 AND status = 'running'", [
        this.job,
        step,
        messageOf(error).slice(0, MAX_ERROR_TEXT),
      ])
      .catch(() => undefined);
  }
}
