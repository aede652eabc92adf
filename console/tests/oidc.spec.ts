// Sign-in through a real OpenID provider (node-oidc-provider, started here):
// the provider's own login page, the authorization code flow with PKCE, the ID
// token checked by the server, and groups mapped to roles.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test, type Browser } from "@playwright/test";
import { expectAccessible, FerryServer, freePort, shot } from "./harness";

test.describe.configure({ mode: "serial" });

const HERE = path.dirname(fileURLToPath(import.meta.url));
let provider: ChildProcess;
let server: FerryServer;
let issuer = "";

test.beforeAll(async () => {
  const [ferryPort, providerPort] = [await freePort(), await freePort()];
  const redirect = `http://127.0.0.1:${ferryPort}/api/v1/auth/oidc/callback`;
  provider = spawn("node", [path.join(HERE, "oidc_provider.mjs"), String(providerPort), "ferry-console", "test-client-secret", redirect], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the OpenID provider did not start")), 30_000);
    provider.stdout!.on("data", (d: Buffer) => {
      const m = d.toString().match(/issuer (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const secretFile = path.join(HERE, "..", "test-results", "oidc-secret");
  const { mkdirSync, writeFileSync } = await import("node:fs");
  mkdirSync(path.dirname(secretFile), { recursive: true });
  writeFileSync(secretFile, "test-client-secret\n", { mode: 0o600 });
  server = await new FerryServer().start(
    ["--oidc-issuer", issuer, "--oidc-client-id", "ferry-console", "--oidc-client-secret-file", secretFile,
     "--oidc-scopes", "openid profile groups", "--oidc-role-claim", "groups",
     "--oidc-admin-values", "ferry-admins", "--oidc-operator-values", "ferry-operators,ferry-ops"],
    ferryPort,
  );
});

test.afterAll(async () => {
  await server?.stop();
  provider?.kill("SIGTERM");
});

async function signInThroughProvider(browser: Browser, login: string, screenshots = false) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + "/login");
  const button = page.getByRole("link", { name: /Sign in with your organisation/ });
  await expect(button).toBeVisible();
  if (screenshots) {
    await expectAccessible(page, "the sign-in page with OpenID Connect");
    await shot(page, "13-sign-in-oidc");
  }
  await button.click();
  // The provider's own pages: its login form, then its consent prompt.
  await expect(page).toHaveURL(new RegExp("^" + issuer.replace(/[.]/g, "\\.")));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  if (screenshots) await shot(page, "14-provider-login", false);
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(server.url + "/");
  return page;
}

test("a member of ferry-operators signs in through the provider and is an operator", async ({ browser }) => {
  const page = await signInThroughProvider(browser, "ops-alice", true);
  await expect(page.getByText("oidc:ops-alice · operator")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New task" })).toBeVisible();
  const [cookie] = (await page.context().cookies()).filter((c) => c.name === "ferry_session");
  expect(cookie.httpOnly && cookie.sameSite === "Strict").toBe(true);
  // An operator may not manage users, whichever way they signed in.
  expect(await page.evaluate(async () => (await fetch("/api/v1/users")).status)).toBe(403);
  await page.context().close();
});

test("a member of ferry-admins is an admin; someone in no mapped group is a viewer", async ({ browser }) => {
  const boss = await signInThroughProvider(browser, "boss-bob");
  await expect(boss.getByText("oidc:boss-bob · admin")).toBeVisible();
  await boss.goto(server.url + "/admin/users");
  await expect(boss.getByRole("cell", { name: "oidc:ops-alice", exact: true })).toBeVisible();
  await expect(boss.getByLabel("Role of oidc:ops-alice")).toHaveValue("operator");
  await shot(boss, "15-oidc-users");
  await boss.context().close();
  const guest = await signInThroughProvider(browser, "carol");
  await expect(guest.getByText("oidc:carol · viewer")).toBeVisible();
  await expect(guest.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New task" })).toHaveCount(0);
  await guest.context().close();
});

test("a forged or replayed answer is refused", async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // A callback with a state this browser never started.
  await page.goto(server.url + "/api/v1/auth/oidc/callback?code=abc&state=0123456789abcdef");
  await expect(page).toHaveURL(/\/login\?error=/);
  await expect(page.getByRole("alert")).toContainText("this sign-in is unknown or took over 10 minutes");
  // The provider's error is shown, not swallowed.
  await page.goto(server.url + "/api/v1/auth/oidc/callback?error=access_denied&error_description=the+user+said+no");
  await expect(page.getByRole("alert")).toContainText("the identity provider refused the sign-in (access_denied: the user said no)");
  await context.close();
});
