//! Every colour, stroke and size the console uses: the egui chrome and the basemap palette,
//! for the day and night themes. Nothing else in the code base names a colour.

use egui::Color32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum ThemeKind {
    #[default]
    Day,
    /// Dark map and chrome: the wall-display and night-shift theme.
    Night,
}

impl ThemeKind {
    pub const ALL: [ThemeKind; 2] = [ThemeKind::Day, ThemeKind::Night];

    /// Short stable name, used in tile cache keys and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            ThemeKind::Day => "day",
            ThemeKind::Night => "night",
        }
    }

    pub fn palette(self) -> &'static BasemapPalette {
        match self {
            ThemeKind::Day => &DAY,
            ThemeKind::Night => &NIGHT,
        }
    }
}

/// Colours of the basemap tiles. Road colours are indexed by [`RoadStyle`] group.
#[derive(Clone, Debug)]
pub struct BasemapPalette {
    pub land: Color32,
    pub residential: Color32,
    pub industrial: Color32,
    pub farmland: Color32,
    pub forest: Color32,
    pub park: Color32,
    pub grass: Color32,
    pub cemetery: Color32,
    pub wild: Color32,
    pub water: Color32,
    pub water_line: Color32,
    pub building: Color32,
    pub building_outline: Color32,
    pub rail: Color32,
    pub rail_dash: Color32,
    /// Fill of motorway, trunk, primary, secondary, tertiary, minor, service, track, path.
    pub road_fill: [Color32; 9],
    pub road_casing: [Color32; 9],
    pub label: Color32,
    pub label_halo: Color32,
    pub place_label: Color32,
    pub water_label: Color32,
}

const fn rgb(r: u8, g: u8, b: u8) -> Color32 {
    Color32::from_rgb(r, g, b)
}

pub static DAY: BasemapPalette = BasemapPalette {
    land: rgb(242, 239, 233),
    residential: rgb(232, 228, 222),
    industrial: rgb(235, 226, 232),
    farmland: rgb(238, 240, 213),
    forest: rgb(200, 224, 190),
    park: rgb(205, 235, 200),
    grass: rgb(218, 240, 206),
    cemetery: rgb(206, 222, 200),
    wild: rgb(220, 232, 210),
    water: rgb(170, 211, 223),
    water_line: rgb(150, 196, 214),
    building: rgb(217, 208, 201),
    building_outline: rgb(196, 185, 176),
    rail: rgb(120, 120, 120),
    rail_dash: rgb(250, 250, 250),
    road_fill: [
        rgb(233, 144, 160), // motorway
        rgb(249, 178, 156), // trunk
        rgb(252, 214, 164), // primary
        rgb(247, 250, 191), // secondary
        rgb(255, 255, 255), // tertiary
        rgb(255, 255, 255), // minor
        rgb(255, 255, 255), // service
        rgb(172, 131, 39),  // track
        rgb(250, 128, 114), // path
    ],
    road_casing: [
        rgb(200, 90, 110),
        rgb(200, 120, 100),
        rgb(190, 150, 90),
        rgb(160, 165, 100),
        rgb(175, 175, 175),
        rgb(190, 190, 190),
        rgb(200, 200, 200),
        rgb(242, 239, 233),
        rgb(242, 239, 233),
    ],
    label: rgb(40, 40, 40),
    label_halo: rgb(255, 255, 255),
    place_label: rgb(20, 20, 20),
    water_label: rgb(40, 90, 140),
};

pub static NIGHT: BasemapPalette = BasemapPalette {
    land: rgb(22, 27, 34),
    residential: rgb(28, 33, 41),
    industrial: rgb(33, 30, 40),
    farmland: rgb(26, 31, 30),
    forest: rgb(20, 38, 30),
    park: rgb(22, 42, 33),
    grass: rgb(24, 38, 32),
    cemetery: rgb(24, 36, 30),
    wild: rgb(23, 35, 31),
    water: rgb(14, 40, 66),
    water_line: rgb(22, 58, 90),
    building: rgb(44, 50, 60),
    building_outline: rgb(58, 65, 77),
    rail: rgb(95, 100, 110),
    rail_dash: rgb(30, 34, 40),
    road_fill: [
        rgb(190, 120, 60),
        rgb(170, 110, 60),
        rgb(150, 110, 70),
        rgb(110, 100, 80),
        rgb(88, 94, 104),
        rgb(70, 76, 86),
        rgb(58, 63, 72),
        rgb(70, 64, 50),
        rgb(72, 68, 80),
    ],
    road_casing: [
        rgb(90, 60, 30),
        rgb(85, 55, 30),
        rgb(80, 60, 40),
        rgb(60, 55, 45),
        rgb(40, 44, 52),
        rgb(36, 40, 48),
        rgb(34, 38, 45),
        rgb(22, 27, 34),
        rgb(22, 27, 34),
    ],
    label: rgb(200, 206, 214),
    label_halo: rgb(16, 20, 26),
    place_label: rgb(230, 234, 240),
    water_label: rgb(120, 170, 220),
};

