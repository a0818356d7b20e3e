//! The `outsidein` command line: parses flags into a configuration, runs
//! one job, and maps the outcome to an exit code (see the README).

mod cli;

fn main() {
    std::process::exit(cli::run());
}
