//! Crawls the fixture partnership site twice into one raw store and checks, URL by URL,
//! what was fetched, stored, retried, skipped and reported.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::Ordering;
use std::time::Duration;

use casesearch_crawl::{
    crawl, sha256_hex, ContentKind, CrawlOptions, FetchError, ItemOutcome, RawStore, Role,
    SkipReason, Sources,
};

use super::fixture_site::{self, FixtureSite, BODY_LIMIT};

/// The fixture site's source. It runs on 127.0.0.1, so it opts in to private
/// addresses; its "archive server" is another port, listed as another origin.
fn sources_for(site: &FixtureSite) -> Sources {
    Sources::from_toml(&format!(
        r#"
        [crawler]
        contact = "mailto:crawl-tests@example.org"

        [[source]]
        name = "Example Safeguarding Children Partnership"
        seeds = ["{}/case-reviews"]
        allowed_hosts = ["127.0.0.1:{}"]
        allow_private_addresses = true
        review_type = "local-child-safeguarding-practice-review"
        nation = "England"
        "#,
        site.base, site.closed_port
    ))
    .expect("sources")
}

/// Production behaviour, test-sized waits.
fn test_options(sources: &Sources) -> CrawlOptions {
    let mut options = CrawlOptions::from_settings(&sources.crawler);
    options.fetch.delay = Duration::from_millis(1);
    options.fetch.backoff = Duration::from_millis(5);
    options.fetch.max_backoff = Duration::from_millis(20);
    options.fetch.max_retries = 2;
    options.fetch.total_timeout = Duration::from_millis(400);
    options.fetch.connect_timeout = Duration::from_millis(400);
    options.fetch.max_body_bytes = BODY_LIMIT as u64;
    options.fetch.concurrency = 4;
    options
}

fn outcome_names(report: &casesearch_crawl::CrawlReport, base: &str) -> BTreeMap<String, String> {
    report
        .items
        .iter()
        .map(|item| {
            let name = match &item.outcome {
                ItemOutcome::New { kind, .. } => format!("new {kind:?}"),
                ItemOutcome::Changed { .. } => "changed".into(),
                ItemOutcome::NotModified => "not-modified".into(),
                ItemOutcome::SameContent { .. } => "same".into(),
                ItemOutcome::Duplicate { .. } => "duplicate".into(),
                ItemOutcome::WouldFetch => "would-fetch".into(),
                ItemOutcome::Skipped(reason) => format!("skipped {}", reason.reason()),
                ItemOutcome::Failed(error) => format!("failed {}", error.reason()),
            };
            (item.url.replace(base, ""), name)
        })
        .collect()
}

