//! Sample posts: a quick-response post near each police station and in the densest places
//! (on the nearest main road), police workstations where points of interest cluster, and
//! checkpoints on main roads near each edge of the area. No two posts within 300 m.

use rstar::RTree;

use super::{Context, dist};
use crate::layers::model::*;
use crate::osm::RoadClass;

/// The posts so far, and their places.
struct Placed<'a> {
    cx: &'a Context<'a>,
    out: Vec<Post>,
    taken: Vec<[f64; 2]>,
}

impl Placed<'_> {
    fn push(&mut self, m: [f64; 2], name: String, kind: PostKind, hours: &str) {
        if self.taken.iter().any(|t| dist(*t, m) < 300.0) {
            return;
        }
        self.taken.push(m);
        self.out.push(Post {
            id: PostId(format!("P-{:02}", self.out.len() + 1).into()),
            name,
            kind,
            pos: self.cx.proj.to_lonlat(m),
            staffed_hours: hours.into(),
            extra: Extra::new(),
        });
    }
}

pub(super) fn posts(cx: &Context<'_>, stations: &[Station]) -> Vec<Post> {
    let main_points: Vec<[f64; 2]> = cx
        .osm
        .roads
        .iter()
        .filter(|r| r.class <= RoadClass::Tertiary)
        .flat_map(|r| r.points.iter().map(|p| cx.proj.to_m(*p)))
        .collect();
    let main_tree: RTree<[f64; 2]> = RTree::bulk_load(main_points.clone());
    // The nearest main-road point within 600 m, or the place itself.
    let snap = |m: [f64; 2]| {
        main_tree
            .nearest_neighbor(&m)
            .copied()
            .filter(|p| dist(*p, m) < 600.0)
            .unwrap_or(m)
    };
    let mut placed = Placed {
        cx,
        out: Vec::new(),
        taken: Vec::new(),
    };
    for s in stations.iter().filter(|s| s.kind == StationKind::Police) {
        let m = snap(cx.proj.to_m(s.pos));
        let name = format!("Quick-response post {}", s.name);
        placed.push(m, name, PostKind::QuickResponse, "24/7");
    }
    for m in densest_places(cx) {
        let m = snap(m);
        let name = format!("Quick-response post {}", cx.place_name(m));
        placed.push(m, name, PostKind::QuickResponse, "24/7");
    }
    for m in poi_clusters(cx) {
        let name = format!("Police workstation {}", cx.place_name(m));
        placed.push(m, name, PostKind::Workstation, "08:00-20:00");
    }
    for (side, m) in edge_points(cx, &main_points) {
        placed.push(
            m,
            format!("Checkpoint {side}"),
            PostKind::Checkpoint,
            "20:00-06:00",
        );
    }
    placed.out
}

/// Up to six of the densest places (addresses within 250 m), at least 1.5 km apart.
fn densest_places(cx: &Context<'_>) -> Vec<[f64; 2]> {
    let mut dense: Vec<([f64; 2], usize)> = cx
        .osm
        .addresses
        .iter()
        .step_by(5)
        .map(|a| {
            let m = cx.proj.to_m(a.pos);
            (m, cx.density(m))
        })
        .collect();
    dense.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0[0].total_cmp(&b.0[0]))
            .then(a.0[1].total_cmp(&b.0[1]))
    });
    let mut chosen: Vec<[f64; 2]> = Vec::new();
    for (m, d) in dense {
        if chosen.len() >= 6 || d < 20 {
            break;
        }
        if !chosen.iter().any(|c| dist(*c, m) < 1500.0) {
            chosen.push(m);
        }
    }
    chosen
}

/// Up to three places where points of interest cluster, at least 800 m apart.
fn poi_clusters(cx: &Context<'_>) -> Vec<[f64; 2]> {
    let poi_tree: RTree<[f64; 2]> =
        RTree::bulk_load(cx.osm.pois.iter().map(|p| cx.proj.to_m(p.pos)).collect());
    let mut clusters: Vec<([f64; 2], usize)> = cx
        .osm
        .pois
        .iter()
        .map(|p| {
            let m = cx.proj.to_m(p.pos);
            (m, poi_tree.locate_within_distance(m, 200.0 * 200.0).count())
        })
        .collect();
    clusters.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0[0].total_cmp(&b.0[0]))
            .then(a.0[1].total_cmp(&b.0[1]))
    });
    let mut chosen: Vec<[f64; 2]> = Vec::new();
    for (m, _) in clusters {
        if chosen.len() >= 3 {
            break;
        }
        if !chosen.iter().any(|w| dist(*w, m) < 800.0) {
            chosen.push(m);
        }
    }
    chosen
}

/// The main-road point nearest each edge of the area (300 m to 2 km inside it).
fn edge_points(cx: &Context<'_>, main_points: &[[f64; 2]]) -> Vec<(&'static str, [f64; 2])> {
    let lo = cx.proj.to_m(cx.osm.bounds.min);
    let hi = cx.proj.to_m(cx.osm.bounds.max);
    // (side, axis, sign, edge): distance to the edge is sign * (p[axis] - edge).
    let edges = [
        ("west", 0, 1.0, lo[0]),
        ("east", 0, -1.0, hi[0]),
        ("south", 1, 1.0, lo[1]),
        ("north", 1, -1.0, hi[1]),
    ];
    let inside = |p: &&[f64; 2]| p[0] >= lo[0] && p[0] <= hi[0] && p[1] >= lo[1] && p[1] <= hi[1];
    edges
        .into_iter()
        .filter_map(|(side, axis, sign, edge)| {
            main_points
                .iter()
                .filter(inside)
                .map(|p| (sign * (p[axis] - edge), *p))
                .filter(|(d, _)| *d >= 300.0 && *d < 2000.0)
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1[0].total_cmp(&b.1[0])))
                .map(|(_, m)| (side, m))
        })
        .collect()
}
