//! What the server checks of a producer's command before the rules see it: that its
//! coordinates lie in the served area, and that a unit reports no faster than the limit. Both
//! are the server's configuration, not the rules' (which are pure and city-agnostic).

use std::collections::HashMap;

use onemap_core::feed::area::ServedArea;
use onemap_core::feed::{Command, FeedState, Refusal, UnitId};

/// Position reports a unit may send in one second.
pub const MAX_REPORTS_PER_S: u32 = 5;

/// The producer checks, with the per-unit report counts of the current second.
#[derive(Debug, Default)]
pub struct ProducerGate {
    served: Option<ServedArea>,
    per_second: u32,
    /// Per unit: the second (epoch s) and how many reports it sent in it. Only units in the
    /// live picture are kept ([`Self::forget_gone`]), so it stays as small as the picture.
    reports: HashMap<UnitId, (i64, u32)>,
}

impl ProducerGate {
    pub fn new(served: Option<ServedArea>, per_second: u32) -> ProducerGate {
        ProducerGate {
            served,
            per_second,
            reports: HashMap::new(),
        }
    }

    /// Refuse a command from a connection whose coordinates lie outside the served area, or a
    /// report from a unit that already had its limit of reports accepted this second.
    pub fn check(&self, command: &Command, now_ms: i64) -> Result<(), Refusal> {
        self.check_area(command)?;
        if let Command::ReportPosition(c) = command
            && let Some(&(second, n)) = self.reports.get(&c.unit_id)
            && second == now_ms.div_euclid(1000)
            && n >= self.per_second
        {
            return Err(Refusal::TooFrequent {
                unit_id: c.unit_id.clone(),
                per_second: self.per_second,
            });
        }
        Ok(())
    }

    /// The served area alone: for the server's own producers (the embedded simulator, tools),
    /// which are not rate-limited.
    pub fn check_area(&self, command: &Command) -> Result<(), Refusal> {
        match &self.served {
            Some(area) => area.check(command),
            None => Ok(()),
        }
    }

    /// Count a report the rules accepted (only a unit in the picture can have one, so the
    /// counts stay as small as the picture).
    pub fn accepted(&mut self, command: &Command, now_ms: i64) {
        if let Command::ReportPosition(c) = command {
            let second = now_ms.div_euclid(1000);
            let entry = self.reports.entry(c.unit_id.clone()).or_insert((second, 0));
            if entry.0 != second {
                *entry = (second, 0);
            }
            entry.1 += 1;
        }
    }

    /// Drop the counts of units that left the picture (and of reports for unknown units).
    pub fn forget_gone(&mut self, state: &FeedState) {
        self.reports.retain(|id, _| state.units.contains_key(id));
    }

    pub fn tracked(&self) -> usize {
        self.reports.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onemap_core::coord::{BBox, LonLat};
    use onemap_core::feed::Position;
    use onemap_core::feed::lifecycle::ReportPosition;

    fn report(unit: &str, lon: f64) -> Command {
        Command::ReportPosition(ReportPosition {
            unit_id: unit.into(),
            position: Position([lon, 53.55]),
            heading_deg: 0.0,
            speed_kmh: 10.0,
            fix_at_ms: 0,
            stale_at_ms: None,
        })
    }

    #[test]
    fn five_accepted_reports_a_second_per_unit_then_refused_until_the_next_second() {
        let mut gate = ProducerGate::new(None, MAX_REPORTS_PER_S);
        let t = 1_764_000_000_000;
        for k in 0..5 {
            let r = report("U-1", 13.2);
            assert!(gate.check(&r, t + k * 100).is_ok());
            gate.accepted(&r, t + k * 100);
        }
        assert!(matches!(
            gate.check(&report("U-1", 13.2), t + 900),
            Err(Refusal::TooFrequent { per_second: 5, .. })
        ));
        // Another unit has its own count; the next second starts afresh.
        assert!(gate.check(&report("U-2", 13.2), t + 900).is_ok());
        assert!(gate.check(&report("U-1", 13.2), t + 1_000).is_ok());
        assert_eq!(gate.tracked(), 1);
        gate.forget_gone(&FeedState::default());
        assert_eq!(gate.tracked(), 0);
    }

    #[test]
    fn outside_the_served_area_is_refused_and_not_counted() {
        let area = ServedArea::Box(BBox {
            min: LonLat::new(13.0, 53.0),
            max: LonLat::new(14.0, 54.0),
        });
        let gate = ProducerGate::new(Some(area), MAX_REPORTS_PER_S);
        match gate.check(&report("U-1", 15.0), 0) {
            Err(Refusal::Invalid { field, .. }) => assert_eq!(field, "position"),
            other => panic!("{other:?}"),
        }
        assert_eq!(gate.tracked(), 0);
    }
}
