//! The prepared city: what importing an extract produces (the city, its road graph, its sample
//! layers), kept on disk as compact binary files so a second start reads them instead of
//! importing again.
//!
//! One file per part, each `{stem}-{extract hash}.{part}` in the cache folder:
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `ONEMAP` + part tag (`hd` head, `ci` city, `gr` graph, `ly` layers) |
//! | 4 | [`FORMAT`], little endian: bump when any cached type changes |
//! | 8 | xxh3 of the extract the file was made from |
//! | 8 | payload length |
//! | 8 | xxh3 of the payload |
//! | … | payload: the value in [postcard](https://docs.rs/postcard) |
//!
//! Read in one pass, decoded as it is read and checked against its checksum, so a truncated,
//! corrupted or stale file is a [`CacheProblem`] naming the file and the reason, and the caller rebuilds it.
//! Written through a temporary file and a rename, streaming (the payload is never held twice).

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

/// Bump when a cached type (the city model, the road graph, the layers) changes shape.
pub const FORMAT: u32 = 5;

const HEADER: usize = 8 + 4 + 8 + 8 + 8;

/// One cached part of a city.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// What the window needs before the city's data: its box, name and figures (small).
    Head,
    City,
    Graph,
    Layers,
}

impl Part {
    fn magic(self) -> [u8; 8] {
        let tag = match self {
            Part::Head => *b"hd",
            Part::City => *b"ci",
            Part::Graph => *b"gr",
            Part::Layers => *b"ly",
        };
        let mut m = *b"ONEMAP\0\0";
        m[6..].copy_from_slice(&tag);
        m
    }

    fn extension(self) -> &'static str {
        match self {
            Part::Head => "head",
            Part::City => "city",
            Part::Graph => "graph",
            Part::Layers => "layers",
        }
    }
}

/// Why a cache file was not used.
#[derive(Debug, PartialEq, Eq)]
pub enum CacheProblem {
    /// No file yet: the first start.
    Missing,
    /// Made by another format version or from another extract.
    Stale { file: PathBuf, reason: String },
    /// Unreadable, truncated or damaged.
    Corrupt { file: PathBuf, reason: String },
}

impl std::fmt::Display for CacheProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheProblem::Missing => f.write_str("no cache yet"),
            CacheProblem::Stale { file, reason } => {
                write!(f, "the cache {} is stale: {reason}", file.display())
            }
            CacheProblem::Corrupt { file, reason } => {
                write!(f, "the cache {} is corrupt: {reason}", file.display())
            }
        }
    }
}

/// Where the parts of one extract live.
#[derive(Clone, Debug)]
pub struct CityCache {
    pub dir: PathBuf,
    pub stem: String,
    /// xxh3 of the extract's bytes.
    pub source: u64,
}

impl CityCache {
    pub fn path(&self, part: Part) -> PathBuf {
        self.dir.join(format!(
            "{}-{:016x}.{}",
            self.stem,
            self.source,
            part.extension()
        ))
    }

    /// The part, if a valid file for this extract and format is there.
    pub fn read<T: DeserializeOwned>(&self, part: Part) -> Result<T, CacheProblem> {
        read_file(&self.path(part), part, self.source)
    }

    /// Write the part (atomically); returns the file's size in bytes.
    pub fn write<T: Serialize>(&self, part: Part, value: &T) -> anyhow::Result<u64> {
        write_file(&self.path(part), part, self.source, value)
    }
}

/// The default cache folder: `$XDG_CACHE_HOME/onemap`, else `~/.cache/onemap`, else the system's
/// temporary folder.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("onemap");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(home).join(".cache").join("onemap");
    }
    std::env::temp_dir().join("onemap-cache")
}

pub fn source_hash(bytes: &[u8]) -> u64 {
    xxh3_64(bytes)
}

