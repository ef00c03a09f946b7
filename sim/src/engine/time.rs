//! Simulated time: milliseconds since the simulation started, and the wall-clock
//! calendar it is displayed in (a fixed epoch, so timestamps never depend on the host).

use std::fmt;

/// A moment in simulated time, in milliseconds since the cluster started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// The calendar moment of `SimTime(0)` by default: 2025-01-01T00:00:00Z, in Unix
/// seconds. Fixed, so that creationTimestamps are identical on every run.
pub const EPOCH_UNIX_S: u64 = 1_735_689_600;

static EPOCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(EPOCH_UNIX_S);

/// The calendar moment of `SimTime(0)`, in Unix seconds.
pub fn epoch_unix_s() -> u64 {
    EPOCH.load(std::sync::atomic::Ordering::Relaxed)
}

/// Moves the calendar moment of `SimTime(0)` for the whole process. Only `kubesim
/// serve` does, to the moment it starts (kept in its record for the replay): the real
/// kubectl computes `describe`'s ages from its own clock.
pub fn set_epoch_unix_s(unix_s: u64) {
    EPOCH.store(unix_s, std::sync::atomic::Ordering::Relaxed);
}

impl SimTime {
    /// The simulation's first instant.
    pub const ZERO: SimTime = SimTime(0);

    /// Milliseconds since start.
    pub fn as_ms(self) -> u64 {
        self.0
    }

    /// This moment plus `ms` milliseconds.
    pub fn plus_ms(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// RFC 3339 with second precision, as Kubernetes serializes `metav1.Time`.
    pub fn rfc3339(self) -> String {
        unix_rfc3339((epoch_unix_s() + self.0 / 1000) as i64)
    }

    /// RFC 3339 with microseconds, as Kubernetes serializes `metav1.MicroTime`.
    pub fn rfc3339_micro(self) -> String {
        let (y, mo, d, h, mi, s) = civil((epoch_unix_s() + self.0 / 1000) as i64);
        let micros = (self.0 % 1000) * 1000;
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{micros:06}Z")
    }

    /// RFC 1123 with numeric zone, as `kubectl describe` prints times
    /// (`Wed, 01 Jan 2025 00:00:05 +0000`).
    pub fn rfc1123z(self) -> String {
        let secs = epoch_unix_s() + self.0 / 1000;
        let (y, mo, d, h, mi, s) = civil(secs as i64);
        const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let weekday = DAYS[((secs / 86_400) % 7) as usize];
        let month = MONTHS[(mo - 1) as usize];
        format!("{weekday}, {d:02} {month} {y} {h:02}:{mi:02}:{s:02} +0000")
    }

    /// Parses an RFC 3339 timestamp (as written by [`SimTime::rfc3339`]) back into
    /// simulated time. Times before the epoch clamp to zero.
    pub fn parse_rfc3339(text: &str) -> Option<SimTime> {
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<u64>().ok();
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut ms = 0;
        if b[19] == b'.' {
            let frac: String = text[20..].chars().take_while(|c| c.is_ascii_digit()).collect();
            let padded = format!("{frac:0<3}");
            ms = padded.get(0..3)?.parse::<u64>().ok()?;
        }
        let unix = days_from_civil(y as i64, mo, d) * 86_400 + (h * 3600 + mi * 60 + s) as i64;
        let since_epoch = unix - epoch_unix_s() as i64;
        Some(SimTime((since_epoch.max(0) as u64) * 1000 + ms))
    }
}

/// Shows the time as the shell's clock: `00:05:10` or `00:05:10.250`.
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total_s = self.0 / 1000;
        let (h, m, s) = (total_s / 3600, (total_s / 60) % 60, total_s % 60);
        write!(f, "{h:02}:{m:02}:{s:02}")?;
        if !self.0.is_multiple_of(1000) {
            write!(f, ".{:03}", self.0 % 1000)?;
        }
        Ok(())
    }
}

