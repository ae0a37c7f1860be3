import type { Command } from "../define.js";
import { attribute } from "./attribute.js";
import { bridgeDeposit, bridgeFinalize, bridgeWithdraw, bridgeWithdrawals } from "./bridge.js";
import { datanetAdd, datanetCreate, datanetCurator, datanetPublish, datanetReview, datanetShow } from "./datanet.js";
import { datanetVerify } from "./datanet-verify.js";
import { modelRegister, modelShow, modelTrain } from "./model.js";
import { demo } from "./demo.js";
import { devnet, devnetAdvance, devnetDeploy, devnetStop } from "./devnet.js";
import { govCancel, govDelegate, govExecute, govPropose, govQueue, govStatus, govVote } from "./gov.js";
import {
  grantsCancel,
  grantsCreate,
  grantsRelease,
  grantsReview,
  grantsStatus,
  grantsSubmit,
  grantsVeto,
} from "./grants.js";
import { claimCommand, penalizeCommand, proofsServe, settleCommand, verifyCommand } from "./settle.js";
import { indexBuild } from "./index-build.js";
import { recordsExport, serve, serveExport, serveKey } from "./serve.js";
import { reportCommand } from "./report.js";

/** Every `poa` command. Add a command by declaring it in its own module and listing it here. */
export const commands: readonly Command[] = [
  demo,
  devnet,
  devnetDeploy,
  devnetStop,
  devnetAdvance,
  bridgeDeposit,
  bridgeWithdraw,
  bridgeWithdrawals,
  bridgeFinalize,
  attribute,
  indexBuild,
  datanetCreate,
  datanetCurator,
  datanetAdd,
  datanetReview,
  datanetPublish,
  datanetShow,
  datanetVerify,
  serve,
  serveExport,
  serveKey,
  recordsExport,
  modelTrain,
  modelRegister,
  modelShow,
  settleCommand,
  verifyCommand,
  claimCommand,
  penalizeCommand,
  proofsServe,
  reportCommand,
  govDelegate,
  govPropose,
  govVote,
  govQueue,
  govExecute,
  govCancel,
  govStatus,
  grantsCreate,
  grantsSubmit,
  grantsReview,
  grantsVeto,
  grantsRelease,
  grantsCancel,
  grantsStatus,
];
