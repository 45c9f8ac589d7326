//! The common ISO 8601 forms, read exactly as Python's `datetime.fromisoformat` reads them:
//! `YYYY-MM-DDTHH:MM:SS`, then `.mmm` or `.uuuuuu`, then `Z`, `+HH:MM`, `-HH:MM` or nothing
//! (UTC). Any other form is `None`, and Python decides.

fn digits(text: &[u8], from: usize, count: usize) -> Option<i64> {
    let part = text.get(from..from + count)?;
    part.iter().try_fold(0i64, |n, &b| b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0')))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Microseconds since the epoch, UTC; a time without an offset is UTC (if `naive_is_utc`).
pub fn epoch_microseconds(text: &str, naive_is_utc: bool) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month)
        || hour > 23 || minute > 59 || second > 59
    {
        return None;
    }
    let mut at = 19;
    let mut micros = 0;
    if b.get(at) == Some(&b'.') {
        let width = b[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        micros = match width {
            3 => digits(b, at + 1, 3)? * 1000,
            6 => digits(b, at + 1, 6)?,
            _ => return None,
        };
        at += 1 + width;
    }
    let offset = match &b[at..] {
        [] if naive_is_utc => 0,
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (hours, minutes) = (digits(b, at + 1, 2)?, digits(b, at + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    Some(seconds * 1_000_000 + micros)
}
