// The console end to end on the test bed: an admin stores two credentials,
// creates an S3 task between the two SeaweedFS servers through the form, runs
// it to 100% (checked with boto3), sees one object refused by the destination
// and retries it from the page; a viewer sees but cannot change; an operator
// cannot manage users; an images task shows on its page; the admin creates an
// images task between two test-bed registries through the form, runs it (checked
// with skopeo) and edits its tags; every page passes axe; 10,000 tasks page on the server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Browser, type Page } from "@playwright/test";
import {
  ADMIN_PASSWORD,
  expectAccessible,
  FerryServer,
  imagetool,
  Proxy,
  s3tool,
  shot,
  signIn,
  stopTestbed,
  testbed,
  type Endpoint,
  type Registry,
} from "./harness";

test.describe.configure({ mode: "serial" });

const run = Date.now().toString(36);
const SRC_BUCKET = `console-src-${run}`;
const DST_BUCKET = `console-dst-${run}`;
const OBJECTS = 40;

let bed: Record<string, Endpoint>;
let server: FerryServer;
let proxy: Proxy;
let page: Page;
let taskId = "";

async function newPage(browser: Browser, width = 1280, height = 800) {
  const context = await browser.newContext({ viewport: { width, height } });
  return context.newPage();
}

test.beforeAll(async ({ browser }) => {
  bed = testbed();
  let r = s3tool("seed", "seaweed_a", SRC_BUCKET, String(OBJECTS), String(64 * 1024));
  expect(r.status, r.out).toBe(0);
  r = s3tool("bucket", "seaweed_b", DST_BUCKET);
  expect(r.status, r.out).toBe(0);
  // The destination is reached through a proxy that can refuse one key, as a
  // bucket policy would; everything else goes to seaweed_b unchanged.
  proxy = await new Proxy().start(bed.seaweed_b.endpoint);
  server = await new FerryServer().start();
  page = await newPage(browser);
});

test.afterAll(async () => {
  await server?.stop();
  proxy?.stop();
  stopTestbed();
});

test("the server sends the console with strict security headers", async () => {
  const res = await fetch(server.url + "/");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/html");
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  const html = await res.text();
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
  // A console path is the same page (the browser-side router shows it); the API stays JSON.
  expect((await fetch(server.url + "/tasks/abc")).headers.get("content-type")).toContain("text/html");
  const api404 = await fetch(server.url + "/api/v1/nothing");
  expect(api404.status).toBe(404);
  expect((await api404.json()).error.code).toBe("not_found");
});

test("an admin signs in; the session cookie is HttpOnly and SameSite=Strict", async () => {
  const start = Date.now();
  await page.goto(server.url + "/");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByRole("heading", { name: /ferry console/ })).toBeVisible();
  const shown = Date.now() - start;
  // First load on loopback, with an empty cache: figures for the closing note.
  const load = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const js = performance.getEntriesByType("resource").filter((r) => r.name.endsWith(".js")) as PerformanceResourceTiming[];
    return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, jsBytes: js.reduce((n, r) => n + r.transferSize, 0) };
  });
  console.log(`first load: sign-in page shown ${shown} ms after navigation (DOMContentLoaded ` +
    `${load.dcl.toFixed(0)} ms, load ${load.load.toFixed(0)} ms); script transferred ${load.jsBytes} bytes`);
  await expectAccessible(page, "the sign-in page");
  await shot(page, "01-sign-in");
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("wrong username or password");
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("admin · admin")).toBeVisible();
  const [cookie] = (await page.context().cookies()).filter((c) => c.name === "ferry_session");
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe("Strict");
  expect(cookie.secure).toBe(false); // plain http on loopback; Secure over TLS
  // The page's script cannot read the cookie, and a state change without the CSRF token is refused.
  expect(await page.evaluate(() => document.cookie)).not.toContain("ferry_session");
  const status = await page.evaluate(async () => (await fetch("/api/v1/tasks", { method: "POST", body: "{}" })).status);
  expect(status).toBe(403);
  await expect(page.getByText("There are no tasks yet.")).toBeVisible();
  await expectAccessible(page, "the empty task list");
});

