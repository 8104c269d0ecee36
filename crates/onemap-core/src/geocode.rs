//! Where a caller is: an address typed by the call-taker, found in the city's OSM addresses
//! and streets, or coordinates pasted from a phone (WGS84, or GCJ-02 as Chinese map apps give
//! them, converted). A house number the map does not have is placed along its street between
//! the nearest numbers it does have (same side: same parity), as the street's numbering runs.
//!
//! Pure and offline: built once per city, a lookup is a scan of the street's own addresses.

use std::collections::HashMap;

use crate::coord::{BBox, LonLat, haversine_m};
use crate::osm::OsmData;

/// How a place was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Found {
    /// The address is on the map.
    Exact,
    /// The number was placed along the street between the nearest mapped numbers.
    Interpolated,
    /// The street alone (no number given, or none mapped on it): its middle.
    Street,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// "Street 12", as the call-taker will see it and the incident will carry it.
    pub label: String,
    pub pos: LonLat,
    pub found: Found,
}

/// One street: its name as mapped, its lines, its numbered addresses.
struct Street {
    name: String,
    /// [`street_key`] of the name.
    key: String,
    lines: Vec<Vec<LonLat>>,
    /// (number, suffix, position), sorted by number.
    numbers: Vec<(u32, String, LonLat)>,
}

/// The city's streets and addresses, keyed by normalised street name.
pub struct Geocoder {
    streets: Vec<Street>,
    by_key: HashMap<String, usize>,
}

/// Lower case, without spaces, dots, dashes and the common street-word variants, so that
/// "Friedrich-Engels-Ring", "friedrich engels ring" and "Friedrich Engels Rg." meet, and
/// "Str." meets "Straße".
fn street_key(name: &str) -> String {
    let lower = name.to_lowercase();
    let lower = lower
        .replace("straße", "str")
        .replace("strasse", "str")
        .replace("str.", "str");
    lower
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '\'' | ','))
        .collect()
}

/// A house number's digits and what follows them ("12a" → (12, "a")).
fn split_number(s: &str) -> Option<(u32, String)> {
    let s = s.trim().trim_end_matches('号');
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 6 {
        return None;
    }
    let n = digits.parse().ok()?;
    Some((n, s[digits.len()..].trim().to_lowercase()))
}

/// "Street 12", "12 Street", "Street 12a", "某某路12号": (street, number).
fn split_query(q: &str) -> (String, Option<(u32, String)>) {
    let q = q.trim().trim_end_matches(',');
    // Chinese: the number sits between the street and 号.
    if let Some(stripped) = q.strip_suffix('号') {
        let start = stripped
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_digit())
            .last()
            .map(|(i, _)| i);
        if let Some(i) = start
            && let Some(n) = split_number(&stripped[i..])
        {
            return (stripped[..i].trim().to_owned(), Some(n));
        }
    }
    let words: Vec<&str> = q.split_whitespace().collect();
    if let [rest @ .., last] = words.as_slice()
        && !rest.is_empty()
        && let Some(n) = split_number(last)
    {
        return (rest.join(" "), Some(n));
    }
    if let [first, rest @ ..] = words.as_slice()
        && !rest.is_empty()
        && let Some(n) = split_number(first)
    {
        return (rest.join(" "), Some(n));
    }
    (q.to_owned(), None)
}

/// The point a fraction `t` (0–1) along a polyline, by length.
fn along(line: &[LonLat], t: f64) -> LonLat {
    let total: f64 = line.windows(2).map(|w| haversine_m(w[0], w[1])).sum();
    let mut left = total * t.clamp(0.0, 1.0);
    for w in line.windows(2) {
        let d = haversine_m(w[0], w[1]);
        if d >= left && d > 0.0 {
            let f = left / d;
            return LonLat::new(
                w[0].lon + (w[1].lon - w[0].lon) * f,
                w[0].lat + (w[1].lat - w[0].lat) * f,
            );
        }
        left -= d;
    }
    line.last().copied().unwrap_or(LonLat::new(0.0, 0.0))
}

