package orbit.dist;

/** The kernel in JupyterLab 4, with the quickstart (its live progress bar). */
class JupyterLabBrowserTest extends JupyterClientBrowserTest {
    @Override
    String ui() {
        return "lab";
    }

    @Override
    String shippedNotebook() {
        return "quickstart.ipynb";
    }
}
