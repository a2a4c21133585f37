//! Reporting periods: half-open `[start, end)` ranges in a time zone.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::Serialize;

/// How a report range is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// Calendar months in the report's time zone.
    Month,
    /// Weeks starting on Monday 00:00 in the report's time zone.
    Week,
    /// Calendar days (00:00 to 00:00) in the report's time zone.
    Day,
}

/// One reporting period `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Period {
    /// First instant of the period (inclusive).
    pub start: Timestamp,
    /// End of the period (exclusive).
    pub end: Timestamp,
    /// Start of the previous period `[previous_start, start)`, the one `retention_rate`
    /// compares with: the previous calendar month or week with `--by`, else the window
    /// of the same length just before `start`.
    pub previous_start: Timestamp,
}

impl Period {
    /// Whether `t` lies in `[start, end)`.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }

    /// Whether `t` lies in the previous period `[previous_start, start)`.
    pub fn previous_contains(&self, t: Timestamp) -> bool {
        self.previous_start <= t && t < self.start
    }
}

/// Errors in period specifications.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PeriodError {
    /// A bound is neither a date nor an RFC 3339 time.
    #[error("`{0}` is not a date (2026-03-01) or an RFC 3339 time (2026-03-01T10:00:00+08:00)")]
    BadBound(String),
    /// `--from` is not before `--to`.
    #[error("the range is empty: --from {from} is not before --to {to}")]
    EmptyRange {
        /// The start.
        from: Timestamp,
        /// The end.
        to: Timestamp,
    },
    /// Calendar arithmetic left jiff's range.
    #[error("date arithmetic out of range: {0}")]
    Range(#[from] jiff::Error),
}

/// What periods a report covers.
#[derive(Debug, Clone)]
pub struct PeriodSpec {
    /// Start of the range (inclusive); default: the start of the day (in `tz`) of the
    /// first event.
    pub from: Option<Timestamp>,
    /// End of the range (exclusive); default: the start of the day (in `tz`) after the
    /// last event.
    pub to: Option<Timestamp>,
    /// Split into months, weeks or days; `None`: one period for the whole range.
    pub by: Option<Granularity>,
    /// The time zone of calendar boundaries.
    pub tz: TimeZone,
}

impl Default for PeriodSpec {
    fn default() -> Self {
        PeriodSpec {
            from: None,
            to: None,
            by: None,
            tz: TimeZone::UTC,
        }
    }
}

/// Parses a `--from` / `--to` bound. A date is the start of that day in `tz` for
/// `--from`; for `--to` (`end = true`) it is inclusive, i.e. the start of the next
/// day. An RFC 3339 time is taken as it is.
pub fn parse_bound(s: &str, tz: &TimeZone, end: bool) -> Result<Timestamp, PeriodError> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let d: Date = s
        .parse()
        .map_err(|_| PeriodError::BadBound(s.to_string()))?;
    let d = if end { d.tomorrow()? } else { d };
    Ok(day_start(d, tz)?)
}

fn day_start(d: Date, tz: &TimeZone) -> Result<Timestamp, jiff::Error> {
    Ok(d.to_zoned_datetime(tz.clone())?.timestamp())
}

fn floor(g: Granularity, t: Timestamp, tz: &TimeZone) -> Date {
    let d = t.to_zoned_datetime(tz.clone()).date();
    match g {
        Granularity::Month => d.first_of_month(),
        Granularity::Week => {
            let back = i64::from(d.weekday().to_monday_zero_offset());
            d.checked_sub(back.days()).unwrap_or(d)
        }
        Granularity::Day => d,
    }
}

fn step(g: Granularity, d: Date, n: i64) -> Result<Date, jiff::Error> {
    match g {
        Granularity::Month => d.checked_add(n.months()),
        Granularity::Week => d.checked_add((7 * n).days()),
        Granularity::Day => d.checked_add(n.days()),
    }
}