test("the admin stores two credentials; their secrets are never shown", async () => {
  await page.getByRole("link", { name: "Administration" }).click();
  await expect(page.getByRole("heading", { name: "Stored credentials" })).toBeVisible();
  const form = page.getByRole("form", { name: "Store a credential" });
  // A missing secret is named beside its field.
  await form.getByLabel("Name", { exact: true }).fill("seaweed-a");
  await form.getByLabel("Access key id").fill(bed.seaweed_a.access_key);
  await form.getByRole("button", { name: "Store" }).click();
  await expect(form.getByText("Enter the secret access key.")).toBeVisible();
  await form.getByLabel("Secret access key").fill(bed.seaweed_a.secret_key);
  await form.getByRole("button", { name: "Store" }).click();
  await expect(form.getByText("Name at least one endpoint URL")).toBeVisible();
  await form.getByLabel("Endpoints").fill(bed.seaweed_a.endpoint);
  await form.getByRole("button", { name: "Store" }).click();
  await expect(page.getByRole("status")).toContainText("Credential 'seaweed-a' stored.");
  await form.getByLabel("Name", { exact: true }).fill("seaweed-b");
  await form.getByLabel("Access key id").fill(bed.seaweed_b.access_key);
  await form.getByLabel("Secret access key").fill(bed.seaweed_b.secret_key);
  await form.getByLabel("Endpoints").fill(proxy.url); // the destination is reached through the proxy
  await form.getByRole("button", { name: "Store" }).click();
  await expect(page.getByRole("status")).toContainText("Credential 'seaweed-b' stored.");
  await expect(page.getByRole("cell", { name: "seaweed-b", exact: true })).toBeVisible();
  // A name already taken is refused beside the name (rotation is its own action).
  await form.getByLabel("Name", { exact: true }).fill("seaweed-b");
  await form.getByLabel("Access key id").fill("AKIDOTHER");
  await form.getByLabel("Secret access key").fill("other-secret");
  await form.getByLabel("Endpoints").fill(proxy.url);
  await form.getByRole("button", { name: "Store" }).click();
  await expect(form.locator(".field-error")).toContainText("seaweed-b");
  // Rotation: new keys under the same name (here the same values), endpoints kept.
  await page.getByRole("button", { name: "Rotate seaweed-a" }).click();
  const rotate = page.getByRole("form", { name: "Rotate seaweed-a" });
  await expect(rotate.getByLabel("Endpoints")).toHaveValue(bed.seaweed_a.endpoint);
  await rotate.getByLabel("Access key id").fill(bed.seaweed_a.access_key);
  await rotate.getByLabel("Secret access key").fill(bed.seaweed_a.secret_key);
  await rotate.getByRole("button", { name: "Store the new keys" }).click();
  await expect(page.getByRole("status")).toContainText("New keys stored for 'seaweed-a'.");
  expect(await page.content()).not.toContain(bed.seaweed_a.secret_key);
  await expectAccessible(page, "the credentials page");
  await shot(page, "05-admin-credentials");
});

test("the admin adds a viewer and an operator", async () => {
  await page.getByRole("link", { name: "Users" }).click();
  const form = page.getByRole("form", { name: "Add a user" });
  for (const [name, role] of [["vera", "viewer"], ["otto", "operator"]]) {
    await form.getByLabel("User name").fill(name);
    await form.getByLabel("Password", { exact: true }).fill(`${name}-password`);
    await form.getByLabel("Role").selectOption(role);
    await form.getByRole("button", { name: "Add user" }).click();
    await expect(page.getByRole("status")).toContainText(`User '${name}' created as ${role}.`);
  }
  await expect(page.getByLabel("Role of otto")).toHaveValue("operator");
  await expectAccessible(page, "the users page");
  await shot(page, "06-admin-users");
  await page.getByRole("link", { name: "API tokens" }).click();
  const tokens = page.getByRole("form", { name: "Create an API token" });
  await tokens.getByLabel("Name").fill("nightly-script");
  await tokens.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByText("it is shown only once")).toBeVisible();
  await expect(page.locator("code.token")).toHaveText(/^fy_/);
  await expectAccessible(page, "the tokens page");
  await shot(page, "07-admin-tokens");
  await page.getByRole("link", { name: "Server" }).click();
  await expect(page.getByText("ferry 0.1.0")).toBeVisible();
  await expectAccessible(page, "the server page");
});

