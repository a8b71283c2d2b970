//! A partnership website served by the test itself on 127.0.0.1.
//!
//! The PDFs are real, from `testdata/pdf` (vendored from `../shared`; see the SOURCES.md there). The
//! listing page, the small review page and the HTML learning brief are written here,
//! because no real partnership pages are in the test data; they follow the shape such
//! pages have (a heading per review, links to the report PDF and the brief). How well
//! real pages' main text is extracted is `casesearch-html`'s test.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Response, StatusCode, Uri};
use axum::Router;

pub const REVIEW_PDF: &str = "libreoffice__002-trivial-libre-office-writer.pdf";
pub const CHANGING_PDF_V1: &str = "tex__crazyones.pdf";
pub const CHANGING_PDF_V2: &str = "tex__vertical.pdf";
pub const PDF_SERVED_AS_HTML: &str = "font__Type3WordSpacing.pdf";
pub const FLAKY_PDF: &str = "distiller__rotation.pdf";
pub const RECOVERING_PDF: &str = "font__sampleOneByteIdentityEncode.pdf";
pub const MOVED_PDF: &str = "indesign__issue20453.pdf";
/// Bodies past this are refused by the crawler in these tests.
pub const BODY_LIMIT: usize = 256 * 1024;

pub fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

pub fn pdf(name: &str) -> Vec<u8> {
    std::fs::read(testdata().join("pdf").join(name)).expect("test PDF")
}

/// What the site saw, for assertions.
#[derive(Default)]
pub struct SiteLog {
    hits: Mutex<HashMap<String, usize>>,
    pub user_agents: Mutex<Vec<String>>,
    pub conditional_requests: AtomicUsize,
    in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    /// Flipped between runs: the "changing" PDF then serves its second version.
    pub changed: AtomicBool,
}

impl SiteLog {
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("log")
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    fn hit(&self, path: &str) -> usize {
        let mut hits = self.hits.lock().expect("log");
        let count = hits.entry(path.to_owned()).or_default();
        *count += 1;
        *count
    }
}

pub struct FixtureSite {
    pub base: String,
    pub log: Arc<SiteLog>,
    /// A port nothing listens on: the "unreachable host".
    pub closed_port: u16,
}

const LISTING_ETAG: &str = "\"listing-v1\"";
const REVIEW_PDF_ETAG: &str = "\"child-q-v1\"";
const COPY_LAST_MODIFIED: &str = "Tue, 01 Mar 2022 10:00:00 GMT";

pub async fn start() -> FixtureSite {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let log = Arc::new(SiteLog::default());
    let site = Site {
        log: Arc::clone(&log),
        closed_port,
    };
    let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let site = site.clone();
        async move { site.serve(uri, headers).await }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FixtureSite {
        base,
        log,
        closed_port,
    }
}

#[derive(Clone)]
struct Site {
    log: Arc<SiteLog>,
    closed_port: u16,
}

impl Site {
    async fn serve(&self, uri: Uri, headers: HeaderMap) -> Response<Body> {
        let path = uri.path().to_owned();
        let count = self.log.hit(&path);
        if let Some(agent) = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
        {
            self.log
                .user_agents
                .lock()
                .expect("log")
                .push(agent.to_owned());
        }
        if headers.contains_key(header::IF_NONE_MATCH)
            || headers.contains_key(header::IF_MODIFIED_SINCE)
        {
            self.log.conditional_requests.fetch_add(1, Ordering::SeqCst);
        }
        // The slow route is left out: the client gives up on it, and whether the server
        // notices at once is the server's business, not the crawler's politeness.
        if path == "/files/slow.pdf" {
            tokio::time::sleep(Duration::from_secs(5)).await;
            return bytes(StatusCode::OK, "application/pdf", pdf(REVIEW_PDF));
        }
        let now = self.log.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.log.max_in_flight.fetch_max(now, Ordering::SeqCst);
        // A little work per request, so overlapping requests would be seen.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let response = self.route(&path, count, &headers);
        self.log.in_flight.fetch_sub(1, Ordering::SeqCst);
        response
    }

