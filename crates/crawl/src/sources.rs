//! The sources file a librarian edits: which publishers to crawl, from which pages, on
//! which hosts, with what defaults for the records found there.
//!
//! ```toml
//! [crawler]                      # optional; every key has a default
//! contact = "mailto:librarian@example.org"
//! delay_ms = 2000
//!
//! [[source]]
//! name = "Child Safeguarding Practice Review Panel"
//! seeds = ["https://www.gov.uk/government/collections/child-safeguarding-practice-review-panel-reports"]
//! allowed_hosts = ["www.gov.uk", "assets.publishing.service.gov.uk"]
//! review_type = "national-review"
//! nation = "England"
//! timeout_secs = 300             # optional: longest one URL may take, retries included
//! ```
//!
//! Links and redirects are followed only to the source's own origins: a bare host in
//! `allowed_hosts` means that host on the default ports (80 and 443), `host:port` that
//! port, and each seed's origin is always included. Loopback, private and link-local
//! addresses (and `localhost`) are refused unless the source sets
//! `allow_private_addresses = true`, so a page cannot steer the crawler to services
//! on the machine or network it runs in.

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use casesearch_model::{ReviewType, Slug};
use serde::Deserialize;
use url::Url;

use crate::error::CrawlError;

/// The nations whose review systems the corpus covers.
pub const NATIONS: [&str; 4] = ["England", "Wales", "Scotland", "Northern Ireland"];

/// A parsed and checked sources file.
#[derive(Debug, Clone, PartialEq)]
pub struct Sources {
    pub crawler: CrawlerSettings,
    pub sources: Vec<Source>,
}

/// Crawler settings a sources file may override; `None` keeps the built-in default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrawlerSettings {
    /// How site owners can reach whoever runs the crawl (URL or `mailto:`); goes in the
    /// user agent.
    pub contact: Option<String>,
    pub delay_ms: Option<u64>,
    pub concurrency: Option<usize>,
    pub max_depth: Option<u32>,
    pub max_body_mb: Option<u64>,
    /// Longest one URL may take, every attempt and wait included (sources may set their own).
    pub timeout_secs: Option<u64>,
}

/// One publisher's pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The publisher, as records will name it.
    pub name: String,
    /// Listing pages to start from.
    pub seeds: Vec<Url>,
    /// Where links may lead, lowercase: `host` (on the scheme's default port) or
    /// `host:port`; others are not followed. Always includes the seeds' origins.
    pub allowed_hosts: Vec<String>,
    /// The review type for documents whose link says nothing more specific.
    pub review_type: Option<ReviewType>,
    pub nation: Option<String>,
    /// Whether loopback, private and link-local addresses may be fetched (a test
    /// site, an intranet); off unless the sources file says so.
    pub allow_private_addresses: bool,
    /// Longest one URL may take, every attempt and wait included (`None`: the
    /// crawler's default).
    pub timeout: Option<Duration>,
}

impl Source {
    /// Whether `url` is on one of this source's origins (exact host and port, no
    /// wildcards: a partnership's site and its document host are listed explicitly),
    /// and not on a private address the source has not allowed.
    pub fn allows(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        let Some(key) = origin_key(url) else {
            return false;
        };
        if !self.allow_private_addresses && is_private_host(url) {
            return false;
        }
        self.allowed_hosts.contains(&key)
    }
}

/// `host` when `url` uses its scheme's default port, else `host:port`, lowercase.
fn origin_key(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        None => host,
        Some(port) => format!("{host}:{port}"),
    })
}

/// Whether `url` names the local machine or a private network by address (or as
/// `localhost`). Names that merely resolve to such addresses are not seen here.
fn is_private_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(address)) => is_private_address(IpAddr::V4(address)),
        Some(url::Host::Ipv6(address)) => is_private_address(IpAddr::V6(address)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => true,
    }
}

