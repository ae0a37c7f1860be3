/**
 * The Model Factory (pure domain layer: imports src/core, src/merkle, src/attribution only).
 *
 * verifyTrainingInputs (what was fetched for published versions) -> trainModel (deterministic
 * artifact + manifest + hash) -> store the bytes in the content store -> register the hash
 * on-chain; a server loads them with loadModel and calls generate / predict.
 */
export { ARTIFACT_MAGIC, ARTIFACT_VERSION, decodeArtifact, encodeArtifact, readManifest } from "./artifact.js";
export { countTokens, decodeText, sequencesOf } from "./corpus.js";
export {
  isHeldOut,
  loadIrisBinary,
  loadSpamAssassin,
  loadWordnetGlosses,
  MAIL_FEATURES,
  mailFeatureRows,
  split,
  type LabelledRow,
  type MailDoc,
  type TextDoc,
} from "./datasets.js";
export { detokenize, detokenizePieces } from "./detokenize.js";
export {
  FACTORY_CODE_VERSION,
  loadModel,
  TOKENIZER,
  trainModel,
  type LoadedModel,
  type LoadOptions,
  type ModelKind,
  type TrainedArtifact,
  type TrainOptions,
  type TrainRequest,
} from "./factory.js";
export {
  classificationScores,
  DEFAULT_TABULAR_LAMBDA,
  majorityBaseline,
  parseRows,
  TabularModel,
  trainTabular,
  type Row,
  type SourcedRow,
} from "./tabular.js";
export {
  TextAdapterModel,
  TextBaseModel,
  type Evaluation,
  type GenerateOptions,
  type Generation,
  type TextModel,
} from "./text-model.js";
export { DEFAULT_ORDER, trainTextAdapter, trainTextBase, unigramBaseline } from "./text-train.js";
export {
  rootOfMembers,
  verifyTrainingInputs,
  type FetchedContribution,
  type FetchedVersion,
  type VerifiedContribution,
  type VerifiedVersion,
} from "./verify.js";
