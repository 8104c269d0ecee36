//! A still city on a real feed server on 127.0.0.1 (fake clock), and consoles signed in to it
//! as commanders.

use std::sync::Arc;

use egui_kittest::Harness;
use onemap::app::{AppOptions, OneMapApp};
use onemap::city::City;
use onemap::live::FeedSource;
use onemap_core::feed::lifecycle::{CreateIncident, SignOn};
use onemap_core::feed::{Category, Command as FeedCommand, Role, UnitId, UnitKind};
use onemap_feed::clock::Clock;
use onemap_feed::server::ServerHandle;

use super::{demo_city, fake_clock, step_until};

pub struct Floor {
    pub city: Arc<City>,
    pub clock: Clock,
    pub server: ServerHandle,
    pub url: String,
}

/// A still city: `units` patrol cars at real addresses, `calls` calls of priorities 1..4.
pub fn floor(name: &str, units: usize, calls: usize) -> Floor {
    let city = demo_city();
    let clock = fake_clock();
    let server = super::fresh_server(name, &clock);
    let addresses = &city.osm().addresses;
    let mut setup: Vec<FeedCommand> = (0..units)
        .map(|k| {
            FeedCommand::SignOn(SignOn {
                unit_id: UnitId(format!("U-{k:02}")),
                call_sign: format!("巡{k:02}"),
                kind: UnitKind::PatrolCar,
                position: addresses[300 + 700 * k].pos.into(),
                fix_at_ms: None,
                stale_at_ms: None,
            })
        })
        .collect();
    for k in 0..calls {
        let at = &addresses[4000 + 350 * k];
        setup.push(FeedCommand::CreateIncident(CreateIncident {
            category: Category::ALL[k % Category::ALL.len()],
            priority: (k % 4) as u8 + 1,
            location: at.pos.into(),
            address: at.label(),
            reported_at_ms: Some(clock.now_ms() - 20_000 - 1000 * k as i64),
            callback: None,
            notes: vec![],
        }));
    }
    for r in server.submit("test", setup).unwrap() {
        r.unwrap();
    }
    let url = format!("ws://{}", server.addr);
    Floor {
        city,
        clock,
        server,
        url,
    }
}

impl Floor {
    pub fn console(&self, name: &str) -> Harness<'static, OneMapApp> {
        self.console_with_layers(name, None)
    }

    /// A console signed in with a role other than commander.
    pub fn console_as(&self, name: &str, role: Role) -> Harness<'static, OneMapApp> {
        self.console_for(name, role, None)
    }

    /// A console on layer files from `layers_dir` (default: generated from the city).
    pub fn console_with_layers(
        &self,
        name: &str,
        layers_dir: Option<std::path::PathBuf>,
    ) -> Harness<'static, OneMapApp> {
        self.console_for(name, Role::Commander, layers_dir)
    }

    fn console_for(
        &self,
        name: &str,
        role: Role,
        layers_dir: Option<std::path::PathBuf>,
    ) -> Harness<'static, OneMapApp> {
        let token = onemap_feed::identity::IdentityDb::open(self.server.db())
            .unwrap()
            .create(name, role, &[], 0, true)
            .unwrap();
        let mut h = super::harness_with(
            self.city.clone(),
            AppOptions {
                feed: FeedSource::External {
                    url: self.url.clone(),
                    token: Some(token),
                    tls: Default::default(),
                },
                clock: self.clock.clone(),
                layers_dir,
                ..AppOptions::default()
            },
        );
        step_until(&mut h, "the feed and the graph", |app| {
            app.live.me.is_some() && app.live.feed.last_seq > 0 && app.plan.ready.is_some()
        });
        h
    }

    pub fn publish(&self, command: FeedCommand) {
        for r in self.server.submit("test", vec![command]).unwrap() {
            r.unwrap();
        }
    }
}
