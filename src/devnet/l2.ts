import { encodeFunctionData, type Hex } from "viem";

import { bedrockArtifact, multicall3Code, MULTICALL3, PREDEPLOYS, type BedrockContract } from "./artifacts.js";
import { upgradeDeposit } from "./deposit.js";
import type { L1Contracts } from "./l1.js";
import { rpc, type Public, type Sender } from "./rpc.js";

/** Installs code at a fixed address (anvil_setCode), as a genesis allocation would. */
async function setCode(client: Public, address: Hex, code: Hex): Promise<void> {
  await rpc(client, "anvil_setCode", [address, code]);
}

/** Sends a raw deposit transaction and checks its receipt. */
export async function sendDeposit(client: Public, raw: Hex, label: string): Promise<Hex> {
  const hash = await rpc<Hex>(client, "eth_sendRawTransaction", [raw]);
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  if (receipt.status !== "success") throw new Error(`L2 deposit "${label}" failed (${hash})`);
  return hash;
}

/**
 * Installs the OP Stack L2 predeploys an anvil in optimism mode lacks (it executes OP rules but
 * has an empty state): the code of each at its 0x4200… address, then `initialize` of the
 * messenger (with the L1 messenger), the standard bridge (with the L1 bridge) and the ERC-20
 * factory (with the L2 bridge). GasPriceOracle is switched to Ecotone then Fjord by deposits from
 * the depositor account, as the network upgrades did. Multicall3 is installed at its usual address.
 */
export async function installPredeploys(client: Public, sender: Sender, l1: L1Contracts): Promise<void> {
  const names = Object.keys(PREDEPLOYS) as (keyof typeof PREDEPLOYS & BedrockContract)[];
  await Promise.all([
    ...names.map((name) => setCode(client, PREDEPLOYS[name], bedrockArtifact(name).deployedBytecode)),
    setCode(client, MULTICALL3, multicall3Code()),
  ]);
  const init = (name: BedrockContract, arg: Hex) =>
    sender.send(`initialize ${name}`, {
      to: PREDEPLOYS[name as keyof typeof PREDEPLOYS],
      data: encodeFunctionData({ abi: bedrockArtifact(name).abi, functionName: "initialize", args: [arg] }),
      gas: 1_000_000n,
    });
  await init("L2CrossDomainMessenger", l1.L1CrossDomainMessenger);
  await init("L2StandardBridge", l1.L1StandardBridge);
  await init("OptimismMintableERC20Factory", PREDEPLOYS.L2StandardBridge);
  await sender.settle();

  const gpo = bedrockArtifact("GasPriceOracle").abi;
  await sendDeposit(
    client,
    upgradeDeposit(
      "poa devnet: GasPriceOracle Ecotone",
      PREDEPLOYS.GasPriceOracle,
      encodeFunctionData({ abi: gpo, functionName: "setEcotone" }),
    ),
    "GasPriceOracle.setEcotone",
  );
  await sendDeposit(
    client,
    upgradeDeposit(
      "poa devnet: GasPriceOracle Fjord",
      PREDEPLOYS.GasPriceOracle,
      encodeFunctionData({ abi: gpo, functionName: "setFjord" }),
    ),
    "GasPriceOracle.setFjord",
  );
}

/** Installs Multicall3 on L1 (viem's withdrawal helpers need it). */
export async function installL1Preinstalls(client: Public): Promise<void> {
  await setCode(client, MULTICALL3, multicall3Code());
}
