//! Calendar arithmetic and RFC 3339 formatting on plain Unix seconds.
//!
//! The generator keeps every instant as `i64` Unix seconds and formats it only when a
//! line is written, in the merchant's fixed UTC offset. A few lines of civil-date
//! arithmetic (Howard Hinnant's algorithms) are cheaper than a time library here and
//! keep the crate's dependencies to `rand` and `rand_chacha`.

/// Seconds in a minute.
pub(crate) const MINUTE: i64 = 60;
/// Seconds in an hour.
pub(crate) const HOUR: i64 = 3_600;
/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// The instant of local midnight (in a zone `offset` seconds east of UTC) at or before `t`.
pub(crate) fn local_midnight(t: i64, offset: i32) -> i64 {
    let local = t + i64::from(offset);
    local - local.rem_euclid(DAY) - i64::from(offset)
}

/// `(year, month 1–12, day 1–31)` of the civil date `days` after 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days from 1970-01-01 to the civil date `(year, month, day)`.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The local civil date `(year, month, day)` of instant `t` in a zone `offset` seconds east.
pub(crate) fn local_date(t: i64, offset: i32) -> (i64, u32, u32) {
    civil_from_days((t + i64::from(offset)).div_euclid(DAY))
}

/// The instant of local midnight on the first day of the month `months` after the local
/// month that contains `t`.
pub(crate) fn month_start(t: i64, offset: i32, months: i64) -> i64 {
    let (y, m, _) = local_date(t, offset);
    let index = y * 12 + i64::from(m) - 1 + months;
    let (y, m) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
    days_from_civil(y, m, 1) * DAY - i64::from(offset)
}

/// Appends `t` as RFC 3339 with the given offset: `2025-01-01T09:30:00+08:00`, or `…Z`
/// when the offset is zero.
pub(crate) fn write_rfc3339(out: &mut String, t: i64, offset: i32) {
    let local = t + i64::from(offset);
    let (y, mo, d) = civil_from_days(local.div_euclid(DAY));
    let secs = local.rem_euclid(DAY);
    let (h, mi, s) = (secs / HOUR, (secs % HOUR) / MINUTE, secs % MINUTE);
    push_num(out, y, 4);
    out.push('-');
    push_num(out, i64::from(mo), 2);
    out.push('-');
    push_num(out, i64::from(d), 2);
    out.push('T');
    push_num(out, h, 2);
    out.push(':');
    push_num(out, mi, 2);
    out.push(':');
    push_num(out, s, 2);
    if offset == 0 {
        out.push('Z');
    } else {
        out.push(if offset < 0 { '-' } else { '+' });
        let o = i64::from(offset.unsigned_abs());
        push_num(out, o / HOUR, 2);
        out.push(':');
        push_num(out, (o % HOUR) / MINUTE, 2);
    }
}

/// `t` as an RFC 3339 string (see [`write_rfc3339`]).
#[cfg(test)]
pub(crate) fn rfc3339(t: i64, offset: i32) -> String {
    let mut s = String::with_capacity(25);
    write_rfc3339(&mut s, t, offset);
    s
}

fn push_num(out: &mut String, n: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut v = n.unsigned_abs();
    let mut i = buf.len();
    while v > 0 {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let digits = buf.len() - i;
    if n < 0 {
        out.push('-');
    }
    for _ in digits..width {
        out.push('0');
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        // 2025-01-01T00:00:00+08:00
        assert_eq!(
            rfc3339(1_735_660_800, 8 * 3600),
            "2025-01-01T00:00:00+08:00"
        );
        assert_eq!(rfc3339(1_735_660_800, 0), "2024-12-31T16:00:00Z");
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400, 0), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn civil_round_trip() {
        for days in -1_000..30_000 {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn midnight_and_months() {
        let t = 1_735_660_800 + 5 * HOUR; // 05:00 local on 2025-01-01 (+08:00)
        assert_eq!(local_midnight(t, 8 * 3600), 1_735_660_800);
        assert_eq!(
            rfc3339(month_start(t, 8 * 3600, 13), 8 * 3600),
            "2026-02-01T00:00:00+08:00"
        );
        assert_eq!(rfc3339(month_start(t, 0, 0), 0), "2024-12-01T00:00:00Z");
    }
}
