//! Sizes as the system tools print them: `1.1M`, `11.0g`, `23Gi`, `0B`,
//! `8192 bytes`, `7455 kB`, plain block counts.
//!
//! # Limitations
//! Suffixes are read as powers of 1024 (what procps, coreutils and
//! `pg_size_pretty` mean); the SI forms `df -H`/`du --si` print (`1.1M` for
//! 10^6) cannot be told apart from their text and are read as binary too.

/// Bytes in a value with an optional unit suffix; `plain` is the unit of a
/// bare number (1024 for KiB columns, 1 for bytes).
pub fn parse_size(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',' || c == '-'))?;
    let (num, unit) = if split == 0 {
        return None;
    } else {
        s.split_at(split)
    };
    let n: f64 = num.replace(',', ".").parse().ok()?;
    Some(n * unit_factor(unit.trim())?)
}

/// Bytes in a value that may be bare (`plain` units) or suffixed.
pub fn size_or_plain(s: &str, plain: f64) -> Option<f64> {
    let s = s.trim();
    match s.parse::<f64>() {
        Ok(n) => Some(n * plain),
        Err(_) => parse_size(s),
    }
}

/// Whether a token carries a size suffix (as `free -h`, `df -h` print).
pub fn has_suffix(s: &str) -> bool {
    let s = s.trim();
    s.ends_with(|c: char| c.is_ascii_alphabetic()) && parse_size(s).is_some()
}

fn unit_factor(unit: &str) -> Option<f64> {
    let lower = unit.to_ascii_lowercase();
    let u = lower
        .trim_end_matches("bytes")
        .trim_end_matches('b')
        .trim_end_matches('i')
        .trim();
    let pow = match u {
        "" => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        "e" => 6,
        _ => return None,
    };
    Some(1024f64.powi(pow))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_every_unit() {
        let kib = 1024.0;
        let cases = [
            ("1.1M", 1.1 * kib * kib),
            ("11.0g", 11.0 * kib * kib * kib),
            ("23Gi", 23.0 * kib * kib * kib),
            ("9.3Mi", 9.3 * kib * kib),
            ("0B", 0.0),
            ("8192 bytes", 8192.0),
            ("7455 kB", 7455.0 * kib),
            ("26 MB", 26.0 * kib * kib),
            ("4.0K", 4.0 * kib),
            ("1,5G", 1.5 * kib * kib * kib),
        ];
        for (s, want) in cases {
            let got = parse_size(s).unwrap();
            assert!((got - want).abs() < 1.0, "{s}: {got} != {want}");
        }
        assert_eq!(size_or_plain("72648", kib), Some(72648.0 * kib));
        assert_eq!(parse_size("max"), None);
        assert!(has_suffix("1.3g") && !has_suffix("1234"));
    }
}
