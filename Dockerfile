# The ingestion service as a container image. Build the jar first, then the image:
#
#     ./mvnw -DskipTests package
#     docker build -t ingestion-service .          (or: podman build -t ingestion-service .)
#     docker run -d -p 8000:8000 -v ingest-data:/data ingestion-service
#
# BASE is any image with a Java 17+ runtime at `java` on the PATH and a /bin/sh; bin/image-test
# overrides it with a JRE built from Debian's packages (localhost/debian-jre:17), since the
# machines it runs on reach no container registry. See docs/DEPLOY.md.
ARG BASE=eclipse-temurin:17-jre

# The jar in a stage of its own that the image never contains: bound into the step that extracts
# it below, since a COPY in the image would keep its 39 MB in a layer under the extracted copy.
# Builders do not all count a bound file in their cache (podman 4.3's buildah does not), so the
# image copies the jar's checksum before that step: a new jar, a new checksum, no stale layer.
FROM ${BASE} AS jar
COPY target/ingestion-service.jar /jar/ingestion-service.jar
RUN cd /jar && sha256sum ingestion-service.jar > ingestion-service.jar.sha256

FROM ${BASE}

# The launcher's JVM options (bin/ingestion-service, one line of why each there), except the heap:
# -XX:MaxRAMPercentage sizes it to the container's memory limit instead of a fixed -Xmx256m
# (75% of a 512 MiB limit is 384 MB; the launcher's 256 MB holds several 32 MB requests).
# LauncherTest keeps this list in step with the launcher's JVM_OPTS: the class-data sharing archive is
# recorded with exactly these options, and a start with other GC options runs without it.
ENV INGEST_JVM_OPTS="-XX:+UseParallelGC -XX:-UsePSAdaptiveSurvivorSizePolicy -XX:MaxRAMPercentage=75.0 -Xmn32m" \
    PORT=8000 \
    INGEST_DB_URL=jdbc:h2:file:/data/ingest

# A user of its own (uid 10001), owning nothing but /data.
RUN (getent group ingest >/dev/null || groupadd --system --gid 10001 ingest) \
 && (getent passwd ingest >/dev/null || useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin ingest) \
 && mkdir -p /app /data && chown 10001:10001 /data

WORKDIR /app
COPY --from=jar /jar/ingestion-service.jar.sha256 /usr/local/share/ingestion-service/

# Class-data sharing, as the launcher does on its first start (docs/OPERATIONS.md): extract the
# jar, run it once with -XX:ArchiveClassesAtExit until the Spring context is refreshed (no web
# server, a throw-away H2 database), keep the archive. A JDK 17 archive names the jars' paths, so
# the extracted jar stays where it was recorded (/app). The recording runs as root at build time;
# the files stay read-only for the service's user. Both runs use the bean definitions Spring AOT
# worked out when the jar was built (-Dspring.aot.enabled=true), as the launcher does.
RUN --mount=type=bind,from=jar,source=/jar/ingestion-service.jar,target=/tmp/ingestion-service.jar \
    java -Djarmode=tools -jar /tmp/ingestion-service.jar extract --destination /app \
 && INGEST_DB_URL=jdbc:h2:file:/tmp/cds-training/ingest \
    java $INGEST_JVM_OPTS -Dspring.aot.enabled=true -XX:ArchiveClassesAtExit=/app/application.jsa -Dspring.context.exit=onRefresh \
         -jar /app/ingestion-service.jar --server.port=0 \
 && rm -rf /tmp/cds-training \
 && test -s /app/application.jsa \
 && chmod -R a+rX /app

# /health without curl (the base may have none): a few lines of Java run as a source file
# (java 11+ runs a .java file directly). Slower than curl (about 1 s of JVM start), hence the
# 10 s timeout.
RUN printf '%s\n' \
    'public class Health { public static void main(String[] a) throws Exception {' \
    '  var c = (java.net.HttpURLConnection) new java.net.URL("http://127.0.0.1:" + System.getenv().getOrDefault("PORT", "8000") + "/health").openConnection();' \
    '  c.setConnectTimeout(3000); c.setReadTimeout(3000);' \
    '  System.exit(c.getResponseCode() == 200 ? 0 : 1); } }' > /app/Health.java

USER 10001:10001
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["java", "-Xshare:off", "-XX:TieredStopAtLevel=1", "-Xmx32m", "/app/Health.java"]

# Exec form through `sh -c 'exec …'`: the shell only splits INGEST_JVM_OPTS and JAVA_OPTS, then
# exec replaces it with the JVM, which is PID 1 and gets SIGTERM itself (graceful shutdown; exit
# code 143 is the clean stop). JAVA_OPTS come last, so they win; arguments after the image name go
# to the application (--server.port=9000, say).
ENTRYPOINT ["/bin/sh", "-c", "exec java $INGEST_JVM_OPTS -Dspring.aot.enabled=true -XX:SharedArchiveFile=/app/application.jsa -Xshare:auto $JAVA_OPTS -jar /app/ingestion-service.jar \"$@\"", "ingestion-service"]
