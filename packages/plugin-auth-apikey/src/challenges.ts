import type { Credential } from "./credentials.js";

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/** One `WWW-Authenticate` challenge per accepted Authorization scheme, e.g. `Bearer realm="mcp-gateway"`. */
export function challengesFor(schemes: readonly string[], realm: string): string[] {
  return schemes.map((scheme) => `${scheme} realm=${quote(realm)}`);
}

/** The challenges of a 401 for a bad key: the Bearer one says `error="invalid_token"` (RFC 6750) when the key came that way. */
export function invalidKeyChallenges(challenges: readonly string[], schemes: readonly string[], credential: Credential): string[] {
  return challenges.map((challenge, index) => {
    const scheme = schemes[index]!;
    const usedBearer = scheme === credential.scheme && scheme.toLowerCase() === "bearer";
    return usedBearer ? `${challenge}, error="invalid_token"` : challenge;
  });
}
