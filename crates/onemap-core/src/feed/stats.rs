//! Response-time figures: medians and 90th percentiles of call → dispatch and
//! dispatch → arrival over a set of incidents.

use super::model::Incident;

/// Median and 90th percentile of a set of durations, seconds (nearest rank).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Durations {
    pub count: usize,
    pub median_s: f64,
    pub p90_s: f64,
}

impl Durations {
    /// Non-finite values are ignored; an empty set gives zero counts.
    ///
    /// ```
    /// # use onemap_core::feed::Durations;
    /// let d = Durations::of((1..=10).map(f64::from).collect());
    /// assert_eq!((d.count, d.median_s, d.p90_s), (10, 6.0, 9.0));
    /// ```
    pub fn of(mut values: Vec<f64>) -> Durations {
        values.retain(|v| v.is_finite());
        if values.is_empty() {
            return Durations::default();
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        Durations {
            count: values.len(),
            median_s: at(0.5),
            p90_s: at(0.9),
        }
    }
}

/// Response-time figures over a set of incidents.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ResponseStats {
    pub incidents: usize,
    pub call_to_dispatch: Durations,
    pub dispatch_to_arrival: Durations,
}

impl ResponseStats {
    pub fn of<'a>(incidents: impl IntoIterator<Item = &'a Incident>) -> ResponseStats {
        let (mut c2d, mut d2a, mut n) = (Vec::new(), Vec::new(), 0);
        for i in incidents {
            n += 1;
            c2d.extend(i.call_to_dispatch_s());
            d2a.extend(i.dispatch_to_arrival_s());
        }
        ResponseStats {
            incidents: n,
            call_to_dispatch: Durations::of(c2d),
            dispatch_to_arrival: Durations::of(d2a),
        }
    }
}