    fn route(&self, path: &str, count: usize, headers: &HeaderMap) -> Response<Body> {
        let if_none_match = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok());
        let if_modified_since = headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok());
        match path {
            "/robots.txt" => text(
                StatusCode::OK,
                "text/plain",
                "User-agent: *\nDisallow: /private/\n",
            ),
            "/case-reviews" => {
                if if_none_match == Some(LISTING_ETAG) {
                    return empty(StatusCode::NOT_MODIFIED);
                }
                let mut response = text(StatusCode::OK, "text/html", &self.listing_page());
                response
                    .headers_mut()
                    .insert(header::ETAG, LISTING_ETAG.parse().expect("etag"));
                response
            }
            "/reviews/child-q" => text(StatusCode::OK, "text/html", CHILD_Q_PAGE),
            "/reviews/baby-a-learning-brief" => text(StatusCode::OK, "text/html", BRIEF_PAGE),
            "/files/child-q-overview-report.pdf" => {
                if if_none_match == Some(REVIEW_PDF_ETAG) {
                    return empty(StatusCode::NOT_MODIFIED);
                }
                let mut response = bytes(StatusCode::OK, "application/pdf", pdf(REVIEW_PDF));
                response
                    .headers_mut()
                    .insert(header::ETAG, REVIEW_PDF_ETAG.parse().expect("etag"));
                response
            }
            // The same file under a second address, validated by date only.
            "/media/2022/child-q-report-copy.pdf" => {
                if if_modified_since == Some(COPY_LAST_MODIFIED) {
                    return empty(StatusCode::NOT_MODIFIED);
                }
                let mut response = bytes(StatusCode::OK, "application/pdf", pdf(REVIEW_PDF));
                response.headers_mut().insert(
                    header::LAST_MODIFIED,
                    COPY_LAST_MODIFIED.parse().expect("date"),
                );
                response
            }
            "/private/child-r-draft.pdf" => {
                bytes(StatusCode::OK, "application/pdf", pdf(REVIEW_PDF))
            }
            "/files/flaky.pdf" if count == 1 => {
                let mut response = empty(StatusCode::TOO_MANY_REQUESTS);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, "0".parse().expect("retry-after"));
                response
            }
            "/files/flaky.pdf" => bytes(StatusCode::OK, "application/pdf", pdf(FLAKY_PDF)),
            "/files/always-500.pdf" => empty(StatusCode::INTERNAL_SERVER_ERROR),
            "/files/recovers-after-500.pdf" if count == 1 => empty(StatusCode::SERVICE_UNAVAILABLE),
            "/files/recovers-after-500.pdf" => {
                bytes(StatusCode::OK, "application/pdf", pdf(RECOVERING_PDF))
            }
            // Same machine, another host name: not on the source's list.
            "/go-elsewhere.pdf" => redirect("http://localhost/files/elsewhere.pdf"),
            // Same host, another port: another origin (issue 17's SSRF).
            "/go-other-port.pdf" => redirect(&format!(
                "http://127.0.0.1:{}/files/internal.pdf",
                self.closed_port
            )),
            "/loop/a" => redirect("/loop/b"),
            "/loop/b" => redirect("/loop/a"),
            "/old/child-s-report.pdf" => redirect("/files/child-s-report.pdf"),
            "/files/child-s-report.pdf" => bytes(StatusCode::OK, "application/pdf", pdf(MOVED_PDF)),
            "/files/huge.pdf" => {
                let mut body = b"%PDF-1.4\n".to_vec();
                body.resize(BODY_LIMIT + 1, b'x');
                bytes(StatusCode::OK, "application/pdf", body)
            }
            // Mislabelled: a real PDF sent as text/html.
            "/files/served-as-html" => bytes(StatusCode::OK, "text/html", pdf(PDF_SERVED_AS_HTML)),
            "/files/changing.pdf" => {
                let version = if self.log.changed.load(Ordering::SeqCst) {
                    CHANGING_PDF_V2
                } else {
                    CHANGING_PDF_V1
                };
                bytes(StatusCode::OK, "application/pdf", pdf(version))
            }
            _ => empty(StatusCode::NOT_FOUND),
        }
    }

    fn listing_page(&self) -> String {
        LISTING_PAGE.replace("{closed_port}", &self.closed_port.to_string())
    }
}

