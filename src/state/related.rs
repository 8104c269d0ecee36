//! What the inspector shows about the selection besides the feature itself: its beat, the
//! cameras that see it, the nearest posts and police station, a beat's members. Computed
//! once per selection or edit (R-tree queries), read every frame.

use onemap_core::coord::{BBox, LonLat};
use onemap_core::layers::StationKind;

use super::AppState;
use crate::model::Selection;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Related {
    pub beat: Option<usize>,
    pub cameras_in_beat: Vec<usize>,
    pub posts_in_beat: Vec<usize>,
    pub cameras_seeing: Vec<usize>,
    pub nearest_posts: Vec<(usize, f64)>,
    pub nearest_police: Option<(usize, f64)>,
    pub beats_of_station: Vec<usize>,
}

impl AppState {
    /// Where the selection is on the map.
    pub fn selection_pos(&self) -> Option<LonLat> {
        let layers = &self.ops.layers;
        match self.selection.as_ref()? {
            Selection::Beat(id) => {
                let i = layers.beats.iter().position(|b| &b.id == id)?;
                self.ops.centre_of_beat(i)
            }
            Selection::Camera(id) => self.ops.camera(id).map(|c| c.pos),
            Selection::Post(id) => self.ops.post(id).map(|p| p.pos),
            Selection::Station(id) => layers.stations.iter().find(|s| &s.id == id).map(|s| s.pos),
            Selection::Point(p) => Some(*p),
            Selection::Unit(id) => self.shown_feed().units.get(id).map(|u| u.position.lonlat()),
            Selection::Incident(id) => self
                .shown_feed()
                .incidents
                .get(id)
                .map(|i| i.location.lonlat()),
        }
    }

    pub fn compute_related(&self) -> Related {
        let mut r = Related::default();
        let Some(selection) = &self.selection else {
            return r;
        };
        let layers = &self.ops.layers;
        let index = &self.ops.index;
        match selection {
            Selection::Beat(id) => {
                if let Some(bi) = layers.beats.iter().position(|b| &b.id == id) {
                    r.beat = Some(bi);
                    let bbox = BBox::from_points(layers.beats[bi].rings.iter().flatten().copied());
                    r.cameras_in_beat = index
                        .cameras_in_unsorted(&bbox)
                        .into_iter()
                        .filter(|&c| index.beat_at(layers.cameras[c].pos) == Some(bi))
                        .collect();
                    r.cameras_in_beat.sort_unstable();
                    r.posts_in_beat = index
                        .posts_in_unsorted(&bbox)
                        .into_iter()
                        .filter(|&p| index.beat_at(layers.posts[p].pos) == Some(bi))
                        .collect();
                    r.posts_in_beat.sort_unstable();
                }
            }
            Selection::Station(id) => {
                r.beats_of_station = layers
                    .beats
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| &b.station_id == id)
                    .map(|(i, _)| i)
                    .collect();
            }
            _ => {
                if let Some(p) = self.selection_pos() {
                    r.beat = index.beat_at(p);
                    r.cameras_seeing = index.cameras_seeing(p);
                    // A camera "sees" its own position; list only the others.
                    if let Selection::Camera(id) = selection {
                        r.cameras_seeing.retain(|&c| &layers.cameras[c].id != id);
                    }
                    r.nearest_posts = index.nearest_posts(p, 3);
                    r.nearest_police = index
                        .nearest_stations(p, 16)
                        .into_iter()
                        .find(|(i, _)| layers.stations[*i].kind == StationKind::Police);
                }
            }
        }
        r
    }
}
