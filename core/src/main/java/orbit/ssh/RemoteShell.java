package orbit.ssh;

import orbit.launch.ShellQuote;

/** Words for the remote shell: a directory that may start with {@code ~/}, quoted so no byte is interpreted. */
public final class RemoteShell {
    private RemoteShell() {}

    /** One shell word for {@code s}, through the project's one quoting helper. */
    public static String quote(String s) {
        return ShellQuote.quote(s);
    }

    /** A remote directory as a shell word: {@code ~/x} becomes {@code "$HOME"/'x'}, everything else is quoted whole. */
    public static String dir(String remoteDir) {
        if (remoteDir.equals("~")) return "\"$HOME\"";
        if (remoteDir.startsWith("~/")) return "\"$HOME\"/" + quote(remoteDir.substring(2));
        return quote(remoteDir);
    }
}