/// Loopback, private (RFC 1918, unique-local), link-local, shared (CGNAT) and
/// unspecified addresses, IPv4-mapped ones included.
pub fn is_private_address(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_address(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    #[serde(default)]
    crawler: CrawlerSettings,
    #[serde(default)]
    source: Vec<SourceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceEntry {
    name: String,
    seeds: Vec<String>,
    #[serde(default)]
    allowed_hosts: Vec<String>,
    review_type: Option<String>,
    nation: Option<String>,
    #[serde(default)]
    allow_private_addresses: bool,
    timeout_secs: Option<u64>,
}

impl Sources {
    pub fn from_path(path: &Path) -> Result<Sources, CrawlError> {
        let text = std::fs::read_to_string(path).map_err(|source| CrawlError::ReadSources {
            path: path.to_owned(),
            source,
        })?;
        Sources::from_toml(&text).map_err(|message| CrawlError::InvalidSources {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses and checks a sources file; the error names the source and field at fault.
    pub fn from_toml(text: &str) -> Result<Sources, String> {
        let file: SourcesFile = toml::from_str(text).map_err(|error| error.to_string())?;
        if file.source.is_empty() {
            return Err("no [[source]] entries".into());
        }
        if file.crawler.concurrency == Some(0) {
            return Err("[crawler] concurrency must be at least 1".into());
        }
        if file.crawler.timeout_secs == Some(0) {
            return Err("[crawler] timeout_secs must be at least 1".into());
        }
        let mut names = HashSet::new();
        let mut sources = Vec::with_capacity(file.source.len());
        for (index, entry) in file.source.into_iter().enumerate() {
            let name = entry.name.trim().to_owned();
            let at = if name.is_empty() {
                format!("source #{}", index + 1)
            } else {
                format!("source {name:?}")
            };
            if name.is_empty() {
                return Err(format!("{at}: name is empty"));
            }
            if !names.insert(name.to_lowercase()) {
                return Err(format!("{at}: name appears twice"));
            }
            if entry.seeds.is_empty() {
                return Err(format!("{at}: seeds is empty"));
            }
            let mut allowed_hosts: Vec<String> = entry
                .allowed_hosts
                .iter()
                .map(|host| host.trim().to_ascii_lowercase())
                .collect();
            if let Some(bad) = allowed_hosts.iter().find(|host| !is_host_and_port(host)) {
                return Err(format!(
                    "{at}: allowed_hosts entry {bad:?} is not a host name, or host:port (no scheme or path)"
                ));
            }
            if entry.timeout_secs == Some(0) {
                return Err(format!("{at}: timeout_secs must be at least 1"));
            }
            let mut seeds = Vec::with_capacity(entry.seeds.len());
            for seed in &entry.seeds {
                let url = Url::parse(seed)
                    .map_err(|error| format!("{at}: seed {seed:?} is not a URL: {error}"))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!("{at}: seed {seed:?} is not http or https"));
                }
                let Some(origin) = origin_key(&url) else {
                    return Err(format!("{at}: seed {seed:?} has no host"));
                };
                if !entry.allow_private_addresses && is_private_host(&url) {
                    return Err(format!(
                        "{at}: seed {seed:?} is a loopback, private or link-local address; \
                         set allow_private_addresses = true if that is meant"
                    ));
                }
                if !allowed_hosts.contains(&origin) {
                    allowed_hosts.push(origin);
                }
                seeds.push(url);
            }
            let review_type = match entry.review_type.as_deref() {
                None => None,
                Some(slug) => Some(ReviewType::parse_slug(slug).map_err(|unknown| {
                    format!(
                        "{at}: review_type {slug:?} is not one of {}",
                        unknown.expected_list()
                    )
                })?),
            };
            if let Some(nation) = &entry.nation {
                if !NATIONS.contains(&nation.as_str()) {
                    return Err(format!(
                        "{at}: nation {nation:?} is not one of {}",
                        NATIONS.join(", ")
                    ));
                }
            }
            sources.push(Source {
                name,
                seeds,
                allowed_hosts,
                review_type,
                nation: entry.nation,
                allow_private_addresses: entry.allow_private_addresses,
                timeout: entry.timeout_secs.map(Duration::from_secs),
            });
        }
        Ok(Sources {
            crawler: file.crawler,
            sources,
        })
    }
}

/// `host` or `host:port`: what an `allowed_hosts` entry may say.
fn is_host_and_port(entry: &str) -> bool {
    let (host, port) = match entry.rsplit_once(':') {
        // An IPv6 literal is bracketed, so its colons are inside the brackets.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (entry, None),
    };
    !host.is_empty()
        && !host.contains(['/', ' ', '@', '?', '#'])
        && port.is_none_or(|port| port.parse::<u16>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        [crawler]
        contact = "mailto:someone@example.org"
        delay_ms = 10

        [[source]]
        name = "Example Safeguarding Children Partnership"
        seeds = ["https://www.example.org/case-reviews"]
        allowed_hosts = ["docs.example.org"]
        review_type = "serious-case-review"
        nation = "England"
    "#;

    #[test]
    fn a_good_file_parses_and_seed_hosts_are_allowed() {
        let sources = Sources::from_toml(GOOD).expect("valid file");
        assert_eq!(sources.crawler.delay_ms, Some(10));
        let source = &sources.sources[0];
        assert_eq!(
            source.allowed_hosts,
            ["docs.example.org", "www.example.org"]
        );
        assert!(!source.allow_private_addresses);
        assert_eq!(source.review_type, Some(ReviewType::SeriousCaseReview));
        assert!(source.allows(&Url::parse("https://DOCS.example.org/a.pdf").expect("url")));
        assert!(!source.allows(&Url::parse("https://evil.example.com/a.pdf").expect("url")));
    }

    #[test]
    fn errors_name_the_source_and_the_field() {
        let bad_type = GOOD.replace("serious-case-review", "scr");
        let error = Sources::from_toml(&bad_type).expect_err("bad review type");
        assert!(error.starts_with("source \"Example Safeguarding Children Partnership\": review_type \"scr\" is not one of pfd, serious-case-review"), "{error}");

        let bad_seed = GOOD.replace("https://www.example.org/case-reviews", "ftp://x/y");
        let error = Sources::from_toml(&bad_seed).expect_err("bad seed");
        assert!(
            error.contains("seed \"ftp://x/y\" is not http or https"),
            "{error}"
        );

        let bad_host = GOOD.replace("docs.example.org", "https://docs.example.org/");
        let error = Sources::from_toml(&bad_host).expect_err("bad host");
        assert!(
            error.contains("is not a host name, or host:port"),
            "{error}"
        );

        let bad_nation = GOOD.replace("England", "Cornwall");
        let error = Sources::from_toml(&bad_nation).expect_err("bad nation");
        assert!(
            error.contains(
                "nation \"Cornwall\" is not one of England, Wales, Scotland, Northern Ireland"
            ),
            "{error}"
        );

        let unknown_key = GOOD.replace("nation =", "natoin =");
        let error = Sources::from_toml(&unknown_key).expect_err("unknown key");
        assert!(error.contains("unknown field `natoin`"), "{error}");

        let twice = format!("{GOOD}\n[[source]]\nname = \"example safeguarding children partnership\"\nseeds = [\"https://b.example/\"]\n");
        let error = Sources::from_toml(&twice).expect_err("duplicate");
        assert!(error.contains("name appears twice"), "{error}");

        assert_eq!(
            Sources::from_toml("").expect_err("empty"),
            "no [[source]] entries"
        );
    }

    /// Regression (issue 17): `allowed_hosts` compared the host only, so a redirect to
    /// `http://127.0.0.1:OTHERPORT/` was fetched. Origins are compared whole, and
    /// private addresses need the source's explicit consent.
    #[test]
    fn only_the_sources_own_origins_are_allowed_and_private_addresses_need_consent() {
        let url = |text: &str| Url::parse(text).expect("url");
        let public = Sources::from_toml(GOOD).expect("valid").sources[0].clone();
        assert!(public.allows(&url("https://www.example.org/a.pdf")));
        assert!(public.allows(&url("http://docs.example.org/a.pdf")));
        assert!(
            !public.allows(&url("https://www.example.org:8443/a.pdf")),
            "another port"
        );
        assert!(!public.allows(&url("ftp://www.example.org/a.pdf")));
        let private = GOOD.replace(
            "https://www.example.org/case-reviews",
            "http://127.0.0.1:8000/",
        );
        let error = Sources::from_toml(&private).expect_err("private seed");
        assert!(
            error.contains("set allow_private_addresses = true"),
            "{error}"
        );

        let consented = private.replace(
            r#"allowed_hosts = ["docs.example.org"]"#,
            "allowed_hosts = [\"docs.example.org\", \"127.0.0.1:9000\"]\nallow_private_addresses = true",
        );
        let source = Sources::from_toml(&consented).expect("opted in").sources[0].clone();
        assert!(source.allows(&url("http://127.0.0.1:8000/x.pdf")));
        assert!(
            source.allows(&url("http://127.0.0.1:9000/x.pdf")),
            "listed with its port"
        );
        assert!(
            !source.allows(&url("http://127.0.0.1:8001/x.pdf")),
            "another port"
        );
        assert!(
            !source.allows(&url("http://127.0.0.1/x.pdf")),
            "the default port"
        );

        for address in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            let parsed: IpAddr = address.parse().expect("address");
            assert!(is_private_address(parsed), "{address}");
        }
        for address in ["8.8.8.8", "151.101.0.1", "2a00:1450::1"] {
            assert!(
                !is_private_address(address.parse().expect("address")),
                "{address}"
            );
        }
        let listing_localhost = GOOD.replace("docs.example.org", "localhost");
        let source = Sources::from_toml(&listing_localhost)
            .expect("valid")
            .sources[0]
            .clone();
        assert!(
            !source.allows(&url("http://localhost/x.pdf")),
            "named loopback"
        );
        let listing_metadata = GOOD.replace("docs.example.org", "169.254.169.254");
        let source = Sources::from_toml(&listing_metadata)
            .expect("valid")
            .sources[0]
            .clone();
        assert!(!source.allows(&url("http://169.254.169.254/latest/meta-data/")));
    }

    #[test]
    fn the_shipped_starter_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/sources.toml");
        let sources = Sources::from_path(&path).expect("corpus/sources.toml");
        let panel = &sources.sources[0];
        assert_eq!(panel.name, "Child Safeguarding Practice Review Panel");
        assert_eq!(panel.review_type, Some(ReviewType::NationalReview));
        assert!(panel
            .allowed_hosts
            .iter()
            .any(|h| h == "assets.publishing.service.gov.uk"));
        assert!(sources.sources.len() >= 5);
        assert_eq!(sources.crawler.delay_ms, Some(2000));
    }
}
