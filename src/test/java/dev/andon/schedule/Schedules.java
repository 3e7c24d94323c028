package dev.andon.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.ZoneId;

/** Schedules for tests, built without the configuration. */
public final class Schedules {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private Schedules() {
    }

    public static ScheduleSpec cron(String expression, String zone) {
        return cron(expression, zone, Overlap.SKIP, Duration.ZERO);
    }

    public static ScheduleSpec cron(String expression, String zone, Overlap overlap, Duration catchUp) {
        return new ScheduleSpec(new Timing.Cron(expression, ExecutionTime.forCron(PARSER.parse(expression))),
                ZoneId.of(zone), overlap, catchUp);
    }

    public static ScheduleSpec every(Duration interval, Overlap overlap, Duration catchUp) {
        return new ScheduleSpec(new Timing.Every(interval), ZoneId.of("UTC"), overlap, catchUp);
    }
}
