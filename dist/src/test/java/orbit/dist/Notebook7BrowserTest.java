package orbit.dist;

/** The kernel in Notebook 7, with the post-mortem notebook. */
class Notebook7BrowserTest extends JupyterClientBrowserTest {
    @Override
    String ui() {
        return "notebook";
    }

    @Override
    String shippedNotebook() {
        return "postmortem.ipynb";
    }
}
