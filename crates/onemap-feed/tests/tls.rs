//! TLS end to end with certificates made here (rcgen): wss:// with a token, a client
//! certificate that names an identity, a certificate from another CA refused, and the
//! server's refusals to start insecurely.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{commander, temp_db, token};
use onemap_core::feed::{Role, ServerEvent};
use onemap_feed::client::{ClientConfig, ClientEvent, ConnStatus, FeedClient};
use onemap_feed::server::{ServerConfig, start};
use onemap_feed::tls::{ClientTls, TlsFiles};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};

struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("onemap-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Pki { dir }
    }

    fn write(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        path
    }

    fn ca(&self, name: &str) -> (CertifiedIssuer<'static, KeyPair>, PathBuf) {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} CA"));
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let path = self.write(&format!("{name}-ca.pem"), &ca.pem(), 0o644);
        (ca, path)
    }

    /// A leaf certificate and key signed by `ca`: a server's for `sans`, or a client's named
    /// `cn`.
    fn leaf(
        &self,
        ca: &CertifiedIssuer<'static, KeyPair>,
        file: &str,
        sans: &[&str],
        cn: &str,
        client: bool,
    ) -> (PathBuf, PathBuf) {
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, ca).unwrap();
        (
            self.write(&format!("{file}.pem"), &cert.pem(), 0o644),
            self.write(&format!("{file}.key"), &key.serialize_pem(), 0o600),
        )
    }
}

/// Events until `done` says so or 10 s pass; the statuses and the welcome seen.
fn watch(client: &mut FeedClient, until: impl Fn(&[ClientEvent]) -> bool) -> Vec<ClientEvent> {
    let mut seen = Vec::new();
    let end = Instant::now() + Duration::from_secs(10);
    while Instant::now() < end && !until(&seen) {
        if let Some(e) = client.recv_timeout(Duration::from_millis(50)) {
            seen.push(e);
        }
    }
    seen
}

fn welcome_name(events: &[ClientEvent]) -> Option<String> {
    events.iter().find_map(|e| match e {
        ClientEvent::Event(env) => match &env.event {
            ServerEvent::Welcome(w) => Some(w.name.clone()),
            _ => None,
        },
        _ => None,
    })
}

fn client(url: &str, token: Option<String>, tls: ClientTls) -> FeedClient {
    let config = ClientConfig {
        token,
        tls,
        ..ClientConfig::new(url, "tls-test")
    };
    FeedClient::spawn(config, || {}).unwrap()
}

fn tls_server(
    db: &Path,
    cert: &Path,
    key: &Path,
    client_ca: &Path,
) -> onemap_feed::server::ServerHandle {
    let config = ServerConfig {
        tls: Some(TlsFiles {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            client_ca: Some(client_ca.to_path_buf()),
        }),
        ..ServerConfig::new("127.0.0.1:0".parse().unwrap(), db.to_path_buf())
    };
    start(config).unwrap()
}

#[test]
fn wss_with_a_token_and_with_a_client_certificate_and_a_foreign_certificate_refused() {
    let pki = Pki::new("e2e");
    let (ca, ca_pem) = pki.ca("onemap");
    let (cert, key) = pki.leaf(&ca, "server", &["localhost", "127.0.0.1"], "feed", false);
    let (desk_cert, desk_key) = pki.leaf(&ca, "desk", &[], "desk-tls", true);
    let (other_ca, _) = pki.ca("other");
    let (bad_cert, bad_key) = pki.leaf(&other_ca, "intruder", &[], "desk-tls", true);

    let db = temp_db("tls");
    let desk_token = commander(&db, "desk-tls");
    let viewer = token(&db, "viewer-tls", Role::Viewer);
    let server = tls_server(&db, &cert, &key, &ca_pem);
    let url = format!("wss://localhost:{}", server.addr.port());
    let connected = |events: &[ClientEvent]| welcome_name(events).is_some();

    // A token over TLS.
    let trust = ClientTls {
        ca: Some(ca_pem.clone()),
        identity: None,
    };
    let mut c = client(&url, Some(viewer), trust.clone());
    let events = watch(&mut c, connected);
    assert_eq!(
        welcome_name(&events).as_deref(),
        Some("viewer-tls"),
        "{events:?}"
    );
    c.stop();

    // A client certificate alone names its identity.
    let with_cert = ClientTls {
        ca: Some(ca_pem.clone()),
        identity: Some((desk_cert.clone(), desk_key.clone())),
    };
    let mut c = client(&url, None, with_cert.clone());
    let events = watch(&mut c, connected);
    assert_eq!(
        welcome_name(&events).as_deref(),
        Some("desk-tls"),
        "{events:?}"
    );
    c.stop();
    // With the identity's own token as well: they agree.
    let mut c = client(&url, Some(desk_token), with_cert);
    assert!(welcome_name(&watch(&mut c, connected)).is_some());
    c.stop();

    // A certificate from another CA, with the same name, gets nowhere.
    let foreign = ClientTls {
        ca: Some(ca_pem.clone()),
        identity: Some((bad_cert, bad_key)),
    };
    let mut c = client(&url, None, foreign);
    let lost = |events: &[ClientEvent]| {
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::Status(ConnStatus::Disconnected { .. })))
    };
    let events = watch(&mut c, lost);
    assert!(lost(&events), "{events:?}");
    assert!(welcome_name(&events).is_none(), "{events:?}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ClientEvent::Status(ConnStatus::Connected))),
        "{events:?}"
    );
    c.stop();

    // A client that does not trust the server's CA refuses it.
    let mut c = client(
        &url,
        Some("om_x".into()),
        ClientTls {
            ca: Some(pki.dir.join("other-ca.pem")),
            identity: None,
        },
    );
    let events = watch(&mut c, lost);
    let error = events.iter().find_map(|e| match e {
        ClientEvent::Status(ConnStatus::Disconnected { error, .. }) => Some(error.clone()),
        _ => None,
    });
    assert!(error.as_deref().unwrap_or("").contains("TLS"), "{events:?}");
    c.stop();
    server.stop();
}

#[test]
fn the_server_refuses_a_readable_key_and_plain_text_off_loopback() {
    let pki = Pki::new("refuse");
    let (ca, ca_pem) = pki.ca("onemap");
    let (cert, key) = pki.leaf(&ca, "server", &["localhost"], "feed", false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let config = ServerConfig {
            tls: Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
                client_ca: Some(ca_pem),
            }),
            ..ServerConfig::new("127.0.0.1:0".parse().unwrap(), temp_db("key"))
        };
        let err = format!("{:#}", start(config).err().unwrap());
        assert!(
            err.contains("can be read by others") && err.contains("0644"),
            "{err}"
        );
    }
    let config = ServerConfig::new("0.0.0.0:0".parse().unwrap(), temp_db("open"));
    let err = format!("{:#}", start(config).err().unwrap());
    assert!(
        err.contains("without TLS") && err.contains("--insecure"),
        "{err}"
    );
}
