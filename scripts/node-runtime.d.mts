export function fitsOpenClaw(version: string): boolean;
export type NodeRuntime =
  | { kind: "current"; version: string }
  | { kind: "package"; name: string; version: string; spec: string; bin: string; sizeMb: number }
  | { kind: "unsupported"; message: string };
export function pickNodeRuntime(o: { platform: string; arch: string; currentVersion: string }): NodeRuntime;
