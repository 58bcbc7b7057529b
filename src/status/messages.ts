/** The answer every surface gives when the plugin has no running accounts in this gateway. */
export const NOT_RUNNING = "claude-oauth-refresh is not running in this gateway (disabled, or its config is invalid: see the gateway log).";
