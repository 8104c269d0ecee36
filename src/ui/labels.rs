//! The string keys for the layers' enumerations, so panels and tooltips name them alike.

use onemap_core::layers::{AreaType, CameraKind, CameraStatus, PostKind, StationKind};
use onemap_core::search::HitKind;

use super::i18n::T;

pub fn camera_kind(k: CameraKind) -> T {
    match k {
        CameraKind::Public => T::KindPublic,
        CameraKind::Community => T::KindCommunity,
        CameraKind::Traffic => T::KindTraffic,
        CameraKind::LinkedPrivate => T::KindLinkedPrivate,
    }
}

pub fn camera_status(s: CameraStatus) -> T {
    match s {
        CameraStatus::Online => T::Online,
        CameraStatus::Offline => T::Offline,
    }
}

pub fn post_kind(k: PostKind) -> T {
    match k {
        PostKind::QuickResponse => T::KindQuick,
        PostKind::Workstation => T::KindWorkstation,
        PostKind::Checkpoint => T::KindCheckpoint,
    }
}

pub fn station_kind(k: StationKind) -> T {
    match k {
        StationKind::Police => T::KindPolice,
        StationKind::Fire => T::KindFire,
        StationKind::Hospital => T::KindHospital,
    }
}

pub fn area_type(a: AreaType) -> T {
    match a {
        AreaType::Urban => T::AreaUrban,
        AreaType::Suburban => T::AreaSuburban,
        AreaType::Rural => T::AreaRural,
        AreaType::Industrial => T::AreaIndustrial,
    }
}

pub fn hit_kind(k: HitKind) -> T {
    match k {
        HitKind::Beat => T::Beats,
        HitKind::Camera => T::Cameras,
        HitKind::Post => T::Posts,
        HitKind::Station => T::StationsLayer,
        HitKind::Place => T::Place,
        HitKind::Street => T::Street,
        HitKind::Address => T::Address,
        HitKind::Poi => T::Poi,
    }
}
