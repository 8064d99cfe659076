package dev.ingestion.store;

import java.nio.ByteBuffer;

/** Packs ids as big-endian 32-bit integers: every valid id (at most 10^9+7) fits in an int. */
final class IdCodec {

    private IdCodec() {}

    static byte[] encode(int[] ids, int from, int to) {
        ByteBuffer buffer = ByteBuffer.allocate((to - from) * Integer.BYTES);
        for (int i = from; i < to; i++) {
            buffer.putInt(ids[i]);
        }
        return buffer.array();
    }

    static int[] decode(byte[] packed) {
        ByteBuffer buffer = ByteBuffer.wrap(packed);
        int[] ids = new int[packed.length / Integer.BYTES];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = buffer.getInt();
        }
        return ids;
    }
}