#[tokio::test]
async fn fixture_site_is_crawled_politely_and_a_second_run_costs_little() {
    let site = fixture_site::start().await;
    let sources = sources_for(&site);
    let options = test_options(&sources);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = RawStore::open(dir.path()).expect("store");

    // ---- First run ----
    let report = crawl(&sources, &store, &options).await.expect("run");
    let outcomes = outcome_names(&report, &site.base);
    let closed = format!("http://127.0.0.1:{}/files/archived.pdf", site.closed_port);
    let (copy_a, copy_b) = (
        "/files/child-q-overview-report.pdf",
        "/media/2022/child-q-report-copy.pdf",
    );
    // The same PDF under two addresses: whichever came first is new, the other a duplicate.
    let copies = [outcomes[copy_a].as_str(), outcomes[copy_b].as_str()];
    assert!(
        copies == ["new Pdf", "duplicate"] || copies == ["duplicate", "new Pdf"],
        "{copies:?}"
    );
    let mut expected: BTreeMap<String, String> = [
        ("/case-reviews", "new Html"),
        ("/reviews/child-q", "new Html"),
        ("/reviews/baby-a-learning-brief", "new Html"),
        ("/private/child-r-draft.pdf", "skipped robots-disallowed"),
        ("/files/missing.pdf", "failed http-404"),
        ("/files/flaky.pdf", "new Pdf"),
        ("/files/always-500.pdf", "failed http-500"),
        ("/files/recovers-after-500.pdf", "new Pdf"),
        ("/loop/a", "failed redirect-loop"),
        ("/old/child-s-report.pdf", "new Pdf"),
        ("/files/huge.pdf", "failed too-large"),
        ("/files/served-as-html", "new Pdf"),
        ("/files/slow.pdf", "failed timeout"),
        ("/files/changing.pdf", "new Pdf"),
        (closed.as_str(), "failed connect"),
        (copy_a, outcomes[copy_a].as_str()),
        (copy_b, outcomes[copy_b].as_str()),
    ]
    .into_iter()
    .map(|(url, outcome)| (url.to_owned(), outcome.to_owned()))
    .collect();
    assert_eq!(outcomes, expected);

    let summary = report.summary();
    assert_eq!(
        (summary.fetched, summary.new, summary.duplicate),
        (10, 9, 1)
    );
    assert_eq!(
        summary.failed,
        BTreeMap::from([
            ("connect".to_owned(), 1),
            ("http-404".to_owned(), 1),
            ("http-500".to_owned(), 1),
            ("redirect-loop".to_owned(), 1),
            ("timeout".to_owned(), 1),
            ("too-large".to_owned(), 1),
        ])
    );
    assert_eq!(
        summary.skipped,
        BTreeMap::from([("robots-disallowed".to_owned(), 1)])
    );
    assert!(report.has_failures());
    assert_eq!(
        summary.to_string(),
        "fetched 10, new 9, changed 0, unchanged 0 (304: 0, same hash: 0), duplicate 1, \
         skipped 1 (robots-disallowed: 1), failed 6 (connect: 1, http-404: 1, http-500: 1, \
         redirect-loop: 1, timeout: 1, too-large: 1)"
    );

    // Retries: 404 once; 500 on every attempt (1 + max_retries); 429 and 503 once each
    // then success. robots.txt once for the whole run; the PDF linked from two pages once.
    let log = &site.log;
    assert_eq!(log.hits("/files/missing.pdf"), 1);
    assert_eq!(log.hits("/files/always-500.pdf"), 3);
    assert_eq!(log.hits("/files/flaky.pdf"), 2);
    assert_eq!(log.hits("/files/recovers-after-500.pdf"), 2);
    assert_eq!(log.hits("/files/slow.pdf"), 3);
    assert_eq!(log.hits("/robots.txt"), 1);
    assert_eq!(log.hits("/files/child-q-overview-report.pdf"), 1);
    assert_eq!(log.hits("/private/child-r-draft.pdf"), 0);
    assert_eq!(
        log.hits("/reviews/about-reviews"),
        0,
        "navigation is not followed"
    );
    assert_eq!(
        log.hits("/files/privacy-notice.pdf"),
        0,
        "footers are not followed"
    );
    // One request at a time to the host, though four were allowed in flight overall.
    assert_eq!(log.max_in_flight.load(Ordering::SeqCst), 1);
    let agents: HashSet<String> = log
        .user_agents
        .lock()
        .expect("log")
        .iter()
        .cloned()
        .collect();
    assert_eq!(agents.len(), 1);
    let agent = agents.iter().next().expect("agent");
    assert!(agent.starts_with("casesearch-crawler/"), "{agent}");
    assert!(agent.contains("mailto:crawl-tests@example.org"), "{agent}");

    // The store: one blob per distinct content, provenance per URL.
    let records = store.records().expect("records");
    let blobs: HashSet<&str> = records.iter().map(|r| r.sha256.as_str()).collect();
    assert_eq!(records.len(), 10);
    assert_eq!(blobs.len(), 9);
    let sniffed = records
        .iter()
        .find(|r| r.url.ends_with("/files/served-as-html"))
        .expect("record");
    assert_eq!(sniffed.kind, ContentKind::Pdf);
    assert_eq!(
        store.read_blob(&sniffed.sha256).expect("blob"),
        fixture_site::pdf(fixture_site::PDF_SERVED_AS_HTML)
    );
    let moved = records
        .iter()
        .find(|r| r.url.ends_with("/old/child-s-report.pdf"))
        .expect("record");
    assert_eq!(
        moved.final_url,
        format!("{}/files/child-s-report.pdf", site.base)
    );
    let report_pdf = records
        .iter()
        .find(|r| r.url.ends_with(copy_a))
        .expect("record");
    assert_eq!(report_pdf.etag.as_deref(), Some("\"child-q-v1\""));
    assert_eq!(report_pdf.role, Role::Document);
    // What the listing page says around the link, as written, for the cataloguer.
    assert_eq!(report_pdf.hints.title.as_deref(), Some("Overview report"));
    assert_eq!(
        report_pdf.hints.evidence(),
        [
            "Overview report (PDF, 12KB)",
            "Child Q: Local Child Safeguarding Practice Review",
            "Published 3 March 2022."
        ]
    );
    let listing = format!("{}/case-reviews", site.base);
    let review_page = format!("{}/reviews/child-q", site.base);
    assert_eq!(report_pdf.referrers, [listing.clone(), review_page]);
    let missing = report
        .item(&format!("{}/files/missing.pdf", site.base))
        .expect("item");
    assert_eq!(
        missing.hints.context.as_deref(),
        Some("Child T serious case review (PDF) 12/05/2016")
    );
    assert_eq!(
        missing.outcome,
        ItemOutcome::Failed(FetchError::Status {
            status: 404,
            attempts: 1
        })
    );

    // The HTML brief (a real page) is stored as fetched, so it extracts without the network.
    let brief = records
        .iter()
        .find(|r| r.url.ends_with("/reviews/baby-a-learning-brief"))
        .expect("record");
    assert_eq!(brief.kind, ContentKind::Html);
    assert_eq!(
        String::from_utf8(store.read_blob(&brief.sha256).expect("blob")).expect("utf-8"),
        fixture_site::BRIEF_PAGE
    );

    // ---- Second run: the changing PDF has a new version ----
    log.changed.store(true, Ordering::SeqCst);
    let old_changing = records
        .iter()
        .find(|r| r.url.ends_with("/files/changing.pdf"))
        .expect("record")
        .sha256
        .clone();
    let conditional_before = log.conditional_requests.load(Ordering::SeqCst);
    let report = crawl(&sources, &store, &options).await.expect("second run");
    let outcomes = outcome_names(&report, &site.base);
    for (url, outcome) in [
        ("/case-reviews", "not-modified"),
        (copy_a, "not-modified"),
        (copy_b, "not-modified"),
        ("/reviews/child-q", "same"),
        ("/files/changing.pdf", "changed"),
        ("/files/flaky.pdf", "same"),
    ] {
        expected.insert(url.to_owned(), outcome.to_owned());
    }
    for url in [
        "/reviews/baby-a-learning-brief",
        "/files/recovers-after-500.pdf",
        "/old/child-s-report.pdf",
        "/files/served-as-html",
    ] {
        expected.insert(url.to_owned(), "same".to_owned());
    }
    assert_eq!(outcomes, expected);
    let summary = report.summary();
    assert_eq!(
        (
            summary.not_modified,
            summary.same_content,
            summary.changed,
            summary.new
        ),
        (3, 6, 1, 0)
    );
    assert!(log.conditional_requests.load(Ordering::SeqCst) - conditional_before >= 3);
    // The listing page answered 304, yet its links were read again from the store.
    assert_eq!(log.hits("/files/changing.pdf"), 2);

    // The new version replaced the old one.
    let new_changing = sha256_hex(&fixture_site::pdf(fixture_site::CHANGING_PDF_V2));
    let changing = store
        .records()
        .expect("records")
        .into_iter()
        .find(|r| r.url.ends_with("/files/changing.pdf"))
        .expect("record");
    assert_eq!(changing.sha256, new_changing);
    assert!(
        store.read_blob(&old_changing).is_err(),
        "old version removed"
    );
    assert_eq!(
        report.item(&changing.url).expect("item").outcome,
        ItemOutcome::Changed {
            sha256: new_changing,
            previous_sha256: old_changing,
            kind: ContentKind::Pdf
        }
    );
}

