package dev.ingestion.ingest;

import java.lang.reflect.RecordComponent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/**
 * The fingerprint an idempotency key is stored with: SHA-256 over every component of the parsed
 * request, in declaration order, each with its name. It walks the record's components rather than
 * naming fields, so a field added to the request is covered without anyone remembering to; a
 * component of a type it cannot encode fails loudly (a test feeds it every component).
 */
final class Fingerprint {

    private static final int IDS_AT_ONCE = 2048;

    /**
     * A record's components, read once per class: Class.getRecordComponents() builds new
     * component and Method objects, looking up their names in the JVM's symbol table, on each
     * call, which was the most of what a key cost the request's thread (perf, issue 13).
     */
    private static final ClassValue<RecordComponent[]> COMPONENTS = new ClassValue<>() {
        @Override
        protected RecordComponent[] computeValue(Class<?> type) {
            return type.getRecordComponents();
        }
    };

    private Fingerprint() {}

    static String of(Record request) {
        MessageDigest digest = sha256();
        for (RecordComponent component : COMPONENTS.get(request.getClass())) {
            text(digest, component.getName());
            try {
                value(digest, component.getAccessor().invoke(request));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + component, e);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void value(MessageDigest digest, Object value) {
        if (value == null) {
            digest.update((byte) 0);
        } else if (value instanceof int[] ints) {
            digest.update((byte) 1);
            ByteBuffer buffer = ByteBuffer.allocate(4 * IDS_AT_ONCE);
            buffer.putInt(ints.length);
            for (int i = 0; i < ints.length; i++) {
                if (!buffer.hasRemaining()) {
                    digest.update(buffer.flip());
                    buffer.clear();
                }
                buffer.putInt(ints[i]);
            }
            digest.update(buffer.flip());
        } else if (value instanceof Enum<?> constant) {
            digest.update((byte) 2);
            text(digest, constant.name());
        } else if (value instanceof Set<?> set && set.stream().allMatch(Enum.class::isInstance)) {
            // in name order: two sets of the same constants are the same request
            digest.update((byte) 4);
            digest.update(ByteBuffer.allocate(4).putInt(set.size()).flip());
            set.stream().map(constant -> ((Enum<?>) constant).name()).sorted().forEach(name -> text(digest, name));
        } else if (value instanceof String || value instanceof Number || value instanceof Boolean) {
            digest.update((byte) 3);
            text(digest, value.getClass().getSimpleName() + ":" + value);
        } else {
            throw new IllegalStateException("a request component of type "
                    + value.getClass().getName() + " needs an encoding in Fingerprint before it can be fingerprinted");
        }
    }

    /** Length first, so that no two sequences of strings encode alike. */
    private static void text(MessageDigest digest, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(bytes.length).flip());
        digest.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
