import type { Command } from "../command.js";
import { bridgeDeposit, bridgeWithdraw } from "./bridge.js";
import { demo } from "./demo.js";
import { devnet, devnetDeploy, devnetStop } from "./devnet.js";

/** Every `poa` command. Add a command by exporting it from its own module and listing it here. */
export const commands: readonly Command[] = [demo, devnet, devnetDeploy, devnetStop, bridgeDeposit, bridgeWithdraw];
