package dev.sse.stream;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** A stream created by a handler, waiting for Spring MVC to initialise its emitter. Internal. */
interface PendingStream {

    boolean isStarted();

    /** The handler returned and the headers and first bytes went out: runs on the request thread. */
    void open(HttpServletRequest request, HttpServletResponse response);

    /** The request ended without the stream opening. */
    void abandon();
}
