import { StartupError } from "../errors.js";

/**
 * Federation session keys as operators write them in config: 32 bytes, base64 (either alphabet)
 * or 64 hex digits. Checked at config load (so an error names the key's path) and parsed by the
 * session sealer.
 */
const HEX_KEY = /^[0-9a-f]{64}$/i;
/** 43 characters of either base64 alphabet (Node decodes both), optionally padded. */
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** Whether `text` is a session key the sealer accepts (checked at config load, so the error names the key's path). */
export function isSessionKey(text: string): boolean {
  const trimmed = text.trim();
  return HEX_KEY.test(trimmed) || BASE64_KEY.test(trimmed);
}

/** Hex is tried first: 64 hex digits are also valid base64, but of the wrong length. */
export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  if (HEX_KEY.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (BASE64_KEY.test(trimmed)) return Buffer.from(trimmed, "base64");
  throw new StartupError("MCPGW_ERR_CONFIG_INVALID", "session key must be 32 bytes, as base64 or 64 hex digits");
}

