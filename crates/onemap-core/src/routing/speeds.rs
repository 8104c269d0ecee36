//! Travel speeds per mode and road class: documented defaults, overridable from a JSON file.

use serde_json::Value;

use super::Mode;
use crate::osm::RoadClass;

/// Speed in km/h for every (mode, road class); `None` where the mode may not go.
#[derive(Clone, Debug, PartialEq)]
pub struct Speeds {
    kmh: [[Option<f32>; RoadClass::ALL.len()]; Mode::ALL.len()],
}

/// A speeds file that cannot be used, with the key that is wrong.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}: {key}: {reason}")]
pub struct SpeedsError {
    pub file: String,
    /// JSON path of the offending entry, e.g. `car.residential`.
    pub key: String,
    pub reason: String,
}

impl Default for Speeds {
    fn default() -> Self {
        let mut kmh = [[None; RoadClass::ALL.len()]; Mode::ALL.len()];
        for mode in Mode::ALL {
            for class in RoadClass::ALL {
                kmh[mode.index()][class as usize] = default_speed_kmh(mode, class);
            }
        }
        Self { kmh }
    }
}

impl Speeds {
    pub fn kmh(&self, mode: Mode, class: RoadClass) -> Option<f32> {
        self.kmh[mode.index()][class as usize]
    }

    pub fn set(&mut self, mode: Mode, class: RoadClass, kmh: Option<f32>) {
        self.kmh[mode.index()][class as usize] = kmh;
    }

    /// The fastest speed of `mode` on any class, km/h (0 if it may go nowhere).
    pub fn max_kmh(&self, mode: Mode) -> f32 {
        self.kmh[mode.index()]
            .iter()
            .flatten()
            .fold(0.0, |a, &b| a.max(b))
    }

    /// The defaults with the overrides of a speeds file:
    /// `{"car": {"residential": 25, "track": null}, "foot": {"path": 4.5}}`.
    /// Modes: `car`, `motorbike`, `ebike`, `foot`; classes as in OSM's `highway=*`
    /// (`living_street`, `path` …). `null` forbids the class to the mode. Speeds are in km/h,
    /// above 0 and at most 200.
    pub fn from_json(file: &str, text: &str) -> Result<Speeds, SpeedsError> {
        let err = |key: &str, reason: String| SpeedsError {
            file: file.to_owned(),
            key: key.to_owned(),
            reason,
        };
        let root: Value =
            serde_json::from_str(text).map_err(|e| err("(file)", format!("not JSON: {e}")))?;
        let Value::Object(modes) = root else {
            return Err(err("(file)", "expected an object of modes".into()));
        };
        let mut speeds = Speeds::default();
        for (mode_name, classes) in &modes {
            let mode = Mode::from_name(mode_name).ok_or_else(|| {
                err(
                    mode_name,
                    "unknown mode (expected car, motorbike, ebike or foot)".into(),
                )
            })?;
            let Value::Object(classes) = classes else {
                return Err(err(mode_name, "expected an object of road classes".into()));
            };
            for (class_name, value) in classes {
                let key = format!("{mode_name}.{class_name}");
                let class = match RoadClass::from_highway(class_name) {
                    Some(c) if !class_name.ends_with("_link") => c,
                    _ => return Err(err(&key, "unknown road class".into())),
                };
                let kmh = match value {
                    Value::Null => None,
                    Value::Number(n) => {
                        let v = n.as_f64().unwrap_or(f64::NAN);
                        if !(v > 0.0 && v <= 200.0) {
                            return Err(err(&key, format!("{v} km/h is not in (0, 200]")));
                        }
                        Some(v as f32)
                    }
                    other => {
                        return Err(err(
                            &key,
                            format!("expected a speed in km/h or null, found {other}"),
                        ));
                    }
                };
                speeds.set(mode, class, kmh);
            }
        }
        Ok(speeds)
    }
}

