import type { Command } from "../command.js";
import { attribute } from "./attribute.js";
import { bridgeDeposit, bridgeWithdraw } from "./bridge.js";
import { datanetVerify } from "./datanetVerify.js";
import { demo } from "./demo.js";
import { devnet, devnetDeploy, devnetStop } from "./devnet.js";
import { indexBuild } from "./index-build.js";

/** Every `poa` command. Add a command by exporting it from its own module and listing it here. */
export const commands: readonly Command[] = [
  demo,
  devnet,
  devnetDeploy,
  devnetStop,
  bridgeDeposit,
  bridgeWithdraw,
  attribute,
  indexBuild,
  datanetVerify,
];
