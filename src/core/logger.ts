import { PLUGIN_ID } from "./config.js";
import { redact } from "./redact.js";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * OpenClaw's plugin logger does not name the plugin, so every line carries our prefix (the
 * seed's `grep claude-oauth` depends on it). Every line is also passed through `redact`.
 */
export function prefixedLogger(base: { info(m: string): void; warn(m: string): void; error(m: string): void }): Logger {
  const tag = `[${PLUGIN_ID}]`;
  const line = (m: string) => redact(`${tag} ${m}`);
  return {
    info: (m) => base.info(line(m)),
    warn: (m) => base.warn(line(m)),
    error: (m) => base.error(line(m)),
  };
}
