package dev.ingestion.dashboard;

import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Hidden;

/**
 * The dashboard at {@code /}: one static page whose modules read the API from the browser, with
 * the caller's key if keys are on. It holds no data of its own, so it is open like the API docs;
 * what it shows comes from endpoints that keep their keys.
 */
@RestController
@Hidden
class DashboardController {

    private static final Resource PAGE = new ClassPathResource("dashboard/index.html");

    @GetMapping(value = "/", produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<Resource> page() {
        // revalidated on every load, so a new version's page never meets an old version's modules
        return ResponseEntity.ok().cacheControl(CacheControl.noCache()).body(PAGE);
    }
}
