// A server started with --token: the UI asks for the token, and with it the
// API answers; without it every API call is refused.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { start } from "./harness.mjs";

let h;
before(async () => {
  h = await start({ args: ["--token", "e2e-secret"] });
});
after(async () => {
  await h?.close();
});

test("the API refuses requests without the token", async () => {
  const r = await fetch(`${h.baseURL}/api/v1/settings`);
  assert.equal(r.status, 401);
  const ok = await fetch(`${h.baseURL}/api/v1/settings`, { headers: { Authorization: "Bearer e2e-secret" } });
  assert.equal(ok.status, 200);
});

test("the UI asks for the token and then works", async () => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/settings`);
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await page.getByLabel("Access token").fill("e2e-secret");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByTestId("data-dir").filter({ hasText: h.dataDir }).waitFor();
  assert.equal(await page.getByRole("dialog").count(), 0);
});