fn read_file<T: DeserializeOwned>(path: &Path, part: Part, source: u64) -> Result<T, CacheProblem> {
    let corrupt = |reason: String| CacheProblem::Corrupt {
        file: path.to_path_buf(),
        reason,
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CacheProblem::Missing),
        Err(e) => return Err(corrupt(format!("cannot open: {e}"))),
    };
    let size = file
        .metadata()
        .map_err(|e| corrupt(format!("cannot read: {e}")))?
        .len();
    let mut reader = HashingReader::new(file);
    let mut header = [0u8; HEADER];
    if size < HEADER as u64 || reader.read_exact(&mut header).is_err() {
        return Err(corrupt(format!("{size} bytes, shorter than its header")));
    }
    let u32_at = |at: usize| u32::from_le_bytes(header[at..at + 4].try_into().unwrap_or_default());
    let u64_at = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().unwrap_or_default());
    if header[..8] != part.magic() {
        return Err(corrupt(format!("not a OneMap {} cache", part.extension())));
    }
    let format = u32_at(8);
    if format != FORMAT {
        return Err(CacheProblem::Stale {
            file: path.to_path_buf(),
            reason: format!("format {format}, this build reads {FORMAT}"),
        });
    }
    if u64_at(12) != source {
        return Err(CacheProblem::Stale {
            file: path.to_path_buf(),
            reason: "made from another extract".into(),
        });
    }
    let (len, sum) = (u64_at(20), u64_at(28));
    if size - HEADER as u64 != len {
        return Err(corrupt(format!(
            "payload of {} bytes, the header says {len}",
            size - HEADER as u64
        )));
    }
    // Decoded as it is read (the file is never held whole beside the value), hashed on the way;
    // a value whose bytes do not match the checksum is dropped.
    reader.restart_hash();
    let mut scratch = vec![0u8; 1 << 20];
    let decoded = postcard::from_io::<T, _>((&mut reader, &mut scratch))
        .map(|(value, _)| value)
        .map_err(|e| corrupt(format!("cannot decode: {e}")));
    let rest = std::io::copy(&mut reader, &mut std::io::sink()).unwrap_or(0);
    if reader.digest() != sum {
        return Err(corrupt("checksum mismatch".into()));
    }
    if rest != 0 {
        return Err(corrupt(format!("{rest} bytes after the value")));
    }
    decoded
}

/// A buffered reader that hashes every block it reads from the file.
struct HashingReader {
    file: File,
    buf: Vec<u8>,
    at: usize,
    end: usize,
    hash: Xxh3,
}

impl HashingReader {
    fn new(file: File) -> Self {
        Self {
            file,
            buf: vec![0; 1 << 20],
            at: 0,
            end: 0,
            hash: Xxh3::new(),
        }
    }

    /// Hash from the next unread byte on.
    fn restart_hash(&mut self) {
        self.hash = Xxh3::new();
        self.hash.update(&self.buf[self.at..self.end]);
    }

    fn digest(&self) -> u64 {
        self.hash.digest()
    }
}

impl Read for HashingReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.end {
            self.end = self.file.read(&mut self.buf)?;
            self.at = 0;
            self.hash.update(&self.buf[..self.end]);
        }
        let n = out.len().min(self.end - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Where process `pid` writes `path` before renaming it into place.
fn temporary(path: &Path, pid: u32) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp{pid}"));
    path.with_file_name(name)
}

