/**
 * Built-in proposal actions: the parameter changes governance makes most, each turned into its
 * call and checked against the contract's own bounds (read from the chain) before anything is
 * proposed, so a proposal that could never execute is refused now rather than after its vote.
 */
import type { Interface } from "ethers";

import { onChain } from "../chain/errors.js";
import { formatOpen } from "../core/amount.js";
import { PoaError } from "../core/errors.js";
import { labelOf, type ProposalCall } from "./calls.js";
import { formatDuration, type Governance } from "./contracts.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  ModelRegistry__factory,
  RewardDistributor__factory,
} from "../../types/ethers-contracts/index.js";

/** Contracts the guardian can pause and only governance unpauses. */
export const PAUSABLE = ["DatanetRegistry", "ModelRegistry", "FeeRouter", "GrantsVault"] as const;
export type Pausable = (typeof PAUSABLE)[number];

export type BuiltinAction =
  /** FeeRouter.schedulePlatformFee: the platform's share of every fee, in bps (effective after the models' notice delay). */
  | { kind: "platform-fee"; bps: bigint }
  /** GrantsVault.setVetoWindow, in seconds. */
  | { kind: "veto-window"; seconds: bigint }
  /** RewardDistributor.setChallengeWindow, in seconds. */
  | { kind: "challenge-window"; seconds: bigint }
  /** ModelRegistry.setNoticeDelay: how long price and split changes wait, in seconds. */
  | { kind: "notice-delay"; seconds: bigint }
  /** OpenGovernor.setVotingPeriod, in seconds. */
  | { kind: "voting-period"; seconds: bigint }
  /** OpenGovernor.updateQuorumNumerator, in percent of the L2 supply. */
  | { kind: "quorum"; percent: bigint }
  /** OpenGovernor.setProposalThreshold, in OPEN wei. */
  | { kind: "proposal-threshold"; amount: bigint }
  /** OpenTimelock.updateDelay, in seconds. */
  | { kind: "timelock-delay"; seconds: bigint }
  /** `unpause()` of a contract the guardian paused. */
  | { kind: "unpause"; contract: Pausable }
  /** OPEN from the treasury (the timelock) to `to`. */
  | { kind: "treasury-transfer"; to: string; amount: bigint };

const U32 = 2n ** 32n - 1n;

function outside(what: string, value: string, range: string): PoaError {
  return new PoaError("VALUE_OUT_OF_RANGE", `${what} ${value} is outside ${range}`, {
    details: { field: what, value, range },
  });
}

function call(g: Governance, target: string, iface: Interface, name: string, args: unknown[]): ProposalCall {
  const fn = iface.getFunction(name)!;
  return { target, value: 0n, data: iface.encodeFunctionData(fn, args), label: labelOf(g, target, fn, args) };
}

function address(g: Governance, name: string): string {
  const found = g.addresses[name];
  if (found === undefined)
    throw new PoaError("DEPLOYMENT_INVALID", `${g.context.deploymentFile} has no ${name}`, {
      details: { contract: name },
      action: "Deploy the protocol (a re-run deploys only what is missing).",
    });
  return found;
}

