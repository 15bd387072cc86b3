import type { IncomingHttpHeaders } from "node:http";

/** Where the key was found: `authorization:<scheme>` or a header name. Never the key itself. */
export type CredentialSource = string;

export interface Credential {
  readonly key: string;
  readonly source: CredentialSource;
  /** The Authorization scheme as configured, when the key came from Authorization. */
  readonly scheme?: string;
}

/** The request carries several credentials of this plugin's kind that disagree, or repeats one header. */
export class AmbiguousCredential extends Error {
  override readonly name = "AmbiguousCredential";
}

export interface CredentialReader {
  /**
   * The API key the request carries, or undefined when it carries none of this plugin's kind.
   * Throws AmbiguousCredential when it carries two different keys, or one header twice
   * (`rawHeaders`, as node received them, tells a repeat from one value).
   */
  read(headers: IncomingHttpHeaders, rawHeaders?: readonly string[]): Credential | undefined;
}

function sent(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let index = 0; index < rawHeaders.length; index += 2) if (rawHeaders[index]!.toLowerCase() === name) count++;
  return count;
}

/**
 * Reads `Authorization: <scheme> <key>` for the configured schemes and the bare-key headers.
 * Scheme and header names compare case-insensitively (RFC 9110). An Authorization header with
 * another scheme is not ours: it may belong to another auth plugin. The same key in several of
 * them is one credential; two different keys are ambiguous, never "the first one wins".
 */
export function createCredentialReader(schemes: readonly string[], headerNames: readonly string[]): CredentialReader {
  const byScheme = new Map(schemes.map((scheme) => [scheme.toLowerCase(), scheme]));
  const names = headerNames.map((name) => name.toLowerCase());
  return {
    read(headers, rawHeaders = []) {
      let found: Credential | undefined;
      const add = (credential: Credential) => {
        if (found && found.key !== credential.key) throw new AmbiguousCredential(`Unauthorized: the API keys in ${found.source} and ${credential.source} differ`);
        found ??= credential;
      };
      const authorization = headers.authorization;
      if (authorization !== undefined && byScheme.size) {
        const [, scheme = "", key = ""] = /^\s*(\S+)(?:\s+(.*))?$/.exec(authorization) ?? [];
        const configured = byScheme.get(scheme.toLowerCase());
        if (configured !== undefined) add({ key: key.trim(), source: `authorization:${configured}`, scheme: configured });
      }
      for (const name of names) {
        const value = headers[name];
        if (value === undefined) continue;
        // node joins a repeated header into one value: two keys, not one.
        if (Array.isArray(value) || sent(rawHeaders, name) > 1) throw new AmbiguousCredential(`Unauthorized: ${name} header given more than once`);
        add({ key: value.trim(), source: name });
      }
      return found;
    },
  };
}
