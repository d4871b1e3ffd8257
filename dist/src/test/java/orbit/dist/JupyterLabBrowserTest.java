package orbit.dist;

/** The kernel in JupyterLab 4. */
class JupyterLabBrowserTest extends JupyterClientBrowserTest {
    @Override
    String ui() {
        return "lab";
    }
}