/// Unix seconds (before 1970 too) as RFC 3339 to the second, UTC.
pub fn unix_rfc3339(unix_s: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix_s);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Unix seconds → (year, month, day, hour, minute, second), proleptic Gregorian, UTC.
fn civil(unix_s: i64) -> (i64, u64, u64, u64, u64, u64) {
    let days = unix_s.div_euclid(86_400);
    let rem = unix_s.rem_euclid(86_400) as u64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u64;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u64;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, (rem / 60) % 60, rem % 60)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(y: i64, m: u64, d: u64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds (an API field, possibly negative or huge) as milliseconds, saturating.
pub fn secs_to_ms(secs: i64) -> u64 {
    (secs.max(0) as u64).saturating_mul(1000)
}

/// Parses a duration the way `kubectl` and Go do for simple cases: `90s`, `5m`, `1h30m`,
/// `250ms`, or a bare number of seconds. Returns milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(secs) = text.parse::<u64>() {
        return secs.checked_mul(1000).ok_or_else(|| format!("invalid duration {text:?}: too large"));
    }
    let mut total: u64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("invalid duration {text:?}: expected a number before the unit"));
        }
        let value: u64 = rest[..digits].parse().map_err(|_| format!("invalid duration {text:?}: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "" => {
                return Err(format!("invalid duration {text:?}: missing unit (ms, s, m, h)"));
            }
            unit => {
                return Err(format!("invalid duration {text:?}: unknown unit {unit:?} (use ms, s, m, h)"));
            }
        };
        total = value
            .checked_mul(scale)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("invalid duration {text:?}: too large"))?;
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// Formats milliseconds as Go's `time.Duration.String()` does for whole units
/// (`1.2s`, `5m0s`, `300ms`), used in kubelet event messages.
pub fn go_duration(ms: u64) -> String {
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let h = ms / 3_600_000;
    let m = (ms / 60_000) % 60;
    let s = (ms % 60_000) as f64 / 1000.0;
    let secs = format!("{s}");
    let secs = secs.trim_end_matches(".0");
    match (h, m) {
        (0, 0) => format!("{secs}s"),
        (0, m) => format!("{m}m{secs}s"),
        (h, m) => format!("{h}h{m}m{secs}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_use_the_fixed_epoch() {
        assert_eq!(SimTime(0).rfc3339(), "2025-01-01T00:00:00Z");
        assert_eq!(SimTime(61_500).rfc3339(), "2025-01-01T00:01:01Z");
        assert_eq!(SimTime(61_500).rfc3339_micro(), "2025-01-01T00:01:01.500000Z");
        assert_eq!(SimTime(0).rfc1123z(), "Wed, 01 Jan 2025 00:00:00 +0000");
        assert_eq!(SimTime(86_400_000 * 59).rfc3339(), "2025-03-01T00:00:00Z");
    }

    #[test]
    fn rfc3339_round_trips() {
        for ms in [0, 1000, 61_500, 86_400_000 * 400 + 7_000] {
            let t = SimTime(ms);
            assert_eq!(SimTime::parse_rfc3339(&t.rfc3339_micro()), Some(t));
        }
    }

    #[test]
    fn durations_parse_like_kubectl() {
        assert_eq!(parse_duration_ms("90s"), Ok(90_000));
        assert_eq!(parse_duration_ms("5m"), Ok(300_000));
        assert_eq!(parse_duration_ms("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("250ms"), Ok(250));
        assert_eq!(parse_duration_ms("10"), Ok(10_000));
        assert!(parse_duration_ms("5x").is_err());
        assert!(parse_duration_ms("m").is_err());
        assert!(parse_duration_ms("99999999999999999999h").is_err());
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(1200), "1.2s");
        assert_eq!(go_duration(300), "300ms");
        assert_eq!(go_duration(300_000), "5m0s");
    }

    #[test]
    fn clock_display() {
        assert_eq!(SimTime(310_000).to_string(), "00:05:10");
        assert_eq!(SimTime(310_250).to_string(), "00:05:10.250");
    }
}
