package dev.sse.internal.stream;

import dev.sse.spi.DataConverter;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes objects as compact, one-line JSON through the application's own
 * {@link JsonMapper}, so its configuration (naming, dates, modules) applies. Internal.
 */
public final class JacksonDataConverter implements DataConverter {

	private final ObjectWriter writer;

	/**
	 * @param mapper the application's mapper; its indentation setting is turned off for
	 * events
	 */
	public JacksonDataConverter(JsonMapper mapper) {
		this.writer = mapper.writer().without(SerializationFeature.INDENT_OUTPUT);
	}

	@Override
	public String toText(@Nullable Object data) {
		String simple = DataConverter.simpleText(data);
		if (simple != null) {
			return simple;
		}
		try {
			return this.writer.writeValueAsString(data);
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException("Cannot write SSE data of type " + data.getClass().getName()
					+ " as JSON: " + ex.getOriginalMessage(), ex);
		}
	}

}