#[tokio::test]
async fn dry_run_lists_documents_and_writes_nothing() {
    let site = fixture_site::start().await;
    let sources = sources_for(&site);
    let mut options = test_options(&sources);
    options.dry_run = true;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = RawStore::open(dir.path()).expect("store");
    let report = crawl(&sources, &store, &options).await.expect("run");
    assert!(store.records().expect("records").is_empty());
    // The listing page and the 16 distinct links on it (nav, footer, off-site left out).
    assert_eq!(report.summary().would_fetch, 17);
    assert_eq!(site.log.hits("/files/changing.pdf"), 0);
    assert_eq!(site.log.hits("/case-reviews"), 1);
}

#[tokio::test]
async fn retry_after_is_honoured_instead_of_the_backoff() {
    let site = fixture_site::start().await;
    let sources = sources_for(&site);
    let mut options = test_options(&sources);
    // Were the zero-second Retry-After ignored, this backoff would stall the test far
    // past the guard below.
    options.fetch.backoff = Duration::from_secs(120);
    options.fetch.max_backoff = Duration::from_secs(120);
    let fetcher = casesearch_crawl::Fetcher::new(options.fetch.clone()).expect("client");
    let url = url::Url::parse(&format!("{}/files/flaky.pdf", site.base)).expect("url");
    let result = tokio::time::timeout(Duration::from_secs(60), fetcher.fetch(&url, None, |_| true))
        .await
        .expect("Retry-After: 0 honoured, not the 120 s backoff")
        .expect("fetched");
    let casesearch_crawl::FetchResult::Fetched(body) = result else {
        panic!("expected a body, got {result:?}");
    };
    assert_eq!(body.bytes, fixture_site::pdf(fixture_site::FLAKY_PDF));
    assert_eq!(site.log.hits("/files/flaky.pdf"), 2);
}

