//! Sample cameras: up to two at each main-road intersection facing along the main roads,
//! one every 400 m along main roads facing along them, community cameras at schools and
//! kindergartens, linked private ones at some shops; about 5 % offline (by a hash of the id).

use rstar::RTree;

use super::{Context, Junction, dist, is_main, mix};
use crate::layers::model::*;
use crate::osm::RoadClass;
use crate::spatial::bearing_deg;

fn camera_status(id: &str) -> CameraStatus {
    let h = id.bytes().fold(0u64, |acc, b| mix(acc ^ u64::from(b)));
    if h % 20 == 0 {
        CameraStatus::Offline
    } else {
        CameraStatus::Online
    }
}

/// The cameras so far and the sites taken (so no two stand on top of each other).
struct Placed<'a> {
    cx: &'a Context<'a>,
    out: Vec<Camera>,
    sites: RTree<[f64; 2]>,
}

/// Where a camera goes and how it looks: position (metres), heading, field of view, range.
struct View {
    m: [f64; 2],
    heading_deg: f64,
    fov_deg: f64,
    range_m: f64,
}

impl Placed<'_> {
    /// Whether another site is within `radius_m` of `m`; if not, `m` is taken.
    fn take_site(&mut self, m: [f64; 2], radius_m: f64) -> bool {
        if self
            .sites
            .locate_within_distance(m, radius_m * radius_m)
            .next()
            .is_some()
        {
            return false;
        }
        self.sites.insert(m);
        true
    }

    fn push(&mut self, name: String, kind: CameraKind, v: View) {
        let id = format!("C-{:04}", self.out.len() + 1);
        self.out.push(Camera {
            status: camera_status(&id),
            id: CameraId(id.into()),
            name,
            kind,
            pos: self.cx.proj.to_lonlat(v.m),
            heading_deg: (v.heading_deg.rem_euclid(360.0) * 10.0).round() / 10.0 % 360.0,
            fov_deg: v.fov_deg,
            range_m: v.range_m,
            extra: Extra::new(),
        });
    }
}

pub(super) fn cameras(cx: &Context<'_>, junctions: &[Junction]) -> Vec<Camera> {
    let mut placed = Placed {
        cx,
        out: Vec::new(),
        sites: RTree::new(),
    };
    intersections(&mut placed, junctions);
    along_main_roads(&mut placed);
    at_schools_and_shops(&mut placed);
    placed.out
}

/// Main-road intersections: up to two cameras, each facing along a main road.
fn intersections(placed: &mut Placed<'_>, junctions: &[Junction]) {
    for j in junctions {
        let mains = j.classes.iter().filter(|c| is_main(**c)).count();
        if mains < 2 || !placed.take_site(j.m, 120.0) {
            continue;
        }
        let kind = if j.classes[0] <= RoadClass::Primary {
            CameraKind::Traffic
        } else {
            CameraKind::Public
        };
        let name = match j.names.as_slice() {
            [] => "Intersection".to_string(),
            [one] => one.clone(),
            [a, b, ..] => format!("{a} / {b}"),
        };
        let mut used: Vec<f64> = Vec::new();
        for (bearing, class) in &j.exits {
            if !is_main(*class)
                || used
                    .iter()
                    .any(|u| crate::spatial::heading_difference_deg(*u, *bearing) < 60.0)
            {
                continue;
            }
            used.push(*bearing);
            let view = View {
                m: j.m,
                heading_deg: *bearing,
                fov_deg: 70.0,
                range_m: 100.0,
            };
            placed.push(name.clone(), kind, view);
            if used.len() == 2 {
                break;
            }
        }
    }
}

/// Along main roads, every 400 m, facing along the road.
fn along_main_roads(placed: &mut Placed<'_>) {
    let cx = placed.cx;
    for road in cx
        .osm
        .roads
        .iter()
        .filter(|r| r.class <= RoadClass::Secondary)
    {
        let pts: Vec<[f64; 2]> = road.points.iter().map(|p| cx.proj.to_m(*p)).collect();
        let name = road
            .name
            .as_deref()
            .or(road.reference.as_deref())
            .unwrap_or("Main road");
        let mut run = 0.0;
        let mut next_at = 200.0;
        for w in pts.windows(2) {
            let len = dist(w[0], w[1]);
            while run + len >= next_at && len > 0.0 {
                let f = (next_at - run) / len;
                let m = [
                    w[0][0] + (w[1][0] - w[0][0]) * f,
                    w[0][1] + (w[1][1] - w[0][1]) * f,
                ];
                next_at += 400.0;
                if !placed.take_site(m, 150.0) {
                    continue;
                }
                let view = View {
                    m,
                    heading_deg: bearing_deg(w[0], w[1]),
                    fov_deg: 60.0,
                    range_m: 120.0,
                };
                placed.push(name.to_string(), CameraKind::Public, view);
            }
            run += len;
        }
    }
}

/// Community cameras at schools and kindergartens; linked private cameras at some shops.
fn at_schools_and_shops(placed: &mut Placed<'_>) {
    let cx = placed.cx;
    let mut pois: Vec<_> = cx.osm.pois.iter().collect();
    pois.sort_by_key(|p| p.osm_id);
    for (n, poi) in pois.iter().enumerate() {
        let m = cx.proj.to_m(poi.pos);
        let (kind, fov_deg, range_m) = match &*poi.tag {
            "amenity=school" | "amenity=kindergarten" => (CameraKind::Community, 90.0, 60.0),
            t if t.starts_with("shop=") && n % 3 == 0 => (CameraKind::LinkedPrivate, 100.0, 40.0),
            _ => continue,
        };
        if !placed.take_site(m, 60.0) {
            continue;
        }
        let view = View {
            m,
            heading_deg: (mix(poi.osm_id as u64) % 360) as f64,
            fov_deg,
            range_m,
        };
        placed.push(poi.name.to_string(), kind, view);
    }
}
