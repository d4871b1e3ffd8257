package orbit.launch;

/**
 * What {@link RunHandle#sync()} brought to the control side.
 *
 * @param files  files fetched whole or by their new tail
 * @param bytes  bytes transferred
 * @param detail one line for a person
 */
public record Pulled(int files, long bytes, String detail) {
    /** A run that writes straight into the bundle: nothing to bring. */
    public static Pulled nothing(String why) {
        return new Pulled(0, 0, why);
    }

    @Override
    public String toString() {
        return detail;
    }
}