test("the admin creates an S3 task between the two SeaweedFS servers through the form", async () => {
  await page.getByRole("link", { name: "New task" }).click();
  await expect(page.getByRole("heading", { name: "New task" })).toBeVisible();
  // An empty form is refused with the reasons beside the fields.
  await page.getByRole("button", { name: "Create task" }).click();
  const source = page.getByRole("group", { name: "Source" });
  const destination = page.getByRole("group", { name: "Destination" });
  await expect(source.getByText("Enter the bucket name")).toBeVisible();
  await expect(source.getByLabel("Bucket", { exact: true })).toHaveAttribute("aria-invalid", "true");

  await page.getByLabel("Name", { exact: true }).fill("photos to seaweed-b");
  // A preset fills the endpoint from the region.
  await source.getByLabel("Service", { exact: true }).selectOption("oss");
  await source.getByLabel("Region", { exact: true }).selectOption("cn-shanghai");
  await expect(source.getByLabel("Endpoint URL")).toHaveValue("https://oss-cn-shanghai.aliyuncs.com");
  await source.getByLabel("Service", { exact: true }).selectOption("custom");
  await source.getByLabel("Endpoint URL").fill(bed.seaweed_a.endpoint);
  await source.getByLabel("Region", { exact: true }).fill(bed.seaweed_a.region);
  await source.getByLabel("Bucket", { exact: true }).fill(SRC_BUCKET);
  await source.getByLabel("Stored credential").selectOption("seaweed-a");
  await destination.getByLabel("Endpoint URL").fill(proxy.url);
  await destination.getByLabel("Region", { exact: true }).fill(bed.seaweed_b.region);
  await destination.getByLabel("Bucket", { exact: true }).fill(DST_BUCKET);
  await destination.getByLabel("Stored credential").selectOption("seaweed-b");

  // The schedule builder shows the next five runs as the server computes them.
  await page.getByLabel("Cron (5 fields, UTC)").check();
  await page.getByLabel("Cron expression").fill("0 2 * * 1-5");
  await expect(page.locator(".next-runs li")).toHaveCount(5);
  await page.getByLabel("Cron expression").fill("0 25 * * *");
  await expect(page.locator(".schedule .field-error")).toContainText("0 25 * * *");
  await expect(page.getByLabel("Cron expression")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Every N minutes, hours or days").check();
  await expect(page.locator(".next-runs li")).toHaveCount(5);
  await page.getByText("Options (defaults and limits").click();
  await expect(page.getByLabel(/Transfers at once \(1–1024\)/)).toHaveValue("256");
  await page.getByLabel(/Transfers at once/).fill("2000");
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page.getByText("A whole number from 1 to 1024.")).toBeVisible();
  await page.getByLabel(/Transfers at once/).fill("8");
  // Slow enough that the charts have points to show.
  await page.getByLabel(/Bandwidth limit/).fill("256K");
  await expectAccessible(page, "the task form");
  await shot(page, "03-task-form");
  await page.getByLabel("Once, when started").check();
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f]+$/);
  taskId = page.url().split("/").pop()!;
  await expect(page.getByRole("heading", { name: /photos to seaweed-b/ })).toContainText("Created");
  await expect(page.getByText("This task has not run yet.")).toBeVisible();
});

