// The console in headless Chromium against the real binary: sign in, make
// and change a pool, and watch its page follow without a reload.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { chromium } from "playwright-core";

import { ARTIFACTS, startRespool, userToken } from "./respool.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const XSS = "<img src=x onerror=alert(1)>";
const FLAVOR = "modelarts.vm.cpu.4ud";
const WAIT = { timeout: 15_000 };

let server;
let browser;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  server = await startRespool();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A page that fails its test if any dialog opens (an injected script would). */
async function newPage(context) {
  const page = await context.newPage();
  page.on("dialog", async (d) => {
    await d.dismiss();
    assert.fail(`a dialog opened: ${d.message()}`);
  });
  return page;
}

async function signIn(page) {
  await page.goto(`${server.base}/console/sign-in`);
  const form = page.locator('section[aria-labelledby="with-password"]');
  await form.getByLabel("Project id").fill(server.project);
  await form.getByLabel("User name").fill(server.user);
  await form.getByLabel("Password").fill(server.password);
  await form.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL("**/console/pools", WAIT);
}

/** Marks the document, to tell later that it was not loaded again. */
async function mark(page) {
  await page.evaluate(() => {
    window.notReloaded = true;
  });
}

async function assertNotReloaded(page) {
  assert.equal(await page.evaluate(() => window.notReloaded === true), true, "the page was loaded again");
  // The change came through the feed, not a read after the feed failed.
  assert.doesNotMatch(await page.locator("#live-status").innerText(), /paused/);
}

/** The content type of the page's change feed. */
async function feedType(page) {
  return page.evaluate(async () => {
    const stop = new AbortController();
    const res = await fetch(document.getElementById("live").dataset.watch, { signal: stop.signal });
    stop.abort();
    return res.headers.get("content-type");
  });
}

async function phaseIs(page, text) {
  await page.locator("#live dl.facts dd .phase", { hasText: new RegExp(`^${text}$`) }).waitFor(WAIT);
}

