package orbit.display;

import java.util.Map;

/**
 * A value that knows how to show itself: MIME type → content ("text/plain" and "text/html" as strings,
 * "image/png" as base64). The kernel renders these as-is; a terminal prints "text/plain".
 */
public interface MimeBundle {
    Map<String, String> mimeBundle();
}