fn text(status: StatusCode, content_type: &str, body: &str) -> Response<Body> {
    bytes(status, content_type, body.as_bytes().to_vec())
}

fn bytes(status: StatusCode, content_type: &str, body: Vec<u8>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("response")
}

fn empty(status: StatusCode) -> Response<Body> {
    Response::builder()
        .status(status)
        .body(Body::empty())
        .expect("response")
}

fn redirect(to: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::FOUND)
        .header(header::LOCATION, to)
        .body(Body::empty())
        .expect("response")
}

/// Written for the test (no real listing page is in the test data); shaped like a
/// partnership's "case reviews" page.
const LISTING_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><title>Case reviews | Example Safeguarding Children Partnership</title></head>
<body>
<header><nav><a href="/">Home</a> <a href="/reviews/about-reviews">About case reviews</a></nav></header>
<main id="main-content">
<h1>Case reviews</h1>
<h2>Child Q: Local Child Safeguarding Practice Review</h2>
<p>Published 3 March 2022.</p>
<ul>
  <li><a href="/files/child-q-overview-report.pdf">Overview report (PDF, 12KB)</a></li>
  <li><a href="/media/2022/child-q-report-copy.pdf">Download</a></li>
  <li><a href="/reviews/child-q">Child Q: what we learned</a></li>
  <li><a href="/files/child-q-overview-report.pdf#page=2">Overview report, page 2</a></li>
</ul>
<h2>Baby A: learning brief</h2>
<p><a href="/reviews/baby-a-learning-brief">Baby A learning brief</a> (July 2021)</p>
<h2>Child R: Serious Case Review (draft)</h2>
<p><a href="/private/child-r-draft.pdf">Draft report (PDF)</a></p>
<h2>Older reviews</h2>
<ul>
  <li><a href="/files/missing.pdf">Child T serious case review (PDF)</a> 12/05/2016</li>
  <li><a href="/files/flaky.pdf">Child U (PDF)</a></li>
  <li><a href="/files/always-500.pdf">Child V (PDF)</a></li>
  <li><a href="/files/recovers-after-500.pdf">Child W (PDF)</a></li>
  <li><a href="/loop/a" download>Child X report</a></li>
  <li><a href="/old/child-s-report.pdf">Child S serious case review</a></li>
  <li><a href="/files/huge.pdf">Child Y (PDF)</a></li>
  <li><a href="/files/served-as-html">Download Child Z thematic review</a></li>
  <li><a href="/files/slow.pdf">Child B1 (PDF)</a></li>
  <li><a href="/files/changing.pdf">Children C and D joint review (PDF)</a></li>
  <li><a href="http://127.0.0.1:{closed_port}/files/archived.pdf">Child E (PDF, archive server)</a></li>
  <li><a href="https://elsewhere.example/not-ours.pdf">A review on another site (PDF)</a></li>
</ul>
</main>
<footer><a href="/files/privacy-notice.pdf">Privacy notice (PDF)</a></footer>
</body></html>
"#;

/// Written for the test: an HTML learning brief, the whole review as a web page.
pub const BRIEF_PAGE: &str = r#"<!DOCTYPE html><html><head><title>Baby A learning brief</title></head>
<body><nav><a href="/">Home</a></nav><main>
<h1>Baby A: learning brief</h1>
<p>Baby A was seven weeks old when he was admitted to hospital with injuries.</p>
<p>Health visitors, the GP and children's social care each knew part of the family's story;
nobody put the parts together before the injuries happened.</p>
<h2>What we learned</h2>
<p>Share concerns about a baby's bruising with the partnership's safeguarding team the same day.</p>
</main><footer>Cookies</footer></body></html>"#;

/// Written for the test: a review page that links to its report again.
const CHILD_Q_PAGE: &str = r#"<!DOCTYPE html><html><body><main>
<h1>Child Q: what we learned</h1>
<p>The review looked at how agencies worked together before Child Q was harmed.</p>
<p><a href="/files/child-q-overview-report.pdf">Read the full report (PDF)</a></p>
</main></body></html>"#;
