package dev.ingestion.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

@Configuration(proxyBeanMethods = false)
class ApiDocsConfig {

    private static final String BEARER = "bearer";
    private static final String API_KEY = "apiKey";

    @Bean
    OpenAPI apiInfo() {
        return new OpenAPI()
                .info(new Info()
                        .title("Priority ingestion service")
                        .version("0.1")
                        .description("Queue ids at a priority; they are fetched from a rate-limited upstream "
                                + "(one batch per interval across the deployment) in priority order. "
                                + "Every error answer is {\"error\": ..., \"details\": {...}}. "
                                + "Where the deployment sets INGEST_API_KEYS, every endpoint here needs a key, "
                                + "as a Bearer token or in X-API-Key; otherwise none does."))
                .components(new Components()
                        .addSecuritySchemes(
                                BEARER,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .description("Authorization: Bearer <key>"))
                        .addSecuritySchemes(
                                API_KEY,
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.APIKEY)
                                        .in(SecurityScheme.In.HEADER)
                                        .name("X-API-Key")))
                // either scheme will do: two requirements, not one requiring both
                .addSecurityItem(new SecurityRequirement().addList(BEARER))
                .addSecurityItem(new SecurityRequirement().addList(API_KEY));
    }
}
