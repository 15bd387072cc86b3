/** A Redis URL fit for logs and error messages: user name and password removed. */
export function safeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(REDIS_URL is not a valid URL)";
  }
}

/** Refuses anything but redis:// and rediss:// before a connection is tried. */
export function checkRedisUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error("REDIS_URL is not a valid URL (expected redis://host:port or rediss://host:port)");
  }
  if (protocol !== "redis:" && protocol !== "rediss:") {
    throw new Error(`REDIS_URL must use redis:// or rediss://, got ${protocol}//`);
  }
}
