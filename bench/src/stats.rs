//! Latency histograms (microseconds, 3 significant digits) and their summaries.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::time::Duration;

/// Highest latency recorded (anything slower is clamped): one minute, in microseconds.
const MAX_MICROS: u64 = 60_000_000;

pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("static histogram bounds are valid")
}

pub fn record(histogram: &mut Histogram<u64>, latency: Duration) {
    let micros = u64::try_from(latency.as_micros()).unwrap_or(MAX_MICROS);
    histogram.saturating_record(micros.clamp(1, MAX_MICROS));
}

/// Percentiles in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub count: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

pub fn summarize(histogram: &Histogram<u64>) -> Summary {
    let ms = |micros: u64| micros as f64 / 1000.0;
    if histogram.is_empty() {
        return Summary {
            count: 0,
            p50_ms: 0.0,
            p95_ms: 0.0,
            p99_ms: 0.0,
            max_ms: 0.0,
        };
    }
    Summary {
        count: histogram.len(),
        p50_ms: ms(histogram.value_at_quantile(0.50)),
        p95_ms: ms(histogram.value_at_quantile(0.95)),
        p99_ms: ms(histogram.value_at_quantile(0.99)),
        max_ms: ms(histogram.max()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_one_to_hundred_ms() {
        let mut histogram = new_histogram();
        for ms in 1..=100 {
            record(&mut histogram, Duration::from_millis(ms));
        }
        let summary = summarize(&histogram);
        assert_eq!(summary.count, 100);
        // 3 significant digits: values are exact to within 0.1%.
        let close = |got: f64, want: f64| (got - want).abs() <= want * 0.001 + 1e-9;
        assert!(close(summary.p50_ms, 50.0), "{summary:?}");
        assert!(close(summary.p95_ms, 95.0), "{summary:?}");
        assert!(close(summary.p99_ms, 99.0), "{summary:?}");
        assert!(close(summary.max_ms, 100.0), "{summary:?}");
    }

    #[test]
    fn empty_and_out_of_range() {
        assert_eq!(summarize(&new_histogram()).count, 0);
        let mut histogram = new_histogram();
        record(&mut histogram, Duration::from_secs(3600));
        record(&mut histogram, Duration::ZERO);
        let summary = summarize(&histogram);
        assert_eq!(summary.count, 2);
        assert!(summary.max_ms >= 59_000.0 && summary.max_ms <= 61_000.0);
    }
}
