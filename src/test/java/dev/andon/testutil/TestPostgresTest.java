package dev.andon.testutil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TestPostgresTest {

    @Test
    void shouldServeARealPostgresqlWithADatabasePerCaller() {
        TestPostgres pg = TestPostgres.shared();
        String a = pg.createDatabase();
        String b = pg.createDatabase();
        assertNotEquals(a, b);
        pg.sql(a, "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)");
        assertEquals("2", pg.sql(a, "SELECT count(*) FROM t"));
        assertEquals("andon", pg.sql(b, "SELECT current_user"));
        assertTrue(pg.sql(b, "SHOW server_version").startsWith("15"), "PostgreSQL 15");
        assertTrue(pg.jdbcUrl(a).endsWith(":" + pg.port() + "/" + a));
        assertEquals(pg, TestPostgres.shared(), "one server per JVM");
    }

    @Test
    void shouldReportAFailingStatementWithTheServersMessage() {
        TestPostgres pg = TestPostgres.shared();
        String db = pg.createDatabase();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pg.sql(db, "SELEC 1"));
        assertTrue(e.getMessage().contains("syntax error"), e.getMessage());
    }
}
