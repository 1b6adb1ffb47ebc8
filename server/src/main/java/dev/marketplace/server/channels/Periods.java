package dev.marketplace.server.channels;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.temporal.IsoFields;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Calendar months and quarters in the programmes' zone (decision 41): where a moment falls, and their bounds. */
final class Periods {

    private static final Pattern QUARTER = Pattern.compile("([0-9]{4})-Q([1-4])");

    private Periods() {
    }

    /** The first day of the month or quarter that {@code at} falls in, in {@code zone}. */
    static LocalDate start(OffsetDateTime at, String period, ZoneId zone) {
        LocalDate day = at.atZoneSameInstant(zone).toLocalDate();
        return period.equals("quarter") ? quarterStart(day) : day.withDayOfMonth(1);
    }

    static LocalDate quarterStart(LocalDate day) {
        return day.withMonth((day.get(IsoFields.QUARTER_OF_YEAR) - 1) * 3 + 1).withDayOfMonth(1);
    }

    /** {@code YYYY-Qn} as its first day; empty when it is not one. */
    static Optional<LocalDate> parseQuarter(String text) {
        Matcher matcher = QUARTER.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        return Optional.of(YearMonth.of(Integer.parseInt(matcher.group(1)), (Integer.parseInt(matcher.group(2)) - 1) * 3 + 1)
                .atDay(1));
    }

    static String quarterName(LocalDate start) {
        return start.getYear() + "-Q" + start.get(IsoFields.QUARTER_OF_YEAR);
    }

    /** The first moment of {@code day} in {@code zone}. */
    static OffsetDateTime at(LocalDate day, ZoneId zone) {
        return day.atStartOfDay(zone).toOffsetDateTime();
    }
}
