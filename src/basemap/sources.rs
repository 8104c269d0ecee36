//! Tiles a user already has: a folder of `{z}/{x}/{y}.png`, an `.mbtiles` file, a `.pmtiles`
//! file, or an XYZ URL template for an intranet tile server (`--tiles`).
//!
//! Readers return encoded image bytes; decoding happens on the tile worker threads.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context as _, bail};

/// Where the basemap comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TileSourceSpec {
    /// Rendered locally from the OSM data (the default).
    Rendered,
    Folder(PathBuf),
    MbTiles(PathBuf),
    PmTiles(PathBuf),
    /// `http://host/{z}/{x}/{y}.png`
    Url(String),
}

impl TileSourceSpec {
    /// From the `--tiles` argument.
    pub fn parse(arg: &str) -> anyhow::Result<Self> {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            for placeholder in ["{z}", "{x}", "{y}"] {
                if !arg.contains(placeholder) {
                    bail!("tile URL template lacks {placeholder}: {arg}");
                }
            }
            return Ok(Self::Url(arg.to_string()));
        }
        let path = PathBuf::from(arg);
        let lower = arg.to_ascii_lowercase();
        if lower.ends_with(".mbtiles") {
            Ok(Self::MbTiles(path))
        } else if lower.ends_with(".pmtiles") {
            Ok(Self::PmTiles(path))
        } else if path.is_dir() {
            Ok(Self::Folder(path))
        } else {
            bail!(
                "not a tile folder, .mbtiles, .pmtiles or http(s) URL template: {}",
                path.display()
            )
        }
    }
}

/// A source of encoded tile images, safe to call from several worker threads.
pub trait TileReader: Send + Sync {
    /// The encoded image of `z/x/y`, `None` where the source has no such tile.
    fn read(&self, z: u8, x: u32, y: u32) -> anyhow::Result<Option<Vec<u8>>>;
    fn max_zoom(&self) -> u8;
}

pub fn open_reader(spec: &TileSourceSpec) -> anyhow::Result<Box<dyn TileReader>> {
    Ok(match spec {
        TileSourceSpec::Folder(dir) => Box::new(FolderTiles::open(dir)?),
        TileSourceSpec::MbTiles(path) => Box::new(MbTiles::open(path)?),
        TileSourceSpec::PmTiles(path) => Box::new(PmTiles::open(path)?),
        TileSourceSpec::Rendered | TileSourceSpec::Url(_) => {
            bail!("{spec:?} is not read from a local file")
        }
    })
}

// ---------------------------------------------------------------------------------------------

pub struct FolderTiles {
    dir: PathBuf,
    max_zoom: u8,
}

impl FolderTiles {
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let max_zoom = std::fs::read_dir(dir)
            .with_context(|| format!("cannot list tile folder {}", dir.display()))?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u8>().ok())
            .max()
            .with_context(|| {
                format!(
                    "tile folder has no zoom-level subfolders: {}",
                    dir.display()
                )
            })?;
        Ok(Self {
            dir: dir.to_path_buf(),
            max_zoom,
        })
    }
}

impl TileReader for FolderTiles {
    fn read(&self, z: u8, x: u32, y: u32) -> anyhow::Result<Option<Vec<u8>>> {
        for ext in ["png", "jpg", "jpeg", "webp"] {
            let path = self.dir.join(format!("{z}/{x}/{y}.{ext}"));
            match std::fs::read(&path) {
                Ok(bytes) => return Ok(Some(bytes)),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err).with_context(|| path.display().to_string()),
            }
        }
        Ok(None)
    }

    fn max_zoom(&self) -> u8 {
        self.max_zoom
    }
}

// ---------------------------------------------------------------------------------------------

/// MBTiles 1.3: SQLite with `tiles(zoom_level, tile_column, tile_row, tile_data)`, rows in TMS
/// order (y counted from the south).
pub struct MbTiles {
    conn: Mutex<rusqlite::Connection>,
    max_zoom: u8,
}

