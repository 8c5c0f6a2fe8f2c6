package dev.sift.server.http;

import java.time.Duration;

/**
 * How a drain ended.
 *
 * @param inFlight requests in flight when it began
 * @param cut      requests still running at the drain timeout, whose connections were closed
 * @param took     from the start of the drain until the server stopped
 */
public record DrainOutcome(long inFlight, long cut, Duration took) {}
