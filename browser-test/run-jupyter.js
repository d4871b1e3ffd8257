// Drives JupyterLab 4 or Notebook 7 (the same notebook widgets, found through the app object the server exposes
// with --ServerApp/LabApp expose_app_in_browser) in headless Chromium the way a person would, and writes what the
// page shows as JSON. Screenshots go to OUT_DIR as UI-NAME.png.
//
// usage: node run-jupyter.js lab|notebook BASE_URL TOKEN OUT_DIR PROFILE_DIR run-all NOTEBOOK...
//          opens each notebook, Run > Run All Cells from the menu, waits for the last cell; per code cell its
//          execution count, output types and what .jp-OutputArea-output shows (text, tables, PNG images); for a
//          `%launch wait` cell every text its one output showed while it ran
//        node run-jupyter.js lab|notebook BASE_URL TOKEN OUT_DIR PROFILE_DIR editor NOTEBOOK
//          in a notebook of three code cells (Java code, a `while (true) {}` that says it started, empty): the highlighted tokens of
//          cell 1, the completion popup for `Files.readStr` + Tab in cell 3, and cell 2 run then stopped with
//          the toolbar's stop button
const browser = require('./browser');

const [ui, base, token, outDir, profile, mode, ...notebooks] = process.argv.slice(2);

function url(nb) {
  return ui === 'lab' ? `${base}/lab/tree/${nb}?token=${token}` : `${base}/notebooks/${nb}?token=${token}`;
}

// the notebook panel in front, once its kernel is connected and idle
async function open(page, nb) {
  await page.goto(url(nb));
  await page.waitForFunction(name => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return w && w.context && w.context.path.endsWith(name) && w.context.isReady && k && k.status === 'idle'
        && w.content.widgets.length > 0;
  }, nb);
  return page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.name);
}

async function cells(page) {
  return page.evaluate(() => window.jupyterapp.shell.currentWidget.content.widgets
    .filter(c => c.model.type === 'code')
    .map(c => {
      const outs = c.model.outputs.toJSON();
      const shown = Array.from(c.node.querySelectorAll('.jp-OutputArea-output'));
      return {
        count: c.model.executionCount,
        source: c.model.sharedModel.getSource(),
        outputTypes: outs.map(o => o.output_type),
        mimeTypes: outs.map(o => Object.keys(o.data || {}).join(',')).filter(s => s),
        error: outs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue).join('\n'),
        text: shown.map(o => o.innerText).join('\n'),
        tables: c.node.querySelectorAll('.jp-OutputArea-output table').length,
        pngs: c.node.querySelectorAll('.jp-OutputArea-output[data-mime-type="image/png"] img').length,
      };
    }));
}