impl MbTiles {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        if !path.is_file() {
            bail!("no such MBTiles file: {}", path.display());
        }
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open MBTiles {}", path.display()))?;
        let max_zoom: Option<u8> = conn
            .query_row("SELECT MAX(zoom_level) FROM tiles", [], |row| row.get(0))
            .with_context(|| format!("not an MBTiles file (no tiles table): {}", path.display()))?;
        let format: Option<String> = conn
            .query_row(
                "SELECT value FROM metadata WHERE name = 'format'",
                [],
                |r| r.get(0),
            )
            .ok();
        if format.as_deref() == Some("pbf") {
            bail!(
                "vector MBTiles are not supported, give raster tiles: {}",
                path.display()
            );
        }
        Ok(Self {
            conn: Mutex::new(conn),
            max_zoom: max_zoom.unwrap_or(0),
        })
    }
}

impl TileReader for MbTiles {
    fn read(&self, z: u8, x: u32, y: u32) -> anyhow::Result<Option<Vec<u8>>> {
        let tms_y = (1u32 << z) - 1 - y;
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn.prepare_cached(
            "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
        )?;
        let mut rows = stmt.query((z, x, tms_y))?;
        match rows.next()? {
            Some(row) => Ok(Some(row.get(0)?)),
            None => Ok(None),
        }
    }

    fn max_zoom(&self) -> u8 {
        self.max_zoom
    }
}

// ---------------------------------------------------------------------------------------------

/// PMTiles v3, raster tiles, directories uncompressed or gzip.
pub struct PmTiles {
    file: Mutex<File>,
    header: PmHeader,
    root: Vec<PmEntry>,
}

#[derive(Clone, Copy, Debug)]
struct PmHeader {
    leaf_offset: u64,
    data_offset: u64,
    internal_compression: u8,
    tile_compression: u8,
    max_zoom: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PmEntry {
    tile_id: u64,
    offset: u64,
    length: u32,
    run_length: u32,
}

const PM_HEADER_LEN: usize = 127;

impl PmTiles {
    pub fn open(path: &Path) -> anyhow::Result<Self> {
        let mut file =
            File::open(path).with_context(|| format!("cannot open PMTiles {}", path.display()))?;
        let mut h = [0u8; PM_HEADER_LEN];
        file.read_exact(&mut h)
            .with_context(|| format!("PMTiles header truncated: {}", path.display()))?;
        if &h[0..7] != b"PMTiles" || h[7] != 3 {
            bail!("not a PMTiles v3 file: {}", path.display());
        }
        let u64_at = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().unwrap_or([0; 8]));
        let header = PmHeader {
            leaf_offset: u64_at(40),
            data_offset: u64_at(56),
            internal_compression: h[97],
            tile_compression: h[98],
            max_zoom: h[101],
        };
        let tile_type = h[99];
        if tile_type == 1 {
            bail!(
                "vector PMTiles are not supported, give raster tiles: {}",
                path.display()
            );
        }
        let (root_offset, root_len) = (u64_at(8), u64_at(16));
        let reader = Self {
            file: Mutex::new(file),
            header,
            root: Vec::new(),
        };
        let root = reader
            .read_directory(root_offset, root_len)
            .with_context(|| format!("PMTiles root directory unreadable: {}", path.display()))?;
        Ok(Self { root, ..reader })
    }

    fn read_at(&self, offset: u64, len: u64) -> anyhow::Result<Vec<u8>> {
        if len > 64 << 20 {
            bail!("PMTiles section of {len} bytes is implausibly large");
        }
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        file.seek(SeekFrom::Start(offset))?;
        let mut buf = vec![0; len as usize];
        file.read_exact(&mut buf)
            .context("PMTiles file truncated")?;
        Ok(buf)
    }

    fn decompress(&self, bytes: Vec<u8>, compression: u8) -> anyhow::Result<Vec<u8>> {
        match compression {
            0 | 1 => Ok(bytes),
            2 => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out)?;
                Ok(out)
            }
            other => bail!("PMTiles compression {other} is not supported (use none or gzip)"),
        }
    }

    fn read_directory(&self, offset: u64, len: u64) -> anyhow::Result<Vec<PmEntry>> {
        let raw = self.read_at(offset, len)?;
        let bytes = self.decompress(raw, self.header.internal_compression)?;
        parse_directory(&bytes)
    }

    fn find(&self, tile_id: u64) -> anyhow::Result<Option<(u64, u32)>> {
        let mut dir = self.root.clone();
        for _depth in 0..4 {
            let Some(entry) = find_entry(&dir, tile_id) else {
                return Ok(None);
            };
            if entry.run_length == 0 {
                dir = self.read_directory(
                    self.header.leaf_offset + entry.offset,
                    u64::from(entry.length),
                )?;
            } else {
                return Ok(Some((self.header.data_offset + entry.offset, entry.length)));
            }
        }
        bail!("PMTiles directories nest too deep")
    }
}

