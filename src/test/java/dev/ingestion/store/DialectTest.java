package dev.ingestion.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DialectTest {

    @Test
    void theEmbeddedStoreWritesEveryCommitKeepsASmallPageCacheAndALargerStatementCache() {
        assertThat(Dialect.H2.connectionUrl("jdbc:h2:file:./data/ingest"))
                .isEqualTo("jdbc:h2:file:./data/ingest;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=4096"
                        + ";QUERY_CACHE_SIZE=64");
    }

    @Test
    void settingsGivenInTheUrlWin() {
        assertThat(Dialect.H2.connectionUrl("jdbc:h2:file:./d;query_cache_size=16;CACHE_SIZE=1024"))
                .isEqualTo("jdbc:h2:file:./d;query_cache_size=16;CACHE_SIZE=1024;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
    }

    @Test
    void aPostgresUrlIsLeftAsItIs() {
        assertThat(Dialect.POSTGRES.connectionUrl("jdbc:postgresql://db/ingest"))
                .isEqualTo("jdbc:postgresql://db/ingest");
    }
}