impl PeriodSpec {
    /// The periods for data whose events lie in `[first, last]`. Explicit `from` / `to`
    /// clip the first and last period; without them periods are whole calendar months or
    /// weeks. Always at least one period.
    pub fn periods(&self, first: Timestamp, last: Timestamp) -> Result<Vec<Period>, PeriodError> {
        let tz = &self.tz;
        let lo = match self.from {
            Some(t) => t,
            None => day_start(first.to_zoned_datetime(tz.clone()).date(), tz)?,
        };
        let hi = match self.to {
            Some(t) => t,
            None => day_start(last.to_zoned_datetime(tz.clone()).date().tomorrow()?, tz)?,
        };
        if lo >= hi {
            return Err(PeriodError::EmptyRange { from: lo, to: hi });
        }
        let Some(g) = self.by else {
            let len: SignedDuration = hi.duration_since(lo);
            return Ok(vec![Period {
                start: lo,
                end: hi,
                previous_start: lo.checked_sub(len)?,
            }]);
        };
        let mut out = Vec::new();
        let mut d = floor(g, lo, tz);
        loop {
            let start = day_start(d, tz)?;
            let next = step(g, d, 1)?;
            let end = day_start(next, tz)?;
            let prev = day_start(step(g, d, -1)?, tz)?;
            // Explicit bounds clip; otherwise periods are whole months or weeks.
            let start = match self.from {
                Some(f) => start.max(f),
                None => start,
            };
            let clipped_end = match self.to {
                Some(t) => end.min(t),
                None => end,
            };
            out.push(Period {
                start,
                end: clipped_end,
                previous_start: prev,
            });
            if end >= hi {
                break;
            }
            d = next;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday_in_the_zone() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let spec = PeriodSpec {
            by: Some(Granularity::Week),
            tz,
            ..PeriodSpec::default()
        };
        // 2026-03-01 is a Sunday. 2026-02-28T20:00Z is Sunday 04:00 in Shanghai, so
        // the first week starts Monday 2026-02-23 00:00 +08 = 2026-02-22T16:00Z.
        let p = spec
            .periods(ts("2026-02-28T20:00:00Z"), ts("2026-03-02T01:00:00Z"))
            .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].start, ts("2026-02-22T16:00:00Z"));
        assert_eq!(p[0].end, ts("2026-03-01T16:00:00Z"));
        assert_eq!(p[0].previous_start, ts("2026-02-15T16:00:00Z"));
        assert_eq!(p[1].start, ts("2026-03-01T16:00:00Z"));
    }

    #[test]
    fn months_with_dst_and_clipping() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let from = parse_bound("2026-03-10", &tz, false).unwrap();
        let to = parse_bound("2026-04-30", &tz, true).unwrap();
        let spec = PeriodSpec {
            from: Some(from),
            to: Some(to),
            by: Some(Granularity::Month),
            tz,
        };
        let p = spec.periods(from, to).unwrap();
        assert_eq!(p.len(), 2);
        // 2026-03-10 00:00 EDT (DST began 2026-03-08) = 04:00Z.
        assert_eq!(p[0].start, ts("2026-03-10T04:00:00Z"));
        assert_eq!(p[0].end, ts("2026-04-01T04:00:00Z"));
        // The previous month of March is February, in EST.
        assert_eq!(p[0].previous_start, ts("2026-02-01T05:00:00Z"));
        // --to 2026-04-30 is inclusive: the range ends 2026-05-01 00:00 EDT.
        assert_eq!(p[1].end, ts("2026-05-01T04:00:00Z"));
    }

    #[test]
    fn whole_range_is_whole_days() {
        let spec = PeriodSpec::default();
        let p = spec
            .periods(ts("2026-01-05T10:00:00Z"), ts("2026-01-06T10:00:00Z"))
            .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].start, ts("2026-01-05T00:00:00Z"));
        assert_eq!(p[0].end, ts("2026-01-07T00:00:00Z"));
        assert_eq!(p[0].previous_start, ts("2026-01-03T00:00:00Z"));
    }

    #[test]
    fn days_follow_the_zone_across_dst() {
        // New York leaves DST on 2026-11-01: that day lasts 25 hours.
        let tz = TimeZone::get("America/New_York").unwrap();
        let spec = PeriodSpec {
            by: Some(Granularity::Day),
            tz,
            ..PeriodSpec::default()
        };
        let p = spec
            .periods(ts("2026-10-31T16:00:00Z"), ts("2026-11-02T16:00:00Z"))
            .unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].start, ts("2026-10-31T04:00:00Z"));
        assert_eq!(p[0].previous_start, ts("2026-10-30T04:00:00Z"));
        assert_eq!(p[1].start, ts("2026-11-01T04:00:00Z"));
        assert_eq!(p[1].end, ts("2026-11-02T05:00:00Z"));
        assert_eq!(p[2].end, ts("2026-11-03T05:00:00Z"));
    }
}
