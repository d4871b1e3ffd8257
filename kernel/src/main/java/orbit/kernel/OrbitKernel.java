package orbit.kernel;

import orbit.OrbitException;
import orbit.kernel.wire.ConnectionInfo;

import java.io.PrintStream;
import java.nio.file.Path;

/** Entry point: {@code java orbit.kernel.OrbitKernel CONNECTION_FILE} (what the kernelspec's launcher runs). */
public final class OrbitKernel {
    private OrbitKernel() {}

    public static void main(String[] args) {
        PrintStream log = System.err;
        if (args.length != 1) {
            log.println("orbit kernel: usage: OrbitKernel CONNECTION_FILE (Jupyter passes {connection_file})");
            System.exit(2);
        }
        int code;
        try {
            code = new KernelServer(ConnectionInfo.read(Path.of(args[0])), log).serve();
        } catch (OrbitException e) {
            log.println("orbit kernel: error: " + e.getMessage());
            code = 1;
        }
        log.flush();
        // user code may have started non-daemon threads; a shut-down kernel must still go away
        Runtime.getRuntime().halt(code);
    }
}
