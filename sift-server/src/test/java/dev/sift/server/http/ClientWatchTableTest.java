package dev.sift.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the watch reads the kernel's socket tables: which watched connections it finds open, and which gone. */
class ClientWatchTableTest {

    private static final String HEADER =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

    private static String line(int slot, String local, String remote, String state) {
        return "%4d: %s %s %s 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 20 4 30 10 -1\n"
                .formatted(slot, local, remote, state);
    }

    @Test
    void findsWatchedConnectionsByStateAndIgnoresOthers() throws Exception {
        try (ClientWatch clients = new ClientWatch()) {
            // 127.0.0.1:8000 is 0100007F:1F40 in the table's host-order hex; ports 40000 and 40001 are 9C40 and 9C41.
            clients.watch("127.0.0.1", 8000, "127.0.0.1", 40000, Thread.currentThread());
            clients.watch("127.0.0.1", 8000, "127.0.0.1", 40001, Thread.currentThread());
            String table = HEADER
                    + line(0, "00000000:1F40", "00000000:0000", "0A")       // the listening socket: not watched
                    + line(1, "0100007F:1F40", "0100007F:9C40", "01")       // established
                    + line(2, "0100007F:1F40", "0100007F:9C41", "08")       // CLOSE_WAIT: the client sent its FIN
                    + line(3, "0100007F:1F40", "0100007F:9C42", "08");      // someone else's connection
            Set<Object> open = new HashSet<>();
            Set<Object> gone = new HashSet<>();
            readTable(clients, table, open, gone);
            assertEquals(1, open.size(), "the established connection");
            assertEquals(1, gone.size(), "the connection in CLOSE_WAIT");
            assertTrue(open.stream().noneMatch(gone::contains));
        }
    }

    @Test
    void aTruncatedOrEmptyTableFindsNothing() throws Exception {
        try (ClientWatch clients = new ClientWatch()) {
            clients.watch("127.0.0.1", 8000, "127.0.0.1", 40000, Thread.currentThread());
            for (String table : new String[] {"", HEADER, "   1: 0100007F:1F40", "   1: 0100007F:1F40 0100007F:9C40"}) {
                Set<Object> open = new HashSet<>();
                Set<Object> gone = new HashSet<>();
                readTable(clients, table, open, gone);
                assertTrue(open.isEmpty() && gone.isEmpty(), () -> "found a connection in " + table);
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void readTable(ClientWatch clients, String table, Set<Object> open, Set<Object> gone) {
        clients.readTable(table.getBytes(StandardCharsets.US_ASCII), (Set) open, (Set) gone);
    }
}