test("the task runs to 100% and the destination holds every object (boto3)", async () => {
  await page.getByRole("button", { name: "Start" }).click();
  const objects = page.getByRole("progressbar", { name: "Objects" });
  await expect(page.locator("#run-title")).toHaveText(/Run 1\s*Running/);
  // Half way, the charts have a few points (one a second in these tests).
  await expect(objects).toHaveAttribute("aria-valuenow", /^([5-9]\d|100)$/, { timeout: 60_000 });
  await expect(page.getByRole("img", { name: /Throughput: \d+ points/ })).toBeVisible();
  await shot(page, "04-task-running");
  await expect(objects).toHaveAttribute("aria-valuenow", "100", { timeout: 120_000 });
  await expect(page.locator("#run-title")).toHaveText(/Run 1\s*Completed/);
  await expect(objects).toHaveAttribute("aria-valuetext", `100% (${OBJECTS} of ${OBJECTS})`);
  const check = s3tool("check", "seaweed_a", SRC_BUCKET, "seaweed_b", DST_BUCKET);
  expect(check.status, check.out).toBe(0);
  // The charts come from the run's series: several points over the run.
  const series = await page.evaluate(async (id) => {
    const runs = await (await fetch(`/api/v1/tasks/${id}/runs`)).json();
    return (await fetch(`/api/v1/runs/${runs.runs[0].id}/series`)).json();
  }, taskId);
  expect(series.points.length).toBeGreaterThanOrEqual(4);
  expect(series.points.at(-1).objects_done).toBe(OBJECTS);
  await expect(page.getByRole("img", { name: /Throughput: \d+ points/ })).toBeVisible();
  await page.getByLabel("Follow").check();
  await expect(page.getByRole("log")).toContainText("run 1 completed");
  await expectAccessible(page, "the task page");
  await shot(page, "02-task-page");
});

test("one object refused by the destination is retried from the page", async () => {
  expect(s3tool("put", "seaweed_a", SRC_BUCKET, "photos/late.jpg", "arrived late").status).toBe(0);
  proxy.refuse(["photos/late.jpg"]);
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.locator("#run-title")).toHaveText(/Run 2\s*Completed/, { timeout: 120_000 });
  await expect(page.getByTestId("run-failed")).toHaveText("1");
  const failures = page.getByRole("region", { name: /Failed objects of run 2/ });
  await expect(failures.getByRole("cell", { name: "photos/late.jpg", exact: true })).toBeVisible();
  await expect(failures).toContainText("access denied for PutObject");
  await expect(page.getByRole("log")).toContainText("'photos/late.jpg' failed");
  await shot(page, "08-failed-object");
  expect(s3tool("check", "seaweed_a", SRC_BUCKET, "seaweed_b", DST_BUCKET).status).toBe(1);

  proxy.allow(); // the policy is fixed
  await failures.getByRole("button", { name: "Retry failed objects" }).click();
  await expect(page.locator("#run-title")).toHaveText(/Run 3\s*Completed/, { timeout: 120_000 });
  await expect(page.getByTestId("run-failed")).toHaveText("0");
  await expect(page.getByRole("row", { name: /Run 3.*retry/ })).toBeVisible();
  const check = s3tool("check", "seaweed_a", SRC_BUCKET, "seaweed_b", DST_BUCKET);
  expect(check.status, check.out).toBe(0);
  await expect(page.getByRole("log")).toContainText("retries 1 object(s) that failed in run 2");
});

test("a viewer sees the task but cannot change anything", async ({ browser }) => {
  const viewer = await newPage(browser);
  await signIn(viewer, server.url, "vera", "vera-password");
  await expect(viewer.getByRole("link", { name: "photos to seaweed-b" })).toBeVisible();
  await expect(viewer.getByRole("link", { name: "New task" })).toHaveCount(0);
  await viewer.getByRole("link", { name: "photos to seaweed-b" }).click();
  await expect(viewer.locator("#run-title")).toContainText("Run 3");
  for (const name of ["Start", "Stop", "Delete"]) await expect(viewer.getByRole("button", { name })).toHaveCount(0);
  await expect(viewer.getByRole("button", { name: "Retry failed objects" })).toHaveCount(0);
  // The server refuses it too, CSRF token or not.
  const status = await viewer.evaluate(async (id) => {
    const s = await (await fetch("/api/v1/auth/session")).json();
    const r = await fetch(`/api/v1/tasks/${id}/start`, { method: "POST", headers: { "X-CSRF-Token": s.csrf_token } });
    return r.status;
  }, taskId);
  expect(status).toBe(403);
  await viewer.goto(server.url + "/tasks/new");
  await expect(viewer.getByRole("alert")).toContainText("may look at tasks but not create or change them");
  await viewer.goto(server.url + "/admin/credentials");
  await expect(viewer.getByRole("cell", { name: "seaweed-a", exact: true })).toBeVisible();
  await expect(viewer.getByRole("form", { name: "Store a credential" })).toHaveCount(0);
  await expectAccessible(viewer, "the viewer's credentials page");
  await viewer.context().close();
});

