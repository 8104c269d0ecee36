//! `onemap bench`: start-up, basemap, layers, routing, dispatch and patrol figures, measured and
//! printed (never asserted: the machine is shared and noisy). One file per part.

pub mod basemap;
pub mod dispatch;
pub mod layers;
pub mod optimise;
pub mod patrol;
pub mod routing;
pub mod startup;

use std::time::{Duration, Instant};

pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set size, MiB (Linux; `None` elsewhere).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

pub fn median_us(mut v: Vec<Duration>) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_unstable();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e6;
    (at(0.5), at(0.9))
}

/// Time `f` once per item, after one untimed warm-up pass over the first few.
pub fn time_each<T>(items: &[T], mut f: impl FnMut(&T)) -> Vec<Duration> {
    for it in items.iter().take(3) {
        f(it);
    }
    items
        .iter()
        .map(|it| {
            let t = Instant::now();
            f(it);
            t.elapsed()
        })
        .collect()
}
