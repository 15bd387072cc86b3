/**
 * A real browser for the pages the gateway serves: Debian's headless Chromium driven by
 * playwright-core (no browser download; .ci/run installs `chromium`). Without it the browser
 * tests skip locally, loudly, and never in CI.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].filter((file): file is string => !!file);

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((file) => existsSync(file));
}

let warned = false;

export function chromiumSkipReason(): string | false {
  if (chromiumPath() || process.env.CI === "true") return false;
  const reason = "chromium not found (apt-get install chromium, or set CHROMIUM_PATH): the browser tests did NOT run";
  if (!warned) console.warn(`\n${"!".repeat(reason.length + 9)}\nSKIPPED: ${reason}\n${"!".repeat(reason.length + 9)}\n`);
  warned = true;
  return reason;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("chromium not found: apt-get install chromium, or set CHROMIUM_PATH");
  // --no-sandbox: CI runs as root, where Chromium's sandbox will not start.
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-dev-shm-usage"], timeout: 60_000 });
}
