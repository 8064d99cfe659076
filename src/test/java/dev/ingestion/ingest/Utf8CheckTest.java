package dev.ingestion.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The parser's own UTF-8 check agrees with the JDK's strict decoder on random bytes, biased
 * towards the edges of multi-byte sequences (overlong forms, surrogates, past U+10FFFF, cut
 * sequences), and finds a NUL wherever it is.
 */
class Utf8CheckTest {

    static final int TRIES = Integer.getInteger("hostile.tries", 1000) * 20;

    @Test
    void theBodyCheckAgreesWithTheJdksStrictDecoderOnRandomBytes() {
        long seed = Long.getLong("hostile.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        byte[] edges = {
            0x7F,
            (byte) 0x80,
            (byte) 0xBF,
            (byte) 0xC0,
            (byte) 0xC1,
            (byte) 0xC2,
            (byte) 0xDF,
            (byte) 0xE0,
            (byte) 0xED,
            (byte) 0xEF,
            (byte) 0xF0,
            (byte) 0xF4,
            (byte) 0xF5,
            (byte) 0xFF,
            (byte) 0x9F,
            (byte) 0xA0,
            (byte) 0x8F,
            (byte) 0x90,
            'a',
            '{'
        };
        for (int i = 0; i < TRIES; i++) {
            byte[] bytes = new byte[random.nextInt(40)];
            for (int k = 0; k < bytes.length; k++) {
                bytes[k] = random.nextInt(3) == 0
                        ? edges[random.nextInt(edges.length)]
                        : (byte) (1 + random.nextInt(0x7F));
            }
            assertThat(IngestRequestParser.firstNonJsonByte(bytes) < 0)
                    .as(
                            "seed %d (-Dhostile.seed), bytes %s",
                            seed, java.util.HexFormat.of().formatHex(bytes))
                    .isEqualTo(strictUtf8(bytes));
        }
    }

    @Test
    void aNulByteIsFoundWhereverItIsEvenAmidLongRunsOfAscii() {
        byte[] ascii = "{\"ids\": [1, 2, 3], \"priority\": \"LOW\"}  ".getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < ascii.length; at++) {
            byte[] bytes = ascii.clone();
            bytes[at] = 0;
            assertThat(IngestRequestParser.firstNonJsonByte(bytes)).isEqualTo(at);
        }
    }

    private static boolean strictUtf8(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return false;
            }
        }
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
