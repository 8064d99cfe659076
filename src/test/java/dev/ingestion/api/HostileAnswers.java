package dev.ingestion.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.sql.DataSource;

import org.springframework.jdbc.core.simple.JdbcClient;

import dev.ingestion.api.RawHttp.Answer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every answer must be, whatever was asked: below 500, no server software named, the
 * security headers, every error a JSON {@code {"error": ..., "details": {...}}} with no stack
 * trace in it; and a refused request stores nothing.
 */
final class HostileAnswers {

    /** Words that only a stack trace or a server's own error page would put in an answer. */
    private static final List<String> LEAKS = List.of(
            "exception", "\tat ", "tomcat", "catalina", "springframework", "java.", "jakarta.", "dev.ingestion");

    private HostileAnswers() {}

    /** The ingestion rows and id chunks in the store. */
    record Rows(long ingestions, long chunks) {

        static Rows in(DataSource dataSource) {
            return JdbcClient.create(dataSource)
                    .sql("SELECT (SELECT COUNT(*) FROM ingestion) AS i, (SELECT COUNT(*) FROM ingestion_chunk) AS c")
                    .query((rs, n) -> new Rows(rs.getLong("i"), rs.getLong("c")))
                    .single();
        }
    }

    /** Everything wrong with the answer to an attack, each a sentence; none if it was answered well. */
    static List<String> problems(Attack attack, Answer answer, Rows before, Rows after) {
        List<String> problems = new ArrayList<>();
        if (answer.status() == 0) {
            problems.add("no answer: the connection closed without one");
            return problems;
        }
        if (answer.status() == Answer.HTTP_09) {
            problems.addAll(leaks(answer));
            if (!after.equals(before)) {
                problems.add("an HTTP/0.9 request stored rows: " + before + " then " + after);
            }
            return problems;
        }
        if (answer.status() >= 500) {
            problems.add("a server error, " + answer.status());
        }
        problems.addAll(everyAnswer(answer));
        if (answer.status() >= 400 && !attack.isHead()) {
            problems.addAll(errorShape(answer));
        }
        problems.addAll(expected(attack.expect(), answer));
        boolean stored = answer.status() >= 200 && answer.status() < 300;
        if (!attack.expect().mayStore() && !after.equals(before)) {
            problems.add("a request that may store nothing stored rows: " + before + " then " + after);
        } else if (!stored && !after.equals(before)) {
            problems.add("a refused request stored rows: " + before + " then " + after);
        }
        if (stored && after.ingestions() - before.ingestions() > 1) {
            problems.add("one request stored several ingestions: " + before + " then " + after);
        }
        return problems;
    }

    static List<String> everyAnswer(Answer answer) {
        List<String> problems = new ArrayList<>();
        if (!answer.headers("Server").isEmpty()) {
            problems.add("a Server header: " + answer.headers("Server"));
        }
        if (tomcatsOwnOptionsStar(answer)) {
            // "OPTIONS * HTTP/1.1" is answered by Tomcat's connector before any valve or filter
            // runs: an empty 200 with only Allow. No body, no type: nothing to sniff or render.
            return problems;
        }
        if (!answer.headers("X-Content-Type-Options").equals(List.of("nosniff"))) {
            problems.add("X-Content-Type-Options is " + answer.headers("X-Content-Type-Options"));
        }
        if (answer.headers("Content-Security-Policy").size() != 1) {
            problems.add("Content-Security-Policy is " + answer.headers("Content-Security-Policy"));
        }
        if (answer.text().toLowerCase(Locale.ROOT).contains("apache tomcat")) {
            problems.add("the answer names the server's software");
        }
        return problems;
    }

    private static boolean tomcatsOwnOptionsStar(Answer answer) {
        return answer.status() == 200
                && !answer.headers("Allow").isEmpty()
                && answer.header("Content-Type").isEmpty()
                && answer.text().isEmpty();
    }

    /** {@code {"error": "<not blank>", "details": {"<field>": "<not blank>"}}}, JSON, and nothing else. */
    static List<String> errorShape(Answer answer) {
        List<String> problems = new ArrayList<>();
        String type = answer.header("Content-Type").orElse("");
        if (!type.startsWith("application/json")) {
            problems.add("an error answer of type \"" + type + "\"");
        }
        JsonNode json;
        try {
            json = JsonMapper.shared().readTree(answer.body());
        } catch (JacksonException e) {
            problems.add("an error answer that is not JSON");
            return problems;
        }
        if (json == null || !json.isObject()) {
            problems.add("an error answer that is not a JSON object");
            return problems;
        }
        Set<String> names = new HashSet<>(json.propertyNames());
        names.removeAll(Set.of("error", "details"));
        if (!names.isEmpty()) {
            problems.add("an error answer with fields beyond error and details: " + names);
        }
        if (!json.path("error").isString() || json.path("error").asString().isBlank()) {
            problems.add("an error answer without a message in \"error\"");
        }
        if (json.has("details")) {
            JsonNode details = json.get("details");
            if (!details.isObject() || details.isEmpty()) {
                problems.add("details that are not an object of reasons");
            } else {
                details.properties().forEach(reason -> {
                    if (!reason.getValue().isString()
                            || reason.getValue().asString().isBlank()) {
                        problems.add("details." + reason.getKey() + " is not a reason");
                    }
                });
            }
        }
        problems.addAll(leaks(answer));
        return problems;
    }

    private static List<String> leaks(Answer answer) {
        String lower = answer.text().toLowerCase(Locale.ROOT);
        return LEAKS.stream()
                .filter(lower::contains)
                .map(leak -> "the answer contains \"" + leak.strip() + "\"")
                .toList();
    }

    private static List<String> expected(Attack.Expect expect, Answer answer) {
        List<String> problems = new ArrayList<>();
        if (!expect.statuses().isEmpty() && !expect.statuses().contains(answer.status())) {
            problems.add("expected " + expect + ", got " + answer.status());
            return problems;
        }
        if (expect.fields() != null) {
            JsonNode details;
            try {
                details = JsonMapper.shared().readTree(answer.body()).path("details");
            } catch (JacksonException e) {
                return problems; // said above
            }
            Set<String> named = new HashSet<>(details.propertyNames());
            boolean fits = expect.fieldsExact() ? named.equals(expect.fields()) : named.containsAll(expect.fields());
            if (!fits) {
                problems.add("expected " + expect + ", details name " + named);
            }
        }
        return problems;
    }
}
