package orbit.ssh;

import orbit.OrbitException;

/** The host did not answer (connect refused or timed out, connection lost, a command outlived its limit). */
public class HostUnreachableException extends OrbitException {
    public HostUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
