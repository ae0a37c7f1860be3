import type { Command } from "../define.js";
import { attribute } from "./attribute.js";
import { bridgeDeposit, bridgeFinalize, bridgeWithdraw, bridgeWithdrawals } from "./bridge.js";
import { datanetVerify } from "./datanet-verify.js";
import { demo } from "./demo.js";
import { devnet, devnetDeploy, devnetStop } from "./devnet.js";
import { indexBuild } from "./index-build.js";
import { serve, serveExport, serveKey } from "./serve.js";

/** Every `poa` command. Add a command by declaring it in its own module and listing it here. */
export const commands: readonly Command[] = [
  demo,
  devnet,
  devnetDeploy,
  devnetStop,
  bridgeDeposit,
  bridgeWithdraw,
  bridgeWithdrawals,
  bridgeFinalize,
  attribute,
  indexBuild,
  datanetVerify,
  serve,
  serveExport,
  serveKey,
];