/// A writer killed half-way leaves its temporary file: remove those of `path` older than an hour
/// (a live writer's is younger), so they never pile up.
fn remove_stale_temporaries(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let prefix = format!("{}.tmp", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(3600));
        if stale && entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Counts and hashes what passes through.
struct Hashing<W> {
    inner: W,
    hash: Xxh3,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn write_file<T: Serialize>(
    path: &Path,
    part: Part,
    source: u64,
    value: &T,
) -> anyhow::Result<u64> {
    use anyhow::Context as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    remove_stale_temporaries(path);
    let tmp = temporary(path, std::process::id());
    let result = (|| -> anyhow::Result<u64> {
        let mut file = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        file.write_all(&part.magic())?;
        file.write_all(&FORMAT.to_le_bytes())?;
        file.write_all(&source.to_le_bytes())?;
        file.write_all(&[0u8; 16])?; // length and checksum, filled in below
        let mut hashing = Hashing {
            inner: file,
            hash: Xxh3::new(),
            len: 0,
        };
        postcard::to_io(value, &mut hashing)?;
        let (mut file, len, sum) = (hashing.inner, hashing.len, hashing.hash.digest());
        file.seek(SeekFrom::Start(20))?;
        file.write_all(&len.to_le_bytes())?;
        file.write_all(&sum.to_le_bytes())?;
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(len + HEADER as u64)
    })();
    match result {
        Ok(size) => {
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot replace {}", path.display()))?;
            Ok(size)
        }
        Err(err) => {
            let _ = std::fs::remove_file(&tmp);
            Err(err.context(format!("cannot write the cache {}", path.display())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path) -> CityCache {
        CityCache {
            dir: dir.to_path_buf(),
            stem: "t".into(),
            source: 42,
        }
    }

    #[test]
    fn round_trip_and_every_kind_of_damage_is_named() {
        let dir = std::env::temp_dir().join(format!("onemap-prepared-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = cache(&dir);
        assert_eq!(c.read::<Vec<u32>>(Part::Layers), Err(CacheProblem::Missing));
        let value: Vec<u32> = (0..10_000).collect();
        let size = c.write(Part::Layers, &value).unwrap();
        assert_eq!(size, std::fs::metadata(c.path(Part::Layers)).unwrap().len());
        assert_eq!(c.read::<Vec<u32>>(Part::Layers).unwrap(), value);

        // Another extract: stale.
        let other = CityCache {
            source: 43,
            ..c.clone()
        };
        std::fs::copy(c.path(Part::Layers), other.path(Part::Layers)).unwrap();
        let err = other.read::<Vec<u32>>(Part::Layers).unwrap_err();
        assert!(err.to_string().contains("another extract"), "{err}");

        // A flipped byte in the payload, a cut file, a wrong part: corrupt.
        let path = c.path(Part::Layers);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[HEADER + 100] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let err = c.read::<Vec<u32>>(Part::Layers).unwrap_err();
        assert!(err.to_string().contains("checksum mismatch"), "{err}");
        assert!(
            err.to_string().contains("t-000000000000002a.layers"),
            "{err}"
        );
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = c.read::<Vec<u32>>(Part::Layers).unwrap_err();
        assert!(err.to_string().contains("the header says"), "{err}");
        std::fs::write(&path, b"short").unwrap();
        assert!(matches!(
            c.read::<Vec<u32>>(Part::Layers),
            Err(CacheProblem::Corrupt { .. })
        ));
        std::fs::copy(c.path(Part::Layers), c.path(Part::Graph)).unwrap();
        c.write(Part::Layers, &value).unwrap();
        std::fs::copy(c.path(Part::Layers), c.path(Part::Graph)).unwrap();
        let err = c.read::<Vec<u32>>(Part::Graph).unwrap_err();
        assert!(
            err.to_string().contains("not a OneMap graph cache"),
            "{err}"
        );

        // Another format version: stale.
        let mut bytes = std::fs::read(c.path(Part::Layers)).unwrap();
        bytes[8..12].copy_from_slice(&(FORMAT + 1).to_le_bytes());
        std::fs::write(c.path(Part::Layers), &bytes).unwrap();
        let err = c.read::<Vec<u32>>(Part::Layers).unwrap_err();
        assert!(matches!(err, CacheProblem::Stale { .. }), "{err}");

        // A killed writer's temporary file is removed once it is old, a fresh one is kept.
        let old = temporary(&c.path(Part::Graph), 1);
        let fresh = temporary(&c.path(Part::Graph), 2);
        std::fs::write(&old, b"half").unwrap();
        std::fs::write(&fresh, b"half").unwrap();
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
        File::options()
            .write(true)
            .open(&old)
            .and_then(|f| f.set_modified(hour_ago))
            .unwrap();
        c.write(Part::Graph, &value).unwrap();
        assert!(!old.exists() && fresh.exists());
        assert_eq!(c.read::<Vec<u32>>(Part::Graph).unwrap(), value);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
