//! Call intake (接警): the form a call-taker fills in while the caller speaks, and what the
//! console works out from it — where the caller is (an address found by the geocoder, a click
//! on the map, pasted coordinates) and which open incidents may be the same event.
//!
//! The form is plain data changed only through `Command`s; creating or linking sends a feed
//! command, so the incident appears when the server says so, in every console at once.

use onemap_core::coord::{LonLat, haversine_m};
use onemap_core::feed::lifecycle::{CreateIncident, LinkCall};
use onemap_core::feed::{Category, Command as FeedCommand, FeedState, IncidentId, Note, RequestId};
use onemap_core::geocode::{Found, Place};

/// Open incidents this close to the new call's place, reported this recently, are offered as
/// possible duplicates.
pub const DUPLICATE_RADIUS_M: f64 = 300.0;
pub const DUPLICATE_WINDOW_MS: i64 = 60 * 60_000;

/// How the place was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceSource {
    Address(Found),
    Map,
    Coordinates,
}

/// Where the caller is: the point and the address the incident will carry.
#[derive(Clone, Debug, PartialEq)]
pub struct CallPlace {
    pub pos: LonLat,
    pub address: String,
    pub source: PlaceSource,
}

/// The call being taken.
#[derive(Clone, Debug, PartialEq)]
pub struct IntakeForm {
    /// The address as typed (the geocoder's query).
    pub query: String,
    /// Coordinates as pasted, and whether they are GCJ-02.
    pub coords: String,
    pub gcj02: bool,
    pub place: Option<CallPlace>,
    pub category: Category,
    pub priority: u8,
    pub description: String,
    pub callback: String,
    /// The next click on the map gives the place.
    pub picking: bool,
    /// Why the last coordinates could not be used (in English from the parser; shown as is).
    pub coords_error: Option<String>,
    /// The create or link command sent and not answered yet: the form waits, then closes if
    /// it was carried out, or stays (with everything typed) if it was refused.
    pub sending: Option<RequestId>,
}

impl Default for IntakeForm {
    fn default() -> Self {
        Self {
            query: String::new(),
            coords: String::new(),
            gcj02: false,
            place: None,
            category: Category::Other,
            priority: 3,
            description: String::new(),
            callback: String::new(),
            picking: false,
            coords_error: None,
            sending: None,
        }
    }
}

impl IntakeForm {
    /// Take a geocoder hit as the place.
    pub fn with_place(mut self, p: &Place) -> Self {
        self.query = p.label.clone();
        self.place = Some(CallPlace {
            pos: p.pos,
            address: p.label.clone(),
            source: PlaceSource::Address(p.found),
        });
        self
    }

    /// What is still missing before the call can be created (`None`: ready).
    pub fn missing(&self) -> Option<Missing> {
        if self.place.is_none() {
            return Some(Missing::Place);
        }
        let digits = self.callback.chars().filter(char::is_ascii_digit).count();
        if !self.callback.trim().is_empty() && !(3..=20).contains(&digits) {
            return Some(Missing::Callback);
        }
        None
    }

    /// The feed command that opens this call (`now_ms`: when it came in).
    pub fn create(&self, now_ms: i64) -> Option<FeedCommand> {
        let place = self.place.as_ref()?;
        let description = self.description.trim();
        Some(FeedCommand::CreateIncident(CreateIncident {
            category: self.category,
            priority: self.priority,
            location: place.pos.into(),
            address: place.address.clone(),
            reported_at_ms: Some(now_ms),
            callback: Some(self.callback.trim().to_owned()).filter(|c| !c.is_empty()),
            notes: if description.is_empty() {
                Vec::new()
            } else {
                vec![Note::new(description, false)]
            },
        }))
    }

    /// The feed command that adds this call to `incident` instead.
    pub fn link(&self, incident: &IncidentId) -> FeedCommand {
        FeedCommand::LinkCall(LinkCall {
            incident_id: incident.clone(),
            text: self.description.trim().to_owned(),
            callback: Some(self.callback.trim().to_owned()).filter(|c| !c.is_empty()),
        })
    }
}

/// What stops the form from being sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    Place,
    Callback,
}

/// Open incidents within [`DUPLICATE_RADIUS_M`] of `at` reported in the last
/// [`DUPLICATE_WINDOW_MS`], nearest first, with their distance in metres.
pub fn duplicates(feed: &FeedState, at: LonLat, now_ms: i64) -> Vec<(IncidentId, f64)> {
    let mut out: Vec<(IncidentId, f64)> = feed
        .incidents
        .values()
        .filter(|i| i.status.is_open())
        .filter(|i| now_ms - i.reported_at_ms <= DUPLICATE_WINDOW_MS)
        .map(|i| (i.id.clone(), haversine_m(at, i.location.lonlat())))
        .filter(|(_, d)| *d <= DUPLICATE_RADIUS_M)
        .collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use onemap_core::feed::{Envelope, Incident, IncidentStatus, Position, ServerEvent};

    fn incident(id: &str, lon: f64, reported: i64, status: IncidentStatus) -> Incident {
        Incident {
            id: id.into(),
            category: Category::Fire,
            priority: 1,
            location: Position([lon, 53.55]),
            address: String::new(),
            reported_at_ms: reported,
            status,
            assigned_units: vec![],
            times: Default::default(),
            callback: None,
            notes: vec![],
            acknowledged: None,
            calls: 1,
        }
    }

    #[test]
    fn open_incidents_near_and_recent_are_offered_nearest_first() {
        let now = 10 * 3_600_000;
        let mut feed = FeedState::default();
        let events = [
            incident("I-1", 13.2000, now - 10 * 60_000, IncidentStatus::New),
            incident("I-2", 13.2030, now - 5 * 60_000, IncidentStatus::Dispatched), // ~200 m
            incident("I-3", 13.2100, now, IncidentStatus::New),                     // ~660 m
            incident("I-4", 13.2001, now - 2 * 3_600_000, IncidentStatus::New),     // too old
            incident("I-5", 13.2001, now, IncidentStatus::Cleared),                 // closed
        ];
        for (k, i) in events.into_iter().enumerate() {
            feed.apply(&Envelope::new(
                k as u64 + 1,
                now,
                ServerEvent::IncidentCreated(i),
            ));
        }
        let found = duplicates(&feed, LonLat::new(13.2, 53.55), now);
        let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["I-1", "I-2"]);
        assert!(found[1].1 > 150.0 && found[1].1 < 250.0, "{found:?}");
    }

    #[test]
    fn the_form_says_what_is_missing_and_builds_its_commands() {
        let mut form = IntakeForm::default();
        assert_eq!(form.missing(), Some(Missing::Place));
        assert!(form.create(0).is_none());
        form.place = Some(CallPlace {
            pos: LonLat::new(13.2, 53.5),
            address: "Markt 1".into(),
            source: PlaceSource::Map,
        });
        form.callback = "12".into();
        assert_eq!(form.missing(), Some(Missing::Callback));
        form.callback = " 0395 555 12 ".into();
        form.description = " smoke from a window ".into();
        assert_eq!(form.missing(), None);
        let Some(FeedCommand::CreateIncident(c)) = form.create(77) else {
            panic!()
        };
        assert_eq!(c.callback.as_deref(), Some("0395 555 12"));
        assert_eq!(c.notes[0].text, "smoke from a window");
        assert_eq!(c.reported_at_ms, Some(77));
        let FeedCommand::LinkCall(l) = form.link(&"I-9".into()) else {
            panic!()
        };
        assert_eq!(
            (l.incident_id.as_str(), l.text.as_str()),
            ("I-9", "smoke from a window")
        );
    }
}