/// Colours and sizes of the console chrome and map overlays.
#[derive(Clone, Debug)]
pub struct UiTheme {
    pub dark_mode: bool,
    pub title: Color32,
    pub muted_text: Color32,
    pub status_ok: Color32,
    pub status_warn: Color32,
    pub status_off: Color32,
    pub overlay_bg: Color32,
    pub overlay_text: Color32,
    pub scale_bar: Color32,
    pub station_police: Color32,
    pub station_fire: Color32,
    pub station_hospital: Color32,
    pub marker_outline: Color32,
    pub marker_radius_px: f32,
    pub title_size: f32,
    /// Notices (command outcomes): large enough to read at a glance.
    pub notice_size: f32,
    /// The chosen unit's route on the map.
    pub route: Color32,
    /// A patrol route being drawn, and its waypoints.
    pub patrol: Color32,
    /// Beats that lose coverage if the chosen unit leaves.
    pub impact: Color32,
    /// Beat outlines, one colour per responsible station (cycled).
    pub beat_palette: [Color32; 8],
    pub beat_label: Color32,
    pub selection: Color32,
    pub camera_online: Color32,
    pub camera_offline: Color32,
    /// Fill of a camera's view wedge (translucent).
    pub wedge_fill: Color32,
    pub wedge_fill_offline: Color32,
    pub cluster_fill: Color32,
    pub cluster_text: Color32,
    pub post_quick: Color32,
    pub post_workstation: Color32,
    pub post_checkpoint: Color32,
    pub problem: Color32,
    /// The replay band and timeline: never a colour the live picture uses.
    pub replay: Color32,
    /// A unit's breadcrumb trail.
    pub track: Color32,
    /// Response rings, innermost (1 minute) first: fill (translucent) and outline.
    pub ring_fill: [Color32; 3],
    pub ring_line: [Color32; 3],
    /// Roads no post reaches in time (the gap layer).
    pub gap_line: Color32,
    /// Units by status: available, dispatched, en route, on scene, off duty.
    pub unit_status: [Color32; 5],
    /// Incidents by priority 1..4.
    pub priority: [Color32; 4],
}

const BEATS_DAY: [Color32; 8] = [
    rgb(31, 119, 180),
    rgb(214, 39, 40),
    rgb(44, 160, 44),
    rgb(148, 103, 189),
    rgb(255, 127, 14),
    rgb(23, 190, 207),
    rgb(140, 86, 75),
    rgb(227, 119, 194),
];

const BEATS_NIGHT: [Color32; 8] = [
    rgb(100, 170, 255),
    rgb(255, 110, 110),
    rgb(110, 220, 120),
    rgb(200, 150, 255),
    rgb(255, 170, 80),
    rgb(80, 220, 235),
    rgb(210, 160, 140),
    rgb(255, 150, 220),
];

