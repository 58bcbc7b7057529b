import { UsageMonitor, type UsageMonitorDeps } from "../accounts/usage-monitor.js";
import type { ServiceDeps } from "./service-types.js";

/**
 * The usage monitor one account's service runs, if its config asks for one (`usageCheckMinutes`
 * above 0; none otherwise). From the service it needs the clock, the log, the token it offers now
 * and whom to tell after each answer; the rest comes from the config and the test hooks in `deps`.
 */
export function usageMonitorFor(deps: ServiceDeps, service: Pick<UsageMonitorDeps, "clock" | "log" | "currentToken" | "onReport">): UsageMonitor | undefined {
  const { config } = deps;
  if (config.usageCheckMinutes <= 0) return undefined;
  return new UsageMonitor({
    usageUrl: config.usageUrl,
    userAgent: config.userAgent,
    checkEveryMinutes: config.usageCheckMinutes,
    ...service,
    ...(deps.counting ? { counting: deps.counting } : {}),
    ...(deps.usageGet ? { get: deps.usageGet } : {}),
  });
}
