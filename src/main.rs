//! `casesearch`: the command line. See `casesearch --help`.
//!
//! Laid out as ripgrep's binary is: this file parses the flags, sets up logging, runs
//! one command and turns its outcome into an exit status. The flags are in
//! `cli/flags.rs`, each command in its own module under `cli/`, and the pipeline they
//! share with the tests (indexing, the server's reindex wiring, the crawl hand-over) in
//! the library, `src/lib.rs`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

mod cli {
    pub mod eval;
    pub mod extract;
    pub mod flags;
    pub mod import_catalogue;
    pub mod import_pfd;
    pub mod index;
    pub mod ingest;
    pub mod search;
    pub mod serve;
    pub mod themes;
}

use cli::flags::{Cli, Command, LogFormat};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        // lopdf logs what it repairs or gives up on in a file as ERROR lines; the
        // document's own report (extract, ingest) already says what became of it.
        .unwrap_or_else(|_| "info,tantivy=warn,lopdf=off".into());
    // Colour codes only for a person at a terminal, not in a log file or collector.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    match run(cli) {
        Ok(code) => code,
        // A reader that stops early (`casesearch search … | head`) is not a failure.
        Err(err)
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let (corpus, index) = (cli.corpus.as_path(), cli.index.as_path());
    match cli.command {
        Command::Serve(flags) => cli::serve::run(corpus, index, flags),
        Command::Index { full } => cli::index::run(corpus, index, full),
        Command::Search(flags) => cli::search::run(corpus, index, flags),
        Command::Eval(flags) => cli::eval::run(corpus, flags),
        Command::Themes(flags) => cli::themes::run(corpus, flags),
        Command::Extract { file, ocr } => cli::extract::run(corpus, &file, &ocr),
        Command::Ingest(flags) => cli::ingest::run(corpus, flags),
        Command::ImportPfd { file } => cli::import_pfd::run(corpus, &file),
        Command::ImportCatalogue { file } => cli::import_catalogue::run(corpus, &file),
    }
}
