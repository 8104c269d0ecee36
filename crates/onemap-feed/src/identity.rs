//! Identities: a name, a role and (for devices) its units, with a secret token of which only
//! the SHA-256 hash is kept. They live in the feed's SQLite file (table `identities`), so the
//! `token` tool can add and revoke them while the server runs; the hub re-reads the table
//! when it changes (it asks SQLite's `data_version` every second), and a revoked identity's
//! live sessions are closed then.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use onemap_core::feed::{Principal, Role, UnitId};
use ring::digest::{SHA256, digest};
use ring::rand::{SecureRandom, SystemRandom};
use rusqlite::{Connection, OptionalExtension, params};

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS identities (
     name TEXT PRIMARY KEY, role TEXT NOT NULL, units TEXT NOT NULL DEFAULT '',
     token_hash TEXT UNIQUE, created_ms INTEGER NOT NULL, revoked_ms INTEGER);";

/// Longest identity name; names are what the audit log records.
pub const MAX_NAME_LEN: usize = 64;

/// One identity as listed (never its token).
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityRow {
    pub principal: Principal,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// The SHA-256 of a token, hex: what is stored and looked up.
pub fn token_hash(token: &str) -> String {
    digest(&SHA256, token.trim().as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random token: `om_` and 32 random bytes, base64url.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| anyhow::anyhow!("the system's random number generator failed"))?;
    Ok(format!(
        "om_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

fn check_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    anyhow::ensure!(
        ok,
        "identity name \"{name}\": 1 to {MAX_NAME_LEN} letters, digits, - _ . @"
    );
    Ok(())
}

/// The identities table of one feed file.
pub struct IdentityDb {
    conn: Connection,
    path: PathBuf,
}

impl IdentityDb {
    pub fn open(path: &Path) -> anyhow::Result<IdentityDb> {
        let conn = Connection::open(path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| anyhow::anyhow!("{} is not a usable feed file: {e}", path.display()))?;
        Ok(IdentityDb {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Add an identity and return its token (shown once; only its hash is kept). With
    /// `replace`, an identity of that name is replaced (its old token stops working).
    pub fn create(
        &mut self,
        name: &str,
        role: Role,
        units: &[UnitId],
        now_ms: i64,
        replace: bool,
    ) -> anyhow::Result<String> {
        check_name(name)?;
        anyhow::ensure!(
            units.is_empty() || role == Role::Device,
            "--units is for role device only (a {role} is not limited to units)"
        );
        anyhow::ensure!(
            role != Role::Device || !units.is_empty(),
            "a device needs --units (the units it reports for)"
        );
        let token = new_token()?;
        let units: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
        let exists: Option<Option<i64>> = self
            .conn
            .query_row(
                "SELECT revoked_ms FROM identities WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        match exists {
            Some(_) if replace => {
                self.conn
                    .execute("DELETE FROM identities WHERE name = ?1", [name])?;
            }
            Some(None) => anyhow::bail!(
                "identity \"{name}\" exists in {}; revoke it first (names stay unique in the \
                 audit log, so pick a new one)",
                self.path.display()
            ),
            Some(Some(_)) => anyhow::bail!(
                "identity \"{name}\" was revoked; names stay unique in the audit log, pick a \
                 new one"
            ),
            None => {}
        }
        self.conn.execute(
            "INSERT INTO identities (name, role, units, token_hash, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                name,
                role.name(),
                units.join(","),
                token_hash(&token),
                now_ms
            ],
        )?;
        Ok(token)
    }

    /// Revoke an identity: its token stops working and its live sessions are closed.
    pub fn revoke(&mut self, name: &str, now_ms: i64) -> anyhow::Result<()> {
        let n = self.conn.execute(
            "UPDATE identities SET revoked_ms = ?2, token_hash = NULL
             WHERE name = ?1 AND revoked_ms IS NULL",
            params![name, now_ms],
        )?;
        anyhow::ensure!(
            n == 1,
            "no live identity \"{name}\" in {} (see token list)",
            self.path.display()
        );
        Ok(())
    }

    pub fn list(&self) -> anyhow::Result<Vec<IdentityRow>> {
        Ok(self.rows()?.into_iter().map(|(row, _)| row).collect())
    }

    /// Every identity with its token hash (`None` once revoked).
    fn rows(&self) -> anyhow::Result<Vec<(IdentityRow, Option<String>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT name, role, units, created_ms, revoked_ms, token_hash FROM identities
             ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (name, role, units, created_ms, revoked_ms, hash) = row?;
            let row = IdentityRow {
                principal: principal(&self.path, name, &role, &units)?,
                created_ms,
                revoked_ms,
            };
            out.push((row, hash));
        }
        Ok(out)
    }

    /// SQLite's counter of changes made by other connections (cheap to poll).
    fn data_version(&self) -> anyhow::Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The live identities by token hash.
    fn live(&self) -> anyhow::Result<HashMap<String, Principal>> {
        Ok(self
            .rows()?
            .into_iter()
            .filter(|(row, _)| row.revoked_ms.is_none())
            .filter_map(|(row, hash)| Some((hash?, row.principal)))
            .collect())
    }
}

fn principal(path: &Path, name: String, role: &str, units: &str) -> anyhow::Result<Principal> {
    let role = Role::parse(role)
        .map_err(|e| anyhow::anyhow!("identity \"{name}\" in {}: {e}", path.display()))?;
    Ok(Principal {
        name,
        role,
        units: units
            .split(',')
            .filter(|u| !u.is_empty())
            .map(UnitId::from)
            .collect(),
    })
}

/// What the hub authenticates against: the live identities, re-read when the table changes.
pub struct Identities {
    db: Option<IdentityDb>,
    version: i64,
    by_hash: HashMap<String, Principal>,
}

impl Identities {
    pub fn open(path: &Path) -> anyhow::Result<Identities> {
        let db = IdentityDb::open(path)?;
        let by_hash = db.live()?;
        let version = db.data_version()?;
        Ok(Identities {
            db: Some(db),
            version,
            by_hash,
        })
    }

    /// No identities at all (every credential fails): for hubs in unit tests.
    pub fn none() -> Identities {
        Identities {
            db: None,
            version: 0,
            by_hash: HashMap::new(),
        }
    }

    /// Who holds `token`, if it is live.
    pub fn verify(&self, token: &str) -> Option<&Principal> {
        self.by_hash.get(&token_hash(token))
    }

    /// The live identity called `name` (a client certificate's subject).
    pub fn by_name(&self, name: &str) -> Option<&Principal> {
        self.by_hash.values().find(|p| p.name == name)
    }

    /// Whether the token of this hash is still live and still names `who`.
    pub fn holds(&self, hash: &str, who: &Principal) -> bool {
        self.by_hash.get(hash) == Some(who)
    }

    /// The names of the live identities.
    pub fn names(&self) -> std::collections::HashSet<String> {
        self.by_hash.values().map(|p| p.name.clone()).collect()
    }

    /// Re-read the table if it changed since the last look; `true` if it was re-read.
    pub fn refresh(&mut self) -> anyhow::Result<bool> {
        let Some(db) = &self.db else {
            return Ok(false);
        };
        let version = db.data_version()?;
        if version == self.version {
            return Ok(false);
        }
        self.by_hash = db.live()?;
        self.version = version;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_stored_hashed_and_revocation_is_seen() {
        let path = std::env::temp_dir().join(format!("onemap-ids-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut db = IdentityDb::open(&path).unwrap();
        let token = db.create("desk-1", Role::Commander, &[], 0, false).unwrap();
        assert!(token.starts_with("om_") && token.len() > 40, "{token}");
        let stored: String = db
            .conn
            .query_row("SELECT token_hash FROM identities", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, token_hash(&token));
        assert!(!stored.contains(&token[3..]));
        assert!(db.create("desk-1", Role::Viewer, &[], 0, false).is_err());
        assert!(db.create("car", Role::Device, &[], 0, false).is_err());
        assert!(db.create("bad name", Role::Viewer, &[], 0, false).is_err());

        let mut ids = Identities::open(&path).unwrap();
        assert_eq!(ids.verify(&token).unwrap().role, Role::Commander);
        assert!(ids.verify("om_wrong").is_none());
        // Another connection (the token tool) revokes; the hub's copy sees it.
        let mut tool = IdentityDb::open(&path).unwrap();
        tool.revoke("desk-1", 5).unwrap();
        assert!(tool.revoke("desk-1", 6).is_err(), "revoking twice says so");
        assert!(ids.refresh().unwrap());
        assert!(ids.verify(&token).is_none());
        assert!(!ids.refresh().unwrap(), "nothing changed since");
        let rows = db.list().unwrap();
        assert_eq!(rows[0].revoked_ms, Some(5));
    }
}
