// The Training page in a real browser: start a short CPU fine-tune of the
// offline SmolLM2 on the fixture export through the form, watch the live loss
// chart fill, see the run succeed with its imported and evaluated model, then
// compare it with its base on the Models page and accept it.
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

test("start a run on the Training page and see its live loss chart", { timeout: 900000 }, async (t) => {
  const { page, baseURL } = h;
  await page.goto(`${baseURL}/#/training`);
  await page.getByRole("heading", { name: "Training", exact: true }).waitFor();
  await page.getByText("No training runs yet").waitFor();
  // The Fine-tune button needs a dataset version; a new data dir has none.
  await page.getByLabel("Fine-tune your twin").getByText("No dataset yet").waitFor();
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
  assert.ok(await page.getByLabel("Evaluate after import").isChecked(), "evaluation is on by default");
  await page.getByRole("button", { name: "Start training" }).click();
  const row = page.locator("tr[data-run]").first();
  await row.waitFor();
  // The chart shows points while the run is still going or once it is done.
  await page.locator('.loss-chart[data-points="3"]').waitFor({ timeout: 300000 });
  await row.getByText("succeeded").waitFor({ timeout: 600000 });
  const text = await row.innerText();
  assert.match(text, /3\/3/, "all steps ran");
  assert.match(text, /:v1/, "the model was imported as NAME:v1");
  h.model = text.match(/(e2etrain\d+:v1)/)?.[1];
  await page.getByText(/it answered:/).waitFor();
  const steps = page.getByLabel("Pipeline steps");
  assert.equal((await steps.locator(".step-done").allInnerTexts()).join(","), "Export,Prepare,Train,Import,Evaluate,Done");
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "training-browser.png"), fullPage: true });

  // The evaluation ran in the same job: candidate and base side by side.
  await page.getByRole("link", { name: /side by side/ }).click();
  await page.getByRole("heading", { name: "Your twins" }).waitFor();
  const scores = page.getByRole("table", { name: "Scores side by side" });
  await scores.waitFor();
  const head = await scores.locator("thead").innerText();
  assert.match(head, /Candidate[\s\S]*e2etrain\d+:v1/i);
  assert.match(head, /Base[\s\S]*smollm2:135m/i);
  for (const role of ["candidate", "base"]) {
    const loss = await scores.locator(`[data-metric="loss"][data-role="${role}"]`).innerText();
    assert.match(loss, /^\d+\.\d{3}$/, `${role} loss ${loss}`);
    const sim = await scores.locator(`[data-metric="similarity"][data-role="${role}"]`).innerText();
    assert.match(sim, /^-?\d\.\d{3}$/, `${role} similarity ${sim}`);
  }
  await page.getByLabel("Gate").waitFor();
  // Every answer sits beside the author's.
  await page.locator(".eval-samples button.link").first().click();
  await page.locator('.eval-answers [data-role="candidate"]').first().waitFor();
  await page.screenshot({ path: join(ROOT, "docs", "screenshots", "evaluation-browser.png"), fullPage: true });

  // Accepting makes it the twin (chat's default model).
  const version = page.locator(`tr[data-version="${h.model}"]`);
  await version.getByRole("button", { name: `Accept ${h.model}` }).click();
  await version.getByText("accepted").waitFor();
  const settings = await (await page.request.get(`${baseURL}/api/v1/settings`)).json();
  assert.equal(settings.chat_model, h.model);
  assert.deepEqual(h.pageErrors, []);
});
