//! Every user-visible string, in Chinese (the default) and English. Panels never hold string
//! literals: they ask [`tr`] for a [`T`] key.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

macro_rules! strings {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// A user-visible string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum T { $($key),* }

        impl T {
            pub const ALL: &'static [T] = &[$(T::$key),*];
        }

        /// The text of `key` in `lang`.
        pub fn tr(lang: Lang, key: T) -> &'static str {
            match (key, lang) {
                $((T::$key, Lang::Zh) => $zh, (T::$key, Lang::En) => $en,)*
            }
        }
    };
}

strings! {
    AppTitle => "一张图 · OneMap", "一张图 · OneMap";
    Layers => "图层", "Layers";
    Basemap => "底图", "Basemap";
    BasemapVisible => "显示底图", "Show basemap";
    Buildings => "建筑", "Buildings";
    Labels => "路名与地名", "Street and place names";
    ThemeDay => "日间", "Day";
    ThemeNight => "夜间", "Night";
    Overlays => "叠加图层", "Overlays";
    Stations => "派出所、消防站、医院（OSM）", "Police, fire, hospitals (OSM)";
    Legend => "图例", "Legend";
    Police => "公安", "Police";
    Fire => "消防", "Fire";
    Hospital => "医院", "Hospital";
    SwitchLanguage => "English", "中文";
    FeedDisconnected => "实时数据：未接入", "Live feed: not connected";
    ZoomIn => "放大", "Zoom in";
    ZoomOut => "缩小", "Zoom out";
    Home => "全城", "Whole city";
    Cursor => "光标", "Cursor";
    Zoom => "级别", "Zoom";
    TilesPending => "瓦片渲染中", "Tiles rendering";
    TileErrors => "瓦片错误", "Tile errors";
    Data => "数据", "Data";
    RoadsKm => "公里道路", "km of roads";
    BuildingsCount => "栋建筑", "buildings";
    Addresses => "个门牌地址", "addresses";
    Attribution => "© OpenStreetMap 贡献者，ODbL", "© OpenStreetMap contributors, ODbL";
    Metres => "米", "m";
    Kilometres => "公里", "km";
    Unnamed => "（无名称）", "(unnamed)";
    SourceRendered => "本地渲染（OSM 数据）", "Rendered locally from OSM data";
    SourceUser => "用户瓦片", "User tiles";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages() {
        for &key in T::ALL {
            assert!(!tr(Lang::Zh, key).is_empty(), "{key:?}");
            assert!(!tr(Lang::En, key).is_empty(), "{key:?}");
        }
    }
}
