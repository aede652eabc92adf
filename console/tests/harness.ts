// Starts and stops what the browser tests need: the test bed (or the one
// FERRY_TESTBED names), `ferry server` on a free port, and helpers that check
// results with boto3 (s3_tool.py), never with ferry itself.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, "../..");
export const FERRY_BIN = process.env.FERRY_BIN ?? path.join(REPO, "build/ferry");
export const ADMIN_PASSWORD = "admin-password-for-console-tests";
// Screenshots for docs/console.md with UPDATE_SCREENSHOTS=1; else beside the test results.
export const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.join(REPO, "docs/console")
  : path.join(REPO, "console/test-results/screenshots");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export interface Endpoint {
  endpoint: string;
  region: string;
  access_key: string;
  secret_key: string;
}

// The test bed's endpoints: FERRY_TESTBED's, else one started here (and stopped by stopTestbed).
let ownTestbed = "";
export function testbed(): Record<string, Endpoint> {
  if (!process.env.FERRY_TESTBED) {
    ownTestbed = mkdtempSync(path.join(tmpdir(), "ferry-console-testbed-"));
    const r = spawnSync("python3", [path.join(REPO, "tests/testbed/testbed.py"), "start", "--dir", ownTestbed], {
      stdio: "inherit",
    });
    if (r.status !== 0) throw new Error("the test bed did not start");
    process.env.FERRY_TESTBED = path.join(ownTestbed, "endpoints.json");
  }
  return JSON.parse(readFileSync(process.env.FERRY_TESTBED!, "utf8"));
}

export function stopTestbed() {
  if (ownTestbed) spawnSync("python3", [path.join(REPO, "tests/testbed/testbed.py"), "stop", "--dir", ownTestbed]);
}

export function s3tool(...args: string[]): { status: number; out: string } {
  const r = spawnSync("python3", [path.join(HERE, "s3_tool.py"), ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status ?? -1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

// A registry of the test bed (Debian's docker-registry): "username"/"password" when it asks for a login.
export interface Registry {
  host: string;
  log: string;
  username?: string;
  password?: string;
}

// Images pushed and checked with skopeo (image_tool.py), never with ferry itself.
export function imagetool(...args: string[]): { status: number; out: string; stdout: string } {
  const r = spawnSync("python3", [path.join(HERE, "image_tool.py"), ...args], { encoding: "utf8", timeout: 300_000 });
  return { status: r.status ?? -1, out: (r.stdout ?? "") + (r.stderr ?? ""), stdout: (r.stdout ?? "").trim() };
}

// Waits for a line of a child's stdout that matches `re`.
function waitForLine(child: ChildProcess, re: RegExp, what: string, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${buffer}`)), timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      buffer += d.toString();
      const m = buffer.match(re);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: exited with ${code}: ${buffer}`));
    });
  });
}

export class Proxy {
  child!: ChildProcess;
  url = "";
  refuseFile = "";
  async start(target: string) {
    const dir = mkdtempSync(path.join(tmpdir(), "ferry-console-proxy-"));
    this.refuseFile = path.join(dir, "refuse");
    this.child = spawn("python3", [path.join(HERE, "s3_tool.py"), "proxy", target, this.refuseFile], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const m = await waitForLine(this.child, /port (\d+)/, "the S3 proxy");
    this.url = `http://127.0.0.1:${m[1]}`;
    return this;
  }
  refuse(keys: string[]) {
    writeFileSync(this.refuseFile, keys.join("\n") + "\n");
  }
  allow() {
    writeFileSync(this.refuseFile, "");
  }
  stop() {
    this.child?.kill("SIGTERM");
    if (this.refuseFile) rmSync(path.dirname(this.refuseFile), { recursive: true, force: true });
  }
}

export class FerryServer {
  child!: ChildProcess;
  url = "";
  port = 0;
  data = "";
  log = "";
  root = "";
  async start(extra: string[] = [], port?: number) {
    const root = (this.root = mkdtempSync(path.join(tmpdir(), "ferry-console-server-")));
    this.data = path.join(root, "data");
    mkdirSync(path.join(root, "local"), { recursive: true });
    this.port = port ?? (await freePort());
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("AWS_")) env[k] = v;
    env.AWS_EC2_METADATA_DISABLED = "true";
    env.HOME = root;
    env.FERRY_ADMIN_PASSWORD = ADMIN_PASSWORD;
    if (!existsSync(FERRY_BIN)) throw new Error(`no ferry binary at ${FERRY_BIN}: scripts/build.sh builds it`);
    this.child = spawn(
      FERRY_BIN,
      ["server", "--data", this.data, "--listen", `127.0.0.1:${this.port}`, "--local-root", path.join(root, "local"),
       "--series-interval", "1", "--allow-target", "loopback", "-v", ...extra],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.child.stderr!.on("data", (d: Buffer) => {
      this.log += d.toString();
      if (this.log.length > 200_000) this.log = this.log.slice(-100_000);
    });
    const m = await waitForLine(this.child, /listening on (http:\/\/\S+)/, "ferry server");
    this.url = m[1];
    return this;
  }
  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise<number | null>((r) => this.child.on("exit", (code) => r(code)));
    this.child.kill("SIGTERM");
    const code = await exited;
    // A clean stop exits 0; under ASan/UBSan (FERRY_BIN=build-debug/ferry) an error would not.
    if (code !== 0) throw new Error(`ferry server exited with ${code}: ${this.log.slice(-4000)}`);
    rmSync(this.root, { recursive: true, force: true });
  }
  // A bearer token for API calls made by the test itself (set-up only).
  async token(username = "admin", password = ADMIN_PASSWORD): Promise<string> {
    const r = await fetch(this.url + "/api/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    expect(r.status).toBe(200);
    return (await r.json()).token;
  }
  async call(token: string, method: string, p: string, body?: unknown) {
    const r = await fetch(this.url + "/api/v1" + p, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  }
}

// Signs in through the console's own form.
export async function signIn(page: Page, base: string, username: string, password: string) {
  await page.goto(base + "/login");
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(`${username} · `)).toBeAttached();
}

// No serious or critical accessibility violation on the page as it is now.
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = bad.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
  expect(report, `axe on ${what}`).toEqual([]);
}

export async function shot(page: Page, name: string, fullPage = true) {
  mkdirSync(SHOTS, { recursive: true });
  // From the top: a sticky header would otherwise show where the page was scrolled to.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, name + ".png"), fullPage });
}
