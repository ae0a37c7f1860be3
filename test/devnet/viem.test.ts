import { rmSync } from "node:fs";

import { expect } from "chai";
import { createPublicClient, createWalletClient, defineChain, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { chainConfig, publicActionsL1, publicActionsL2, walletActionsL1, walletActionsL2 } from "viem/op-stack";

import { startDevnet, type Devnet } from "../../src/devnet/devnet.js";
import { freePort } from "../../src/devnet/ports.js";
import { tempDir } from "../support/temp.js";

describe("devnet with viem's op-stack actions (no SDK): deposit, withdraw, prove, finalize", function () {
  this.timeout(60_000);
  let net: Devnet;
  let dir: string;

  before(async function () {
    dir = tempDir("poa-devnet-viem-");
    net = await startDevnet({ l1Port: await freePort(), l2Port: await freePort(), dir });
  });
  after(async function () {
    await net?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("deposits and withdraws ETH with viem alone", async function () {
    const a = net.addresses;
    const l1Chain = defineChain({
      id: a.l1ChainId,
      name: "devnet L1",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [a.l1Rpc] } },
      contracts: { multicall3: { address: a.Multicall3 } },
    });
    const l2Chain = defineChain({
      ...chainConfig,
      id: a.l2ChainId,
      name: "devnet L2",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [a.l2Rpc] } },
      sourceId: a.l1ChainId,
      contracts: {
        ...chainConfig.contracts,
        portal: { [a.l1ChainId]: { address: a.OptimismPortal } },
        l2OutputOracle: { [a.l1ChainId]: { address: a.L2OutputOracle } },
        multicall3: { address: a.Multicall3 },
      },
    });
    const account = privateKeyToAccount(net.accounts[7]!.privateKey);
    const l1 = createPublicClient({ chain: l1Chain, transport: http(), pollingInterval: 100 }).extend(
      publicActionsL1(),
    );
    const l2 = createPublicClient({ chain: l2Chain, transport: http(), pollingInterval: 100 }).extend(
      publicActionsL2(),
    );
    const l1Wallet = createWalletClient({ account, chain: l1Chain, transport: http() }).extend(walletActionsL1());
    const l2Wallet = createWalletClient({ account, chain: l2Chain, transport: http() }).extend(walletActionsL2());

    // Deposit: L1 portal -> relayed deposit on L2.
    const before = await l2.getBalance({ address: account.address });
    const depositArgs = await l2.buildDepositTransaction({ mint: parseEther("1"), to: account.address });
    const depositHash = await l1Wallet.depositTransaction(depositArgs);
    const depositReceipt = await l1.waitForTransactionReceipt({ hash: depositHash });
    const [l2Hash] = (await import("viem/op-stack")).getL2TransactionHashes(depositReceipt);
    await l2.waitForTransactionReceipt({ hash: l2Hash! });
    expect(await l2.getBalance({ address: account.address })).to.equal(before + parseEther("1"));

    // Withdrawal: initiate on L2, wait for an output, prove, wait, finalize.
    const withdrawArgs = await l1.buildInitiateWithdrawal({ to: account.address, value: parseEther("0.25") });
    const initiateHash = await l2Wallet.initiateWithdrawal(withdrawArgs);
    const initiateReceipt = await l2.waitForTransactionReceipt({ hash: initiateHash });
    const { output, withdrawal } = await l1.waitToProve({ receipt: initiateReceipt, targetChain: l2Chain });
    const proveArgs = await l2.buildProveWithdrawal({ output, withdrawal });
    await l1.waitForTransactionReceipt({ hash: await l1Wallet.proveWithdrawal(proveArgs) });
    await l1.waitToFinalize({ targetChain: l2Chain, withdrawalHash: withdrawal.withdrawalHash });
    const l1Before = await l1.getBalance({ address: account.address });
    const finalizeHash = await l1Wallet.finalizeWithdrawal({ targetChain: l2Chain, withdrawal });
    const finalized = await l1.waitForTransactionReceipt({ hash: finalizeHash });
    expect(finalized.status).to.equal("success");
    expect(await l1.getWithdrawalStatus({ receipt: initiateReceipt, targetChain: l2Chain })).to.equal("finalized");
    const gas = finalized.gasUsed * finalized.effectiveGasPrice;
    expect(await l1.getBalance({ address: account.address })).to.equal(l1Before + parseEther("0.25") - gas);
  });
});
