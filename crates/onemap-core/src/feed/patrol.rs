//! Patrols on the feed: a commander or planner gives an available unit a patrol route
//! (`assign_patrol`), and the server follows its progress from the unit's own position
//! reports: the stop it makes for next, when it got there, laps done and stops missed. Every
//! console sees the same progress because the server keeps it, on the unit.
//!
//! **Progress rule.** A report within [`ARRIVE_M`] of the next stop arrives there; once the
//! stop's dwell has passed (a report at least `dwell_s` after arriving, still there), the
//! next stop is the one after (a loop wraps and counts a lap; an open route ends). Leaving
//! before the dwell is up is not a visit: the stop is still next. A unit standing (under
//! [`STANDING_KMH`]) at a later stop of the lap, before the next was reached, skips to it:
//! the stops between are missed. Driving past a later stop skips nothing. Only while the unit is available: a dispatch pauses the
//! patrol, which goes on from the same stop when the unit is free again.

pub use super::command::AssignPatrol;
use super::command::{Refusal, invalid};
use super::model::Position;
pub use super::model::{Patrol, PatrolPlan, PatrolStop, UnitPatrol};
use crate::coord::haversine_m;

/// A unit this close to a stop (its road position) is there, metres.
pub const ARRIVE_M: f64 = 60.0;
/// Slower than this, a unit is standing (at a stop), km/h.
pub const STANDING_KMH: f64 = 5.0;
/// Stops in one patrol, at most (a message stays well under the 16 KiB limit).
pub const MAX_STOPS: usize = 100;
const MAX_NAME: usize = 80;

impl Patrol {
    pub fn done(&self) -> bool {
        self.next >= self.plan.stops.len()
    }

    /// Where a report at `at` (fixed at `fix_ms`, moving at `speed_kmh`) leaves the patrol;
    /// `None` when nothing changes.
    pub fn advance(&self, at: Position, fix_ms: i64, speed_kmh: f64) -> Option<Patrol> {
        if self.done() {
            return None;
        }
        let mut p = self.clone();
        let stops = &self.plan.stops;
        let near = |k: usize| haversine_m(at.lonlat(), stops[k].at.lonlat()) <= ARRIVE_M;
        match p.arrived_at_ms {
            Some(since) => {
                if !near(p.next) {
                    // Left before the dwell was up.
                    p.arrived_at_ms = None;
                } else if fix_ms - since >= (stops[p.next].dwell_s * 1000.0) as i64 {
                    p.step_on(fix_ms);
                }
            }
            None if near(p.next) => {
                p.arrived_at_ms = Some(fix_ms);
                if stops[p.next].dwell_s <= 0.0 {
                    p.step_on(fix_ms);
                }
            }
            None if speed_kmh < STANDING_KMH => {
                // Standing at a later stop of this lap before the next: the ones between are
                // missed.
                if let Some(k) = (p.next + 1..stops.len()).find(|&k| near(k)) {
                    p.missed += (k - p.next) as u32;
                    p.last_missed = Some(k - 1);
                    p.next = k;
                    p.arrived_at_ms = Some(fix_ms);
                }
            }
            None => {}
        }
        (p != *self).then_some(p)
    }

    fn step_on(&mut self, fix_ms: i64) {
        self.arrived_at_ms = None;
        self.next += 1;
        if self.next == self.plan.stops.len() && self.plan.closed {
            self.next = 0;
            self.laps += 1;
            self.lap_started_ms = fix_ms;
        }
    }
}

