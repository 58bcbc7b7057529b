import { definePluginEntry } from "openclaw/plugin-sdk/plugin-entry";

export default definePluginEntry({
  id: "claude-oauth-refresh",
  name: "Claude OAuth Auto-Refresh",
  description: "Keeps a Claude subscription login alive on a server.",
  register(api) {
    api.registerService({
      id: "claude-oauth-refresh",
      start(ctx) {
        ctx.logger.info("[claude-oauth-refresh] 🔄 Claude OAuth Auto-Refresh plugin loading...");
      },
    });
  },
});
