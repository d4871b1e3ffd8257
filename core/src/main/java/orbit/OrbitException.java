package orbit;

/**
 * The one failure a user sees: its message is the single line shown in a cell or a terminal,
 * and it says what to do. Anything else that escapes is a bug and keeps its stack trace.
 */
public class OrbitException extends RuntimeException {
    public OrbitException(String message) {
        super(message);
    }

    public OrbitException(String message, Throwable cause) {
        super(message, cause);
    }
}
