//! Summaries of a set of durations: count, mean, median and 90th percentile.

/// A set of durations (milliseconds), summarised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub count: usize,
    pub mean_ms: Option<u64>,
    /// The middle value; with an even count, the mean of the two middle ones.
    pub median_ms: Option<u64>,
    /// Nearest rank: the smallest value at least 90 % of the values are not above.
    pub p90_ms: Option<u64>,
}

impl Summary {
    pub fn of(mut values: Vec<u64>) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        values.sort_unstable();
        let n = values.len();
        let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            ((u128::from(values[n / 2 - 1]) + u128::from(values[n / 2])) / 2) as u64
        };
        // ceil(0.9 n), at least 1, as a 1-based rank.
        let rank = (n * 9).div_ceil(10).max(1);
        Self {
            count: n,
            mean_ms: Some((sum / n as u128) as u64),
            median_ms: Some(median),
            p90_ms: Some(values[rank - 1]),
        }
    }
}

/// A duration as people read it: `45 s`, `3 min 05 s`, `2 h 10 min`; "—" for none.
pub fn duration_text(ms: Option<u64>) -> String {
    let Some(ms) = ms else {
        return "—".to_owned();
    };
    let s = ms / 1000;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        format!("{} h {:02} min", s / 3600, (s % 3600) / 60)
    }
}

/// Seconds with one decimal for tables and exports ("" for none).
pub fn seconds(ms: Option<u64>) -> String {
    ms.map_or_else(String::new, |ms| {
        format!("{}.{}", ms / 1000, (ms % 1000) / 100)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_percentiles_by_their_definitions() {
        let s = Summary::of(vec![30, 10, 20]);
        assert_eq!(
            (s.count, s.median_ms, s.p90_ms, s.mean_ms),
            (3, Some(20), Some(30), Some(20))
        );
        let s = Summary::of(vec![10, 20, 30, 40]);
        assert_eq!(s.median_ms, Some(25), "even count: mean of the middle two");
        let s = Summary::of((1..=10).collect());
        assert_eq!(s.p90_ms, Some(9), "rank ceil(0.9 × 10) = 9");
        let s = Summary::of((1..=11).collect());
        assert_eq!(s.p90_ms, Some(10), "rank ceil(0.9 × 11) = 10");
        assert_eq!(Summary::of(vec![7]).p90_ms, Some(7));
        assert_eq!(Summary::of(vec![]), Summary::default());
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_text(Some(45_000)), "45 s");
        assert_eq!(duration_text(Some(185_000)), "3 min 05 s");
        assert_eq!(duration_text(Some(7_800_000)), "2 h 10 min");
        assert_eq!(duration_text(None), "—");
        assert_eq!(seconds(Some(1_250)), "1.2");
    }
}
