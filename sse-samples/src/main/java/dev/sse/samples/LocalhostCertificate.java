package dev.sse.samples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Generates the self-signed certificate of the {@code http2} profile at start, when
 * {@code samples.tls.generate-keystore} names a key store that does not exist yet or
 * cannot be opened with {@code server.ssl.key-store-password} (left half-written, or made
 * with another password): a PKCS12 store with one EC key for {@code localhost} and
 * {@code 127.0.0.1}, made by the JDK's own {@code keytool}, readable by its owner only.
 * Browsers warn about it (it is self-signed); bring your own certificate in production
 * ({@code server.ssl.*}).
 */
class LocalhostCertificate implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

	private static final Logger log = LoggerFactory.getLogger(LocalhostCertificate.class);

	@Override
	public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
		ConfigurableEnvironment environment = event.getEnvironment();
		String location = environment.getProperty("samples.tls.generate-keystore");
		if (location == null || location.isBlank()) {
			return;
		}
		Path keystore = Path.of(location);
		String password = environment.getRequiredProperty("server.ssl.key-store-password");
		try {
			if (Files.exists(keystore)) {
				String problem = opens(keystore, password);
				if (problem == null) {
					return;
				}
				log.warn("Making a new certificate: {} cannot be opened ({})", keystore, problem);
			}
			generate(keystore, password);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not generate the samples' certificate " + keystore
					+ " (samples.tls.generate-keystore): " + ex.getMessage(), ex);
		}
	}

	/** Why the store cannot be opened with the password, or {@code null} if it can. */
	private static String opens(Path keystore, String password) {
		try (InputStream in = Files.newInputStream(keystore)) {
			KeyStore store = KeyStore.getInstance("PKCS12");
			store.load(in, password.toCharArray());
			return store.containsAlias("localhost") ? null : "no key named localhost";
		}
		catch (IOException | GeneralSecurityException ex) {
			return ex.toString();
		}
	}

	private static void generate(Path keystore, String password) throws IOException {
		Path directory = keystore.toAbsolutePath().getParent();
		Files.createDirectories(directory);
		// Written aside and moved into place, so two instances starting at once never
		// read half a store.
		Path partial = Files.createTempFile(directory, "localhost", ".p12");
		Files.delete(partial);
		String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
		List<String> command = List.of(keytool, "-genkeypair", "-alias", "localhost", "-keyalg", "EC", "-groupname",
				"secp256r1", "-validity", "3650", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
				"-storetype", "PKCS12", "-keystore", partial.toString(), "-storepass", password, "-keypass", password);
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		try {
			String output = new String(process.getInputStream().readAllBytes());
			if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
				throw new IOException("keytool failed: " + output.trim());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while keytool ran", ex);
		}
		finally {
			process.destroy();
		}
		if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
			Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
		}
		Files.move(partial, keystore, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
	}

}