#[tokio::test]
async fn robots_txt_disallow_is_reported_as_a_skip_without_a_request() {
    let site = fixture_site::start().await;
    let options = test_options(&sources_for(&site));
    let fetcher = casesearch_crawl::Fetcher::new(options.fetch).expect("client");
    let url = url::Url::parse(&format!("{}/private/child-r-draft.pdf", site.base)).expect("url");
    let result = fetcher.fetch(&url, None, |_| true).await.expect("result");
    assert_eq!(
        result,
        casesearch_crawl::FetchResult::Skipped(SkipReason::RobotsDisallowed)
    );
    assert_eq!(site.log.hits("/private/child-r-draft.pdf"), 0);
    assert_eq!(site.log.hits("/robots.txt"), 1);
}

#[tokio::test]
async fn a_redirect_to_a_host_the_source_does_not_list_is_not_followed() {
    let site = fixture_site::start().await;
    let sources = sources_for(&site);
    let source = sources.sources[0].clone();
    let options = test_options(&sources);
    let fetcher = casesearch_crawl::Fetcher::new(options.fetch).expect("client");
    let url = url::Url::parse(&format!("{}/go-elsewhere.pdf", site.base)).expect("url");
    let result = fetcher
        .fetch(&url, None, |url| source.allows(url))
        .await
        .expect("result");
    assert_eq!(
        result,
        casesearch_crawl::FetchResult::Skipped(SkipReason::OffSiteRedirect("localhost".into()))
    );
}

