/**
 * What an API key looks like, and cutting it out of text before it reaches a message, a log line
 * or an email. OpenAI keys start `sk-` (`sk-admin-…`, `sk-proj-…`), Anthropic's `sk-ant-`
 * (`sk-ant-admin01-…`, `sk-ant-api03-…`), and providers echo them masked (`sk-admin-****abcd`).
 * Deliberately wide: redacting a harmless word costs nothing, echoing a key costs a rotation.
 */
const KEY_SHAPE = /\bsk-[\w*.-]{6,}/g;

/** True when `text` contains something shaped like an API key. */
export function looksLikeKey(text: string): boolean {
  return text.search(KEY_SHAPE) >= 0;
}

/** `text` with every key-shaped run replaced by `sk-…`, and each of `secrets` by `[redacted]`. */
export function redactKeys(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  return out.replace(KEY_SHAPE, 'sk-…');
}

/** What a config field holding a pasted key is told (`adminKeySecret` wants the secret's name). */
export const KEY_ITSELF = 'this looks like the key itself: store it in Secrets Manager and give its name';
