import type { OpenClawPluginApi } from "openclaw/plugin-sdk/plugin-entry";
import type { AlertChannel } from "./alerts.js";
import { PLUGIN_ID } from "../core/config.js";

/**
 * The fallback when no owner chat is configured (see owner-delivery.ts): a system event in the
 * main agent's session, which OpenClaw hands to the agent with its next turn, plus a wake so that
 * turn comes soon. Only a working model can relay it, and nothing runs with heartbeats off, which
 * is why alerts go straight to the owner's chat whenever one is known.
 */
export function chatAlertChannel(system: OpenClawPluginApi["runtime"]["system"], agentId = "main"): AlertChannel {
  return async (alert) => {
    const text = `[${PLUGIN_ID}] ${alert.message}`;
    // The session key is fully qualified, so this works on every supported OpenClaw: `agentId` is
    // understood from 2026.9.6 on (it only matters for short keys) and ignored before.
    const accepted = system.enqueueSystemEvent(text, { agentId, sessionKey: `agent:${agentId}:main` });
    if (!accepted) throw new Error(`OpenClaw did not accept the alert for agent ${agentId}'s main session`);
    system.requestHeartbeat({ source: "other", intent: "event", reason: PLUGIN_ID });
  };
}