impl TileReader for PmTiles {
    fn read(&self, z: u8, x: u32, y: u32) -> anyhow::Result<Option<Vec<u8>>> {
        let Some((offset, len)) = self.find(pmtiles_tile_id(z, x, y))? else {
            return Ok(None);
        };
        let bytes = self.read_at(offset, u64::from(len))?;
        self.decompress(bytes, self.header.tile_compression)
            .map(Some)
    }

    fn max_zoom(&self) -> u8 {
        self.header.max_zoom
    }
}

fn read_varint(bytes: &[u8], pos: &mut usize) -> anyhow::Result<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let Some(&b) = bytes.get(*pos) else {
            bail!("PMTiles directory truncated")
        };
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("PMTiles varint too long")
}

fn parse_directory(bytes: &[u8]) -> anyhow::Result<Vec<PmEntry>> {
    let mut pos = 0;
    let n = read_varint(bytes, &mut pos)? as usize;
    if n > bytes.len() {
        bail!(
            "PMTiles directory claims {n} entries in {} bytes",
            bytes.len()
        );
    }
    let mut entries = vec![
        PmEntry {
            tile_id: 0,
            offset: 0,
            length: 0,
            run_length: 0
        };
        n
    ];
    let mut last_id = 0u64;
    for e in entries.iter_mut() {
        last_id += read_varint(bytes, &mut pos)?;
        e.tile_id = last_id;
    }
    for e in entries.iter_mut() {
        e.run_length = read_varint(bytes, &mut pos)? as u32;
    }
    for e in entries.iter_mut() {
        e.length = read_varint(bytes, &mut pos)? as u32;
    }
    for i in 0..n {
        let v = read_varint(bytes, &mut pos)?;
        entries[i].offset = if v == 0 && i > 0 {
            entries[i - 1].offset + u64::from(entries[i - 1].length)
        } else {
            v.saturating_sub(1)
        };
    }
    Ok(entries)
}

fn find_entry(entries: &[PmEntry], tile_id: u64) -> Option<PmEntry> {
    let i = entries
        .partition_point(|e| e.tile_id <= tile_id)
        .checked_sub(1)?;
    let e = entries[i];
    if e.run_length == 0 || tile_id < e.tile_id + u64::from(e.run_length) {
        Some(e)
    } else {
        None
    }
}

