package dev.ingestion.access;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import dev.ingestion.settings.AccessSettings;

/**
 * The deployment's API keys, held as SHA-256 hashes of their secrets: the secrets themselves are
 * dropped once parsed. A plain hash is enough because secrets are long random strings, not
 * passwords a dictionary could guess; a presented secret is compared with every key's hash in
 * constant time, so neither a match's position nor a near miss shows in the answer's timing.
 */
public final class ApiKeys {

    /** Names travel to logs and metrics: nothing a log line or a label could be fooled by. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Shorter secrets could be guessed over the network. */
    static final int MIN_SECRET_LENGTH = 16;

    private record Key(String name, byte[] hash, boolean admin) {}

    private final List<Key> keys;

    private ApiKeys(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    public static ApiKeys from(AccessSettings settings) {
        List<String> pairs = new ArrayList<>();
        for (String pair : settings.apiKeys().split(",")) {
            pairs.add(pair);
        }
        if (!settings.apiKeysFile().isBlank()) {
            try {
                for (String line : Files.readAllLines(Path.of(settings.apiKeysFile()), StandardCharsets.UTF_8)) {
                    if (!line.strip().startsWith("#")) {
                        pairs.add(line);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "INGEST_API_KEYS_FILE " + settings.apiKeysFile() + " cannot be read: " + e.getMessage(), e);
            }
        }
        return parse(pairs);
    }

    static ApiKeys parse(List<String> pairs) {
        List<Key> keys = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        int line = 0;
        for (String raw : pairs) {
            line++;
            String pair = raw.strip();
            if (pair.isEmpty()) {
                continue;
            }
            int colon = pair.indexOf(':');
            String name = colon < 0 ? pair : pair.substring(0, colon);
            if (colon < 0 || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "API key " + line
                                + " must be name:secret or name:secret:admin, the name made of letters, digits, '.', '_' or '-'");
            }
            String secret = pair.substring(colon + 1);
            boolean admin = secret.endsWith(":admin");
            if (admin) {
                secret = secret.substring(0, secret.length() - ":admin".length());
            }
            if (secret.length() < MIN_SECRET_LENGTH || !secret.strip().equals(secret)) {
                throw new IllegalArgumentException("the secret of API key '" + name + "' must be at least "
                        + MIN_SECRET_LENGTH + " characters, with no spaces around it");
            }
            byte[] hash = sha256(secret);
            if (!names.add(name)) {
                throw new IllegalArgumentException("API key name '" + name + "' is given twice");
            }
            if (!hashes.add(new String(hash, StandardCharsets.ISO_8859_1))) {
                throw new IllegalArgumentException("API key '" + name + "' has the secret of another key");
            }
            keys.add(new Key(name, hash, admin));
        }
        return new ApiKeys(keys);
    }

    public boolean enabled() {
        return !keys.isEmpty();
    }

    public List<String> names() {
        return keys.stream().map(Key::name).toList();
    }

    /** The caller whose secret this is; every key is compared, whichever matches. */
    Optional<Caller> authenticate(String secret) {
        byte[] presented = sha256(secret);
        Key found = null;
        for (Key key : keys) {
            if (MessageDigest.isEqual(key.hash(), presented)) {
                found = key;
            }
        }
        return Optional.ofNullable(found).map(key -> new Caller(key.name(), key.admin()));
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ApiKeys" + names();
    }
}
