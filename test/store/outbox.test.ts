import { expect } from "chai";
import { Wallet } from "ethers";

import { deployOpenToken } from "../../deploy/tokens.js";
import { WalletTxSender } from "../../src/chain/tx-sender.js";
import { PoaError } from "../../src/core/errors.js";
import type { Hex } from "../../src/core/hash.js";
import type { Database } from "../../src/store/database.js";
import { openStore } from "../../src/store/open.js";
import { Outbox } from "../../src/store/outbox.js";
import { describeBackends } from "./support/backends.js";
import { ACCOUNTS, startChain, type TestChain } from "./support/chain.js";
import { startChild } from "./support/child.js";

async function rejects(promise: Promise<unknown>): Promise<PoaError> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(PoaError);
    return error as PoaError;
  }
  expect.fail("expected a PoaError");
}

describeBackends("transaction outbox", (backend) => {
  let chain: TestChain;
  const open: Database[] = [];
  before(async function () {
    chain = await startChain();
  });
  after(async function () {
    await chain?.stop();
  });
  afterEach(async function () {
    await Promise.all(open.splice(0).map((db) => db.close()));
  });
  const store = async (location: string) => {
    const db = await openStore(location, { lockName: "outbox-test", waitMs: 10_000 });
    open.push(db);
    return db;
  };
  const wallet = (i: number) => new Wallet(ACCOUNTS[i]!.privateKey, chain.provider);
  const nonceOf = async (i: number) => BigInt(await chain.provider.getTransactionCount(ACCOUNTS[i]!.address, "latest"));
  const balanceOf = (address: string) => chain.provider.getBalance(address);

  /** Runs the `outbox` child role to its SIGKILL at `killAt`, or to its end. */
  async function child(location: string, key: number, id: string, to: string, value: bigint, killAt?: string) {
    const c = startChild("outbox", {
      location,
      url: chain.url,
      key: ACCOUNTS[key]!.privateKey,
      id,
      to,
      data: "0x",
      value: value.toString(),
      killAt,
    });
    const exit = await c.exited;
    if (killAt !== undefined) expect(exit.signal, c.stderr()).to.equal("SIGKILL");
    else expect(exit.code, c.stderr()).to.equal(0);
    return c.lines;
  }

  it("sends once and waits until mined; sending the same id again touches nothing", async function () {
    const db = await store(await backend.fresh());
    const outbox = new Outbox(db);
    const to = Wallet.createRandom().address;
    const sender = new WalletTxSender(wallet(1), chain.url);
    const stages: string[] = [];
    const entry = await outbox.send("grant-1", { to, data: "0x", value: 12_345n }, sender, {
      pollMs: 20,
      onStage: (s) => stages.push(s),
    });
    expect(stages).to.deep.equal(["intent", "signed", "broadcast", "mined"]);
    expect(entry).to.include({
      status: "mined",
      attempts: 1,
      sender: ACCOUNTS[1]!.address.toLowerCase(),
      to: to.toLowerCase(),
    });
    const receipt = await chain.provider.getTransactionReceipt(entry.txHash!);
    expect(receipt!.blockNumber).to.equal(Number(entry.blockNumber));
    expect(entry.blockHash).to.equal(receipt!.blockHash);
    expect(await balanceOf(to)).to.equal(12_345n);
    const nonce = await nonceOf(1);
    const again = await outbox.send("grant-1", { to, data: "0x", value: 12_345n }, sender);
    expect(again).to.deep.equal(entry);
    expect(await nonceOf(1)).to.equal(nonce);
    expect(await balanceOf(to)).to.equal(12_345n);
    expect(await outbox.open()).to.deep.equal([]);

    const conflict = await rejects(outbox.send("grant-1", { to, data: "0x", value: 1n }, sender));
    expect(conflict.code).to.equal("OUTBOX_CONFLICT");
    expect(conflict.details.differs).to.deep.equal(["value"]);
  });

  it("kill -9 after the signed transaction is recorded, before any broadcast: the re-run sends that same transaction, once", async function () {
    const location = await backend.fresh();
    const to = Wallet.createRandom().address;
    const nonce = await nonceOf(2);
    await child(location, 2, "pay-a", to, 777n, "signed");
    const recorded = (await new Outbox(await store(location)).get("pay-a"))!;
    expect(recorded).to.include({ status: "signed", nonce });
    expect(await chain.provider.getTransactionReceipt(recorded.txHash!)).to.equal(null, "never broadcast");
    await Promise.all(open.splice(0).map((db) => db.close()));

    const lines = await child(location, 2, "pay-a", to, 777n);
    const stages = lines.filter((l) => l.stage !== undefined).map((l) => l.stage);
    expect(stages).to.deep.equal(["intent", "mined"], "resumed at the recorded transaction, signed nothing new");
    const entry = (await new Outbox(await store(location)).get("pay-a"))!;
    expect(entry).to.include({ status: "mined", txHash: recorded.txHash, attempts: 1 });
    expect(await balanceOf(to)).to.equal(777n);
    expect(await nonceOf(2)).to.equal(nonce + 1n);
  });

  it("kill -9 after the broadcast, before the receipt is recorded: the re-run finds it mined and sends nothing", async function () {
    const location = await backend.fresh();
    const to = Wallet.createRandom().address;
    const nonce = await nonceOf(3);
    await child(location, 3, "pay-b", to, 888n, "broadcast");
    const recorded = (await new Outbox(await store(location)).get("pay-b"))!;
    expect(recorded.status).to.equal("signed");
    expect(await chain.provider.getTransactionReceipt(recorded.txHash!)).to.not.equal(null, "it reached the chain");
    await Promise.all(open.splice(0).map((db) => db.close()));

    await child(location, 3, "pay-b", to, 888n);
    const entry = (await new Outbox(await store(location)).get("pay-b"))!;
    expect(entry).to.include({ status: "mined", txHash: recorded.txHash, attempts: 1 });
    expect(await balanceOf(to)).to.equal(888n);
    expect(await nonceOf(3)).to.equal(nonce + 1n);
  });

  it("a recorded transaction whose nonce another transaction took can never be mined: it is signed again, and paid once", async function () {
    const location = await backend.fresh();
    const to = Wallet.createRandom().address;
    await child(location, 4, "pay-c", to, 999n, "signed");
    const recorded = (await new Outbox(await store(location)).get("pay-c"))!;
    await Promise.all(open.splice(0).map((db) => db.close()));
    // Someone else uses the key: the recorded transaction's nonce is gone.
    await (
      await wallet(4).sendTransaction({ to: Wallet.createRandom().address, value: 1n, nonce: Number(recorded.nonce) })
    ).wait();

    const lines = await child(location, 4, "pay-c", to, 999n);
    expect(lines.filter((l) => l.stage !== undefined).map((l) => l.stage)).to.deep.equal([
      "intent",
      "replaced",
      "signed",
      "broadcast",
      "mined",
    ]);
    const entry = (await new Outbox(await store(location)).get("pay-c"))!;
    expect(entry).to.include({ status: "mined", attempts: 2, nonce: recorded.nonce! + 1n });
    expect(entry.replaced).to.deep.equal([recorded.txHash]);
    expect(await chain.provider.getTransactionReceipt(recorded.txHash!)).to.equal(null);
    expect(await balanceOf(to)).to.equal(999n);
  });

  it("a call that would revert is not sent; one that reverts on-chain is final and never sent again", async function () {
    const db = await store(await backend.fresh());
    const outbox = new Outbox(db);
    const [holder, spender] = [wallet(5), wallet(0)];
    const token = await deployOpenToken(holder, holder.address);
    const tokenAddress = await token.getAddress();
    const to = Wallet.createRandom().address;
    const transferFrom = token.interface.encodeFunctionData("transferFrom", [holder.address, to, 5n]) as Hex;
    const sender = new WalletTxSender(spender, chain.url);

    // No allowance yet: estimating the call reverts, so nothing is signed or sent.
    const refused = await rejects(outbox.send("pull-1", { to: tokenAddress, data: transferFrom }, sender));
    expect(refused.code).to.equal("CONTRACT_REVERTED");
    expect(await outbox.get("pull-1")).to.include({ status: "intent", txHash: null });

    // With an allowance it is signed and recorded; the allowance is withdrawn before it is mined.
    await (await token.connect(holder).approve(spender.address, 5n)).wait();
    await chain.rpc("evm_setAutomine", [false]);
    try {
      // The rejection is taken at once: the outbox may see the revert before the test awaits it.
      const sending = rejects(outbox.send("pull-1", { to: tokenAddress, data: transferFrom }, sender, { pollMs: 20 }));
      while ((await outbox.get("pull-1"))?.status !== "signed") await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50)); // let the broadcast land in the pool
      const revoke = await token
        .connect(holder)
        .approve(spender.address, 0n, { gasPrice: 10n ** 12n, gasLimit: 100_000n });
      await chain.mine(1); // the revocation pays more and goes first
      await chain.rpc("evm_setAutomine", [true]);
      await revoke.wait();
      const error = await sending;
      expect(error.code).to.equal("OUTBOX_TX_REVERTED");
    } finally {
      await chain.rpc("evm_setAutomine", [true]);
    }
    const entry = (await outbox.get("pull-1"))!;
    expect(entry.status).to.equal("reverted");
    const nonce = await nonceOf(0);
    expect((await rejects(outbox.send("pull-1", { to: tokenAddress, data: transferFrom }, sender))).code).to.equal(
      "OUTBOX_TX_REVERTED",
    );
    expect(await nonceOf(0)).to.equal(nonce, "not sent again");
    expect(await token.balanceOf(to)).to.equal(0n);
  });
});
