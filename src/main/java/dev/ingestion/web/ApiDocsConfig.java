package dev.ingestion.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;

@Configuration(proxyBeanMethods = false)
class ApiDocsConfig {

    @Bean
    OpenAPI apiInfo() {
        return new OpenAPI()
                .info(new Info()
                        .title("Priority ingestion service")
                        .version("0.1")
                        .description("Queue ids at a priority; they are fetched from a rate-limited upstream "
                                + "(one batch per interval across the deployment) in priority order. "
                                + "Every error answer is {\"error\": ..., \"details\": {...}}."));
    }
}
