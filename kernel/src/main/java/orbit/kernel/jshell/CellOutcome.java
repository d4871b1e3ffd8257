package orbit.kernel.jshell;

import java.util.List;
import java.util.Optional;

/** What running one cell of Java produced: a live value to show, or an error to report. */
public sealed interface CellOutcome {
    /** Ran; {@code value} is present when the last snippet was an expression with a value. */
    record Ok(Optional<Object> value, boolean hasValue, String valueText) implements CellOutcome {}

    /** Did not compile: each problem with its line and column in the cell. */
    record CompileError(List<Problem> problems) implements CellOutcome {}

    /** Compiled but threw: the user's frames only. */
    record RuntimeError(String exceptionClass, String message, List<String> frames) implements CellOutcome {}

    /** Stopped by an interrupt. */
    record Interrupted() implements CellOutcome {}

    record Problem(int line, int column, String message, String sourceLine) {
        public String render() {
            StringBuilder sb = new StringBuilder();
            sb.append("line ").append(line).append(", column ").append(column).append(": ").append(message);
            if (sourceLine != null) {
                sb.append('\n').append("    ").append(sourceLine).append('\n').append("    ")
                        .append(" ".repeat(Math.max(0, column - 1))).append('^');
            }
            return sb.toString();
        }
    }
}