/// PMTiles tile id: tiles of lower zooms first, then the Hilbert index within the zoom.
pub fn pmtiles_tile_id(z: u8, x: u32, y: u32) -> u64 {
    let base = ((1u64 << (2 * u32::from(z))) - 1) / 3;
    let n = 1u64 << z;
    let (mut x, mut y) = (u64::from(x), u64::from(y));
    let mut d = 0u64;
    let mut s = n / 2;
    while s > 0 {
        let rx = u64::from(x & s > 0);
        let ry = u64::from(y & s > 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    base + d
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn pmtiles_ids_match_the_spec() {
        // Values from the PMTiles v3 specification's examples.
        assert_eq!(pmtiles_tile_id(0, 0, 0), 0);
        assert_eq!(pmtiles_tile_id(1, 0, 0), 1);
        assert_eq!(pmtiles_tile_id(1, 0, 1), 2);
        assert_eq!(pmtiles_tile_id(1, 1, 1), 3);
        assert_eq!(pmtiles_tile_id(1, 1, 0), 4);
        assert_eq!(pmtiles_tile_id(2, 0, 0), 5);
        assert_eq!(pmtiles_tile_id(12, 3423, 1763), 19_078_479);
    }

    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }

    /// A minimal PMTiles v3 file with the given tiles (uncompressed directory).
    type TestTile = ((u8, u32, u32), Vec<u8>);

    pub(crate) fn write_pmtiles(path: &Path, tiles: &[TestTile]) {
        let mut entries: Vec<(u64, &Vec<u8>)> = tiles
            .iter()
            .map(|((z, x, y), d)| (pmtiles_tile_id(*z, *x, *y), d))
            .collect();
        entries.sort_by_key(|e| e.0);
        let mut dir = Vec::new();
        varint(entries.len() as u64, &mut dir);
        let mut last = 0;
        for (id, _) in &entries {
            varint(id - last, &mut dir);
            last = *id;
        }
        for _ in &entries {
            varint(1, &mut dir);
        }
        for (_, d) in &entries {
            varint(d.len() as u64, &mut dir);
        }
        let mut offset = 0u64;
        for (_, d) in &entries {
            varint(offset + 1, &mut dir);
            offset += d.len() as u64;
        }
        let mut h = vec![0u8; PM_HEADER_LEN];
        h[0..7].copy_from_slice(b"PMTiles");
        h[7] = 3;
        let root_off = PM_HEADER_LEN as u64;
        let data_off = root_off + dir.len() as u64;
        h[8..16].copy_from_slice(&root_off.to_le_bytes());
        h[16..24].copy_from_slice(&(dir.len() as u64).to_le_bytes());
        h[56..64].copy_from_slice(&data_off.to_le_bytes());
        h[97] = 1;
        h[98] = 1;
        h[99] = 2; // png
        h[101] = tiles.iter().map(|t| t.0.0).max().unwrap_or(0);
        let mut file = h;
        file.extend_from_slice(&dir);
        for (_, d) in &entries {
            file.extend_from_slice(d);
        }
        std::fs::write(path, file).unwrap();
    }

    #[test]
    fn pmtiles_round_trip() {
        let dir = std::env::temp_dir().join(format!("onemap-pm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.pmtiles");
        write_pmtiles(
            &path,
            &[
                ((3, 4, 2), b"four-two".to_vec()),
                ((3, 5, 2), b"five".to_vec()),
            ],
        );
        let pm = PmTiles::open(&path).unwrap();
        assert_eq!(pm.read(3, 4, 2).unwrap().as_deref(), Some(&b"four-two"[..]));
        assert_eq!(pm.read(3, 5, 2).unwrap().as_deref(), Some(&b"five"[..]));
        assert_eq!(pm.read(3, 6, 2).unwrap(), None);
        assert_eq!(pm.max_zoom(), 3);

        std::fs::write(dir.join("bad.pmtiles"), b"PMTiles\x02 nope").unwrap();
        let err = PmTiles::open(&dir.join("bad.pmtiles")).err().unwrap();
        assert!(format!("{err:#}").contains("bad.pmtiles"), "{err:#}");
    }

    #[test]
    fn mbtiles_flip_rows_and_reject_non_sqlite() {
        let dir = std::env::temp_dir().join(format!("onemap-mb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.mbtiles");
        let _ = std::fs::remove_file(&path);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             INSERT INTO metadata VALUES ('format', 'png');
             INSERT INTO tiles VALUES (2, 1, 3, X'01020304');", // TMS row 3 = XYZ y 0
        )
        .unwrap();
        drop(conn);
        let mb = MbTiles::open(&path).unwrap();
        assert_eq!(mb.read(2, 1, 0).unwrap(), Some(vec![1, 2, 3, 4]));
        assert_eq!(mb.read(2, 1, 3).unwrap(), None);

        std::fs::write(dir.join("junk.mbtiles"), b"this is not sqlite").unwrap();
        let err = MbTiles::open(&dir.join("junk.mbtiles")).err().unwrap();
        assert!(format!("{err:#}").contains("junk.mbtiles"), "{err:#}");
    }

    #[test]
    fn spec_parsing() {
        assert!(matches!(
            TileSourceSpec::parse("x.mbtiles"),
            Ok(TileSourceSpec::MbTiles(_))
        ));
        assert!(matches!(
            TileSourceSpec::parse("x.PMTiles"),
            Ok(TileSourceSpec::PmTiles(_))
        ));
        assert!(TileSourceSpec::parse("http://tiles.local/{z}/{x}.png").is_err());
        assert!(matches!(
            TileSourceSpec::parse("http://tiles.local/{z}/{x}/{y}.png"),
            Ok(TileSourceSpec::Url(_))
        ));
        assert!(TileSourceSpec::parse("/definitely/not/here").is_err());
    }
}
