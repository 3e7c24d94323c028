package dev.andon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static dev.andon.config.KindTesting.at;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.ConfigFactory;
import dev.andon.call.CommandCall;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandKindTest {
    @TempDir
    java.nio.file.Path dir;

    private List<String> problemsOf(String body) {
        return KindTesting.problemsOf(dir, new CommandKind(), body);
    }

    @Test
    void shouldBuildAnArgvCallWithEnvAndCwd() {
        var t = new KindTesting(dir);
        var call = assertInstanceOf(CommandCall.class, t.parse(new CommandKind(),
                "command = [\"ls\", \"-l\"]\nenv { A = x, PORT = 8080, \"X.Y\" = on }\ncwd = \"/tmp\""));
        assertEquals(List.of(), t.lines());
        assertEquals("command [ls, -l]", call.toString());
    }

    @Test
    void shouldBuildAShellCall() {
        var t = new KindTesting(dir);
        var call = assertInstanceOf(CommandCall.class, t.parse(new CommandKind(), "shell = \"echo hi | wc -c\""));
        assertEquals(List.of("/bin/sh", "-c", "echo hi | wc -c"), call.argv());
    }

    @Test
    void shouldReportEachProblemOnceWithFileLineAndPath() {
        assertEquals(List.of("jobs.conf:1: " + KindTesting.PATH
                        + ".command: missing: give command = [\"program\", \"arg\", ...] or shell = \"...\""),
                problemsOf("cwd = \"/tmp\""));
        assertEquals(List.of(at(3, "shell", "command and shell exclude each other; give one")),
                problemsOf("command = [ls]\n shell = ls"));
        assertEquals(List.of(at(2, "command", "must not be empty: give the program and its arguments")),
                problemsOf("command = []"));
        assertEquals(List.of(at(2, "command[1]", "must be a string, not an object")),
                problemsOf("command = [ls, {a = 1}]"));
        assertEquals(List.of(at(2, "command", "must be a list [\"program\", \"arg\", ...]; for a command line run "
                        + "by a shell, write shell = \"ls -l\"")),
                problemsOf("command = \"ls -l\""));
        assertEquals(List.of(at(2, "shell", "must not be empty")), problemsOf("shell = \"  \""));
        assertEquals(List.of(at(3, "env", "must be an object { ... }, not a list")),
                problemsOf("shell = ls\nenv = [A]"));
        assertEquals(List.of(at(3, "env.B", "must be a string, not a list")),
                problemsOf("shell = ls\nenv { A = x, B = [1] }"));
        assertEquals(List.of(at(3, "cwd", "must be a string, not number 3")), problemsOf("shell = ls\ncwd = 3"));
    }

    @Test
    void shouldReportEveryProblemOfOneCall() {
        assertEquals(2, problemsOf("command = []\nenv = 1").size());
    }

    @Test
    void shouldReportABadOutputTailSetting() {
        var t = new KindTesting(dir, ConfigFactory.parseString("andon.command.output-tail = 1 GiB"));
        assertNull(t.parse(new CommandKind(), "shell = ls"));
        assertEquals(1, t.lines().size());
        assertEquals("andon.command.output-tail", t.problems.list().get(0).path());
    }
}