test("an operator cannot manage users", async ({ browser }) => {
  const operator = await newPage(browser);
  await signIn(operator, server.url, "otto", "otto-password");
  await operator.getByRole("link", { name: "Administration" }).click();
  await operator.getByRole("link", { name: "Users" }).click();
  await expect(operator.getByRole("alert")).toContainText("Only admins manage users");
  const status = await operator.evaluate(async () => (await fetch("/api/v1/users")).status);
  expect(status).toBe(403);
  await expectAccessible(operator, "the operator's users page");
  await shot(operator, "09-operator-users");
  // What an operator may do, the page offers.
  await operator.getByRole("link", { name: "Tasks", exact: true }).click();
  await operator.getByRole("link", { name: "photos to seaweed-b" }).click();
  await expect(operator.getByRole("button", { name: "Start" })).toBeEnabled();
  await operator.context().close();
});

test("at phone width the list and the task page still work", async ({ browser }) => {
  const phone = await newPage(browser, 390, 844);
  await signIn(phone, server.url, "admin", ADMIN_PASSWORD);
  await expect(phone.getByRole("link", { name: "photos to seaweed-b" })).toBeVisible();
  await shot(phone, "10-phone-tasks");
  await phone.getByRole("link", { name: "photos to seaweed-b" }).click();
  await expect(phone.locator("#run-title")).toContainText("Run 3");
  await shot(phone, "11-phone-task", false);
  await phone.getByRole("button", { name: "Menu" }).click();
  await expect(phone.getByRole("link", { name: "Administration" })).toBeVisible();
  await expectAccessible(phone, "the task page at phone width");
  await phone.context().close();
});

test("an images task shows on its page with its kind and tags", async () => {
  const created = await page.evaluate(async () => {
    const s = await (await fetch("/api/v1/auth/session")).json();
    const r = await fetch("/api/v1/tasks", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf_token },
      body: JSON.stringify({
        kind: "images", name: "images mirror", source: "registry.example/team/app",
        destination: "mirror.example/app", images: { tags: ["v1", "release-*"] },
      }),
    });
    return { status: r.status, id: (await r.json()).id as string, csrf: s.csrf_token as string };
  });
  expect(created.status).toBe(201);
  await page.goto(`${server.url}/tasks/${created.id}`);
  await expect(page.getByText("registry.example/team/app")).toBeVisible();
  await expect(page.getByText("images (tags v1, release-*)")).toBeVisible();
  await expect(page.getByRole("link", { name: "Edit" })).toBeVisible();
  await expectAccessible(page, "an images task's page");
  const deleted = await page.evaluate(async ({ id, csrf }) => {
    return (await fetch(`/api/v1/tasks/${id}`, { method: "DELETE", headers: { "X-CSRF-Token": csrf } })).status;
  }, created);
  expect(deleted).toBe(204);
});