function kernelIdleAfterRun() {
  return () => {
    const w = window.jupyterapp.shell.currentWidget;
    const k = w.sessionContext.session.kernel;
    const code = w.content.widgets.filter(c => c.model.type === 'code');
    const failed = code.some(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'));
    const pending = code.some(c => c.promptNode && /\*/.test(c.promptNode.textContent));
    return k.status === 'idle' && !pending && (failed || code.every(c => c.model.executionCount !== null));
  };
}

async function runAll(page, nb) {
  const result = { notebook: nb, kernel: await open(page, nb) };
  // watch the progress display of a `%launch wait` cell: every text it shows, and how many outputs it has
  await page.evaluate(() => {
    const w = window.jupyterapp.shell.currentWidget;
    const cell = w.content.widgets.find(c => c.model.sharedModel.getSource().startsWith('%launch wait'));
    window.orbitProgress = { samples: [] };
    if (!cell) return;
    window.orbitProgress.cell = true;
    setInterval(() => {
      const shown = cell.node.querySelectorAll('.jp-OutputArea-output');
      const p = window.orbitProgress.samples;
      const t = Array.from(shown).map(o => o.innerText).join('\n');
      if (t && (p.length === 0 || p[p.length - 1].text !== t)) p.push({ outputs: shown.length, text: t });
    }, 20);
  });
  const started = Date.now();
  await page.click('.lm-MenuBar-item:has-text("Run")');
  await page.getByRole('menuitem', { name: 'Run All Cells', exact: true }).click();
  await page.waitForFunction(kernelIdleAfterRun(), null, { timeout: 240000, polling: 100 });
  result.runAllMs = Date.now() - started;
  result.progress = await page.evaluate(() => window.orbitProgress);
  result.cells = await cells(page);
  await page.screenshot({ path: `${outDir}/${ui}-${nb.replace(/\.ipynb$/, '')}.png` });
  return result;
}

async function editor(page, nb) {
  const result = { notebook: nb, kernel: await open(page, nb) };
  const editorOf = i => page.locator('.jp-Notebook .jp-CodeCell').nth(i).locator('.cm-content');
  // highlighting: every token span CodeMirror 6 made in the first cell, with its classes and colour
  result.tokens = await page.evaluate(() => {
    const c = window.jupyterapp.shell.currentWidget.content.widgets[0];
    return Array.from(c.node.querySelectorAll('.cm-content .cm-line span')).map(s => ({
      text: s.textContent, cls: s.className, color: getComputedStyle(s).color,
    }));
  });
  result.plainColor = await page.evaluate(() => getComputedStyle(
    window.jupyterapp.shell.currentWidget.content.widgets[0].node.querySelector('.cm-line')).color);
  result.language = await page.evaluate(() => {
    const k = window.jupyterapp.shell.currentWidget.content.widgets[0].model;
    return k.mimeType;
  });

  // completion: type in the third cell, Tab, and the popup lists what the kernel offers. JupyterLab 4.6 picks a
  // notebook's completion providers when it opens it: with a kernel still starting then, Tab completes nothing
  // until the page is opened again (seen with this kernel; the popup itself is what is tested here)
  await page.reload();
  await open(page, nb);
  await editorOf(2).click();
  await page.keyboard.type('Files.readStr');
  // the notebook enables Tab completion for a cell once it has seen text before the cursor
  await page.waitForSelector('.jp-Notebook.jp-mod-editMode .jp-mod-completer-enabled');
  await page.keyboard.press('Tab');
  await page.waitForSelector('.jp-Completer .jp-Completer-item', { state: 'visible' });
  result.completions = await page.$$eval('.jp-Completer .jp-Completer-item', items =>
    items.map(i => (i.querySelector('.jp-Completer-match') || i).textContent.trim()));
  await page.screenshot({ path: `${outDir}/${ui}-completion.png` });
  await page.keyboard.press('Escape');

  // the stop button: run the loop, wait until it says it runs, press stop
  await editorOf(1).click();
  await page.keyboard.press('Shift+Enter');
  await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'busy'
      && /looping/.test(window.jupyterapp.shell.currentWidget.content.widgets[1].node.innerText));
  const stop = page.locator('.jp-NotebookPanel-toolbar [data-command="notebook:interrupt-kernel"]').first();
  const pressed = Date.now();
  // a person presses again when a press does not stop it; how many presses it took is part of the answer
  result.presses = 0;
  const stopped = () => {
    const w = window.jupyterapp.shell.currentWidget;
    return w.sessionContext.session.kernel.status === 'idle' && w.content.widgets[1].model.executionCount !== null;
  };
  while (true) {
    await stop.click();
    result.presses++;
    try {
      await page.waitForFunction(stopped, null, { timeout: 5000, polling: 50 });
      break;
    } catch (e) {
      if (result.presses >= 3) throw e;
    }
  }
  result.interruptMs = Date.now() - pressed;
  result.cells = await cells(page);
  result.kernelAfterStop = await page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status);
  await page.screenshot({ path: `${outDir}/${ui}-stop.png` });
  return result;
}

browser.run(profile, async page => {
  if (mode === 'run-all') {
    const results = [];
    for (const nb of notebooks) results.push(await runAll(page, nb));
    return results;
  }
  if (mode === 'editor') return editor(page, notebooks[0]);
  throw new Error('unknown mode ' + mode);
}, `${outDir}/${ui}-${mode}-failed.png`);
