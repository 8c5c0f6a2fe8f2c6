package dev.sift.server.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices clients that hung up while their request waits, and interrupts the handler so that the scheduler drops
 * the request's queued inputs instead of computing them.
 *
 * <p>Jetty learns of an HTTP/1.1 client's close only when it next reads or writes the connection, which it does
 * not while a handler runs. The kernel knows at once: after the client's FIN the server side of the connection
 * moves to CLOSE_WAIT, and after a reset it leaves the kernel's table altogether. On Linux one daemon thread reads
 * {@code /proc/net/tcp} and {@code /proc/net/tcp6} every 100 ms while any request is being served (a scan costs the
 * kernel a walk of its socket hash, about 3 ms of CPU on a 24 GiB machine), which consumes
 * nothing from the sockets: a watched connection found in CLOSE_WAIT or CLOSE, or missing from the tables after it
 * was once seen there (so that an address this class cannot spell never counts as gone), has lost its client.
 * Elsewhere the watch does nothing and a gone client's request is computed as before.
 */
public final class ClientWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientWatch.class);
    private static final Path[] TABLES = {Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6")};

    /** One request's watch; {@code seen} once a scan found its connection open. */
    private static final class Watch {
        final Thread handler;
        volatile boolean seen;

        Watch(Thread handler) {
            this.handler = handler;
        }
    }


    /** Watched connections by their addresses as the kernel's table writes them: "LOCAL REMOTE". */
    private final Map<String, Watch> watched = new ConcurrentHashMap<>();
    private final Thread poller;
    private final boolean available;

    public ClientWatch() {
        this.available = Files.isReadable(TABLES[0]);
        this.poller = available ? Thread.ofPlatform().name("sift-client-watch").daemon(true).start(this::poll) : null;
    }

    /** Watches one request's connection while {@code handler} serves it; close the result when done. */
    public AutoCloseable watch(String localAddress, int localPort, String remoteAddress, int remotePort, Thread handler) {
        if (!available) return () -> { };
        String connection;
        try {
            connection = encode(localAddress, localPort) + " " + encode(remoteAddress, remotePort);
        } catch (UnknownHostException | IllegalArgumentException e) {
            return () -> { };
        }
        Watch watch = new Watch(handler);
        watched.put(connection, watch);
        String mapped = mapped(localAddress, localPort, remoteAddress, remotePort);
        if (mapped != null) watched.put(mapped, watch);
        return () -> {
            watched.remove(connection, watch);
            if (mapped != null) watched.remove(mapped, watch);
        };
    }

    /** The same IPv4 connection as a dual-stack (tcp6) socket lists it, or null for an IPv6 one. */
    private static String mapped(String localAddress, int localPort, String remoteAddress, int remotePort) {
        try {
            byte[] local = InetAddress.getByName(localAddress).getAddress();
            byte[] remote = InetAddress.getByName(remoteAddress).getAddress();
            if (local.length != 4 || remote.length != 4) return null;
            return encode(asMapped(local), localPort) + " " + encode(asMapped(remote), remotePort);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String asMapped(byte[] v4) {
        return "::ffff:" + (v4[0] & 0xff) + "." + (v4[1] & 0xff) + "." + (v4[2] & 0xff) + "." + (v4[3] & 0xff);
    }

    private void poll() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            if (!watched.isEmpty()) scan();
        }
    }

    /** One look at the kernel's tables: interrupts the handlers whose client has gone. */
    private void scan() {
        Set<Watch> open = new HashSet<>();
        Set<Watch> gone = new HashSet<>();
        boolean complete = true;
        for (Path table : TABLES) {
            try {
                readTable(Files.readAllBytes(table), open, gone);
            } catch (NoSuchFileException e) {
                // No IPv6 on this machine: no connection can be in that table.
            } catch (IOException e) {
                complete = false;
                LOG.debug("cannot read {}", table, e);
            }
        }
        for (Watch watch : open) watch.seen = true;
        if (complete) {
            // A reset connection is dropped from the tables at once rather than listed as CLOSE.
            for (Watch watch : watched.values()) {
                if (watch.seen && !open.contains(watch)) gone.add(watch);
            }
        }
        if (gone.isEmpty()) return;
        watched.values().removeIf(gone::contains);
        for (Watch watch : gone) watch.handler.interrupt();
    }

    /**
     * Sorts the watched connections listed in one table into open and gone. Each line reads
     * {@code "  sl: LOCAL REMOTE ST ..."}; the two addresses are looked up as one substring, so that a scan, which
     * runs ten times a second while requests are served, costs a substring and a hash lookup per socket on the
     * machine (splitting each line on a regular expression cost a third of a millisecond of CPU per request).
     */
    void readTable(byte[] table, Set<Watch> open, Set<Watch> gone) {
        int lineStart = 0;
        while (lineStart < table.length) {
            int lineEnd = indexOf(table, (byte) '\n', lineStart);
            int colon = indexOf(table, (byte) ':', lineStart);
            int local = skip(table, colon + 1, lineEnd, true);
            int localEnd = skip(table, local, lineEnd, false);
            int remoteEnd = skip(table, skip(table, localEnd, lineEnd, true), lineEnd, false);
            int state = skip(table, remoteEnd, lineEnd, true);
            if (colon < lineEnd && state + 2 <= lineEnd) {
                Watch watch = watched.get(new String(table, local, remoteEnd - local, StandardCharsets.ISO_8859_1));
                if (watch != null) {
                    // The peer has gone in CLOSE_WAIT (08), after its FIN, and in CLOSE (07), after a reset.
                    boolean closed = table[state] == '0' && (table[state + 1] == '7' || table[state + 1] == '8');
                    (closed ? gone : open).add(watch);
                }
            }
            lineStart = lineEnd + 1;
        }
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) if (bytes[i] == b) return i;
        return bytes.length;
    }

    /** The first index from {@code i} (before {@code end}) that is not a space, or, with {@code spaces} false, is one. */
    private static int skip(byte[] bytes, int i, int end, boolean spaces) {
        while (i < end && (bytes[i] == ' ') == spaces) i++;
        return i;
    }

    /**
     * An address as /proc/net/tcp{,6} writes it: the address bytes in 32-bit words of host (little-endian) order,
     * in hex, then the port in hex. IPv4 clients of a dual-stack socket appear in tcp6 as ::ffff:a.b.c.d.
     */
    static String encode(String address, int port) throws UnknownHostException {
        byte[] bytes = address.startsWith("::ffff:") ? mappedBytes(address) : InetAddress.getByName(address).getAddress();
        StringBuilder hex = new StringBuilder();
        for (int word = 0; word < bytes.length; word += 4) {
            for (int b = 3; b >= 0; b--) hex.append(HexFormat.of().toHexDigits(bytes[word + b]));
        }
        return hex.toString().toUpperCase(Locale.ROOT) + ":" + String.format("%04X", port);
    }

    /** InetAddress folds ::ffff:a.b.c.d back to IPv4; the kernel's tcp6 table keeps all 16 bytes. */
    private static byte[] mappedBytes(String address) throws UnknownHostException {
        byte[] v4 = InetAddress.getByName(address.substring("::ffff:".length())).getAddress();
        byte[] v6 = new byte[16];
        v6[10] = (byte) 0xff;
        v6[11] = (byte) 0xff;
        System.arraycopy(v4, 0, v6, 12, 4);
        return v6;
    }

    @Override
    public void close() {
        if (poller != null) poller.interrupt();
    }
}