test("the admin creates an images task between two registries through the form, runs it and edits its tags", async ({ browser }) => {
  const plain = bed.registry_plain as unknown as Registry;
  const auth = bed.registry_auth as unknown as Registry;
  const SRC_REPO = `console/app-${run}`;
  const DST_REPO = `mirror/app-${run}`;
  // The source holds v1 (an index of two platforms) and v2, pushed with skopeo.
  const layout = mkdtempSync(path.join(tmpdir(), "ferry-console-oci-"));
  const pushed = imagetool("push", "registry_plain", SRC_REPO, path.join(layout, "oci"));
  rmSync(layout, { recursive: true, force: true });
  expect(pushed.status, pushed.out).toBe(0);
  const digests = JSON.parse(pushed.stdout) as Record<"v1" | "v2", string>;

  // The destination asks for a login: stored as a credential bound to its URL.
  await page.goto(server.url + "/admin/credentials");
  const store = page.getByRole("form", { name: "Store a credential" });
  await store.getByLabel("Name", { exact: true }).fill("registry-login");
  await store.getByLabel("Access key id").fill(auth.username!);
  await store.getByLabel("Secret access key").fill(auth.password!);
  await store.getByLabel("Endpoints").fill(`http://${auth.host}`);
  await store.getByRole("button", { name: "Store" }).click();
  await expect(page.getByRole("status")).toContainText("Credential 'registry-login' stored.");

  await page.getByRole("link", { name: "New task" }).click();
  await expect(page.getByLabel("Objects (S3, folders)")).toBeChecked();
  await page.getByLabel("Container images").check();
  const source = page.getByRole("group", { name: "Source registry" });
  const destination = page.getByRole("group", { name: "Destination registry" });
  await expect(page.getByRole("group", { name: "Source", exact: true })).toHaveCount(0);
  // An empty form is refused with the reasons beside the fields.
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(source.getByText("Enter the source registry")).toBeVisible();
  await expect(source.getByLabel("Images from")).toHaveAttribute("aria-invalid", "true");
  await expect(destination.getByText("Enter the destination registry")).toBeVisible();

  await page.getByLabel("Name", { exact: true }).fill("app to the login registry");
  await source.getByLabel("Images from").fill(`http://${plain.host}/${SRC_REPO}`);
  await expect(source.getByText("Leave out the scheme")).toBeVisible();
  await source.getByLabel("Images from").fill(`${plain.host}/${SRC_REPO}`);
  await expect(source.locator(".field-error")).toHaveCount(0);
  await source.getByLabel("Plain HTTP").check();
  await destination.getByLabel("Images to").fill(`${auth.host}/${DST_REPO}`);
  await destination.getByLabel("Stored credential").selectOption("registry-login");
  const tags = page.getByLabel("Tags", { exact: true });
  await tags.fill("v1, v(2)");
  await expect(page.getByText("'v(2)' is not a tag or glob")).toBeVisible();
  await expect(tags).toHaveAttribute("aria-invalid", "true");
  await tags.fill("v1");
  await page.getByLabel(/Transfers at once \(1–256\)/).fill("4");
  await expect(page.getByLabel(/Attempts per image/)).toHaveValue("3");
  // The login is bound to http://HOST: without Plain HTTP the destination is
  // https://HOST, and the server's refusal shows beside the credential.
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page.getByRole("alert").first()).toContainText("The server refused the task");
  await expect(destination.locator(".field-error")).toContainText("registry-login' is bound to http://");
  await expect(destination.getByLabel("Stored credential")).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page, "the images task form with the server's refusal");
  await destination.getByLabel("Plain HTTP").check();
  await expect(destination.locator(".field-error")).toHaveCount(0);
  await expectAccessible(page, "the images task form");
  await shot(page, "16-images-task-form");

  // At phone width the form fits the screen.
  const phone = await newPage(browser, 390, 844);
  await signIn(phone, server.url, "admin", ADMIN_PASSWORD);
  await phone.goto(server.url + "/tasks/new");
  await phone.getByLabel("Container images").check();
  await phone.getByLabel("Repositories listed here").check();
  await expect(phone.getByLabel("Repositories", { exact: true })).toBeVisible();
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expectAccessible(phone, "the images task form at phone width");
  await shot(phone, "17-phone-images-form");
  await phone.context().close();

  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f]+$/);
  const imagesId = page.url().split("/").pop()!;
  await expect(page.getByRole("heading", { name: /app to the login registry/ })).toContainText("Created");
  await expect(page.getByText("images (tags v1)")).toBeVisible();
  await expect(page.getByText("with registry-login")).toBeVisible();

  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.locator("#run-title")).toHaveText(/Run 1\s*Completed/, { timeout: 120_000 });
  await expect(page.getByTestId("run-failed")).toHaveText("0");
  // The run is told in images and blob bytes, and an images run deletes nothing.
  await expect(page.getByText("Images to copy")).toBeVisible();
  await expect(page.getByText("Blob bytes uploaded")).toBeVisible();
  await expect(page.getByText("Deleted", { exact: true })).toHaveCount(0);
  await expect(page.locator("figcaption", { hasText: "Images per second" })).toBeVisible();
  await expect(page.locator("figcaption", { hasText: "Objects per second" })).toHaveCount(0);
  // The destination serves v1 with the source's digest, and no v2 (skopeo).
  let copied = imagetool("digest", "registry_auth", DST_REPO, "v1");
  expect(copied.status, copied.out).toBe(0);
  expect(copied.stdout).toBe(digests.v1);
  expect(imagetool("digest", "registry_auth", DST_REPO, "v2").status).toBe(1);

  // Edit: the kind is fixed, the fields hold the task; the tags change to a glob.
  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page.getByRole("heading", { name: "Edit app to the login registry" })).toBeVisible();
  await expect(page.getByRole("group", { name: "What the task moves" })).toContainText("Container images");
  await expect(page.getByLabel("Container images")).toHaveCount(0);
  await expect(page.getByRole("group", { name: "Source registry" }).getByLabel("Images from")).toHaveValue(`${plain.host}/${SRC_REPO}`);
  await expect(page.getByRole("group", { name: "Destination registry" }).getByLabel("Stored credential")).toHaveValue("registry-login");
  await expect(page.getByLabel(/Transfers at once/)).toHaveValue("4");
  await expect(page.getByLabel("Tags", { exact: true })).toHaveValue("v1");
  await page.getByLabel("Tags", { exact: true }).fill("v*");
  await expectAccessible(page, "the images task's edit form");
  await shot(page, "18-images-task-edit");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${imagesId}$`));
  await expect(page.getByText("images (tags v*)")).toBeVisible();
  const saved = await page.evaluate(async (id) => (await fetch(`/api/v1/tasks/${id}`)).json(), imagesId);
  expect(saved.images.tags).toEqual(["v*"]);
  expect(saved.images.dst_credential).toBe("registry-login");
  expect(saved.images.transfers).toBe(4);

  // The saved glob takes v2 as well on the next run.
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.locator("#run-title")).toHaveText(/Run 2\s*Completed/, { timeout: 120_000 });
  await expect(page.getByTestId("run-failed")).toHaveText("0");
  for (const tag of ["v1", "v2"] as const) {
    copied = imagetool("digest", "registry_auth", DST_REPO, tag);
    expect(copied.status, copied.out).toBe(0);
    expect(copied.stdout, tag).toBe(digests[tag]);
  }
  await expectAccessible(page, "the images task's page");
  await shot(page, "19-images-task-page");

  // Deleted from its page: the list below counts the S3 task's copies only.
  await page.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("button", { name: "Delete the task" }).click();
  await expect(page).toHaveURL(server.url + "/");
  await expect(page.getByRole("link", { name: "app to the login registry" })).toHaveCount(0);
});

test("the task list pages 10,000 tasks on the server", async () => {
  const r = s3tool("tasks", `${server.data}/ferry.db`, taskId, "10000");
  expect(r.status, r.out).toBe(0);
  const start = Date.now();
  await page.goto(server.url + "/");
  await expect(page.getByText("1–50 of 10,001")).toBeVisible();
  const shown = Date.now() - start;
  await expect(page.locator("table.tasks tbody tr")).toHaveCount(50);
  const timing = await page.evaluate(async () => {
    const t0 = performance.now();
    const r = await fetch("/api/v1/tasks?limit=50&offset=9950");
    const body = await r.json();
    return { ms: performance.now() - t0, rows: body.tasks.length, total: body.total, bytes: JSON.stringify(body).length };
  });
  expect(timing.rows).toBe(50);
  expect(timing.total).toBe(10001);
  await page.getByRole("button", { name: "Next →" }).click();
  await expect(page.getByText("51–100 of 10,001")).toBeVisible();
  await page.getByLabel("Name, source or destination").fill("bulk task 09999");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByText("1–1 of 1")).toBeVisible();
  await shot(page, "12-tasks-10000", false);
  await page.getByLabel("Name, source or destination").fill("");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByText("1–50 of 10,001")).toBeVisible();
  await expectAccessible(page, "the task list with 10,000 tasks");
  await shot(page, "00-tasks", false);
  console.log(`10,000 tasks: first page shown ${shown} ms after navigation; ` +
    `API page at offset 9950: ${timing.ms.toFixed(0)} ms, ${timing.bytes} bytes for 50 tasks`);
});
