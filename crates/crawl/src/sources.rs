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
//! ```

use std::collections::HashSet;
use std::path::Path;

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
}

/// One publisher's pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The publisher, as records will name it.
    pub name: String,
    /// Listing pages to start from.
    pub seeds: Vec<Url>,
    /// Hosts links may lead to; others are not followed. Always includes the seeds' hosts.
    pub allowed_hosts: Vec<String>,
    /// The review type for documents whose link says nothing more specific.
    pub review_type: Option<ReviewType>,
    pub nation: Option<String>,
}

impl Source {
    /// Whether `url` is on one of this source's hosts (exact host match, no wildcards:
    /// a partnership's site and its document host are listed explicitly).
    pub fn allows(&self, url: &Url) -> bool {
        url.host_str().is_some_and(|host| {
            self.allowed_hosts
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(host))
        })
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
            if let Some(bad) = allowed_hosts
                .iter()
                .find(|host| host.is_empty() || host.contains(['/', ':', ' ']))
            {
                return Err(format!(
                    "{at}: allowed_hosts entry {bad:?} is not a bare host name (no scheme, port or path)"
                ));
            }
            let mut seeds = Vec::with_capacity(entry.seeds.len());
            for seed in &entry.seeds {
                let url = Url::parse(seed)
                    .map_err(|error| format!("{at}: seed {seed:?} is not a URL: {error}"))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!("{at}: seed {seed:?} is not http or https"));
                }
                let Some(host) = url.host_str() else {
                    return Err(format!("{at}: seed {seed:?} has no host"));
                };
                let host = host.to_ascii_lowercase();
                if !allowed_hosts.contains(&host) {
                    allowed_hosts.push(host);
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
            });
        }
        Ok(Sources {
            crawler: file.crawler,
            sources,
        })
    }
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
        assert!(error.contains("is not a bare host name"), "{error}");

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
