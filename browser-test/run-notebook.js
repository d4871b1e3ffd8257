// Opens a notebook in Classic Notebook with headless Chromium, runs its first code cells one by one the way a
// person would (select, Shift+Enter), waits for each to finish, and writes what the page shows as JSON:
// per cell its prompt, output text, whether it holds an HTML table, an image, or an error. Saves a screenshot.
//
// usage: node run-notebook.js BASE_URL TOKEN NOTEBOOK_PATH CODE_CELLS SCREENSHOT_PNG PROFILE_DIR
const browser = require('./browser');

const [base, token, nbPath, cellsArg, screenshot, profile] = process.argv.slice(2);
const codeCells = parseInt(cellsArg, 10);

browser.run(profile, async page => {
  const result = { cells: [], kernel: null };
  await page.goto(`${base}/notebooks/${nbPath}?token=${token}`);
  // the kernel is up once the notebook says idle
  await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel
      && Jupyter.notebook.kernel.is_connected() && document.querySelector('#kernel_indicator_icon.kernel_idle_icon'));
  result.kernel = await page.evaluate(() => Jupyter.notebook.kernel.name);
  const all = await page.$$('#notebook-container .cell');
  let ran = 0;
  for (let i = 0; i < all.length && ran < codeCells; i++) {
    const cell = all[i];
    const isCode = await cell.evaluate(el => el.classList.contains('code_cell'));
    // click into the cell's prompt area (selects it without entering edit mode in a markdown cell) and run it
    await cell.click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Shift+Enter');
    if (!isCode) continue;
    ran++;
    const prompt = await cell.$('.input_prompt');
    await page.waitForFunction(el => /In\s*\[\d+\]/.test(el.innerText.replace(/\u00a0/g, ' ')), prompt);
    // the kernel sends outputs before it says it is idle; wait for idle so the last output is in the page
    await page.waitForFunction(() => document.querySelector('#kernel_indicator_icon.kernel_idle_icon'));
    result.cells.push(await cell.evaluate(el => ({
      prompt: el.querySelector('.input_prompt').innerText.replace(/\u00a0/g, ' ').trim(),
      source: el.querySelector('.CodeMirror') ? el.querySelector('.CodeMirror').CodeMirror.getValue() : '',
      text: Array.from(el.querySelectorAll('.output_subarea')).map(o => o.innerText).join('\n'),
      tables: el.querySelectorAll('.output_subarea table').length,
      images: el.querySelectorAll('.output_subarea img').length,
      errors: el.querySelectorAll('.output_error').length,
      stderr: Array.from(el.querySelectorAll('.output_stderr')).map(o => o.innerText).join('\n'),
    })));
  }
  await page.screenshot({ path: screenshot, fullPage: true });
  return result;
});
