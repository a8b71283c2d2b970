//! The pages in a real browser: `tests/browser/check.mjs` drives headless chromium
//! (puppeteer-core, with axe-core) against the server started here on 127.0.0.1 over
//! the bundled corpus. It checks accessibility at 1366 and 390 px, sideways scrolling,
//! the first hit on a phone, the skip link, the way back from a record and the landing
//! of snippet labels, and writes screenshots.
//!
//! Without chromium, node or `tests/browser/node_modules` (`npm ci` there) the test says
//! so and passes, unless `CASESEARCH_REQUIRE_BROWSER=1` (as in `.ci/run`), when it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::fixture::engine;

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path)).filter(|path| path.exists());
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
}

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_pass_the_real_browser_checks() {
    let required = std::env::var("CASESEARCH_REQUIRE_BROWSER").is_ok_and(|value| value == "1");
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let missing: Vec<&str> = [
        (
            chromium().is_none(),
            "chromium (apt-get install chromium, or set CHROMIUM)",
        ),
        (!node_available(), "node"),
        (
            !browser_dir.join("node_modules/puppeteer-core").exists(),
            "tests/browser/node_modules (run `npm ci` in tests/browser)",
        ),
    ]
    .into_iter()
    .filter_map(|(absent, what)| absent.then_some(what))
    .collect();
    if !missing.is_empty() {
        assert!(
            !required,
            "CASESEARCH_REQUIRE_BROWSER=1 but missing: {}",
            missing.join(", ")
        );
        eprintln!(
            "SKIPPED the real-browser checks: missing {}",
            missing.join(", ")
        );
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    let app = casesearch_server::app(casesearch_server::AppState::new(engine()));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let chromium = chromium().expect("checked above");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(browser_dir.join("check.mjs"))
            .arg(format!("http://{address}"))
            .arg(&shots)
            .env("CHROMIUM", chromium)
            .output()
    })
    .await
    .expect("joined")
    .expect("node runs");
    server.abort();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
}
