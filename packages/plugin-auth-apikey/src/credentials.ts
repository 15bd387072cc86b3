import type { IncomingHttpHeaders } from "node:http";

/** Where the key was found: `authorization:<scheme>` or a header name. Never the key itself. */
export type CredentialSource = string;

export interface Credential {
  readonly key: string;
  readonly source: CredentialSource;
  /** The Authorization scheme as configured, when the key came from Authorization. */
  readonly scheme?: string;
}

export interface CredentialReader {
  /** The API key the request carries, or undefined when it carries none of this plugin's kind. */
  read(headers: IncomingHttpHeaders): Credential | undefined;
}

/**
 * Reads `Authorization: <scheme> <key>` for the configured schemes first, then the bare-key
 * headers in order. Scheme and header names compare case-insensitively (RFC 9110). An
 * Authorization header with another scheme is not ours: it may belong to another auth plugin.
 */
export function createCredentialReader(schemes: readonly string[], headerNames: readonly string[]): CredentialReader {
  const byScheme = new Map(schemes.map((scheme) => [scheme.toLowerCase(), scheme]));
  const names = headerNames.map((name) => name.toLowerCase());
  return {
    read(headers) {
      const authorization = headers.authorization;
      if (authorization !== undefined && byScheme.size) {
        const [, scheme = "", key = ""] = /^\s*(\S+)(?:\s+(.*))?$/.exec(authorization) ?? [];
        const configured = byScheme.get(scheme.toLowerCase());
        if (configured !== undefined) return { key: key.trim(), source: `authorization:${configured}`, scheme: configured };
      }
      for (const name of names) {
        const value = headers[name];
        if (value === undefined) continue;
        // A repeated header arrives as an array (or joined); either way it is not one key.
        return { key: Array.isArray(value) ? value.join(", ") : value.trim(), source: name };
      }
      return undefined;
    },
  };
}
