//! Ages and durations as kubectl prints them: apimachinery's `duration.HumanDuration`
//! (`pkg/util/duration/duration.go`) and `translateTimestampSince`.

use crate::engine::SimTime;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY_HOURS: i64 = 24;
const YEAR_DAYS: i64 = 365;

/// `duration.HumanDuration`: a succinct duration with two or three significant figures
/// (`95s`, `3m20s`, `47m`, `5h12m`, `30h`, `3d4h`, `120d`, `3y45d`, `9y`). `ms` may be
/// negative: down to −2s it counts as `0s` (clock skew), earlier is `<invalid>`.
/// Seconds are truncated, never rounded.
pub fn human_duration(ms: i64) -> String {
    let seconds = ms / SECOND;
    if seconds < -1 {
        return "<invalid>".into();
    }
    if seconds < 0 {
        return "0s".into();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = ms / MINUTE;
    if minutes < 10 {
        return with_remainder(minutes, "m", seconds % 60, "s");
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = ms / HOUR;
    if hours < 8 {
        return with_remainder(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / DAY_HOURS;
    if hours < DAY_HOURS * 8 {
        return with_remainder(days, "d", hours % DAY_HOURS, "h");
    }
    if hours < DAY_HOURS * YEAR_DAYS * 2 {
        return format!("{days}d");
    }
    let years = days / YEAR_DAYS;
    if hours < DAY_HOURS * YEAR_DAYS * 8 {
        return with_remainder(years, "y", days % YEAR_DAYS, "d");
    }
    format!("{years}y")
}

/// `5m20s`, or just `5m` when the smaller unit is zero.
fn with_remainder(major: i64, major_unit: &str, minor: i64, minor_unit: &str) -> String {
    if minor == 0 { format!("{major}{major_unit}") } else { format!("{major}{major_unit}{minor}{minor_unit}") }
}

/// The AGE of something created at `created`, seen at `now` (`translateTimestampSince`):
/// `<unknown>` when the timestamp is missing.
pub fn age(created: Option<SimTime>, now: SimTime) -> String {
    match created {
        Some(t) => human_duration(signed_ms_between(t, now)),
        None => "<unknown>".into(),
    }
}

/// Milliseconds from `earlier` to `later`, negative when `earlier` is in the future.
pub fn signed_ms_between(earlier: SimTime, later: SimTime) -> i64 {
    let to_i64 = |t: SimTime| i64::try_from(t.as_ms()).unwrap_or(i64::MAX);
    to_i64(later).saturating_sub(to_i64(earlier))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_up_to_two_minutes() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(999), "0s");
        assert_eq!(human_duration(95_000), "95s");
        assert_eq!(human_duration(119_999), "119s");
    }

    #[test]
    fn negative_durations_tolerate_two_seconds_of_skew() {
        assert_eq!(human_duration(-1_000), "0s");
        assert_eq!(human_duration(-1_999), "0s");
        assert_eq!(human_duration(-2_000), "<invalid>");
    }

    #[test]
    fn minutes_then_hours() {
        assert_eq!(human_duration(120_000), "2m");
        assert_eq!(human_duration(200_000), "3m20s");
        assert_eq!(human_duration(599_999), "9m59s");
        assert_eq!(human_duration(600_000), "10m");
        assert_eq!(human_duration(179 * MINUTE + 59 * SECOND), "179m");
        assert_eq!(human_duration(3 * HOUR), "3h");
        assert_eq!(human_duration(5 * HOUR + 12 * MINUTE), "5h12m");
        assert_eq!(human_duration(8 * HOUR + 30 * MINUTE), "8h");
        assert_eq!(human_duration(47 * HOUR + 59 * MINUTE), "47h");
    }

    #[test]
    fn days_then_years() {
        let day = 24 * HOUR;
        assert_eq!(human_duration(2 * day), "2d");
        assert_eq!(human_duration(3 * day + 4 * HOUR), "3d4h");
        assert_eq!(human_duration(8 * day + 4 * HOUR), "8d");
        assert_eq!(human_duration(729 * day), "729d");
        assert_eq!(human_duration(730 * day), "2y");
        assert_eq!(human_duration(3 * 365 * day + 45 * day), "3y45d");
        assert_eq!(human_duration(9 * 365 * day + 45 * day), "9y");
    }

    #[test]
    fn ages_from_timestamps() {
        assert_eq!(age(None, SimTime(5_000)), "<unknown>");
        assert_eq!(age(Some(SimTime(1_000)), SimTime(11_500)), "10s");
        assert_eq!(age(Some(SimTime(40_000)), SimTime(10_000)), "<invalid>");
    }
}
