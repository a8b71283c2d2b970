//! One integration-test binary (link time): the crawler against a partnership-like site
//! served on 127.0.0.1. (The HTML extractor is scored in `casesearch-html`.)

mod suite {
    pub mod crawl_fixture_site;
    pub mod fixture_site;
    pub mod streaming_limit;
}