/** The call of a built-in action, after checking its value against the contract's bounds. */
export async function builtinCall(g: Governance, action: BuiltinAction): Promise<ProposalCall> {
  switch (action.kind) {
    case "platform-fee": {
      const router = FeeRouter__factory.connect(address(g, "FeeRouter"), g.provider);
      const max = await onChain("read the platform fee cap", () => router.MAX_PLATFORM_FEE_BPS());
      if (action.bps > max) throw outside("platform fee", `${action.bps} bps`, `0 to ${max} bps (the FeeRouter's cap)`);
      return call(g, address(g, "FeeRouter"), router.interface as unknown as Interface, "schedulePlatformFee", [
        action.bps,
      ]);
    }
    case "veto-window": {
      const [min, max] = await onChain("read the veto window bounds", () =>
        Promise.all([g.vault.MIN_VETO_WINDOW(), g.vault.MAX_VETO_WINDOW()]),
      );
      if (action.seconds < min || action.seconds > max)
        throw outside(
          "veto window",
          `${action.seconds} s`,
          `${formatDuration(min)} to ${formatDuration(max)} (${min} to ${max} s)`,
        );
      return call(g, address(g, "GrantsVault"), g.vault.interface as unknown as Interface, "setVetoWindow", [
        action.seconds,
      ]);
    }
    case "challenge-window": {
      const d = RewardDistributor__factory.connect(address(g, "RewardDistributor"), g.provider);
      const [min, max] = await onChain("read the challenge window bounds", () =>
        Promise.all([d.MIN_CHALLENGE_WINDOW(), d.MAX_CHALLENGE_WINDOW()]),
      );
      if (action.seconds < min || action.seconds > max)
        throw outside(
          "challenge window",
          `${action.seconds} s`,
          `${formatDuration(min)} to ${formatDuration(max)} (${min} to ${max} s)`,
        );
      return call(g, address(g, "RewardDistributor"), d.interface as unknown as Interface, "setChallengeWindow", [
        action.seconds,
      ]);
    }
    case "notice-delay": {
      const m = ModelRegistry__factory.connect(address(g, "ModelRegistry"), g.provider);
      const [min, max] = await onChain("read the notice delay bounds", () =>
        Promise.all([m.MIN_NOTICE_DELAY(), m.MAX_NOTICE_DELAY()]),
      );
      if (action.seconds < min || action.seconds > max)
        throw outside(
          "notice delay",
          `${action.seconds} s`,
          `${formatDuration(min)} to ${formatDuration(max)} (${min} to ${max} s)`,
        );
      return call(g, address(g, "ModelRegistry"), m.interface as unknown as Interface, "setNoticeDelay", [
        action.seconds,
      ]);
    }
    case "voting-period": {
      const extension = await onChain("read the late-quorum extension", () => g.governor.lateQuorumVoteExtension());
      if (action.seconds < 1n || action.seconds > U32)
        throw outside("voting period", `${action.seconds} s`, `1 to ${U32} s`);
      if (action.seconds < extension)
        throw outside("voting period", `${action.seconds} s`, `at least the late-quorum extension (${extension} s)`);
      return call(g, address(g, "OpenGovernor"), g.governor.interface as unknown as Interface, "setVotingPeriod", [
        action.seconds,
      ]);
    }
    case "quorum":
      if (action.percent < 1n || action.percent > 100n) throw outside("quorum", `${action.percent}%`, "1% to 100%");
      return call(
        g,
        address(g, "OpenGovernor"),
        g.governor.interface as unknown as Interface,
        "updateQuorumNumerator",
        [action.percent],
      );
    case "proposal-threshold":
      return call(g, address(g, "OpenGovernor"), g.governor.interface as unknown as Interface, "setProposalThreshold", [
        action.amount,
      ]);
    case "timelock-delay":
      return call(g, address(g, "OpenTimelock"), g.timelock.interface as unknown as Interface, "updateDelay", [
        action.seconds,
      ]);
    case "unpause": {
      const target = address(g, action.contract);
      const contract =
        action.contract === "GrantsVault"
          ? g.vault
          : action.contract === "FeeRouter"
            ? FeeRouter__factory.connect(target, g.provider)
            : action.contract === "ModelRegistry"
              ? ModelRegistry__factory.connect(target, g.provider)
              : DatanetRegistry__factory.connect(target, g.provider);
      if (!(await onChain(`read whether the ${action.contract} is paused`, () => contract.paused())))
        throw new PoaError("STATE_CONFLICT", `the ${action.contract} is not paused: there is nothing to unpause`, {
          details: { contract: action.contract },
        });
      return call(g, target, contract.interface as unknown as Interface, "unpause", []);
    }
    case "treasury-transfer": {
      const timelock = await g.timelock.getAddress();
      const balance = await onChain("read the treasury", () => g.token.balanceOf(timelock));
      if (balance < action.amount)
        throw new PoaError(
          "INSUFFICIENT_FUNDS",
          `the treasury (the timelock) holds ${formatOpen(balance)} OPEN, less than the ${formatOpen(action.amount)} OPEN to transfer`,
          { details: { balance: balance.toString(), amount: action.amount.toString() } },
        );
      return call(g, await g.token.getAddress(), g.token.interface as unknown as Interface, "transfer", [
        action.to,
        action.amount,
      ]);
    }
  }
}
