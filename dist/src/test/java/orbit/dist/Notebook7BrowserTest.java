package orbit.dist;

/** The kernel in Notebook 7. */
class Notebook7BrowserTest extends JupyterClientBrowserTest {
    @Override
    String ui() {
        return "notebook";
    }
}
