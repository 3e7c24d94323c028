package dev.andon.config;

import static dev.andon.config.KindTesting.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.ConfigFactory;
import dev.andon.call.JdbcCall;
import dev.andon.call.JdbcPoolSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JdbcKindTest {
    @TempDir
    java.nio.file.Path dir;

    private List<String> problemsOf(String body) {
        return KindTesting.problemsOf(dir, new JdbcKind(), body);
    }

    @Test
    void shouldBuildTheStatementWithItsParamsAndTheReferenceMaxRows() {
        var t = new KindTesting(dir);
        var call = assertInstanceOf(JdbcCall.class, t.parse(new JdbcKind(),
                "url = \"jdbc:postgresql://db1:5432/shop\"\nuser = report\npassword-env = SHOP_PW\n"
                        + "sql = \"SELECT * FROM orders WHERE id > ? AND paid = ? AND note = ? OR ? IS NULL\"\n"
                        + "params = [7, true, \"x\", null]\ntransaction = on\nfetch-size = 500"));
        assertEquals(List.of(), t.lines());
        JdbcCall.Statement st = call.statement();
        assertEquals(Arrays.asList(7, true, "x", null), st.params());
        assertEquals(100, st.maxRows(), "andon.jdbc.max-rows");
        assertEquals(true, st.transaction());
        assertEquals(500, st.fetchSize());
        assertEquals("jdbc jdbc:postgresql://db1:5432/shop as report: " + st.sql(), call.toString());
    }

    @Test
    void shouldTakeAPoolDeclaredUnderAndonJdbcPools() {
        var t = new KindTesting(dir, ConfigFactory.parseString(
                "andon.jdbc.pools.shop { url = \"jdbc:sqlite::memory:\", maximum-pool-size = 3 }"));
        var call = assertInstanceOf(JdbcCall.class, t.parse(new JdbcKind(), "pool = shop\nsql = \"SELECT 1\"\nmax-rows = 0"));
        assertEquals(List.of(), t.lines());
        assertEquals(0, call.statement().maxRows());
        assertEquals("jdbc pool shop (jdbc:sqlite::memory:): SELECT 1", call.toString());
        Problems problems = new Problems();
        Map<String, JdbcPoolSettings> pools = JdbcKind.checkPools(t.reference, problems);
        assertEquals(List.of(), problems.list());
        assertEquals(new JdbcPoolSettings("shop", "jdbc:sqlite::memory:", null, null, 3, Duration.ofSeconds(30)),
                pools.get("shop"), "connection-timeout from andon.jdbc.pool-defaults");
    }

    @Test
    void shouldReportEachProblemOnceWithFileLineAndPath() {
        assertEquals(List.of("jobs.conf:1: " + KindTesting.PATH + ".url: missing (required)",
                "jobs.conf:1: " + KindTesting.PATH + ".sql: missing (required)"), problemsOf("user = x"));
        assertEquals(List.of(at(4, "password", "a password is never written in a configuration file: put it in an "
                        + "environment variable and name the variable with password-env = \"VARIABLE\"")),
                problemsOf("url = \"jdbc:sqlite::memory:\"\nsql = \"SELECT 1\"\npassword = hunter2"));
        assertEquals(List.of(at(2, "url", "no JDBC driver for \"mysql\" on the classpath: put the driver's jar in lib/ "
                        + "(the PostgreSQL and SQLite drivers ship with Andon)")),
                problemsOf("url = \"jdbc:mysql://db/shop\"\nsql = \"SELECT 1\""));
        assertEquals(List.of(at(2, "url", "must be a JDBC URL (jdbc:postgresql://host:5432/db, jdbc:sqlite:file.db, ...), "
                        + "not \"postgresql://db/shop\"")),
                problemsOf("url = \"postgresql://db/shop\"\nsql = \"SELECT 1\""));
        assertEquals(List.of(at(2, "url", "holds a password: a password is never written in a configuration file; put it "
                        + "in an environment variable and name the variable with password-env = \"VARIABLE\"")),
                problemsOf("url = \"jdbc:postgresql://db/shop?user=a&password=b\"\nsql = \"SELECT 1\""));
        assertEquals(List.of(at(3, "sql", "must not be empty")), problemsOf("url = \"jdbc:sqlite::memory:\"\nsql = \" \""));
        assertEquals(List.of(at(4, "params[1]", "must be a string, a number, a boolean or null, not a list")),
                problemsOf("url = \"jdbc:sqlite::memory:\"\nsql = \"SELECT ?, ?\"\nparams = [1, [2]]"));
        assertEquals(List.of(at(4, "params", "must be a list [...] of strings, numbers, booleans or null, not number 1")),
                problemsOf("url = \"jdbc:sqlite::memory:\"\nsql = \"SELECT ?\"\nparams = 1"));
        assertEquals(List.of(at(4, "max-rows", "must be at least 0, not -1"), at(5, "fetch-size", "must be at least 1, not 0"),
                        at(6, "transaction", "must be a boolean (on or off), not string \"maybe\"")),
                problemsOf("url = \"jdbc:sqlite::memory:\"\nsql = \"SELECT 1\"\nmax-rows = -1\nfetch-size = 0\n"
                        + "transaction = maybe"));
        assertEquals(List.of(at(4, "password-env", "must name an environment variable (letters, digits and _), not \"$PW\"")),
                problemsOf("url = \"jdbc:sqlite::memory:\"\nsql = \"SELECT 1\"\npassword-env = \"$PW\""));
        assertEquals(List.of(at(2, "pool", "no pool \"shop\": declare it as andon.jdbc.pools.shop { url = \"jdbc:...\", "
                        + "user = ..., password-env = ... }")),
                problemsOf("pool = shop\nsql = \"SELECT 1\""));
    }

    @Test
    void shouldTakeTheConnectionFromThePoolAloneAndPointAtABrokenPool() {
        var t = new KindTesting(dir, ConfigFactory.parseString("andon.jdbc.pools { shop { user = a }, ok { url = \"jdbc:sqlite::memory:\" } }"));
        t.parse(new JdbcKind(), "pool = shop\nsql = \"SELECT 1\"");
        assertEquals(List.of(at(2, "pool", "the pool \"shop\" has problems of its own (see andon.jdbc.pools.shop)")), t.lines());
        var u = new KindTesting(dir, ConfigFactory.parseString("andon.jdbc.pools.ok { url = \"jdbc:sqlite::memory:\" }"));
        u.parse(new JdbcKind(), "pool = ok\nurl = \"jdbc:sqlite::memory:\"\nsql = \"SELECT 1\"");
        assertEquals(List.of(at(3, "url", "comes from the call's pool; set it in andon.jdbc.pools.ok, not on the call")), u.lines());
    }
}