/// Default speed of `mode` on a road of `class`, km/h; `None` where the mode may not go.
///
/// | class | car | motorbike | e-bike | foot |
/// |---|---:|---:|---:|---:|
/// | motorway | 100 | 100 | – | – |
/// | trunk | 80 | 80 | – | – |
/// | primary | 50 | 50 | 20 | 5 |
/// | secondary | 45 | 45 | 20 | 5 |
/// | tertiary | 40 | 40 | 20 | 5 |
/// | unclassified, road | 35 | 35 | 18 | 5 |
/// | residential | 30 | 30 | 18 | 5 |
/// | living street | 10 | 10 | 12 | 5 |
/// | service | 15 | 15 | 15 | 5 |
/// | track | – | 15 | 12 | 5 |
/// | pedestrian | – | – | 10 | 5 |
/// | cycleway | – | – | 20 | 5 |
/// | path | – | – | 12 | 5 |
pub fn default_speed_kmh(mode: Mode, class: RoadClass) -> Option<f32> {
    use RoadClass::*;
    let kmh = match (mode, class) {
        (Mode::Car | Mode::Motorbike, Motorway) => 100.0,
        (Mode::Car | Mode::Motorbike, Trunk) => 80.0,
        (Mode::Car | Mode::Motorbike, Primary) => 50.0,
        (Mode::Car | Mode::Motorbike, Secondary) => 45.0,
        (Mode::Car | Mode::Motorbike, Tertiary) => 40.0,
        (Mode::Car | Mode::Motorbike, Unclassified | Road) => 35.0,
        (Mode::Car | Mode::Motorbike, Residential) => 30.0,
        (Mode::Car | Mode::Motorbike, LivingStreet) => 10.0,
        (Mode::Car | Mode::Motorbike, Service) => 15.0,
        (Mode::Motorbike, Track) => 15.0,
        (Mode::Car, Track | Pedestrian | Cycleway | Path) => return None,
        (Mode::Motorbike, Pedestrian | Cycleway | Path) => return None,
        (Mode::EBike, Motorway | Trunk) => return None,
        (Mode::EBike, Primary | Secondary | Tertiary | Cycleway) => 20.0,
        (Mode::EBike, Unclassified | Road | Residential) => 18.0,
        (Mode::EBike, Service) => 15.0,
        (Mode::EBike, LivingStreet | Track | Path) => 12.0,
        (Mode::EBike, Pedestrian) => 10.0,
        (Mode::Foot, Motorway | Trunk) => return None,
        (Mode::Foot, _) => 5.0,
    };
    Some(kmh)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_and_clear_errors() {
        let s = Speeds::from_json(
            "speeds.json",
            r#"{"car": {"residential": 25, "service": null}, "foot": {"path": 4.5}}"#,
        )
        .unwrap();
        assert_eq!(s.kmh(Mode::Car, RoadClass::Residential), Some(25.0));
        assert_eq!(s.kmh(Mode::Car, RoadClass::Service), None);
        assert_eq!(s.kmh(Mode::Foot, RoadClass::Path), Some(4.5));
        assert_eq!(
            s.kmh(Mode::Car, RoadClass::Primary),
            Some(50.0),
            "default kept"
        );
        assert_eq!(s.max_kmh(Mode::Car), 100.0);

        let e = Speeds::from_json("s.json", r#"{"car": {"residential": -3}}"#).unwrap_err();
        assert_eq!(e.key, "car.residential");
        assert!(
            e.to_string().starts_with("s.json: car.residential: -3"),
            "{e}"
        );
        let e = Speeds::from_json("s.json", r#"{"tank": {}}"#).unwrap_err();
        assert_eq!(e.key, "tank");
        let e = Speeds::from_json("s.json", r#"{"car": {"runway": 300}}"#).unwrap_err();
        assert_eq!(e.reason, "unknown road class");
        let e = Speeds::from_json("s.json", r#"{"car": {"primary": "fast"}}"#).unwrap_err();
        assert!(e.reason.contains("expected a speed"), "{e}");
        assert!(Speeds::from_json("s.json", "{").is_err());
    }
}
