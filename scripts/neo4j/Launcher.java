// Starts Neo4j Community (embedded engine) with the Bolt connector on 127.0.0.1:PORT and blocks
// until it is stopped (SIGTERM / Ctrl-C run the shutdown hook, which closes the store cleanly).
//
// Used by scripts/neo4j.sh, which fetches the jars from Maven Central because no Docker engine or
// server tarball is needed that way:
//     java -cp "<lib>/*" Launcher.java HOME PORT [PASSWORD]
// With no PASSWORD, authentication is off (local tests only); with one, it is set for the user
// "neo4j" through the system database.

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;

public class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Launcher HOME PORT [PASSWORD]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        String password = args.length > 2 ? args[2] : "";
        String pagecache = System.getProperty("tsunagu.pagecache", "256m");

        // Setting names as in neo4j.conf (validated strictly by Neo4j at start-up): written to a
        // properties file and loaded, which keeps this file free of setting classes that move
        // between versions.
        Map<String, String> config = new LinkedHashMap<>();
        config.put("server.bolt.enabled", "true");
        config.put("server.bolt.listen_address", "127.0.0.1:" + port);
        config.put("server.bolt.advertised_address", "127.0.0.1:" + port);
        config.put("dbms.security.auth_enabled", password.isEmpty() ? "false" : "true");
        config.put("server.memory.pagecache.size", pagecache);
        config.put("dbms.usage_report.enabled", "false");
        // Test data is thrown away: keep transaction logs small.
        config.put("db.tx_log.rotation.retention_policy", "2 files");
        // Bolt's network threads otherwise idle 5 s before stopping, on every shutdown.
        config.put("internal.dbms.bolt.netty_server_shutdown_quiet_period", "0");

        Files.createDirectories(home);
        Path conf = home.resolve("tsunagu-neo4j.conf");
        StringBuilder text = new StringBuilder();
        config.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(conf, text.toString());

        long t0 = System.nanoTime();
        DatabaseManagementService service =
                new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("TSUNAGU_NEO4J_STOPPING");
            service.shutdown();
            stopped.countDown();
        }, "neo4j-shutdown"));

        if (!password.isEmpty()) {
            GraphDatabaseService system = service.database("system");
            try (Transaction tx = system.beginTx()) {
                tx.execute("ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED",
                        Map.of("pw", password));
                tx.commit();
            }
        }
        // Touch the default database so "ready" means it is online, not just the connector.
        GraphDatabaseService db = service.database("neo4j");
        try (Transaction tx = db.beginTx()) {
            tx.execute("RETURN 1").close();
            tx.commit();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("TSUNAGU_NEO4J_READY bolt://127.0.0.1:" + port + " (" + ms + " ms)");
        System.out.flush();
        stopped.await();
    }
}
