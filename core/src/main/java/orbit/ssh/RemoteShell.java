package orbit.ssh;

/** Words for the remote shell: a directory that may start with {@code ~/}, quoted so no byte is interpreted. */
final class RemoteShell {
    private RemoteShell() {}

    /** Single-quotes {@code s} for a POSIX shell. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** A remote directory as a shell word: {@code ~/x} becomes {@code "$HOME"/'x'}, everything else is quoted whole. */
    static String dir(String remoteDir) {
        if (remoteDir.equals("~")) return "\"$HOME\"";
        if (remoteDir.startsWith("~/")) return "\"$HOME\"/" + quote(remoteDir.substring(2));
        return quote(remoteDir);
    }
}
