//! `onemap`: the console, and its headless subcommands. Thin: parse the command line and hand
//! over to [`cli`].

mod cli;

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

fn main() -> ExitCode {
    let started = Instant::now();
    match cli::run(cli::Cli::parse(), started) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("onemap: {err:#}");
            ExitCode::FAILURE
        }
    }
}