/// Why a plan cannot be a patrol, naming the field.
pub fn check_plan(plan: &PatrolPlan) -> Result<(), Refusal> {
    for (field, s) in [
        ("patrol.route_id", &plan.route_id),
        ("patrol.name", &plan.name),
    ] {
        if s.trim().is_empty() || s.chars().count() > MAX_NAME {
            return Err(invalid(
                field,
                format!("must be 1 to {MAX_NAME} characters"),
            ));
        }
    }
    if !["car", "motorbike", "ebike", "foot"].contains(&plan.mode.as_str()) {
        return Err(invalid(
            "patrol.mode",
            "must be car, motorbike, ebike or foot",
        ));
    }
    if plan.stops.is_empty() || plan.stops.len() > MAX_STOPS {
        return Err(invalid(
            "patrol.stops",
            format!(
                "a patrol has 1 to {MAX_STOPS} stops, this one {}",
                plan.stops.len()
            ),
        ));
    }
    for (k, s) in plan.stops.iter().enumerate() {
        if !s.at.is_valid() {
            return Err(invalid(
                &format!("patrol.stops[{k}].at"),
                "not a WGS84 [lon, lat]",
            ));
        }
        if !(s.dwell_s.is_finite() && (0.0..=14_400.0).contains(&s.dwell_s)) {
            return Err(invalid(
                &format!("patrol.stops[{k}].dwell_s"),
                "must be 0 to 14400 seconds",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(lon: f64, dwell_s: f64) -> PatrolStop {
        PatrolStop {
            at: Position([lon, 53.55]),
            dwell_s,
        }
    }

    fn patrol(closed: bool) -> Patrol {
        Patrol {
            plan: PatrolPlan {
                route_id: "R".into(),
                name: "R".into(),
                mode: "car".into(),
                closed,
                // 0.01° of longitude at 53.55° N is 660 m.
                stops: vec![stop(13.0, 600.0), stop(13.01, 0.0), stop(13.02, 300.0)],
            },
            assigned_at_ms: 0,
            by: "c".into(),
            next: 0,
            arrived_at_ms: None,
            lap_started_ms: 0,
            laps: 0,
            missed: 0,
            last_missed: None,
        }
    }

    fn at(lon: f64) -> Position {
        Position([lon, 53.55])
    }

    #[test]
    fn a_unit_dwells_at_each_stop_then_goes_on_and_a_loop_counts_laps() {
        let p = patrol(true);
        assert!(
            p.advance(at(12.99), 1_000, 0.0).is_none(),
            "far from the stop: nothing"
        );
        let p = p.advance(at(13.0003), 2_000, 0.0).unwrap();
        assert_eq!((p.next, p.arrived_at_ms), (0, Some(2_000)));
        assert!(
            p.advance(at(13.0), 500_000, 0.0).is_none(),
            "still dwelling (600 s)"
        );
        let p = p.advance(at(13.0), 602_000, 0.0).unwrap();
        assert_eq!((p.next, p.arrived_at_ms), (1, None));
        // A point passed through: no dwell.
        let p = p.advance(at(13.01), 700_000, 30.0).unwrap();
        assert_eq!((p.next, p.arrived_at_ms), (2, None));
        let p = p.advance(at(13.02), 800_000, 0.0).unwrap();
        let p = p.advance(at(13.02), 1_100_000, 0.0).unwrap();
        assert_eq!((p.next, p.laps, p.lap_started_ms), (0, 1, 1_100_000));
        // An open route ends.
        let mut q = patrol(false);
        q.next = 2;
        let q = q
            .advance(at(13.02), 1, 0.0)
            .unwrap()
            .advance(at(13.02), 300_001, 0.0)
            .unwrap();
        assert!(q.done());
        assert!(q.advance(at(13.0), 400_000, 0.0).is_none());
    }

    #[test]
    fn a_stop_passed_by_is_missed() {
        let p = patrol(true);
        assert!(
            p.advance(at(13.02), 4_000, 40.0).is_none(),
            "driving past skips nothing"
        );
        let p = p.advance(at(13.02), 5_000, 0.0).unwrap();
        assert_eq!((p.next, p.missed, p.last_missed), (2, 2, Some(1)));
        // Leaving before the dwell is up is not a visit.
        let q = patrol(true).advance(at(13.0), 0, 0.0).unwrap();
        let q = q.advance(at(13.01), 60_000, 40.0).unwrap();
        assert_eq!((q.next, q.arrived_at_ms), (0, None));
    }

    #[test]
    fn plans_are_checked_field_by_field() {
        let mut plan = patrol(true).plan;
        assert!(check_plan(&plan).is_ok());
        plan.stops[1].dwell_s = -1.0;
        let e = check_plan(&plan).unwrap_err().to_string();
        assert!(e.contains("patrol.stops[1].dwell_s"), "{e}");
        plan.stops.clear();
        assert!(
            check_plan(&plan)
                .unwrap_err()
                .to_string()
                .contains("patrol.stops")
        );
        let mut plan = patrol(true).plan;
        plan.mode = "tank".into();
        assert!(
            check_plan(&plan)
                .unwrap_err()
                .to_string()
                .contains("patrol.mode")
        );
    }
}