async function apiCall(method, path, body) {
  const token = await userToken(server);
  const res = await fetch(`${server.base}${path}`, {
    method,
    headers: { "X-Auth-Token": token, "Content-Type": "application/json" },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${method} ${path}: ${text}`);
  return JSON.parse(text);
}

describe("without a session", () => {
  it("a page sends the browser to sign in", async () => {
    const context = await browser.newContext();
    const page = await newPage(context);
    await page.goto(`${server.base}/console/pools`);
    assert.match(page.url(), /\/console\/sign-in$/);
    await page.getByRole("heading", { name: "Sign in" }).waitFor(WAIT);
    await shot(page, "sign-in");
    await context.close();
  });
});

describe("a pool's life through the console", () => {
  let context;
  let page;
  let admin;
  let poolUrl;
  const display = "train-a";

  before(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await newPage(context);
    admin = await newPage(context);
  });

  after(async () => {
    await context?.close();
  });

  const advance = async (label) => {
    await admin.getByRole("button", { name: `Advance ${label}` }).click();
    await admin.getByText("The clock moved on.").waitFor(WAIT);
  };

  it("signs in with a user name and password", async () => {
    await signIn(page);
    await page.getByRole("heading", { name: "Pools" }).waitFor(WAIT);
    await page.getByText(`User ${server.user}`).waitFor(WAIT);
  });

  it("opens the admin actions with the admin token", async () => {
    await admin.goto(`${server.base}/console/admin`);
    await admin.getByLabel("Admin token").fill(server.adminToken);
    await admin.getByRole("button", { name: "Open admin actions" }).click();
    await admin.getByText("Admin actions are open for this session.").waitFor(WAIT);
  });

  it("creates a network, and shows workspaces and flavors", async () => {
    await page.goto(`${server.base}/console/networks`);
    await page.getByLabel("Name").fill("net-console");
    await page.getByLabel("CIDR").fill("192.168.0.0/16");
    await page.getByRole("button", { name: "Create" }).click();
    await page.getByText("The network was created.").waitFor(WAIT);
    await advance("1 minute");
    await page.reload();
    await page.locator("td .phase", { hasText: "Active" }).waitFor(WAIT);
    await shot(page, "networks");
    await page.goto(`${server.base}/console/workspaces`);
    await page.getByRole("link", { name: "default" }).waitFor(WAIT);
    await shot(page, "workspaces");
    await page.goto(`${server.base}/console/flavors`);
    await page.getByRole("rowheader", { name: FLAVOR }).waitFor(WAIT);
    await shot(page, "flavors");
  });

  it("creates a pool and sees Creating turn into Running without a reload", async () => {
    await page.goto(`${server.base}/console/pools/new`);
    await page.getByLabel("Name").fill(display);
    await page.getByLabel("Flavor").selectOption(FLAVOR);
    await page.getByLabel("Nodes").fill("2");
    await page.getByLabel("Network").selectOption({ index: 1 });
    await page.getByLabel("Labels").fill("team=ml");
    await shot(page, "create");
    await page.getByRole("button", { name: "Create" }).click();
    await page.waitForURL(/\/console\/pools\/train-a-[0-9a-f]+\?notice=created$/, WAIT);
    poolUrl = page.url().replace(/\?.*$/, "");
    await phaseIs(page, "Creating");
    assert.equal(await feedType(page), "text/event-stream");
    await shot(page, "pool-creating");
    await mark(page);
    await advance("10 minutes");
    await advance("10 minutes");
    await phaseIs(page, "Running");
    await page.locator("#live", { hasText: "2 available" }).waitFor(WAIT);
    await assertNotReloaded(page);
  });

  it("scales the pool", async () => {
    await page.getByRole("spinbutton", { name: "Nodes" }).fill("3");
    await page.getByRole("button", { name: "Scale" }).click();
    await page.getByText("The new node count was asked for.").waitFor(WAIT);
    await page.locator("#live", { hasText: "1 creating" }).waitFor(WAIT);
    await mark(page);
    await advance("1 hour");
    await page.locator("#live", { hasText: "3 available" }).waitFor(WAIT);
    await assertNotReloaded(page);
  });

  it("locks and reboots a node", async () => {
    const rows = page.locator("#live section[aria-labelledby=nodes-heading] tbody tr");
    await rows.nth(0).getByRole("checkbox").check();
    await page.getByRole("button", { name: "Lock against deletion" }).click();
    await page.getByText("The nodes were locked against deletion.").waitFor(WAIT);
    await rows.nth(0).getByRole("cell", { name: "locked", exact: true }).waitFor(WAIT);

    await rows.nth(1).getByRole("checkbox").check();
    await page.getByRole("button", { name: "Reboot" }).click();
    await page.getByText("The nodes are rebooting.").waitFor(WAIT);
    await rows.nth(1).locator(".phase", { hasText: "Checking" }).waitFor(WAIT);
    await mark(page);
    await advance("10 minutes");
    await rows.nth(1).locator(".phase", { hasText: "Available" }).waitFor(WAIT);
    await assertNotReloaded(page);
    await shot(page, "pool");
  });

  it("turns the pool Abnormal with a fault, and back when it is removed", async () => {
    await mark(page);
    await admin.getByLabel("Label selector").fill("team=ml");
    await admin.getByLabel("Effect").selectOption("nodes-abnormal");
    await admin.getByLabel("Count").fill("1");
    await admin.getByRole("button", { name: "Add fault" }).click();
    await admin.getByText("The fault was added.").waitFor(WAIT);
    await phaseIs(page, "Abnormal");
    await shot(admin, "admin");
    await admin.getByRole("button", { name: /^Remove fault/ }).click();
    await admin.getByText("The fault was removed.").waitFor(WAIT);
    await advance("1 hour");
    await phaseIs(page, "Running");
    await assertNotReloaded(page);
  });

  it("shows the request log's tail on the admin page", async () => {
    await admin.locator("#tail code", { hasText: `/v2/${server.project}/pools` }).first().waitFor(WAIT);
  });

  it("shows labels, annotations and refusals as text", async () => {
    const name = poolUrl.split("/").pop();
    await mark(page);
    await apiCall("PATCH", `/v2/${server.project}/pools/${name}`, { metadata: { annotations: { comment: XSS } } });
    await page.locator("#live code", { hasText: `comment: ${XSS}` }).waitFor(WAIT);
    await assertNotReloaded(page);
    assert.equal(await page.locator("#live img").count(), 0);

    await page.goto(`${server.base}/console/pools`);
    await page.getByLabel("Label selector").fill(`team=${XSS}`);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByRole("alert").filter({ hasText: "invalid labelSelector" }).waitFor(WAIT);
    assert.equal(await page.getByLabel("Label selector").inputValue(), `team=${XSS}`);
    assert.equal(await page.locator("main img").count(), 0);
  });

  it("lists the pools as they change", async () => {
    await page.goto(`${server.base}/console/pools`);
    assert.equal(await feedType(page), "text/event-stream");
    await mark(page);
    await apiCall("POST", `/v2/${server.project}/pools`, {
      apiVersion: "v2",
      kind: "Pool",
      metadata: { labels: { "os.modelarts/name": "infer-b", team: "ml" } },
      spec: {
        type: "Dedicate",
        scope: ["Infer"],
        resources: [{ flavor: "modelarts.vm.cpu.8ud", count: 1 }],
        network: { name: await networkName() },
      },
    });
    const row = page.locator("#live tbody tr", { hasText: "infer-b" });
    await row.locator(".phase", { hasText: "Creating" }).waitFor(WAIT);
    await assertNotReloaded(page);
    await shot(page, "pools");
  });

  it("deletes the pool after asking", async () => {
    await page.goto(poolUrl);
    await page.getByRole("link", { name: "Delete this pool…" }).click();
    await page.getByRole("heading", { name: /^Delete pool/ }).waitFor(WAIT);
    await shot(page, "delete");
    await page.getByLabel(`Yes, delete ${display}`).check();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByText("The pool is being deleted.").waitFor(WAIT);
    const row = page.locator("#live tbody tr", { hasText: display });
    await row.locator(".phase", { hasText: "Deleting" }).waitFor(WAIT);
    await mark(page);
    await advance("10 minutes");
    await row.waitFor({ state: "detached", ...WAIT });
    await assertNotReloaded(page);
  });

  it("signs out", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL("**/console/sign-in", WAIT);
    await page.goto(`${server.base}/console/pools`);
    assert.match(page.url(), /\/console\/sign-in$/);
  });
});

async function networkName() {
  const token = await userToken(server);
  const res = await fetch(`${server.base}/v1/${server.project}/networks`, { headers: { "X-Auth-Token": token } });
  const list = await res.json();
  return list.items[0].metadata.name;
}
