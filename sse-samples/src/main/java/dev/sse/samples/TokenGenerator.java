package dev.sse.samples;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.stereotype.Component;

/**
 * A deterministic stand-in for a language model: the same prompt always gives the same
 * answer, cut into word-sized tokens, with no network.
 */
@Component
public class TokenGenerator {

	private static final String[] OPENINGS = { "Server-Sent Events", "A single HTTP response", "Streaming" };

	private static final String[] MIDDLES = { "keeps one connection open", "pushes text as it is produced",
			"lets the browser reconnect on its own" };

	private static final String[] ENDINGS = { "so the answer appears word by word.",
			"which is all a chat interface needs.", "and EventSource does the rest." };

	/**
	 * The tokens of the answer to a prompt.
	 * @param prompt the question
	 * @return the answer's tokens; joined, they are the whole answer
	 */
	public List<String> tokens(String prompt) {
		int h = Math.abs(prompt.trim().toLowerCase(Locale.ROOT).hashCode());
		String answer = "You asked: \"" + prompt.trim() + "\". " + OPENINGS[h % 3] + " " + MIDDLES[(h / 3) % 3] + ", "
				+ ENDINGS[(h / 9) % 3];
		List<String> tokens = new ArrayList<>();
		int start = 0;
		for (int i = 1; i <= answer.length(); i++) {
			if (i == answer.length() || answer.charAt(i) == ' ') {
				tokens.add(answer.substring(start, i));
				start = i;
			}
		}
		return tokens;
	}

}
