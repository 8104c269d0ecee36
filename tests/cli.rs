//! The `onemap` binary on bad input: a clear message naming the file, a non-zero exit, no
//! panic, and no window opened.

#![allow(clippy::expect_used)] // test helper: a failure here is a test failure

use std::process::Command;

fn onemap(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_onemap"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn bad_extracts_are_clear_errors() {
    for (file, reason) in [
        ("empty.osm.pbf", "the file is empty"),
        ("not-a-pbf.osm.pbf", "not a readable OpenStreetMap PBF file"),
        ("truncated.osm.pbf", "not a readable OpenStreetMap PBF file"),
        (
            "does-not-exist.osm.pbf",
            "cannot read OpenStreetMap extract",
        ),
    ] {
        let path = fixture(file);
        let (ok, stderr) = onemap(&["--osm", &path]);
        assert!(!ok, "{file} must fail");
        assert!(stderr.contains(reason), "{file}: {stderr}");
        assert!(stderr.contains(file), "{file}: the path is named: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
    }
}

#[test]
fn bad_tile_sources_are_clear_errors() {
    let junk = fixture("not-a-pbf.osm.pbf");
    let (ok, stderr) = onemap(&["--tiles", "/nowhere/tiles.mbtiles"]);
    assert!(!ok);
    assert!(stderr.contains("/nowhere/tiles.mbtiles"), "{stderr}");
    let (ok, stderr) = onemap(&["--tiles", &junk]);
    assert!(!ok);
    assert!(stderr.contains("not a tile folder"), "{stderr}");
}
