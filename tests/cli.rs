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

#[test]
fn check_layers_lists_every_problem_and_fails() {
    let out = Command::new(env!("CARGO_BIN_EXE_onemap"))
        .args(["check-layers", &fixture("bad-layers")])
        .output()
        .expect("binary runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("beats.geojson: feature 1 (id B-2): ring 0 is not closed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cameras.geojson: feature 4 (id C-5): \"range_m\" 5000 is out of range"),
        "{stdout}"
    );
    assert!(stdout.contains("posts.geojson: not valid JSON"), "{stdout}");
    assert!(
        stdout.contains("stations.geojson: feature 1 (id XX-01): \"kind\" is \"embassy\""),
        "{stdout}"
    );
    assert!(stdout.contains("10 problem(s)"), "{stdout}");
}

#[test]
fn check_layers_passes_on_the_demo_layers_and_demo_layers_regenerates_them_identically() {
    let layers = format!("{}/layers", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_onemap"))
        .args(["check-layers", &layers])
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let dir = std::env::temp_dir().join(format!("onemap-demo-layers-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_onemap"))
        .args(["demo-layers", "--out"])
        .arg(&dir)
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["beats", "cameras", "posts", "stations"] {
        let committed =
            std::fs::read_to_string(format!("{layers}/{f}.geojson")).expect("committed");
        let fresh = std::fs::read_to_string(dir.join(format!("{f}.geojson"))).expect("generated");
        assert!(
            committed == fresh,
            "layers/{f}.geojson is what demo-layers generates"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
