// The Training page in a real browser: start a short CPU fine-tune of the
// offline SmolLM2 on the fixture export through the form, watch the live loss
// chart fill, and see the run succeed with its imported model.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT, doppel, start } from "./harness.mjs";

const EXPORT = join(ROOT, "models", "trainer", "testdata", "export");

let h;
before(async () => {
  h = await start();
});
after(async () => {
  // Remove the model the run imported from the shared test Ollama.
  if (h?.model) await doppel(["models", "rm", h.model], { dataDir: h.dataDir });
  await h?.close();
});

test("start a run on the Training page and see its live loss chart", { timeout: 600000 }, async (t) => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/training`);
  await page.getByRole("heading", { name: "Training", exact: true }).waitFor();
  await page.getByText("No training runs yet").waitFor();
  const proposal = page.getByLabel("Proposed settings");
  await proposal.getByText(/cpu|cuda|mps/).first().waitFor({ timeout: 60000 });
  if (/created on the first run/.test(await proposal.innerText()) && process.env.DOPPEL_REQUIRE_OLLAMA !== "1") {
    t.skip("no trainer environment (scripts/setup-trainer.sh)");
    return;
  }
  assert.ok(existsSync(join(EXPORT, "train.jsonl")));
  await page.getByLabel("Dataset").fill(EXPORT);
  await page.getByLabel("Model name").fill(`e2etrain${Date.now() % 100000}`);
  await page.getByLabel("Max steps").fill("3");
  await page.getByLabel("Batch size").fill("2");
  await page.getByLabel("Gradient accumulation").fill("1");
  await page.getByLabel("Max length").fill("96");
  await page.getByRole("button", { name: "Start training" }).click();
  const row = page.locator("tr[data-run]").first();
  await row.waitFor();
  // The chart shows points while the run is still going or once it is done.
  await page.locator('.loss-chart[data-points="3"]').waitFor({ timeout: 300000 });
  await row.getByText("succeeded").waitFor({ timeout: 300000 });
  const text = await row.innerText();
  assert.match(text, /3\/3/, "all steps ran");
  assert.match(text, /:v1/, "the model was imported as NAME:v1");
  h.model = text.match(/(e2etrain\d+:v1)/)?.[1];
  await page.getByText(/it answered:/).waitFor();
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "training-browser.png"), fullPage: true });
  assert.deepEqual(h.pageErrors, []);
});
