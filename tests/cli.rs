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

#[test]
fn plan_writes_rings_coverage_gaps_and_suggestions() {
    let dir = std::env::temp_dir().join(format!("onemap-plan-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_onemap"))
        .args([
            "plan",
            "--minutes",
            "0.5,1,3,5",
            "--add-posts",
            "2",
            "--out",
        ])
        .arg(&dir)
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("within 0.5 min: roads"), "{stdout}");
    assert!(stdout.contains("2 new posts for 3 min"), "{stdout}");
    // The checkpoint on the cut-off dual carriageway at the extract's edge is reported.
    assert!(stdout.contains("skipped: post P-12"), "{stdout}");

    let rings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("rings.geojson")).expect("rings"))
            .expect("rings are JSON");
    let features = rings["features"].as_array().expect("features");
    assert_eq!(features.len(), 4);
    assert_eq!(features[0]["properties"]["minutes"], 0.5);
    assert!(
        !features[0]["geometry"]["coordinates"]
            .as_array()
            .expect("mp")
            .is_empty()
    );

    // Each post's own rings beside the union, named by the post: every post on the network
    // (P-12 is not), four limits each.
    let own: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("post-rings.geojson")).expect("post rings"),
    )
    .expect("post rings are JSON");
    let own = own["features"].as_array().expect("features");
    let posts: std::collections::BTreeSet<&str> = own
        .iter()
        .filter_map(|f| f["properties"]["post_id"].as_str())
        .collect();
    assert!(
        posts.contains("P-01") && !posts.contains("P-12"),
        "{posts:?}"
    );
    assert_eq!(own.len(), posts.len() * 4);

    let csv = std::fs::read_to_string(dir.join("coverage.csv")).expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 119 + 1, "header, 119 beats, the city");
    assert!(lines[0].starts_with("beat_id,beat_name,road_km,addresses,demand,road_pct_0.5min"));
    assert!(lines[120].starts_with("city,(whole city),"));
    // Shares only grow with the limit.
    let city: Vec<f64> = lines[120]
        .split(',')
        .skip(5)
        .map(|v| v.parse().expect("number"))
        .collect();
    for k in 0..3 {
        assert!(city[k * 3] <= city[(k + 1) * 3], "{city:?}");
    }
    for f in ["gaps.geojson", "summary.txt", "suggested-posts.geojson"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn plan_rejects_bad_thresholds_and_empty_posts() {
    for minutes in ["0", "-1", "1,abc", "90"] {
        let arg = format!("--minutes={minutes}");
        let (ok, stderr) = onemap(&["plan", &arg, "--out", "/tmp/never"]);
        assert!(!ok, "{minutes}");
        assert!(stderr.contains("--minutes"), "{minutes}: {stderr}");
    }
    let empty =
        std::env::temp_dir().join(format!("onemap-empty-posts-{}.geojson", std::process::id()));
    std::fs::write(&empty, r#"{"type":"FeatureCollection","features":[]}"#).expect("write");
    let (ok, stderr) = onemap(&[
        "plan",
        "--posts",
        &empty.display().to_string(),
        "--out",
        "/tmp/never",
    ]);
    assert!(!ok);
    assert!(stderr.contains("no valid posts to plan from"), "{stderr}");
    assert!(stderr.contains(&empty.display().to_string()), "{stderr}");
    let _ = std::fs::remove_file(&empty);
    let (ok, stderr) = onemap(&[
        "plan",
        "--speeds",
        &fixture("not-a-pbf.osm.pbf"),
        "--out",
        "/tmp/never",
    ]);
    assert!(!ok);
    assert!(stderr.contains("not JSON"), "{stderr}");
}

#[test]
fn plan_relocate_places_every_post_afresh_and_beats_the_current_placement() {
    let dir = std::env::temp_dir().join(format!("onemap-relocate-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_onemap"))
        .args(["plan", "--relocate", "--minutes", "3", "--out"])
        .arg(&dir)
        .output()
        .expect("binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let share = |prefix: &str, line_has: &str| -> f64 {
        let line = stdout
            .lines()
            .find(|l| l.contains(line_has))
            .expect(line_has);
        let after = &line[line.find(prefix).expect(prefix) + prefix.len()..];
        after
            .split_whitespace()
            .next()
            .expect("number")
            .parse()
            .expect("share")
    };
    let now = share("cover ", "where they are cover");
    let relocated = share("→ ", "relocated posts");
    assert!(relocated > now, "{relocated} > {now}: {stdout}");
    let suggested: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("suggested-posts.geojson")).expect("file"),
    )
    .expect("JSON");
    assert_eq!(
        suggested["features"].as_array().expect("features").len(),
        13
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn patrol_plans_loops_from_a_hot_spot_file_and_names_a_bad_feature() {
    let dir = std::env::temp_dir().join(format!("onemap-cli-patrol-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Eight hot spots around the town centre, and one with a negative weight.
    let mut features = Vec::new();
    for k in 0..8 {
        let (lon, lat) = (
            13.250 + 0.004 * f64::from(k % 4),
            53.553 + 0.006 * f64::from(k / 4),
        );
        features.push(format!(
            r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[{lon},{lat}]}},"properties":{{"weight":{}}}}}"#,
            k + 1
        ));
    }
    features.push(r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[13.26,53.56]},"properties":{"weight":-2}}"#.into());
    let spots = dir.join("spots.geojson");
    std::fs::write(
        &spots,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let (ok, text) = onemap(&[
        "patrol",
        "--hotspots",
        spots.to_str().unwrap(),
        "--units",
        "2",
        "--lap-min",
        "90",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("skipped") && report.contains("weight"),
        "the bad feature is named: {report}"
    );
    let plan = std::fs::read_to_string(out.join("patrols.geojson")).unwrap();
    let parsed = onemap_core::patrol::file::parse_patrols("patrols.geojson", &plan);
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    assert_eq!(parsed.items.len(), 2, "a loop per unit");
    let stops: usize = parsed.items.iter().map(|r| r.waypoints.len() - 1).sum();
    assert_eq!(
        stops, 8,
        "90-minute laps hold all eight spots between two units"
    );
    assert!(parsed.items.iter().all(|r| r.closed));
    for f in [
        "patrols.gpx",
        "patrols.kml",
        "patrols-roads.geojson",
        "report.md",
    ] {
        assert!(out.join(f).is_file(), "{f} written");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