/// Regression (issue 17): `allowed_hosts` compared the host only, so a redirect to
/// another port on the same address was followed and its text indexed. Unless that
/// origin is listed, neither a redirect nor a link leads there.
#[tokio::test]
async fn a_redirect_or_link_to_another_port_of_the_same_host_is_not_followed() {
    let site = fixture_site::start().await;
    let unlisted = Sources::from_toml(&format!(
        r#"
        [[source]]
        name = "Example Safeguarding Children Partnership"
        seeds = ["{}/case-reviews"]
        allow_private_addresses = true
        "#,
        site.base
    ))
    .expect("sources");
    let source = unlisted.sources[0].clone();
    let options = test_options(&unlisted);
    let fetcher = casesearch_crawl::Fetcher::new(options.fetch.clone()).expect("client");
    let url = url::Url::parse(&format!("{}/go-other-port.pdf", site.base)).expect("url");
    let result = fetcher
        .fetch(&url, None, |url| source.allows(url))
        .await
        .expect("result");
    assert_eq!(
        result,
        casesearch_crawl::FetchResult::Skipped(SkipReason::OffSiteRedirect("127.0.0.1".into()))
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let store = RawStore::open(dir.path()).expect("store");
    let report = crawl(&unlisted, &store, &options).await.expect("run");
    let other_port = format!("127.0.0.1:{}", site.closed_port);
    assert!(
        report
            .items
            .iter()
            .all(|item| !item.url.contains(&other_port)),
        "a link to another port was followed"
    );
    assert!(report
        .items
        .iter()
        .any(|item| item.url.ends_with("/reviews/child-q")));

    // Without its consent, a source may not start on a loopback address at all.
    let error = Sources::from_toml(&format!(
        "[[source]]\nname = \"x\"\nseeds = [\"{}/case-reviews\"]\n",
        site.base
    ))
    .expect_err("loopback seed without consent");
    assert!(error.contains("allow_private_addresses"), "{error}");
}

/// Regression (issue 17): one slow response held its host for 4 × 120 s. The URL's
/// deadline (per source: `timeout_secs`) stops the retries, however many remain.
#[tokio::test]
async fn a_slow_url_gives_up_at_its_deadline_not_after_every_retry() {
    let site = fixture_site::start().await;
    let sources = sources_for(&site);
    let source = sources.sources[0].clone();
    let mut options = test_options(&sources);
    // Unbounded, ten attempts of 400 ms would take 4.4 s.
    options.fetch.max_retries = 10;
    let fetcher = casesearch_crawl::Fetcher::new(options.fetch.clone()).expect("client");
    let url = url::Url::parse(&format!("{}/files/slow.pdf", site.base)).expect("url");
    let started = std::time::Instant::now();
    let result = fetcher
        .fetch_within(
            &url,
            None,
            |url| source.allows(url),
            Duration::from_millis(1000),
        )
        .await;
    let took = started.elapsed();
    assert!(
        matches!(
            result,
            Err(FetchError::DeadlineExceeded { millis: 1000, .. })
        ),
        "{result:?}"
    );
    assert!(took < Duration::from_millis(2500), "took {took:?}");

    let per_source = Sources::from_toml(&format!(
        "[[source]]\nname = \"x\"\nseeds = [\"{}/\"]\nallow_private_addresses = true\ntimeout_secs = 7\n",
        site.base
    ))
    .expect("sources");
    assert_eq!(per_source.sources[0].timeout, Some(Duration::from_secs(7)));
    assert!(Sources::from_toml(&format!(
        "[[source]]\nname = \"x\"\nseeds = [\"{}/\"]\nallow_private_addresses = true\ntimeout_secs = 0\n",
        site.base
    ))
    .is_err());
}

#[tokio::test]
async fn a_corrupt_store_record_is_replaced_and_does_not_stop_the_run() {
    let site = fixture_site::start().await;
    let sources = sources_for(&site);
    let options = test_options(&sources);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = RawStore::open(dir.path()).expect("store");
    let listing = format!("{}/case-reviews", site.base);
    let record_path = dir
        .path()
        .join("urls")
        .join(format!("{}.json", sha256_hex(listing.as_bytes())));
    std::fs::write(&record_path, b"{ not json").expect("corrupt record");
    let report = crawl(&sources, &store, &options).await.expect("run");
    assert!(matches!(
        report.item(&listing).expect("listing").outcome,
        ItemOutcome::New {
            kind: ContentKind::Html,
            ..
        }
    ));
    assert_eq!(report.summary().new, 9);
    assert_eq!(
        store
            .record_for_url(&listing)
            .expect("record")
            .map(|r| r.status),
        Some(200)
    );
}
