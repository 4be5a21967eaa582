package dev.sse.autoconfigure;

import java.util.HashSet;
import java.util.Set;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code sse} Actuator endpoint's settings, as Boot's own endpoints have them.
 */
@ConfigurationProperties("management.endpoint.sse")
public class SseEndpointProperties {

	/**
	 * When client addresses are shown: never (masked), when-authorized (to the roles
	 * below) or always.
	 */
	private Show showValues = Show.NEVER;

	/**
	 * Roles that see client addresses with show-values=when-authorized; empty: any
	 * authenticated user.
	 */
	private Set<String> roles = new HashSet<>();

	public Show getShowValues() {
		return this.showValues;
	}

	public void setShowValues(Show showValues) {
		this.showValues = showValues;
	}

	public Set<String> getRoles() {
		return this.roles;
	}

	public void setRoles(Set<String> roles) {
		this.roles = roles;
	}

}
