//! The words for the layers' and the live feed's enumerations, so panels, tooltips and the
//! map name them alike.

use onemap_core::feed::{Category, IncidentStatus, Role, UnitKind, UnitStatus};
use onemap_core::layers::{AreaType, CameraKind, CameraStatus, PostKind, StationKind};
use onemap_core::search::HitKind;

use super::i18n::{Lang, T, tr};

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
        HitKind::Incident => T::LiveIncidents,
        HitKind::Unit => T::LiveUnits,
    }
}

pub fn category_label(lang: Lang, c: Category) -> &'static str {
    tr(
        lang,
        match c {
            Category::Theft => T::CatTheft,
            Category::Robbery => T::CatRobbery,
            Category::Assault => T::CatAssault,
            Category::Dispute => T::CatDispute,
            Category::TrafficAccident => T::CatTraffic,
            Category::Fire => T::CatFire,
            Category::Medical => T::CatMedical,
            Category::Suspicious => T::CatSuspicious,
            Category::Other => T::CatOther,
        },
    )
}

pub fn incident_status_label(lang: Lang, s: IncidentStatus) -> &'static str {
    tr(
        lang,
        match s {
            IncidentStatus::New => T::StNew,
            IncidentStatus::Dispatched => T::StDispatched,
            IncidentStatus::EnRoute => T::StEnRoute,
            IncidentStatus::OnScene => T::StOnScene,
            IncidentStatus::Cleared => T::StCleared,
            IncidentStatus::Cancelled => T::StCancelled,
        },
    )
}

pub fn unit_kind_label(lang: Lang, k: UnitKind) -> &'static str {
    tr(
        lang,
        match k {
            UnitKind::PatrolCar => T::ModeCar,
            UnitKind::Motorbike => T::ModeMotorbike,
            UnitKind::FootPatrol => T::FootPatrol,
            UnitKind::EbikeVolunteer => T::ModeEBike,
            UnitKind::Drone => T::Drone,
        },
    )
}

pub fn unit_status_label(lang: Lang, s: UnitStatus) -> &'static str {
    tr(
        lang,
        match s {
            UnitStatus::Available => T::UnitAvailable,
            UnitStatus::Dispatched => T::StDispatched,
            UnitStatus::EnRoute => T::StEnRoute,
            UnitStatus::OnScene => T::StOnScene,
            UnitStatus::OffDuty => T::UnitOffDuty,
        },
    )
}

/// A command's name in the UI language.
pub fn command_label(lang: Lang, kind: &str) -> &'static str {
    tr(
        lang,
        match kind {
            "dispatch" => T::CmdDispatch,
            "set_unit_status" => T::CmdUnitStatus,
            "set_incident_status" => T::CmdIncidentStatus,
            "reassign" => T::CmdReassign,
            "move_up" => T::CmdMoveUp,
            "sign_on" => T::CmdSignOn,
            "sign_off" => T::CmdSignOff,
            "report_position" => T::CmdReportPosition,
            "create_incident" => T::CmdCreateIncident,
            "audit_query" => T::CmdAuditQuery,
            "audit" => T::CmdAuditNote,
            "acknowledge" => T::Acknowledge,
            "update_incident" => T::CmdUpdateIncident,
            "add_note" => T::CmdAddNote,
            "link_call" => T::CmdLinkCall,
            "wall_show" => T::CmdWallShow,
            _ => T::CmdOther,
        },
    )
}

/// An audit log action in the UI language: a command's name, or what the server recorded.
pub fn audit_action_label(lang: Lang, action: &str) -> &'static str {
    let key = match action {
        "recommendation" => T::ActRecommendation,
        "result" => T::ActResult,
        "session_ended" => T::ActSession,
        "identity_live" | "identity_revoked" => T::ActIdentity,
        "sign_in" | "sign_in_blocked" => T::ActDenied,
        other => return command_label(lang, other),
    };
    tr(lang, key)
}

/// The actions the audit log's filter offers (server names).
pub const AUDIT_ACTIONS: &[&str] = &[
    "dispatch",
    "reassign",
    "set_incident_status",
    "set_unit_status",
    "move_up",
    "acknowledge",
    "create_incident",
    "recommendation",
    "result",
];

/// A role in the user's language.
pub fn role_label(lang: Lang, role: Role) -> &'static str {
    tr(
        lang,
        match role {
            Role::Admin => T::RoleAdmin,
            Role::Commander => T::RoleCommander,
            Role::CallTaker => T::RoleCallTaker,
            Role::Planner => T::RolePlanner,
            Role::Wall => T::RoleWall,
            Role::Viewer => T::RoleViewer,
            Role::Device => T::RoleDevice,
            Role::Gateway => T::RoleGateway,
        },
    )
}
