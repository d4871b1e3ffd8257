package orbit.kernel.wire;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import orbit.OrbitException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The connection file Jupyter hands a kernel: where to bind its five sockets and how to sign messages. */
public record ConnectionInfo(String transport, String ip, int shellPort, int controlPort, int iopubPort,
                             int stdinPort, int hbPort, String key, String signatureScheme) {

    public static ConnectionInfo read(Path file) {
        try {
            JsonObject o = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8)).getAsJsonObject();
            return new ConnectionInfo(
                    o.has("transport") ? o.get("transport").getAsString() : "tcp",
                    o.get("ip").getAsString(),
                    o.get("shell_port").getAsInt(), o.get("control_port").getAsInt(), o.get("iopub_port").getAsInt(),
                    o.get("stdin_port").getAsInt(), o.get("hb_port").getAsInt(),
                    o.has("key") ? o.get("key").getAsString() : "",
                    o.has("signature_scheme") ? o.get("signature_scheme").getAsString() : "hmac-sha256");
        } catch (IOException e) {
            throw new OrbitException("cannot read the kernel connection file " + file + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new OrbitException("the kernel connection file " + file + " is not a Jupyter connection file: " + e.getMessage());
        }
    }

    public String address(int port) {
        return "ipc".equals(transport) ? "ipc://" + ip + "-" + port : transport + "://" + ip + ":" + port;
    }
}
