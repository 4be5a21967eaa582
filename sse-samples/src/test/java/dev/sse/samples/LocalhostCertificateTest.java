package dev.sse.samples;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.bootstrap.DefaultBootstrapContext;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The http2 profile's certificate: made when missing, owner-only, and made anew when the
 * store there cannot be opened (half-written, or made with another password).
 */
class LocalhostCertificateTest {

	@TempDir
	Path dir;

	private void start(Path keystore, String password) {
		MockEnvironment environment = new MockEnvironment()
			.withProperty("samples.tls.generate-keystore", keystore.toString())
			.withProperty("server.ssl.key-store-password", password);
		new LocalhostCertificate().onApplicationEvent(new ApplicationEnvironmentPreparedEvent(
				new DefaultBootstrapContext(), new SpringApplication(), new String[0], environment));
	}

	private static KeyStore load(Path keystore, String password) throws Exception {
		try (InputStream in = Files.newInputStream(keystore)) {
			KeyStore store = KeyStore.getInstance("PKCS12");
			store.load(in, password.toCharArray());
			return store;
		}
	}

	@Test
	void aMissingStoreIsMadeForLocalhostAndOnlyItsOwnerReadsIt() throws Exception {
		Path keystore = this.dir.resolve("sub/localhost.p12");
		start(keystore, "secret-1");
		assertThat(load(keystore, "secret-1").containsAlias("localhost")).isTrue();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keystore))).isEqualTo("rw-------");
		// A good store is kept as it is.
		byte[] first = Files.readAllBytes(keystore);
		start(keystore, "secret-1");
		assertThat(Files.readAllBytes(keystore)).isEqualTo(first);
	}

	@Test
	void aStoreThatCannotBeOpenedIsMadeAnew() throws Exception {
		Path keystore = this.dir.resolve("localhost.p12");
		Files.write(keystore, new byte[0]);
		start(keystore, "secret-1");
		assertThat(load(keystore, "secret-1").containsAlias("localhost")).isTrue();
		// Another password now: the old store cannot be opened with it.
		start(keystore, "secret-2");
		assertThat(load(keystore, "secret-2").containsAlias("localhost")).isTrue();
	}

}
