//! Results for other programs and for people who follow a search: an Atom feed
//! (newest first) and full exports as CSV and JSON Lines, all from the same
//! parameters as `/api/search`.

use atom_syndication::{Category, Entry, Feed, FixedDateTime, Link, Person, Text};
use casesearch_index::Hit;
use chrono::{DateTime, NaiveDate, Utc};

use crate::ApiError;

/// Entries in a feed: readers poll, so the newest few are enough.
pub const FEED_ENTRIES: usize = 50;
/// Rows in an export: the whole collection several times over, and a bound on work.
pub const EXPORT_MAX_ROWS: usize = 10_000;

/// The feed for a search. `base` is the site's absolute URL (`http://host`), used for
/// stable entry ids and links; `updated` is when the index was built, the latest
/// moment the feed could have changed.
pub fn atom_feed(base: &str, query_string: &str, hits: &[Hit], updated: DateTime<Utc>) -> String {
    let search_url = format!("{base}/?{query_string}");
    let feed = Feed {
        title: Text::plain("casesearch: new reviews matching your search"),
        id: format!("{base}/feed.atom?{query_string}"),
        updated: updated.fixed_offset(),
        authors: vec![Person {
            name: "casesearch".into(),
            ..Person::default()
        }],
        links: vec![
            link(&search_url, "alternate", "text/html"),
            link(
                &format!("{base}/feed.atom?{query_string}"),
                "self",
                "application/atom+xml",
            ),
        ],
        entries: hits.iter().map(|hit| entry(base, hit, updated)).collect(),
        ..Feed::default()
    };
    feed.to_string()
}

fn entry(base: &str, hit: &Hit, fallback: DateTime<Utc>) -> Entry {
    let url = format!("{base}/documents/{}", encode_path(&hit.id));
    let published = hit.date.as_deref().and_then(date_time);
    let themes: Vec<&str> = hit
        .themes
        .iter()
        .map(|theme| theme.label.as_str())
        .collect();
    let summary = format!(
        "{} · {} · {}{}",
        hit.review_type.label,
        hit.publisher,
        hit.date.as_deref().unwrap_or("undated"),
        if themes.is_empty() {
            String::new()
        } else {
            format!(" · Themes: {}", themes.join("; "))
        }
    );
    Entry {
        title: Text::plain(hit.heading.clone()),
        id: url.clone(),
        updated: published.unwrap_or_else(|| fallback.fixed_offset()),
        published,
        links: vec![link(&url, "alternate", "text/html")],
        categories: hit
            .themes
            .iter()
            .map(|theme| Category {
                term: theme.id.clone(),
                label: Some(theme.label.clone()),
                ..Category::default()
            })
            .collect(),
        summary: Some(Text::plain(summary)),
        ..Entry::default()
    }
}

fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: Some(mime_type.to_owned()),
        ..Link::default()
    }
}

fn date_time(date: &str) -> Option<FixedDateTime> {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    Some(
        date.and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .fixed_offset(),
    )
}

fn encode_path(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// One row per hit; multi-valued fields joined with "; ", the region path with " > ".
pub fn csv_export(hits: &[Hit]) -> Result<Vec<u8>, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |err: csv::Error| ApiError::Internal(format!("csv export: {err}"));
    writer
        .write_record([
            "id",
            "title",
            "date",
            "year",
            "type",
            "publisher",
            "region",
            "themes",
            "url",
            "child",
            "age_band",
            "availability",
        ])
        .map_err(failed)?;
    for hit in hits {
        let themes: Vec<&str> = hit.themes.iter().map(|theme| theme.id.as_str()).collect();
        writer
            .write_record([
                hit.id.as_str(),
                hit.title.as_str(),
                hit.date.as_deref().unwrap_or(""),
                &hit.year.map(|year| year.to_string()).unwrap_or_default(),
                hit.review_type.id,
                hit.publisher.as_str(),
                &hit.region.join(" > "),
                &themes.join("; "),
                hit.url.as_deref().unwrap_or(""),
                hit.child.as_deref().unwrap_or(""),
                hit.age_band.map_or("", |band| band.slug()),
                hit.availability.slug(),
            ])
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|err| ApiError::Internal(format!("csv export: {err}")))
}

/// One JSON object per line, the same fields as a search hit.
pub fn jsonl_export(hits: &[Hit]) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    for hit in hits {
        serde_json::to_writer(&mut out, hit)
            .map_err(|err| ApiError::Internal(format!("jsonl export: {err}")))?;
        out.push(b'\n');
    }
    Ok(out)
}
