// Drives GraphiQL in headless Chromium: opens the IDE a running gateway serves, sets a
// query in the editor, runs it with the execute button and prints the result pane's text.
// Usage: node graphiql.mjs BASE_URL QUERY SCREENSHOT (BROWSER_TOOLS and CHROMIUM set).
import { createRequire } from 'node:module';

const require = createRequire(process.env.BROWSER_TOOLS + '/node_modules/');
const { chromium } = require('playwright-core');
const [base, query, screenshot] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const problems = [];
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push('console: ' + msg.text()); });
  page.on('requestfailed', (req) => problems.push('request failed: ' + req.url()));
  page.on('response', async (resp) => {
    if (resp.status() >= 400) {
      problems.push(`HTTP ${resp.status()} ${resp.url()} ${resp.request().postData()} -> ${await resp.text()}`);
    }
  });
  await page.goto(base + '/graphiql', { waitUntil: 'load' });
  const editor = page.locator('.graphiql-query-editor .CodeMirror');
  await editor.waitFor();
  await editor.evaluate((el, q) => el.CodeMirror.setValue(q), query);
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.result-window .CodeMirror');
  await page.waitForFunction(() => {
    const cm = document.querySelector('.result-window .CodeMirror');
    return cm && cm.CodeMirror.getValue().includes('"data"');
  });
  const text = await result.evaluate((el) => el.CodeMirror.getValue());
  if (screenshot) await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ result: text, problems }));
} finally {
  await browser.close();
}
