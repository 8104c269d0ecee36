//! The audible alert for a new P1: a short two-tone chime, played by the system's sound
//! player (`pw-play`, `paplay` or `aplay`) on a thread of its own so a frame never waits for
//! it; the terminal bell where there is no player. At most one chime per [`MIN_GAP_MS`].

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Chimes closer together than this are one chime.
pub const MIN_GAP_MS: i64 = 3_000;

const RATE: u32 = 22_050;

/// The chime as a 16-bit mono WAV file: 660 Hz then 880 Hz, 0.18 s each, faded.
pub fn chime_wav() -> Vec<u8> {
    let tone = |hz: f32, n: usize| {
        (0..n).map(move |i| {
            let t = i as f32 / RATE as f32;
            let fade = (i.min(n - i) as f32 / 400.0).min(1.0);
            ((t * hz * std::f32::consts::TAU).sin() * fade * 0.4 * f32::from(i16::MAX)) as i16
        })
    };
    let n = (RATE as f32 * 0.18) as usize;
    let samples: Vec<i16> = tone(660.0, n).chain(tone(880.0, n)).collect();
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&RATE.to_le_bytes());
    out.extend_from_slice(&(RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

fn chime_file() -> Option<&'static PathBuf> {
    static FILE: OnceLock<Option<PathBuf>> = OnceLock::new();
    FILE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("onemap-alert-{}.wav", std::process::id()));
        std::fs::write(&path, chime_wav()).ok().map(|()| path)
    })
    .as_ref()
}

/// Play the chime without waiting for it.
pub fn sound() {
    let _ = std::thread::Builder::new()
        .name("alert-sound".into())
        .spawn(|| {
            let played = chime_file().is_some_and(|file| {
                ["pw-play", "paplay", "aplay"].iter().any(|player| {
                    Command::new(player)
                        .arg(file)
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|s| s.success())
                })
            });
            if !played {
                eprint!("\x07");
            }
        });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_chime_is_a_well_formed_wav() {
        let wav = super::chime_wav();
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        let data_len = u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]) as usize;
        assert_eq!(wav.len(), 44 + data_len);
        assert!(wav[44..].iter().any(|&b| b != 0), "not silent");
    }
}