/// Where on `lines` `p` projects (the line and the fraction along it, by length).
fn locate(lines: &[Vec<LonLat>], p: LonLat) -> Option<(usize, f64)> {
    let mut best: Option<(f64, usize, f64)> = None;
    for (k, line) in lines.iter().enumerate() {
        let total: f64 = line.windows(2).map(|w| haversine_m(w[0], w[1])).sum();
        if total <= 0.0 {
            continue;
        }
        let mut walked = 0.0;
        for w in line.windows(2) {
            let d = haversine_m(w[0], w[1]);
            // Planar projection on the segment (fine at street scale).
            let (ax, ay) = (w[0].lon, w[0].lat);
            let (bx, by) = (w[1].lon - ax, w[1].lat - ay);
            let scale = w[0].lat.to_radians().cos();
            let (bx_m, px_m) = (bx * scale, (p.lon - ax) * scale);
            let len2 = bx_m * bx_m + by * by;
            let f = if len2 > 0.0 {
                ((px_m * bx_m + (p.lat - ay) * by) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let q = LonLat::new(ax + bx * f, ay + by * f);
            let off = haversine_m(p, q);
            if best.is_none_or(|b| off < b.0) {
                best = Some((off, k, (walked + d * f) / total));
            }
            walked += d;
        }
    }
    best.map(|(_, k, t)| (k, t))
}

impl Geocoder {
    pub fn new(osm: &OsmData) -> Geocoder {
        let mut streets: Vec<Street> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for road in &osm.roads {
            let Some(name) = road.name.as_deref() else {
                continue;
            };
            if road.points.len() < 2 {
                continue;
            }
            let key = street_key(name);
            let k = *by_key.entry(key.clone()).or_insert_with(|| {
                streets.push(Street {
                    name: name.to_owned(),
                    key,
                    lines: Vec::new(),
                    numbers: Vec::new(),
                });
                streets.len() - 1
            });
            streets[k].lines.push(road.points.clone());
        }
        for a in &osm.addresses {
            let (Some(street), Some((n, suffix))) =
                (a.street.as_deref(), split_number(&a.housenumber))
            else {
                continue;
            };
            if let Some(&k) = by_key.get(&street_key(street)) {
                streets[k].numbers.push((n, suffix, a.pos));
            }
        }
        for s in &mut streets {
            s.numbers
                .sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        }
        Geocoder { streets, by_key }
    }

    pub fn streets(&self) -> usize {
        self.streets.len()
    }

    /// The places `query` may mean, best first, at most `limit`: the exact street (by its
    /// normalised name) before streets whose name starts with or contains it.
    pub fn geocode(&self, query: &str, limit: usize) -> Vec<Place> {
        let (street, number) = split_query(query);
        let key = street_key(&street);
        if key.is_empty() {
            return Vec::new();
        }
        let mut candidates: Vec<(u8, &str, usize)> = Vec::new();
        if let Some(&k) = self.by_key.get(&key) {
            candidates.push((0, self.streets[k].name.as_str(), k));
        }
        for (k, s) in self.streets.iter().enumerate() {
            let sk = &s.key;
            if *sk == key {
                continue;
            }
            let rank = if sk.starts_with(&key) {
                1
            } else if sk.contains(&key) {
                2
            } else {
                continue;
            };
            candidates.push((rank, s.name.as_str(), k));
        }
        candidates.sort();
        candidates
            .into_iter()
            .take(limit)
            .map(|(_, _, k)| self.place_on(&self.streets[k], number.as_ref()))
            .collect()
    }

    fn place_on(&self, s: &Street, number: Option<&(u32, String)>) -> Place {
        let middle = || {
            let longest = s
                .lines
                .iter()
                .max_by(|a, b| {
                    let la: f64 = a.windows(2).map(|w| haversine_m(w[0], w[1])).sum();
                    let lb: f64 = b.windows(2).map(|w| haversine_m(w[0], w[1])).sum();
                    la.total_cmp(&lb)
                })
                .map_or(&[][..], Vec::as_slice);
            along(longest, 0.5)
        };
        let Some((n, suffix)) = number else {
            return Place {
                label: s.name.clone(),
                pos: middle(),
                found: Found::Street,
            };
        };
        let label = format!("{} {n}{suffix}", s.name);
        if let Some((_, _, pos)) = s
            .numbers
            .iter()
            .find(|(m, sf, _)| m == n && sf == suffix)
            .or_else(|| s.numbers.iter().find(|(m, _, _)| m == n))
        {
            return Place {
                label,
                pos: *pos,
                found: Found::Exact,
            };
        }
        // Same side of the street first (same parity), else any side.
        let side: Vec<&(u32, String, LonLat)> = s
            .numbers
            .iter()
            .filter(|(m, _, _)| m % 2 == n % 2)
            .collect();
        let pool = if side.len() >= 2 {
            side
        } else {
            s.numbers.iter().collect()
        };
        let below = pool.iter().rev().find(|(m, _, _)| m < n);
        let above = pool.iter().find(|(m, _, _)| m > n);
        let pos = match (below, above) {
            (Some(lo), Some(hi)) => {
                let f = f64::from(n - lo.0) / f64::from(hi.0 - lo.0);
                match (locate(&s.lines, lo.2), locate(&s.lines, hi.2)) {
                    (Some((la, ta)), Some((lb, tb))) if la == lb => {
                        along(&s.lines[la], ta + (tb - ta) * f)
                    }
                    // On different pieces of the street: between the two points.
                    _ => LonLat::new(
                        lo.2.lon + (hi.2.lon - lo.2.lon) * f,
                        lo.2.lat + (hi.2.lat - lo.2.lat) * f,
                    ),
                }
            }
            (Some(only), None) | (None, Some(only)) => only.2,
            (None, None) => {
                return Place {
                    label,
                    pos: middle(),
                    found: Found::Street,
                };
            }
        };
        Place {
            label,
            pos,
            found: Found::Interpolated,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Coordinates

/// Whether a point lies outside mainland China's box, where GCJ-02 is not applied.
fn outside_china(lon: f64, lat: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 → GCJ-02 (the published forward transform).
pub fn wgs84_to_gcj02(p: LonLat) -> LonLat {
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;
    if outside_china(p.lon, p.lat) {
        return p;
    }
    let d_lat = transform_lat(p.lon - 105.0, p.lat - 35.0);
    let d_lon = transform_lon(p.lon - 105.0, p.lat - 35.0);
    let rad = p.lat.to_radians();
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * std::f64::consts::PI);
    let d_lon = (d_lon * 180.0) / (A / sqrt_magic * rad.cos() * std::f64::consts::PI);
    LonLat::new(p.lon + d_lon, p.lat + d_lat)
}

/// GCJ-02 → WGS84: the forward transform inverted by fixed-point iteration (to well under a
/// centimetre in a few steps).
pub fn gcj02_to_wgs84(g: LonLat) -> LonLat {
    if outside_china(g.lon, g.lat) {
        return g;
    }
    let mut w = g;
    for _ in 0..10 {
        let f = wgs84_to_gcj02(w);
        let (dx, dy) = (f.lon - g.lon, f.lat - g.lat);
        w = LonLat::new(w.lon - dx, w.lat - dy);
        if dx.abs() < 1e-10 && dy.abs() < 1e-10 {
            break;
        }
    }
    w
}

/// Coordinates pasted by a call-taker: two numbers separated by a comma, a space or both,
/// either order; `gcj02` converts from GCJ-02. Of the two orders, the one inside `served`
/// wins, else the only valid one; an answer names what is wrong.
pub fn parse_coordinates(text: &str, gcj02: bool, served: &BBox) -> Result<LonLat, String> {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if matches!(c, ',' | ';' | '，' | '/') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let numbers: Vec<&str> = cleaned.split_whitespace().collect();
    let [a, b] = numbers.as_slice() else {
        return Err(format!(
            "expected two numbers (longitude and latitude), found {}",
            numbers.len()
        ));
    };
    let parse = |s: &str| {
        s.trim_end_matches(['°', 'N', 'E', 'n', 'e'])
            .parse::<f64>()
            .map_err(|_| format!("\"{s}\" is not a number"))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    let convert = |p: LonLat| if gcj02 { gcj02_to_wgs84(p) } else { p };
    let options: Vec<LonLat> = [LonLat::new(a, b), LonLat::new(b, a)]
        .into_iter()
        .filter(|p| p.is_valid())
        .map(convert)
        .collect();
    if let Some(p) = options.iter().find(|p| served.contains(**p)) {
        return Ok(*p);
    }
    match options.first() {
        Some(p) => Err(format!(
            "[{:.6}, {:.6}] is outside the city (lon {:.3} to {:.3}, lat {:.3} to {:.3})",
            p.lon, p.lat, served.min.lon, served.max.lon, served.min.lat, served.max.lat
        )),
        None => Err("not a longitude and a latitude".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osm::{Address, OsmData, Road, RoadClass};

    fn road(name: &str, points: &[(f64, f64)]) -> Road {
        Road {
            osm_id: 1,
            class: RoadClass::Residential,
            is_link: false,
            name: Some(name.into()),
            reference: None,
            oneway: Default::default(),
            maxspeed_kmh: None,
            is_restricted: false,
            points: points.iter().map(|&(x, y)| LonLat::new(x, y)).collect(),
        }
    }

    fn address(street: &str, number: &str, lon: f64, lat: f64) -> Address {
        Address {
            street: Some(street.into()),
            housenumber: number.into(),
            postcode: None,
            city: None,
            pos: LonLat::new(lon, lat),
        }
    }

    /// A straight street east-west over ~1.3 km; even numbers 2 and 22 at its ends.
    fn city() -> OsmData {
        OsmData {
            roads: vec![
                road("Lindenstraße", &[(13.20, 53.5), (13.22, 53.5)]),
                road("Lindenallee", &[(13.20, 53.51), (13.21, 53.51)]),
            ],
            addresses: vec![
                address("Lindenstraße", "2", 13.20, 53.5001),
                address("Lindenstraße", "22", 13.22, 53.5001),
                address("Lindenstraße", "7a", 13.205, 53.4999),
            ],
            ..OsmData::default()
        }
    }

    #[test]
    fn an_address_on_the_map_is_found_as_is_and_with_variants_of_the_street() {
        let g = Geocoder::new(&city());
        for q in ["Lindenstraße 7a", "lindenstr. 7a", "7a Lindenstrasse"] {
            let p = &g.geocode(q, 5)[0];
            assert_eq!(p.found, Found::Exact, "{q}");
            assert_eq!(p.pos, LonLat::new(13.205, 53.4999), "{q}");
            assert_eq!(p.label, "Lindenstraße 7a");
        }
    }

    #[test]
    fn a_missing_number_is_interpolated_along_its_street_on_its_side() {
        let g = Geocoder::new(&city());
        let p = &g.geocode("Lindenstraße 12", 5)[0];
        assert_eq!(p.found, Found::Interpolated);
        // 12 is half way from 2 to 22: the middle of the street.
        assert!((p.pos.lon - 13.21).abs() < 1e-6, "{:?}", p.pos);
        assert!((p.pos.lat - 53.5).abs() < 1e-6, "{:?}", p.pos);
        // No number: the street's middle; a prefix finds both streets, the exact first.
        let s = g.geocode("Linden", 5);
        assert_eq!(s.len(), 2);
        assert!(s.iter().all(|p| p.found == Found::Street));
        assert!(g.geocode("Nirgendwo 3", 5).is_empty());
    }

    #[test]
    fn gcj02_converts_back_to_wgs84_within_a_centimetre() {
        let wgs = LonLat::new(110.2902, 25.2736); // Guilin
        let gcj = wgs84_to_gcj02(wgs);
        assert!(
            haversine_m(wgs, gcj) > 100.0,
            "GCJ-02 is offset by hundreds of metres"
        );
        assert!(haversine_m(wgs, gcj02_to_wgs84(gcj)) < 0.01);
        // Outside China nothing changes.
        let berlin = LonLat::new(13.4, 52.5);
        assert_eq!(wgs84_to_gcj02(berlin), berlin);
    }

    #[test]
    fn pasted_coordinates_in_either_order_or_with_errors_that_say_why() {
        let served = BBox {
            min: LonLat::new(13.0, 53.0),
            max: LonLat::new(14.0, 54.0),
        };
        let want = LonLat::new(13.26, 53.56);
        assert_eq!(parse_coordinates("13.26, 53.56", false, &served), Ok(want));
        assert_eq!(parse_coordinates("53.56,13.26", false, &served), Ok(want));
        assert_eq!(
            parse_coordinates("53.56°N 13.26°E", false, &served),
            Ok(want)
        );
        assert!(
            parse_coordinates("13.26", false, &served)
                .unwrap_err()
                .contains("two numbers")
        );
        assert!(
            parse_coordinates("x 53", false, &served)
                .unwrap_err()
                .contains("\"x\"")
        );
        assert!(
            parse_coordinates("100, 20", false, &served)
                .unwrap_err()
                .contains("outside")
        );
        let guilin = BBox {
            min: LonLat::new(110.0, 25.0),
            max: LonLat::new(110.6, 25.5),
        };
        let wgs = LonLat::new(110.2902, 25.2736);
        let g = wgs84_to_gcj02(wgs);
        let text = format!("{}, {}", g.lat, g.lon);
        let back = parse_coordinates(&text, true, &guilin).unwrap();
        assert!(haversine_m(back, wgs) < 0.01);
    }
}
