package orbit.kernel.wire;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.google.gson.reflect.TypeToken;
import org.dflib.jjava.jupyter.kernel.ExpressionValue;
import org.dflib.jjava.jupyter.kernel.history.HistoryEntry;
import org.dflib.jjava.jupyter.messages.HMACGenerator;
import org.dflib.jjava.jupyter.messages.Header;
import org.dflib.jjava.jupyter.messages.KernelTimestamp;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.MessageType;
import org.dflib.jjava.jupyter.messages.ReplyType;
import org.dflib.jjava.jupyter.messages.adapters.ExpressionValueAdapter;
import org.dflib.jjava.jupyter.messages.adapters.HeaderAdapter;
import org.dflib.jjava.jupyter.messages.adapters.HistoryEntryAdapter;
import org.dflib.jjava.jupyter.messages.adapters.HistoryRequestAdapter;
import org.dflib.jjava.jupyter.messages.adapters.KernelTimestampAdapter;
import org.dflib.jjava.jupyter.messages.adapters.MessageTypeAdapter;
import org.dflib.jjava.jupyter.messages.adapters.PublishStatusAdapter;
import org.dflib.jjava.jupyter.messages.adapters.ReplyTypeAdapter;
import org.dflib.jjava.jupyter.messages.publish.PublishStatus;
import org.dflib.jjava.jupyter.messages.request.HistoryRequest;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Jupyter wire format over jjava-jupyter's message model: identities, delimiter, HMAC, header, parent header,
 * metadata, content, buffers. Decoding verifies the signature in constant time and refuses a bad one.
 */
public final class WireCodec {
    static final byte[] DELIMITER = "<IDS|MSG>".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_OBJECT = "{}".getBytes(StandardCharsets.UTF_8);
    private static final Type MAP = new TypeToken<Map<String, Object>>() {}.getType();

    private static final Gson REPLY_GSON = new GsonBuilder()
            .registerTypeAdapter(HistoryEntry.class, HistoryEntryAdapter.INSTANCE)
            .registerTypeAdapter(ExpressionValue.class, ExpressionValueAdapter.INSTANCE)
            .create();
    private static final Gson GSON = new GsonBuilder()
            .registerTypeAdapter(KernelTimestamp.class, KernelTimestampAdapter.INSTANCE)
            .registerTypeAdapter(Header.class, HeaderAdapter.INSTANCE)
            .registerTypeAdapter(MessageType.class, MessageTypeAdapter.INSTANCE)
            .registerTypeAdapter(PublishStatus.class, PublishStatusAdapter.INSTANCE)
            .registerTypeAdapter(HistoryRequest.class, HistoryRequestAdapter.INSTANCE)
            .registerTypeHierarchyAdapter(ReplyType.class, new ReplyTypeAdapter(REPLY_GSON))
            .serializeNulls()
            .create();

    private final HMACGenerator hmac;

    public WireCodec(String key, String scheme) {
        try {
            this.hmac = key == null || key.isEmpty() ? HMACGenerator.NO_AUTH_INSTANCE : new HMACGenerator(scheme, key);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalArgumentException("unsupported signature scheme " + scheme + ": " + e.getMessage(), e);
        }
    }

    /** Thrown for a message whose signature does not match: it is dropped, never dispatched. */
    public static final class BadSignature extends Exception {
        BadSignature(String message) {
            super(message);
        }
    }

    /** The content of a correctly signed message that could not be read as its type: why, for the error reply. */
    public record Unreadable(String problem) {}

    public Message<?> decode(List<byte[]> frames) throws BadSignature {
        int d = 0;
        while (d < frames.size() && !Arrays.equals(DELIMITER, frames.get(d))) d++;
        if (frames.size() < d + 6) {
            throw new BadSignature("malformed message: " + frames.size() + " frames");
        }
        List<byte[]> identities = new ArrayList<>(frames.subList(0, d));
        byte[] sig = frames.get(d + 1);
        byte[] header = frames.get(d + 2);
        byte[] parent = frames.get(d + 3);
        byte[] metadata = frames.get(d + 4);
        byte[] content = frames.get(d + 5);
        String expected = hmac.calculateSignature(header, parent, metadata, content);
        if (expected != null && !MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), sig)) {
            throw new BadSignature("message with an invalid signature dropped");
        }
        List<byte[]> blobs = new ArrayList<>(frames.subList(d + 6, frames.size()));
        Header<?> h = GSON.fromJson(new String(header, StandardCharsets.UTF_8), Header.class);
        Header<?> ph = null;
        JsonElement pj = JsonParser.parseString(new String(parent, StandardCharsets.UTF_8));
        if (pj.isJsonObject() && !pj.getAsJsonObject().isEmpty()) ph = GSON.fromJson(pj, Header.class);
        Map<String, Object> md = GSON.fromJson(new String(metadata, StandardCharsets.UTF_8), MAP);
        Class<?> contentType = h.getType().getContentType();
        Object body;
        try {
            body = contentType == null || contentType == Object.class
                    ? GSON.fromJson(new String(content, StandardCharsets.UTF_8), MAP)
                    : GSON.fromJson(new String(content, StandardCharsets.UTF_8), contentType);
        } catch (com.google.gson.JsonParseException e) {
            // a signed request with content of the wrong shape still deserves an error reply, so it is not dropped here
            body = new Unreadable(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse(""));
        }
        @SuppressWarnings({"rawtypes", "unchecked"})
        Message<?> m = new Message(identities, h, ph, md, body, blobs);
        return m;
    }

    public List<byte[]> encode(Message<?> message) {
        byte[] header = GSON.toJson(message.getHeader()).getBytes(StandardCharsets.UTF_8);
        byte[] parent = message.hasParentHeader() ? GSON.toJson(message.getParentHeader()).getBytes(StandardCharsets.UTF_8) : EMPTY_OBJECT;
        byte[] metadata = message.hasMetadata() ? GSON.toJson(message.getMetadata()).getBytes(StandardCharsets.UTF_8) : EMPTY_OBJECT;
        byte[] content = GSON.toJson(message.getContent()).getBytes(StandardCharsets.UTF_8);
        String sig = hmac.calculateSignature(header, parent, metadata, content);
        List<byte[]> frames = new ArrayList<>(message.getIdentities().size() + 8);
        frames.addAll(message.getIdentities());
        frames.add(DELIMITER);
        frames.add((sig == null ? "" : sig).getBytes(StandardCharsets.US_ASCII));
        frames.add(header);
        frames.add(parent);
        frames.add(metadata);
        frames.add(content);
        if (message.getBlobs() != null) frames.addAll(message.getBlobs());
        return frames;
    }

    /** A signature for raw frames (tests forge messages with it). */
    public String sign(byte[]... parts) {
        return hmac.calculateSignature(parts);
    }
}
