package dev.ingestion.store;

/**
 * Where an ingestion's ids are kept: in its own row ({@code inline}) or in chunk rows of
 * {@code chunkSize} ids. Opaque outside the store, which reads them through {@link QueueReads}.
 */
public final class StoredIds {

    final int chunkSize;
    final byte[] inline;

    StoredIds(int chunkSize, byte[] inline) {
        this.chunkSize = chunkSize;
        this.inline = inline;
    }
}
