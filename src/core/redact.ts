/**
 * Last line of defence against a token reaching a log line or an error message: anything
 * shaped like an Anthropic token, and every token value the plugin has handled, is masked.
 * The plugin never builds messages from token values in the first place; this catches text
 * that comes from elsewhere (a server's error body, a library's error message).
 */
const TOKEN_SHAPE = /sk-ant-[A-Za-z0-9]{2,6}-[A-Za-z0-9_-]{8,}/g;
const MAX_KNOWN = 64;
const known = new Set<string>();

/** Remember a secret so that it is masked wherever it shows up, whatever its shape. */
export function rememberSecret(value: string | undefined): void {
  if (!value || value.length < 8) return;
  known.add(value);
  // Bounded: a long-running gateway sees a new pair every few hours.
  if (known.size > MAX_KNOWN) known.delete(known.values().next().value as string);
}

export function redact(text: string): string {
  let out = text.replace(TOKEN_SHAPE, "[REDACTED]");
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
  }
  return out;
}
