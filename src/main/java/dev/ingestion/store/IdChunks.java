package dev.ingestion.store;

import java.sql.ResultSet;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The layout of an ingestion's ids, private to the store. Ids are packed as big-endian 32-bit
 * integers ({@link IdCodec}) into chunks of about 4 KB, each a whole number of batches so that a
 * batch never spans two chunks; chunk {@code n} starts at position {@code n * chunkSize}. An
 * ingestion that fits one chunk keeps its ids in its own row: one insert instead of two.
 */
final class IdChunks {

    /** About 4 KB of packed ids per chunk row, rounded down to whole batches. */
    private static final int IDS_PER_CHUNK = 1024;

    private final JdbcClient jdbc;

    IdChunks(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    static int chunkSize(int batchSize) {
        return Math.max(1, IDS_PER_CHUNK / batchSize) * batchSize;
    }

    /** The packed ids for the ingestion's own row, or null when they go to chunk rows. */
    static byte[] inline(int[] ids, int chunkSize) {
        return ids.length <= chunkSize ? IdCodec.encode(ids, 0, ids.length) : null;
    }

    /** The chunk rows of an ingestion whose ids do not fit its own row. */
    static void addChunkRows(UUID ingestion, int[] ids, int chunkSize, List<MapSqlParameterSource> rows) {
        if (ids.length <= chunkSize) {
            return;
        }
        for (int from = 0, no = 0; from < ids.length; from += chunkSize, no++) {
            rows.add(new MapSqlParameterSource()
                    .addValue("ingestion", ingestion)
                    .addValue("no", no)
                    .addValue("ids", IdCodec.encode(ids, from, Math.min(ids.length, from + chunkSize))));
        }
    }

    /**
     * Hands the ids of positions {@code [fromPosition, toPosition)} to {@code sink} in request
     * order, one whole chunk at a time, with the position of the chunk's first id.
     */
    void forEach(IngestionRow ingestion, int fromPosition, int toPosition, ChunkSink sink) {
        if (fromPosition >= toPosition) {
            return;
        }
        StoredIds stored = ingestion.ids();
        if (stored.inline != null) {
            sink.accept(0, IdCodec.decode(stored.inline));
            return;
        }
        int firstChunk = fromPosition / stored.chunkSize;
        int lastChunk = (toPosition - 1) / stored.chunkSize;
        int[] chunkNo = {firstChunk};
        jdbc.sql("""
                SELECT ids FROM ingestion_chunk
                WHERE ingestion_id = :ingestion AND chunk_no >= :first AND chunk_no <= :last
                ORDER BY chunk_no
                """)
                .param("ingestion", ingestion.id())
                .param("first", firstChunk)
                .param("last", lastChunk)
                .query((ResultSet rs) ->
                        sink.accept(chunkNo[0]++ * stored.chunkSize, IdCodec.decode(rs.getBytes("ids"))));
    }

    /** The ids of positions {@code [from, to)}, which lie in one chunk (a batch, say). */
    int[] range(IngestionRow ingestion, int from, int to) {
        int[][] ids = {new int[0]};
        forEach(ingestion, from, to, (first, chunk) -> ids[0] = Arrays.copyOfRange(chunk, from - first, to - first));
        return ids[0];
    }

    interface ChunkSink {
        void accept(int firstPosition, int[] ids);
    }
}
