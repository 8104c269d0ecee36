//! Operational layers: patrol beats (警格), cameras, response posts and stations.
//!
//! Plain data. Every feature keeps the properties OneMap does not know (`extra`) so that saving
//! a file written by another tool gives those properties back unchanged.

use serde_json::{Map, Value};

use crate::coord::LonLat;

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub struct $name(pub Box<str>);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.into())
            }
        }
    };
}

id_type!(BeatId);
id_type!(CameraId);
id_type!(PostId);
id_type!(StationId);

/// Properties a feature had that OneMap does not interpret, in their original order.
pub type Extra = Map<String, Value>;

/// [`Extra`] in binary caches: as its JSON text, since a JSON value needs a self-describing
/// format and the cache's is not.
mod extra_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Extra;

    pub fn serialize<S: Serializer>(extra: &Extra, s: S) -> Result<S::Ok, S::Error> {
        if extra.is_empty() {
            return s.serialize_str("");
        }
        let text = serde_json::to_string(extra).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Extra, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Ok(Extra::new());
        }
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}

/// A property value that names one of a fixed set of strings.
pub trait Keyword: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn keyword(self) -> &'static str;
    fn from_keyword(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.keyword() == s)
    }
    /// "a", "b" or "c", for error messages and docs.
    fn allowed() -> String {
        Self::ALL
            .iter()
            .map(|k| format!("\"{}\"", k.keyword()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

macro_rules! keyword_enum {
    ($name:ident { $($variant:ident => $kw:literal),* $(,)? }) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),* }

        impl Keyword for $name {
            const ALL: &'static [Self] = &[$($name::$variant),*];
            fn keyword(self) -> &'static str {
                match self { $($name::$variant => $kw),* }
            }
        }
    };
}

keyword_enum!(AreaType { Urban => "urban", Suburban => "suburban", Rural => "rural", Industrial => "industrial" });
keyword_enum!(CameraKind { Public => "public", Community => "community", Traffic => "traffic", LinkedPrivate => "linked_private" });
keyword_enum!(CameraStatus { Online => "online", Offline => "offline" });
keyword_enum!(PostKind { QuickResponse => "quick_response", Workstation => "workstation", Checkpoint => "checkpoint" });

pub use crate::osm::StationKind;

impl Keyword for StationKind {
    const ALL: &'static [Self] = &[
        StationKind::Police,
        StationKind::Fire,
        StationKind::Hospital,
    ];
    fn keyword(self) -> &'static str {
        match self {
            StationKind::Police => "police",
            StationKind::Fire => "fire",
            StationKind::Hospital => "hospital",
        }
    }
}

/// A patrol beat (警格/网格): the area one team is responsible for.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Beat {
    pub id: BeatId,
    pub name: String,
    /// The police station responsible for it.
    pub station_id: StationId,
    pub officers_on_duty: u32,
    pub area_type: AreaType,
    /// Exterior ring first, then holes; each ring closed (first point == last point).
    pub rings: Vec<Vec<LonLat>>,
    #[serde(with = "extra_text")]
    pub extra: Extra,
}

/// A camera: infrastructure with a place, a view direction, a range and a status.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Camera {
    pub id: CameraId,
    pub name: String,
    pub kind: CameraKind,
    pub pos: LonLat,
    /// View direction, degrees clockwise from north, `0 <= heading < 360`.
    pub heading_deg: f64,
    /// Field of view, degrees, `0 < fov <= 360`.
    pub fov_deg: f64,
    /// How far it usefully sees, metres, `0 < range <= 2000`.
    pub range_m: f64,
    pub status: CameraStatus,
    #[serde(with = "extra_text")]
    pub extra: Extra,
}

impl Camera {
    pub fn is_online(&self) -> bool {
        self.status == CameraStatus::Online
    }
}

/// A quick-response post (快反点), police workstation (警务站) or checkpoint.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Post {
    pub id: PostId,
    pub name: String,
    pub kind: PostKind,
    pub pos: LonLat,
    /// "24/7" or "HH:MM-HH:MM" (may wrap midnight).
    pub staffed_hours: String,
    #[serde(with = "extra_text")]
    pub extra: Extra,
}

/// A police station (派出所), fire station or hospital.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Station {
    pub id: StationId,
    pub name: String,
    pub kind: StationKind,
    pub pos: LonLat,
    #[serde(with = "extra_text")]
    pub extra: Extra,
}

/// The four layers as loaded, plus whether they are generated sample data.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OpLayers {
    pub beats: Vec<Beat>,
    pub cameras: Vec<Camera>,
    pub posts: Vec<Post>,
    pub stations: Vec<Station>,
    /// The files say `"onemap:generated": true`: sample data, not an agency's.
    pub generated: bool,
}

/// The four layer files, by name in a layers directory.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum LayerKind {
    Beats,
    Cameras,
    Posts,
    Stations,
}

impl LayerKind {
    pub const ALL: [LayerKind; 4] = [
        LayerKind::Beats,
        LayerKind::Cameras,
        LayerKind::Posts,
        LayerKind::Stations,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            LayerKind::Beats => "beats.geojson",
            LayerKind::Cameras => "cameras.geojson",
            LayerKind::Posts => "posts.geojson",
            LayerKind::Stations => "stations.geojson",
        }
    }
}
