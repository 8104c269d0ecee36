//! The table between CoT types (MIL-STD-2525 codes in CoT's dotted form) and OneMap's unit
//! kinds, both ways; documented in `docs/cot.md`.

use onemap_core::feed::UnitKind;

/// OneMap's unit kinds as CoT types (what the bridge publishes).
const OUT: [(UnitKind, &str); 5] = [
    (UnitKind::PatrolCar, "a-f-G-E-V-C"),
    (UnitKind::Motorbike, "a-f-G-E-V-C-M"),
    (UnitKind::FootPatrol, "a-f-G-U-C-I"),
    (UnitKind::EbikeVolunteer, "a-f-G-U-U-L"),
    (UnitKind::Drone, "a-f-A-M-F-Q"),
];

/// The CoT type OneMap publishes for a unit kind.
pub fn cot_type_for(kind: UnitKind) -> &'static str {
    OUT.iter()
        .find(|(k, _)| *k == kind)
        .map_or("a-f-G", |(_, t)| t)
}

/// Friendly ground or air: the position reports that become units (`a-f-G…`, `a-f-A…`).
pub fn is_friendly_ground_or_air(cot_type: &str) -> bool {
    let mut parts = cot_type.split('-');
    parts.next() == Some("a")
        && parts.next() == Some("f")
        && matches!(parts.next(), Some("G" | "A"))
}

/// The unit kind of a friendly CoT type: the longest entry of the table it starts with, else
/// by its dimension (air: drone; ground equipment: patrol car; anything else on the ground:
/// foot patrol). `None` for what is not a friendly ground or air position.
pub fn unit_kind_for(cot_type: &str) -> Option<UnitKind> {
    if !is_friendly_ground_or_air(cot_type) {
        return None;
    }
    let exact = OUT
        .iter()
        .filter(|(_, t)| cot_type == *t || cot_type.starts_with(&format!("{t}-")))
        .max_by_key(|(_, t)| t.len())
        .map(|(k, _)| *k);
    Some(exact.unwrap_or(if cot_type.starts_with("a-f-A") {
        UnitKind::Drone
    } else if cot_type.starts_with("a-f-G-E-V") {
        UnitKind::PatrolCar
    } else {
        UnitKind::FootPatrol
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_goes_both_ways_and_falls_back_by_dimension() {
        for kind in UnitKind::ALL {
            assert_eq!(unit_kind_for(cot_type_for(kind)), Some(kind), "{kind:?}");
        }
        assert_eq!(unit_kind_for("a-f-G-E-V-C-M-x"), Some(UnitKind::Motorbike));
        assert_eq!(unit_kind_for("a-f-G-E-V-A"), Some(UnitKind::PatrolCar));
        assert_eq!(unit_kind_for("a-f-G-U-C"), Some(UnitKind::FootPatrol));
        assert_eq!(unit_kind_for("a-f-A"), Some(UnitKind::Drone));
        // Hostile, unknown, a marker or a delete: not a unit.
        for t in ["a-h-G", "a-u-G", "b-m-p-s-m", "t-x-d-d", "a-f-S", "", "a"] {
            assert_eq!(unit_kind_for(t), None, "{t}");
        }
    }
}
