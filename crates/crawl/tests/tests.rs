//! One integration-test binary (link time): the crawler against a partnership-like site
//! served on 127.0.0.1, and the HTML extractor scored on real pages.

mod suite {
    pub mod crawl_fixture_site;
    pub mod fixture_site;
    pub mod html_articles;
    pub mod streaming_limit;
}
