package dev.ingestion.api;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;

import dev.ingestion.api.HostileAnswers.Rows;
import dev.ingestion.api.RawHttp.Answer;

/**
 * One run of drawn requests: its seeds (a new one each run unless {@code -Dhostile.seed} or
 * {@code -Dhostile.case} says), and every request's answer held to the rules. The run's seed is
 * printed first, so a failure can be repeated from the log alone.
 */
final class HostileRun {

    static final int MOST_FAILURES_SHOWN = 15;

    private final Long seed;
    private final List<Long> cases;

    private HostileRun(Long seed, List<Long> cases) {
        this.seed = seed;
        this.cases = cases;
    }

    /** The build's seed: it found Tomcat's own answer to {@code OPTIONS *}, and passes since. */
    static final long DEFAULT_SEED = 7751407472985291201L;

    /** {@code -Dhostile.tries} requests (else {@code defaultTries}) from {@code -Dhostile.seed} (or a drawn one). */
    static HostileRun fromProperties(String name, int defaultTries) {
        String single = System.getProperty("hostile.case");
        if (single != null) {
            System.out.println(name + ": the one case " + single);
            return new HostileRun(null, List.of(Long.parseLong(single)));
        }
        // A fixed seed by default, so that the build passes or fails on the code, not on the draw;
        // -Dhostile.seed=random draws a new one (printed, so a finding can be repeated).
        String configured = System.getProperty("hostile.seed", Long.toString(DEFAULT_SEED));
        long seed = configured.equals("random") ? new SecureRandom().nextLong() : Long.parseLong(configured);
        int tries = Integer.getInteger("hostile.tries", defaultTries);
        SplittableRandom seeds = new SplittableRandom(seed);
        List<Long> cases = new ArrayList<>();
        for (int i = 0; i < tries; i++) {
            cases.add(seeds.nextLong());
        }
        HostileRun run = new HostileRun(seed, cases);
        System.out.println(name + ": " + tries + " requests from seed " + seed + " (" + run.repeatWith() + ")");
        return run;
    }

    String repeatWith() {
        return seed == null
                ? "-Dhostile.case=" + System.getProperty("hostile.case")
                : "repeat with -Dhostile.seed=" + seed;
    }

    /** Sends every case; what was answered wrongly, at most MOST_FAILURES_SHOWN of them. */
    List<String> failures(String name, RawHttp raw, HostileRequests requests, Supplier<Rows> rows) {
        List<String> failures = new ArrayList<>();
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (long caseSeed : cases) {
            Attack attack = requests.draw(caseSeed);
            List<String> problems;
            Answer answer = null;
            try {
                Rows before = rows.get();
                answer = raw.send(attack);
                statuses.merge(answer.status(), 1, Integer::sum);
                problems = HostileAnswers.problems(attack, answer, before, rows.get());
            } catch (AssertionError | RuntimeException e) {
                problems = List.of(e.toString());
            }
            if (!problems.isEmpty()) {
                failures.add("case " + caseSeed + " (-Dhostile.case=" + caseSeed + "): " + attack.describe()
                        + "\n  expected " + attack.expect() + "\n  answered " + answer + "\n  problems " + problems);
                if (failures.size() == MOST_FAILURES_SHOWN) {
                    break;
                }
            }
        }
        // Read in the log, this says whether the draws still reach past the first checks.
        System.out.println(name + ": answers by status " + statuses);
        return failures;
    }
}
