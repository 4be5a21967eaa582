package dev.sse.autoconfigure;

import dev.sse.SseCallback;
import dev.sse.SseOptions;
import dev.sse.SseService;
import dev.sse.stream.DefaultSseService;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.core.task.TaskExecutor;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;

class SseAutoConfigurationTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class, SseAutoConfiguration.class));

    @Test
    void offersTheServiceTheExecutorAndTheInterceptor() {
        this.runner.run((context) -> {
            assertThat(context).hasSingleBean(SseService.class);
            assertThat(context).getBean(SseService.class).isInstanceOf(DefaultSseService.class);
            assertThat(context).hasBean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME);
            assertThat(context.getBean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME))
                .isInstanceOf(SimpleAsyncTaskExecutor.class);
            assertThat(context).hasSingleBean(WebMvcConfigurer.class);
        });
    }

    @Test
    void backsOffForTheApplicationsOwnService() {
        this.runner.withUserConfiguration(OwnService.class).run((context) -> {
            assertThat(context).hasSingleBean(SseService.class);
            assertThat(context).doesNotHaveBean(DefaultSseService.class);
        });
    }

    @Test
    void usesTheApplicationsOwnExecutorOfThatName() {
        this.runner.withUserConfiguration(OwnExecutor.class).run((context) -> {
            assertThat(context.getBean(SseAutoConfiguration.TASK_EXECUTOR_BEAN_NAME))
                .isInstanceOf(SyncTaskExecutor.class);
            assertThat(context).hasSingleBean(DefaultSseService.class);
        });
    }

    @Test
    void doesNothingOutsideAServletWebApplication() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SseAutoConfiguration.class))
            .run((context) -> assertThat(context).doesNotHaveBean(SseService.class));
    }

    @Test
    void aNegativeDurationFailsStartupNamingTheProperty() {
        this.runner.withPropertyValues("sse.timeout=-5s").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("sse.timeout")
                .hasMessageContaining("zero or positive");
            assertThat(messages(context.getStartupFailure()))
                .contains("Failed to bind properties under 'sse'").contains("sse.timeout must be zero or positive");
        });
    }

    @Test
    void everyBadPropertyFailsStartupNamingIt() {
        for (String bad : new String[] { "sse.keep-alive-interval=-1s", "sse.retry=-1ms",
                "sse.disconnect-detection-interval=-1s", "sse.chunk-size=10B", "sse.executor.max-concurrency=0",
                "sse.executor.retry-after=-1s", "sse.error.event-name=" }) {
            String name = bad.substring(0, bad.indexOf('='));
            this.runner.withPropertyValues(bad).run((context) -> {
                assertThat(context).as(bad).hasFailed();
                assertThat(context.getStartupFailure()).as(bad).rootCause().hasMessageContaining(name);
            });
        }
    }

    @Test
    void propertiesBecomeTheDefaultOptions() {
        this.runner.withPropertyValues("sse.async=true", "sse.retry=2s", "sse.keep-alive-interval=15s",
                "sse.timeout=10m", "sse.cors=https://a.example").run((context) -> {
                    SseProperties properties = context.getBean(SseProperties.class);
                    assertThat(properties.toOptions()).isEqualTo(SseOptions.defaults().async(true)
                        .retry(java.time.Duration.ofSeconds(2)).keepAliveInterval(java.time.Duration.ofSeconds(15))
                        .timeout(java.time.Duration.ofMinutes(10)).cors("https://a.example"));
                });
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnService {

        @Bean
        SseService mySse() {
            return new SseService() {
                @Override
                public SseEmitter stream(SseCallback callback) {
                    return new SseEmitter();
                }

                @Override
                public SseEmitter stream(SseOptions options, SseCallback callback) {
                    return new SseEmitter();
                }

                @Override
                public String publish(String topic, Object data) {
                    return "1";
                }

                @Override
                public String publish(String topic, Object data, String event) {
                    return "1";
                }

                @Override
                public SseEmitter subscribe(String... topics) {
                    return new SseEmitter();
                }

                @Override
                public SseEmitter subscribe(SseOptions options, String... topics) {
                    return new SseEmitter();
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnExecutor {

        @Bean
        TaskExecutor sseTaskExecutor() {
            return new SyncTaskExecutor();
        }
    }
}
