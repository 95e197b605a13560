// The real `respool serve` binary for the browser tests: a data directory
// of its own, a user made with `respool users create`, an admin token, the
// manual clock (only the admin API moves time, so each stage is seen).

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export const BIN = process.env.RESPOOL_BIN || join(repo, "target/debug/respool");
export const ARTIFACTS = join(repo, "target/browser-artifacts");

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitHealthy(base, child, log) {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`respool exited (${child.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`respool did not answer within 30 s:\n${log()}`);
}

/** Starts respool; `stop()` ends it and removes its data. */
export async function startRespool() {
  const dir = mkdtempSync(join(tmpdir(), "respool-console-"));
  const project = randomBytes(16).toString("hex");
  const user = "console-user";
  const password = "console-password-1";
  const adminToken = randomBytes(16).toString("hex");
  execFileSync(BIN, ["users", "create", user, "--password", password, "--project", project, "--data-dir", dir]);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(
    BIN,
    ["serve", "--data-dir", dir, "--listen", `127.0.0.1:${port}`, "--timing", "manual"],
    {
      env: { ...process.env, RESPOOL_ADMIN_TOKEN: adminToken, RESPOOL_PROJECT_ID: project, RESPOOL_LOG: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  await waitHealthy(base, child, () => output);
  return {
    base,
    project,
    user,
    password,
    adminToken,
    log: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An IAM token of the test user, for calls made beside the browser. */
export async function userToken(server) {
  const res = await fetch(`${server.base}/v3/auth/tokens`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      auth: {
        identity: { methods: ["password"], password: { user: { name: server.user, password: server.password, domain: { name: "d" } } } },
        scope: { project: { id: server.project } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`token refused: ${res.status} ${await res.text()}`);
  return res.headers.get("x-subject-token");
}