pub fn ui_theme(kind: ThemeKind) -> UiTheme {
    match kind {
        ThemeKind::Day => UiTheme {
            dark_mode: false,
            title: rgb(20, 60, 130),
            muted_text: rgb(100, 100, 100),
            status_ok: rgb(30, 150, 60),
            status_warn: rgb(210, 140, 0),
            status_off: rgb(150, 150, 150),
            overlay_bg: Color32::from_rgba_unmultiplied(255, 255, 255, 215),
            overlay_text: rgb(30, 30, 30),
            scale_bar: rgb(30, 30, 30),
            station_police: rgb(20, 70, 200),
            station_fire: rgb(220, 40, 30),
            station_hospital: rgb(20, 150, 90),
            marker_outline: rgb(255, 255, 255),
            marker_radius_px: 7.0,
            title_size: 18.0,
            notice_size: 14.0,
            route: Color32::from_rgb(0, 184, 255),
            patrol: Color32::from_rgb(190, 60, 210),
            impact: Color32::from_rgb(230, 0, 130),
            beat_palette: BEATS_DAY,
            beat_label: rgb(40, 40, 60),
            selection: rgb(255, 200, 0),
            camera_online: rgb(0, 120, 215),
            camera_offline: rgb(140, 140, 140),
            wedge_fill: Color32::from_rgba_unmultiplied(0, 120, 215, 50),
            wedge_fill_offline: Color32::from_rgba_unmultiplied(120, 120, 120, 40),
            cluster_fill: Color32::from_rgba_unmultiplied(0, 100, 190, 210),
            cluster_text: rgb(255, 255, 255),
            post_quick: rgb(230, 80, 20),
            post_workstation: rgb(20, 90, 170),
            post_checkpoint: rgb(200, 150, 0),
            problem: rgb(200, 40, 40),
            replay: rgb(106, 61, 154),
            track: rgb(0, 120, 200),
            ring_fill: [
                Color32::from_rgba_unmultiplied(0, 150, 70, 95),
                Color32::from_rgba_unmultiplied(120, 190, 0, 70),
                Color32::from_rgba_unmultiplied(240, 170, 0, 55),
            ],
            ring_line: [rgb(0, 120, 55), rgb(95, 150, 0), rgb(200, 130, 0)],
            gap_line: rgb(215, 25, 60),
            unit_status: [
                rgb(20, 140, 60),
                rgb(230, 120, 0),
                rgb(0, 110, 210),
                rgb(130, 60, 180),
                rgb(140, 140, 140),
            ],
            priority: [
                rgb(210, 20, 30),
                rgb(235, 110, 0),
                rgb(200, 160, 0),
                rgb(70, 110, 160),
            ],
        },
        ThemeKind::Night => UiTheme {
            dark_mode: true,
            title: rgb(120, 180, 255),
            muted_text: rgb(150, 156, 166),
            status_ok: rgb(80, 210, 110),
            status_warn: rgb(250, 190, 60),
            status_off: rgb(120, 125, 135),
            overlay_bg: Color32::from_rgba_unmultiplied(18, 22, 28, 215),
            overlay_text: rgb(220, 225, 232),
            scale_bar: rgb(220, 225, 232),
            station_police: rgb(90, 150, 255),
            station_fire: rgb(255, 90, 70),
            station_hospital: rgb(60, 210, 140),
            marker_outline: rgb(10, 12, 16),
            marker_radius_px: 7.0,
            title_size: 18.0,
            notice_size: 14.0,
            route: Color32::from_rgb(0, 184, 255),
            patrol: Color32::from_rgb(190, 60, 210),
            impact: Color32::from_rgb(230, 0, 130),
            beat_palette: BEATS_NIGHT,
            beat_label: rgb(220, 225, 235),
            selection: rgb(255, 220, 60),
            camera_online: rgb(80, 180, 255),
            camera_offline: rgb(120, 125, 135),
            wedge_fill: Color32::from_rgba_unmultiplied(80, 180, 255, 45),
            wedge_fill_offline: Color32::from_rgba_unmultiplied(120, 125, 135, 35),
            cluster_fill: Color32::from_rgba_unmultiplied(40, 130, 220, 220),
            cluster_text: rgb(255, 255, 255),
            post_quick: rgb(255, 120, 60),
            post_workstation: rgb(90, 160, 255),
            post_checkpoint: rgb(240, 200, 60),
            problem: rgb(255, 100, 100),
            replay: rgb(150, 100, 210),
            track: rgb(80, 200, 255),
            ring_fill: [
                Color32::from_rgba_unmultiplied(40, 220, 120, 80),
                Color32::from_rgba_unmultiplied(170, 230, 60, 55),
                Color32::from_rgba_unmultiplied(255, 190, 60, 45),
            ],
            ring_line: [rgb(60, 230, 130), rgb(180, 235, 70), rgb(255, 190, 60)],
            gap_line: rgb(255, 70, 110),
            unit_status: [
                rgb(60, 200, 100),
                rgb(255, 150, 40),
                rgb(70, 160, 255),
                rgb(180, 110, 255),
                rgb(120, 125, 135),
            ],
            priority: [
                rgb(255, 60, 70),
                rgb(255, 140, 40),
                rgb(235, 200, 40),
                rgb(110, 150, 200),
            ],
        },
    }
}

/// The heat map's colour for a density `t` in `0..=1` of the legend's top: transparent for
/// nothing, then yellow through orange to dark red (a sequential ramp readable on both
/// basemap themes), more opaque as it rises.
pub fn heat_colour(t: f32) -> Color32 {
    const STOPS: [(f32, [u8; 3]); 4] = [
        (0.0, [255, 237, 160]),
        (0.35, [254, 178, 76]),
        (0.7, [240, 59, 32]),
        (1.0, [128, 0, 38]),
    ];
    let t = t.clamp(0.0, 1.0);
    if t <= 0.02 {
        return Color32::TRANSPARENT;
    }
    let k = STOPS.iter().rposition(|(s, _)| *s <= t).unwrap_or(0).min(2);
    let (s0, c0) = STOPS[k];
    let (s1, c1) = STOPS[k + 1];
    let u = ((t - s0) / (s1 - s0)).clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * u).round() as u8;
    let alpha = (90.0 + 130.0 * t.sqrt()).min(220.0) as u8;
    Color32::from_rgba_unmultiplied(
        mix(c0[0], c1[0]),
        mix(c0[1], c1[1]),
        mix(c0[2], c1[2]),
        alpha,
    )
}

/// One colour per incident category (in `Category::ALL`'s order), for plots and toggles.
pub const CATEGORY_COLOURS: [Color32; 9] = [
    rgb(31, 119, 180),
    rgb(214, 39, 40),
    rgb(148, 103, 189),
    rgb(255, 127, 14),
    rgb(44, 160, 44),
    rgb(227, 26, 28),
    rgb(23, 190, 207),
    rgb(140, 86, 75),
    rgb(127, 127, 127),
];
