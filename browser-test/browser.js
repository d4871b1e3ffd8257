// What every browser driver here shares: Debian's Chromium started headless through playwright-core (no browser
// download), and the run's result written to stdout as one JSON line (errors to stderr, exit 1).
const { chromium } = require('playwright-core');

async function launch(profile) {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 1600 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
}

// Runs body(page) in a fresh browser and prints what it returns as JSON; on a failure the page as it was then
// goes to failureScreenshot (when given), for a person to see what the test waited for in vain.
function run(profile, body, failureScreenshot) {
  (async () => {
    const context = await launch(profile);
    let result;
    try {
      const page = context.pages()[0] || await context.newPage();
      page.setDefaultTimeout(120000);
      try {
        result = await body(page);
      } catch (e) {
        if (failureScreenshot) await page.screenshot({ path: failureScreenshot }).catch(() => {});
        throw e;
      }
    } finally {
      await context.close();
    }
    process.stdout.write(JSON.stringify(result) + '\n');
  })().catch(e => { console.error(e && e.stack || String(e)); process.exit(1); });
}

module.exports = { launch, run };
