/**
 * Governance and OpenCircle grants as a user runs them: the real `poa` binary on a devnet whose
 * protocol was deployed (and handed over to the timelock) by `deployToNetwork`. Holders delegate,
 * propose, vote, queue and execute a change of a real protocol parameter (the platform fee, with
 * an unpause the guardian could not do); the guardian cancels a queued proposal; every admin
 * action without the timelock is refused, per role; grants go through their whole life (a
 * rejection and a resubmission, a veto, a release, a cancellation; an Expansion grant reviewed by
 * a proposal); time moves on with `poa devnet advance` and `--wait`. Every bad input of issue 14
 * is a row: a clear first line, the right exit code, no stack trace, and nothing sent by anyone.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { NonceManager, Wallet, keccak256, toUtf8Bytes, type ContractRunner } from "ethers";

import { DEVNET_ROLE_ACCOUNTS, checkRoles, roleExpectations } from "../../deploy/governance.js";
import { decodeRevert } from "../../src/chain/errors.js";
import { devnetKey } from "../../src/context/network.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  GrantsVault__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
  OpenGovernor__factory,
  OpenTimelock__factory,
  RewardDistributor__factory,
} from "../../types/ethers-contracts/index.js";
import { startChain, type ChainFixture } from "../support/protocol-fixture.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const STACK_FRAME = /^\s+at\s.+[(:]/m;
const OPEN = 10n ** 18n;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("poa gov … / poa grants … (the binary) on a devnet handed over to governance", function () {
  this.timeout(1_800_000);
  let c: ChainFixture;
  /** Test mnemonic accounts 0..9: 0 deployer and settler, 1-5 hold 100,000 OPEN, 8 guardian, 9 council. */
  const keys = Array.from({ length: 10 }, (_, i) => devnetKey(i));
  const addr = keys.map((k) => new Wallet(k).address);
  const [GUARDIAN, COUNCIL, GRANTEE, STRANGER] = [8, 9, 6, 7];
  const at = (name: string) => c.record.contracts[name]!.address;
  const read = () => c.provider;

  before(async function () {
    c = await startChain();
  });
  after(async function () {
    await c?.stop();
  });

  const poa = (args: string[]): Result => {
    const r = spawnSync(process.execPath, [join(root, "bin/poa.mjs"), ...args], {
      cwd: root,
      encoding: "utf8",
      timeout: 240_000,
      env: { ...process.env, POA_DEBUG: "" },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const net = () => ["--dir", c.devnetDir, "--deployment", c.deploymentFile];
  const as = (i: number, ...args: string[]) => poa([...args, ...net(), "--private-key", keys[i]!]);
  const ok = (r: Result, what: RegExp) => {
    expect(r.code, `${r.stderr}\n${r.stdout}`).to.equal(0);
    expect(r.stdout).to.match(what);
    expect(r.stderr + r.stdout).to.not.match(STACK_FRAME);
    return r.stdout;
  };
  /** Everything a refusal must leave alone: every account's nonce, the proposals, the grants. */
  const state = async () => {
    const governor = OpenGovernor__factory.connect(at("OpenGovernor"), read());
    const vault = GrantsVault__factory.connect(at("GrantsVault"), read());
    const [nonces, proposals, grants, unreleased] = await Promise.all([
      Promise.all(addr.map((a) => read().getTransactionCount(a))),
      governor.queryFilter(governor.filters.ProposalCreated()),
      vault.grantCount(),
      vault.totalUnreleased(),
    ]);
    return { nonces, proposals: proposals.length, grants, unreleased };
  };
  /** Runs a command that must be refused: first line, exit code, no stack trace, nothing changed. */
  const refused = async (run: () => Result, code: number, what: RegExp) => {
    const before = await state();
    const r = run();
    expect(r.code, `${r.stderr}\n${r.stdout}`).to.equal(code);
    const first = r.stderr.split("\n")[0]!;
    expect(first, r.stderr).to.match(/^error: /);
    expect(first, r.stderr).to.match(what);
    expect(r.stderr + r.stdout).to.not.match(STACK_FRAME);
    expect(await state(), `nothing may change: ${first}`).to.deep.equal(before);
    return r.stderr;
  };
  const file = (name: string, text: string) => {
    const path = join(c.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const proposalNumber = (out: string) => Number(/#(\d+)/.exec(out)![1]);
  /** Holders 1 and 2 vote for; anyone queues and executes, waiting on the devnet's clock. */
  const pass = (n: number) => {
    ok(
      as(1, "gov", "vote", "--proposal", String(n), "--support", "for", "--wait"),
      new RegExp(`Voted for on proposal #${n}`),
    );
    ok(as(2, "gov", "vote", "--proposal", String(n), "--support", "for", "--wait"), /Voted for/);
    ok(as(STRANGER, "gov", "queue", "--proposal", String(n), "--wait"), new RegExp(`Queued proposal #${n}`));
    return ok(as(STRANGER, "gov", "execute", "--proposal", String(n), "--wait"), new RegExp(`Executed proposal #${n}`));
  };
  const signer = (i: number) => new NonceManager(new Wallet(keys[i]!, c.provider));
  const timelock = () => at("OpenTimelock");

  it("the deployment handed every admin role and the treasury to the timelock; a re-run sends nothing", async function () {
    for (const name of ["OpenTimelock", "OpenGovernor", "GrantsVault"])
      expect(c.record.contracts[name]).to.not.equal(undefined);
    expect(DEVNET_ROLE_ACCOUNTS.guardian).to.equal(addr[GUARDIAN]);
    expect(DEVNET_ROLE_ACCOUNTS.council).to.equal(addr[COUNCIL]);
    const admin = "0x" + "00".repeat(32);
    const contracts = [
      DatanetRegistry__factory.connect(at("DatanetRegistry"), read()),
      ModelRegistry__factory.connect(at("ModelRegistry"), read()),
      FeeRouter__factory.connect(at("FeeRouter"), read()),
      RewardDistributor__factory.connect(at("RewardDistributor"), read()),
      GrantsVault__factory.connect(at("GrantsVault"), read()),
      OpenTimelock__factory.connect(at("OpenTimelock"), read()),
    ];
    for (const contract of contracts) {
      expect(await contract.hasRole(admin, timelock())).to.equal(true);
      expect(await contract.hasRole(admin, addr[0]!)).to.equal(false, "the deployer renounced");
    }
    const distributor = RewardDistributor__factory.connect(at("RewardDistributor"), read());
    expect(await distributor.hasRole(await distributor.SETTLER_ROLE(), addr[0]!)).to.equal(true, "settler: account 0");
    expect(await distributor.hasRole(await distributor.RESOLVER_ROLE(), timelock())).to.equal(true);
    expect(await distributor.hasRole(await distributor.RESOLVER_ROLE(), addr[0]!)).to.equal(false, "never the settler");
    expect(await FeeRouter__factory.connect(at("FeeRouter"), read()).treasury()).to.equal(timelock());
    expect(await DatanetRegistry__factory.connect(at("DatanetRegistry"), read()).treasury()).to.equal(timelock());
    // Every holder of every role, rebuilt from the role events.
    const rows = await checkRoles(read(), {
      ...roleExpectations({
        address: at,
        roles: { guardian: addr[GUARDIAN]!, council: addr[COUNCIL]!, settler: addr[0]! },
      }),
    });
    expect(rows.every((r) => r.ok)).to.equal(true);

    const before = await state();
    const again = poa(["devnet", "deploy", ...net(), "--out", c.deploymentFile]);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.not.match(/ deployed$/m);
    expect(again.stderr).to.match(/already handed over/);
    expect(await state()).to.deep.equal(before, "a re-run after the hand-over sends nothing");
  });

  it("refuses every admin action without the timelock, per role; the guardian pauses but cannot unpause", async function () {
    const datanets = DatanetRegistry__factory.connect(at("DatanetRegistry"), read());
    const models = ModelRegistry__factory.connect(at("ModelRegistry"), read());
    const router = FeeRouter__factory.connect(at("FeeRouter"), read());
    const distributor = RewardDistributor__factory.connect(at("RewardDistributor"), read());
    const vault = GrantsVault__factory.connect(at("GrantsVault"), read());
    const governor = OpenGovernor__factory.connect(at("OpenGovernor"), read());
    const tl = OpenTimelock__factory.connect(timelock(), read());
    const ADMIN = "0x" + "00".repeat(32);
    const [SETTLER, RESOLVER, PROPOSER] = await Promise.all([
      distributor.SETTLER_ROLE(),
      distributor.RESOLVER_ROLE(),
      tl.PROPOSER_ROLE(),
    ]);
    /** The call, made by `who`, reverts with `error(who, role?)` (decoded with the project's ABIs). */
    const denied = async (who: string, call: () => Promise<unknown>, error: string, role?: string) => {
      const thrown = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(thrown, `${error} expected for ${who}`).to.not.equal(undefined);
      const data = (thrown as { data?: string }).data;
      const decoded = decodeRevert(data ?? "0x");
      expect(decoded?.name, `${who}: ${String(thrown)}`).to.equal(error);
      expect(String(decoded!.args[0]).toLowerCase()).to.equal(who.toLowerCase());
      if (role !== undefined) expect(decoded!.args[1]).to.equal(role);
    };
    const roles: [string, number][] = [
      ["deployer and settler", 0],
      ["guardian", GUARDIAN],
      ["council", COUNCIL],
      ["holder", 1],
      ["stranger", STRANGER],
    ];
    const before = await state();
    for (const [, i] of roles) {
      const me = addr[i]!;
      const from = { from: me };
      const AC = "AccessControlUnauthorizedAccount";
      await denied(me, () => router.schedulePlatformFee.staticCall(0n, from), AC, ADMIN);
      await denied(me, () => router.setTreasury.staticCall(me, from), AC, ADMIN);
      await denied(me, () => router.unpause.staticCall(from), AC, ADMIN);
      await denied(me, () => models.setNoticeDelay.staticCall(7_200n, from), AC, ADMIN);
      await denied(me, () => models.unpause.staticCall(from), AC, ADMIN);
      await denied(me, () => datanets.setTreasury.staticCall(me, from), AC, ADMIN);
      await denied(me, () => datanets.unpause.staticCall(from), AC, ADMIN);
      await denied(me, () => distributor.setChallengeWindow.staticCall(7_200n, from), AC, ADMIN);
      await denied(me, () => distributor.grantRole.staticCall(SETTLER, me, from), AC, ADMIN);
      await denied(me, () => distributor.resolve.staticCall(true, from), AC, RESOLVER);
      await denied(me, () => vault.setVetoWindow.staticCall(7_200n, from), AC, ADMIN);
      await denied(me, () => vault.unpause.staticCall(from), AC, ADMIN);
      await denied(me, () => vault.cancelGrant.staticCall(1n, keccak256("0x01"), from), AC, ADMIN);
      await denied(me, () => governor.setVotingPeriod.staticCall(1n, from), "GovernorOnlyExecutor");
      await denied(me, () => tl.updateDelay.staticCall(0n, from), "TimelockUnauthorizedCaller");
      await denied(me, () => tl.schedule.staticCall(at("FeeRouter"), 0n, "0x", ADMIN, ADMIN, 60n, from), AC, PROPOSER);
    }
    expect(await state()).to.deep.equal(before);

    // The guardian stops payments; only governance restarts them (the next test's proposal).
    const asGuardian = FeeRouter__factory.connect(at("FeeRouter"), signer(GUARDIAN) as ContractRunner);
    await (await asGuardian.pause()).wait();
    expect(await router.paused()).to.equal(true);
    await denied(
      addr[GUARDIAN]!,
      () => router.unpause.staticCall({ from: addr[GUARDIAN] }),
      "AccessControlUnauthorizedAccount",
      ADMIN,
    );
  });

  it("propose -> vote -> queue -> execute changes the platform fee on the devnet (and unpauses), refusing every bad input", async function () {
    const router = FeeRouter__factory.connect(at("FeeRouter"), read());
    const models = ModelRegistry__factory.connect(at("ModelRegistry"), read());
    expect(await router.platformFeeBps()).to.equal(500n);
    ok(as(1, "gov", "delegate"), /it now has 100,000 votes/);
    ok(as(2, "gov", "delegate"), /it now has 100,000 votes/);

    // Proposing below the threshold: no OPEN at all, or OPEN not delegated.
    await refused(
      () => as(STRANGER, "gov", "propose", "--set-platform-fee", "300", "--description", "x"),
      1,
      /has 0 votes, below the proposal threshold of 1,000$/,
    );
    const hint = await refused(
      () => as(4, "gov", "propose", "--set-platform-fee", "300", "--description", "x"),
      1,
      /has 0 votes, below the proposal threshold of 1,000 \(it holds 100,000 OPEN but has not delegated them to itself\)/,
    );
    expect(hint).to.contain("npx poa gov delegate");

    // Calls files with mistakes: each named, nothing proposed.
    const propose =
      (...args: string[]) =>
      () =>
        as(1, "gov", "propose", "--description", "bad", ...args);
    await refused(propose("--calls", file("broken.json", "[{")), 1, /broken\.json is not valid JSON/);
    await refused(propose("--calls", file("empty.json", "[]")), 1, /empty\.json lists no call/);
    await refused(propose("--calls", join(c.dir, "missing.json")), 1, /cannot read the calls file .*missing\.json/);
    const calls = (name: string, value: unknown) => file(name, JSON.stringify(value));
    await refused(
      propose("--calls", calls("target.json", [{ target: "FeeRoutr", function: "pause()" }])),
      1,
      /call 1: .*"target" "FeeRoutr" is neither a contract of the deployment \(.*FeeRouter.*\) nor an address/,
    );
    await refused(
      propose(
        "--calls",
        calls("sig.json", [{ target: "FeeRouter", function: "schedulePlatformFee(uint16)", args: [300] }]),
      ),
      1,
      /call 1: .*FeeRouter has no function schedulePlatformFee\(uint16\); it has schedulePlatformFee\(uint256\)/,
    );
    await refused(
      propose("--calls", calls("args.json", [{ target: "FeeRouter", function: "schedulePlatformFee", args: [] }])),
      1,
      /schedulePlatformFee\(uint256\) takes 1 argument\(s\), "args" has 0/,
    );
    await refused(
      propose("--calls", calls("arg.json", [{ target: "FeeRouter", function: "schedulePlatformFee", args: ["3%"] }])),
      1,
      /argument 1 "platformFeeBps_" \(uint256\): "3%" is not a whole number/,
    );
    await refused(
      propose("--calls", calls("key.json", [{ target: "FeeRouter", fucntion: "pause()" }])),
      1,
      /unknown key "fucntion"/,
    );
    await refused(
      propose("--calls", calls("view.json", [{ target: "FeeRouter", function: "platformFeeBps" }])),
      1,
      /only reads \(view\): a proposal calling it changes nothing/,
    );
    await refused(
      propose(
        "--calls",
        calls("revert.json", [{ target: "FeeRouter", function: "schedulePlatformFee", args: [5000] }]),
      ),
      1,
      /executed now by the timelock, FeeRouter\.schedulePlatformFee\(5000\) would revert: PlatformFeeTooHigh\(5000, 2000\)/,
    );
    await refused(propose("--set-platform-fee", "2500"), 1, /platform fee 2500 bps is outside 0 to 2000 bps/);
    await refused(propose("--unpause", "ModelRegistry"), 1, /the ModelRegistry is not paused/);
    await refused(() => as(1, "gov", "propose", "--description", "nothing"), 2, /nothing to propose/);
    await refused(() => as(1, "gov", "propose", "--set-platform-fee", "300"), 2, /give --description/);

    const proposed = ok(
      as(
        1,
        "gov",
        "propose",
        "--unpause",
        "FeeRouter",
        "--set-platform-fee",
        "300",
        "--description",
        "Resume payments; platform fee to 3%",
      ),
      /Proposed #1 \(0x[0-9a-f]{64}\)/,
    );
    expect(proposed).to.match(/1\. FeeRouter\.unpause\(\)\n\s+2\. FeeRouter\.schedulePlatformFee\(300\)/);
    const n = proposalNumber(proposed);
    await refused(
      () =>
        as(
          1,
          "gov",
          "propose",
          "--unpause",
          "FeeRouter",
          "--set-platform-fee",
          "300",
          "--description",
          "Resume payments; platform fee to 3%",
        ),
      1,
      /the same proposal \(same calls and description\) already exists: #1/,
    );
    await refused(
      () => as(STRANGER, "gov", "queue", "--proposal", "1"),
      1,
      /proposal #1 has not succeeded: it is (Pending|Active)/,
    );
    await refused(
      () => as(1, "gov", "vote", "--proposal", "9", "--support", "for"),
      1,
      /no proposal #9 on this governor \(it has 1\)/,
    );
    await refused(() => as(1, "gov", "vote", "--proposal", "one", "--support", "for"), 2, /"one" is not a proposal/);
    await refused(() => as(1, "gov", "vote", "--proposal", "1"), 2, /missing --support/);

    ok(
      as(1, "gov", "vote", "--proposal", "1", "--support", "for", "--wait", "--reason", "payments must resume"),
      /Voted for on proposal #1 with 100,000 votes/,
    );
    // No votes at the snapshot (account 3 never delegated); voting twice.
    await refused(
      () => as(3, "gov", "vote", "--proposal", "1", "--support", "for"),
      1,
      /had no votes at proposal #1's snapshot/,
    );
    await refused(
      () => as(1, "gov", "vote", "--proposal", "#1", "--support", "against"),
      1,
      /already voted on proposal #1 \(for, 100,000 votes\): a vote cannot be changed/,
    );
    ok(as(2, "gov", "vote", "--proposal", "1", "--support", "abstain"), /Voted abstain on proposal #1/);
    await refused(
      () => as(STRANGER, "gov", "execute", "--proposal", "1"),
      1,
      /proposal #1 is still Active: it must succeed and be queued first/,
    );
    const early = await refused(
      () => as(STRANGER, "gov", "queue", "--proposal", "1"),
      1,
      /proposal #1 has not succeeded: it is Active \(voting ends at/,
    );
    expect(early).to.contain("--wait");

    ok(poa(["devnet", "advance", "301", "--dir", c.devnetDir]), /L2 time moved/);
    // Voting after the end.
    await refused(
      () => as(3, "gov", "vote", "--proposal", "1", "--support", "for"),
      1,
      /voting on proposal #1 ended at .* \(it is Succeeded: for 100,000, against 0, abstain 100,000/,
    );
    ok(as(STRANGER, "gov", "queue", "--proposal", "1"), /Queued proposal #1 .*; executable from/);
    // Executing before the delay.
    const tooEarly = await refused(
      () => as(STRANGER, "gov", "execute", "--proposal", "1"),
      1,
      /proposal #1 is queued; the timelock delay ends at .* \(in \d/,
    );
    expect(tooEarly).to.contain("--wait");
    expect(await router.paused()).to.equal(true);
    const executed = ok(as(STRANGER, "gov", "execute", "--proposal", String(n), "--wait"), /Executed proposal #1/);
    expect(executed).to.contain("FeeRouter.schedulePlatformFee(300)");
    await refused(() => as(STRANGER, "gov", "execute", "--proposal", "1"), 1, /proposal #1 was already executed/);

    // The real parameter changed: payments resumed at once, the fee after the models' notice delay.
    expect(await router.paused()).to.equal(false);
    expect(await router.platformFeeBps()).to.equal(500n);
    ok(poa(["devnet", "advance", String(await models.noticeDelay()), "--dir", c.devnetDir]), /L2 time moved/);
    expect(await router.platformFeeBps()).to.equal(300n);

    const status = ok(as(STRANGER, "gov", "status"), /1 proposal\(s\):/);
    expect(status).to.match(/#1 {2}Executed +"Resume payments; platform fee to 3%"/);
    expect(status).to.match(/threshold 1,000 OPEN, quorum 4% of the L2 supply/);
    expect(ok(as(STRANGER, "gov", "status", "--proposal", "1"), /id \d+ \(0x[0-9a-f]+\), proposed by/)).to.contain(
      `proposed by ${addr[1]}`,
    );
  });

  it("the guardian cancels a queued proposal, which never executes; a defeated proposal cannot be queued", async function () {
    const vault = GrantsVault__factory.connect(at("GrantsVault"), read());
    const windowBefore = await vault.vetoWindow();
    const calls = file(
      "veto-window.json",
      JSON.stringify({
        description: "A two-hour veto window",
        calls: [{ target: "GrantsVault", function: "setVetoWindow", args: [7200] }],
      }),
    );
    const n = proposalNumber(ok(as(1, "gov", "propose", "--calls", calls), /Proposed #2/));
    ok(as(1, "gov", "vote", "--proposal", String(n), "--support", "for", "--wait"), /Voted for/);
    ok(as(STRANGER, "gov", "queue", "--proposal", String(n), "--wait"), /Queued proposal #2/);
    await refused(
      () => as(1, "gov", "cancel", "--proposal", "2"),
      1,
      /proposal #2 is Queued: its proposer may cancel it only while it is pending/,
    );
    await refused(
      () => as(STRANGER, "gov", "cancel", "--proposal", "2"),
      1,
      /may not cancel proposal #2: only the guardian 0x23618e81/,
    );
    ok(as(GUARDIAN, "gov", "cancel", "--proposal", "2"), /Cancelled proposal #2 .*: it is Canceled/);
    await refused(
      () => as(STRANGER, "gov", "execute", "--proposal", "2", "--wait"),
      1,
      /proposal #2 was cancelled: it cannot be executed/,
    );
    await refused(
      () => as(GUARDIAN, "gov", "cancel", "--proposal", "2"),
      1,
      /proposal #2 was cancelled: it cannot be cancelled/,
    );
    expect(await vault.vetoWindow()).to.equal(windowBefore, "the cancelled change never happened");

    // Defeated: more against than for.
    const d = proposalNumber(
      ok(as(1, "gov", "propose", "--set-veto-window", "5400", "--description", "A 90-minute window"), /Proposed #3/),
    );
    ok(as(1, "gov", "vote", "--proposal", String(d), "--support", "against", "--wait"), /Voted against/);
    ok(as(2, "gov", "vote", "--proposal", String(d), "--support", "against"), /Voted against/);
    ok(poa(["devnet", "advance", "301", "--dir", c.devnetDir]), /L2 time moved/);
    await refused(
      () => as(STRANGER, "gov", "queue", "--proposal", "3"),
      1,
      /proposal #3 was defeated \(for 0, against 200,000, abstain 0, quorum [\d,]+\): it cannot be queued/,
    );
  });

  it("an Exploration grant's whole life: rejection and resubmission, veto, release, cancellation, and every bad input", async function () {
    const vault = GrantsVault__factory.connect(at("GrantsVault"), read());
    const open = L2OpenToken__factory.connect(at("L2OpenToken"), read());
    // Holder 5 gives the treasury (the timelock) 100,000 OPEN.
    await (
      await L2OpenToken__factory.connect(at("L2OpenToken"), signer(5) as ContractRunner).transfer(
        timelock(),
        100_000n * OPEN,
      )
    ).wait();
    const grantee = addr[GRANTEE]!;
    const create =
      (amount: string, ...milestones: string[]) =>
      () =>
        as(
          1,
          "grants",
          "create",
          "--grantee",
          grantee,
          "--tier",
          "exploration",
          "--amount",
          amount,
          ...milestones.flatMap((m) => ["--milestone", m]),
          "--description",
          "OpenCircle: a medical Q&A Datanet",
        );
    // A grant outside its tier's bounds; weights that do not sum to 100%; deadlines before the grant can exist.
    await refused(
      create("20000", "50%:1d:dataset v1", "50%:2d:model v1"),
      1,
      /20,000 OPEN is outside the Exploration tier's bounds \[25,000, 50,000\] OPEN/,
    );
    await refused(
      create("50001", "50%:1d:dataset v1", "50%:2d:model v1"),
      1,
      /50,001 OPEN is outside the Exploration tier's bounds/,
    );
    await refused(
      create("30000", "50%:1d:dataset v1", "40%:2d:model v1"),
      1,
      /the milestone weights sum to 90% \(9000 bps\), not 100%/,
    );
    await refused(
      create("30000", "60%:1d:dataset v1", "50%:2d:model v1"),
      1,
      /the milestone weights sum to 110% \(11000 bps\), not 100%/,
    );
    await refused(
      create("30000", "50%:60s:dataset v1", "50%:2d:model v1"),
      1,
      /milestone 1's deadline .* is before the grant can exist/,
    );
    await refused(
      create("30000", "50%:tomorrow:dataset v1"),
      2,
      /milestone 1 "50%:tomorrow:dataset v1": the deadline "tomorrow" is not a duration/,
    );
    await refused(create("200000", "100%:2d:everything"), 1, /200,000 OPEN is outside the Exploration tier's bounds/);

    const n = proposalNumber(
      ok(
        create("30000", "50%:1d:dataset v1", "50%:2d:model v1")(),
        /Proposed grant of 30,000 OPEN \(exploration\) .* as proposal #4/,
      ),
    );
    const treasuryBefore = await open.balanceOf(timelock());
    pass(n);
    expect(await vault.grantCount()).to.equal(1n);
    expect(await open.balanceOf(at("GrantsVault"))).to.equal(30_000n * OPEN, "funded in full at creation");
    expect(await open.balanceOf(timelock())).to.equal(treasuryBefore - 30_000n * OPEN);
    expect(await open.allowance(timelock(), at("GrantsVault"))).to.equal(0n, "no allowance left standing");

    const evidenceFile = file("dataset-v1.txt", "medical Q&A Datanet, version 1: 2,000 question-answer pairs\n");
    const submit =
      (i: number, ...evidence: string[]) =>
      () =>
        as(i, "grants", "submit", "--grant", "1", "--milestone", "0", ...evidence);
    await refused(
      submit(STRANGER, "--evidence-file", evidenceFile),
      1,
      /only grant 1's grantee 0x976EA740.* submits its evidence/,
    );
    await refused(
      () => as(STRANGER, "grants", "release", "--grant", "1"),
      1,
      /milestone 0 of grant 1 is pending, not approved: it cannot be released/,
    );
    await refused(submit(GRANTEE), 2, /exactly one of --evidence/);
    const first = ok(
      submit(GRANTEE, "--evidence-file", evidenceFile)(),
      /Submitted evidence 0x[0-9a-f]{64} \(keccak-256 of .*dataset-v1\.txt \(\d+ bytes\)\) for milestone 0 of grant 1, attempt 1/,
    );
    expect(first).to.contain(keccak256(toUtf8Bytes("medical Q&A Datanet, version 1: 2,000 question-answer pairs\n")));
    await refused(
      submit(GRANTEE, "--evidence-file", evidenceFile),
      1,
      /milestone 0 of grant 1 is submitted: evidence is taken only while it is pending, rejected or vetoed/,
    );

    const review =
      (i: number, verdict: "--approve" | "--reject", ...more: string[]) =>
      () =>
        as(i, "grants", "review", "--grant", "1", "--milestone", "0", verdict, ...more);
    await refused(review(1, "--approve"), 1, /is not the council \(COUNCIL_ROLE\) that reviews exploration grants/);
    ok(review(COUNCIL, "--reject", "--reason", "no held-out test set")(), /Rejected milestone 0 of grant 1/);
    await refused(
      () => as(STRANGER, "grants", "release", "--grant", "1"),
      1,
      /milestone 0 of grant 1 is rejected, not approved: it cannot be released \(the grantee may submit new evidence\)/,
    );
    ok(submit(GRANTEE, "--evidence", `0x${"ab".repeat(32)}`)(), /attempt 2/);
    ok(
      review(COUNCIL, "--approve")(),
      /Approved milestone 0 of grant 1 \(evidence 0x(ab){32}\) .*releasable after the veto window/,
    );
    // Releasing before the veto window ends.
    const early = await refused(
      () => as(STRANGER, "grants", "release", "--grant", "1"),
      1,
      /milestone 0 of grant 1 is in its veto window until .* \(in \d+ min/,
    );
    expect(early).to.contain("--wait");
    await refused(
      () => as(STRANGER, "grants", "veto", "--grant", "1", "--milestone", "0", "--reason", "x"),
      1,
      /is not the guardian \(GUARDIAN_ROLE\): only the guardian vetoes/,
    );
    ok(
      as(GUARDIAN, "grants", "veto", "--grant", "1", "--milestone", "0", "--reason", "the data duplicates Datanet 1"),
      /Vetoed milestone 0 of grant 1/,
    );
    // A vetoed milestone never pays, even after its window.
    ok(poa(["devnet", "advance", "3700", "--dir", c.devnetDir]), /L2 time moved/);
    await refused(
      () => as(STRANGER, "grants", "release", "--grant", "1"),
      1,
      /milestone 0 of grant 1 is vetoed, not approved/,
    );
    ok(submit(GRANTEE, "--evidence", `0x${"cd".repeat(32)}`)(), /attempt 3/);
    ok(review(COUNCIL, "--approve")(), /Approved milestone 0/);
    await refused(
      () => as(STRANGER, "grants", "release", "--grant", "1", "--milestone", "1"),
      1,
      /milestones are released in order: milestone 0 of grant 1 comes before milestone 1/,
    );
    ok(
      as(STRANGER, "grants", "release", "--grant", "1", "--wait"),
      /Released milestone 0 of grant 1: 15,000 OPEN to 0x976EA740/,
    );
    expect(await open.balanceOf(grantee)).to.equal(15_000n * OPEN);
    // A second release.
    await refused(
      () => as(STRANGER, "grants", "release", "--grant", "1", "--milestone", "0"),
      1,
      /milestone 0 of grant 1 was already released \(15,000 OPEN/,
    );

    // Evidence after the deadline (milestone 1 is due 2 days after the proposal).
    ok(poa(["devnet", "advance", String(3 * 86_400), "--dir", c.devnetDir]), /L2 time moved/);
    await refused(
      () => as(GRANTEE, "grants", "submit", "--grant", "1", "--milestone", "1", "--evidence", `0x${"ef".repeat(32)}`),
      1,
      /evidence for milestone 1 of grant 1 was due by .*; it is /,
    );
    const shown = ok(
      as(STRANGER, "grants", "status", "--grant", "1"),
      /Grant 1 \(exploration, active\): 30,000 OPEN to 0x976E.*, 15,000 released/,
    );
    expect(shown).to.match(/milestone 0: 50% = 15,000 OPEN, released \(attempt 3\)/);

    // Cancellation: the rest returns to the treasury; cancelling twice is refused.
    const cancel = () =>
      as(1, "grants", "cancel", "--grant", "1", "--reason", "milestone 1 can no longer be delivered");
    const c5 = proposalNumber(
      ok(cancel(), /Proposed cancelling grant 1 as proposal #5 .*it would return 15,000 OPEN to the treasury/),
    );
    const treasury = await open.balanceOf(timelock());
    pass(c5);
    expect(await open.balanceOf(timelock())).to.equal(treasury + 15_000n * OPEN);
    expect(await vault.totalUnreleased()).to.equal(0n);
    await refused(cancel, 1, /grant 1 was cancelled \(it pays nothing more\): it cannot be cancelled twice/);
    await refused(
      () => as(STRANGER, "grants", "release", "--grant", "1", "--milestone", "1"),
      1,
      /grant 1 was cancelled \(it pays nothing more\): it cannot release milestones/,
    );
    await refused(() => as(STRANGER, "grants", "status", "--grant", "7"), 1, /grant 7 does not exist \(there are 1\)/);
  });

  it("an Expansion grant's milestone is reviewed by a governance proposal, then released", async function () {
    const vault = GrantsVault__factory.connect(at("GrantsVault"), read());
    const open = L2OpenToken__factory.connect(at("L2OpenToken"), read());
    for (const i of [3, 4])
      await (
        await L2OpenToken__factory.connect(at("L2OpenToken"), signer(i) as ContractRunner).transfer(
          timelock(),
          100_000n * OPEN,
        )
      ).wait();
    const created = ok(
      as(
        1,
        "grants",
        "create",
        "--grantee",
        addr[STRANGER]!,
        "--tier",
        "expansion",
        "--amount",
        "250000",
        "--milestone",
        "100%:30d:a trained medical model",
        "--description",
        "OpenCircle Expansion: medical model",
      ),
      /as proposal #6/,
    );
    pass(proposalNumber(created));
    expect(await vault.grantCount()).to.equal(2n);
    ok(
      as(STRANGER, "grants", "submit", "--grant", "2", "--milestone", "0", "--evidence", `0x${"12".repeat(32)}`),
      /attempt 1/,
    );
    // Not the council's to review: the council holds no votes, so it cannot even propose.
    await refused(
      () => as(COUNCIL, "grants", "review", "--grant", "2", "--milestone", "0", "--approve"),
      1,
      /below the proposal threshold/,
    );
    const review = ok(
      as(1, "grants", "review", "--grant", "2", "--milestone", "0", "--approve"),
      /Proposed to approve milestone 0 of grant 2 \(Expansion: governance reviews\) as proposal #7/,
    );
    pass(proposalNumber(review));
    expect((await vault.getMilestone(2n, 0n)).status).to.equal(2n, "Approved");
    ok(
      as(STRANGER, "grants", "release", "--grant", "2", "--wait"),
      /Released milestone 0 of grant 2: 250,000 OPEN .*; the grant is complete/,
    );
    expect(await open.balanceOf(addr[STRANGER]!)).to.equal(250_000n * OPEN);
    const all = ok(as(STRANGER, "grants", "status"), /2 grant\(s\):/);
    expect(all).to.match(/Grant 2 \(expansion, completed\)/);
    expect(all).to.match(/veto window 1 h/);
  });
});
