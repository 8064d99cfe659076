package dev.ingestion.dashboard;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.CacheControl;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The page's scripts and stylesheet under {@code /dashboard/}, from the jar: no build step, no
 * CDN. ES modules import each other by plain paths, so each asks to be revalidated (a 304 costs
 * little) rather than carrying a version in its name.
 */
@Configuration(proxyBeanMethods = false)
class DashboardAssets implements WebMvcConfigurer {

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler("/dashboard/**")
                .addResourceLocations("classpath:/dashboard/")
                .setCacheControl(CacheControl.noCache());
    }
}
