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

/// The byte-order mark that tells Excel the file is UTF-8; without it "—" shows as "â€”".
const UTF8_BOM: &[u8] = "\u{feff}".as_bytes();

/// One row per hit, for people opening it in a spreadsheet: a UTF-8 byte-order mark,
/// labels rather than codes (multi-valued fields joined with "; ", the region path with
/// " > "), a link back to each record on this site (`base` is `http://host`), and no
/// cell a spreadsheet would run as a formula.
pub fn csv_export(base: &str, hits: &[Hit]) -> Result<Vec<u8>, ApiError> {
    let mut out = UTF8_BOM.to_vec();
    // Every cell quoted, as OWASP's CSV-injection advice has it (with the `'` below).
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(&mut out);
    let failed = |err: csv::Error| ApiError::Internal(format!("csv export: {err}"));
    writer
        .write_record([
            "ID",
            "Title",
            "Record on this site",
            "Date",
            "Year",
            "Type of review",
            "Published by",
            "Region",
            "Themes",
            "Original document",
            "Child",
            "Age of the child",
            "Availability",
        ])
        .map_err(failed)?;
    for hit in hits {
        let themes: Vec<&str> = hit
            .themes
            .iter()
            .map(|theme| theme.label.as_str())
            .collect();
        let row = [
            hit.id.as_str(),
            hit.title.as_str(),
            &format!("{base}/documents/{}", encode_path(&hit.id)),
            hit.date.as_deref().unwrap_or(""),
            &hit.year.map(|year| year.to_string()).unwrap_or_default(),
            hit.review_type.label,
            hit.publisher.as_str(),
            &hit.region.join(" > "),
            &themes.join("; "),
            hit.url.as_deref().unwrap_or(""),
            hit.child.as_deref().unwrap_or(""),
            hit.age_band.map_or("", |band| band.label()),
            hit.availability.label(),
        ];
        let row: Vec<_> = row.iter().map(|cell| neutralise_formula(cell)).collect();
        writer
            .write_record(row.iter().map(|cell| cell.as_bytes()))
            .map_err(failed)?;
    }
    writer
        .flush()
        .map_err(|err| ApiError::Internal(format!("csv export: {err}")))?;
    drop(writer);
    Ok(out)
}

/// A cell a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return) gets a leading `'`, as OWASP advises for CSV injection:
/// titles and publishers come from crawled documents, and a title like
/// `=HYPERLINK("http://evil.example/x","Click here")` must stay text.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The download's file name, from what was searched: `casesearch-neglect-adolescents.csv`,
/// so two exports do not overwrite each other as `casesearch-results.csv`.
pub fn file_name(pairs: &[(String, String)], extension: &str) -> String {
    const MAX: usize = 60;
    let mut name = String::from("casesearch");
    for (key, value) in pairs {
        if matches!(
            key.as_str(),
            "page" | "per_page" | "sort" | "strict" | "synonyms" | "expand" | "correct"
        ) {
            continue;
        }
        let mut part = String::new();
        for c in value.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                part.push(c);
            } else if !part.ends_with('-') {
                part.push('-');
            }
        }
        // Only ASCII was pushed, so any byte index is a char boundary.
        let room = MAX.saturating_sub(name.len() + 1).min(part.len());
        let part = part[..room].trim_matches('-');
        if part.is_empty() {
            continue;
        }
        name.push('-');
        name.push_str(part);
    }
    if name == "casesearch" {
        name.push_str("-all-reviews");
    }
    format!("{name}.{extension}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_text_is_not() {
        for cell in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise_formula(cell), format!("'{cell}"));
        }
        assert_eq!(neutralise_formula("Child Q"), "Child Q");
        assert_eq!(neutralise_formula(""), "");
    }

    #[test]
    fn a_hyperlink_formula_title_is_exported_as_text_after_a_byte_order_mark() {
        let evil = r#"=HYPERLINK("http://evil.example/x","Click here")"#;
        let hit = Hit {
            id: "doc-1".into(),
            heading: evil.into(),
            title: evil.into(),
            date: Some("2020-01-02".into()),
            child: None,
            age_band: Some(casesearch_model::AgeBand::UnderOne),
            availability: casesearch_model::Availability::Published,
            metadata_only: false,
            year: Some(2020),
            publisher: "@Somewhere".into(),
            region: vec!["England".into(), "London".into()],
            review_type: casesearch_model::ReviewType::PreventionOfFutureDeaths.into(),
            themes: vec![casesearch_index::ThemeSummary {
                id: "adolescents".into(),
                label: "Adolescents".into(),
                because: None,
            }],
            url: None,
            score: None,
            snippets: vec![],
        };
        let bytes = csv_export("http://example.org", &[hit]).expect("export");
        assert!(bytes.starts_with(UTF8_BOM));
        let text = String::from_utf8(bytes[UTF8_BOM.len()..].to_vec()).expect("utf-8");
        let line = text.lines().nth(1).expect("a data line");
        assert!(
            line.starts_with(r#""doc-1","'=HYPERLINK(""http://evil.example/x"",""Click here"")""#),
            "{line}"
        );
        let mut reader = csv::Reader::from_reader(&bytes[UTF8_BOM.len()..]);
        let row = reader.records().next().expect("a row").expect("parses");
        assert_eq!(&row[1], format!("'{evil}"));
        assert_eq!(&row[2], "http://example.org/documents/doc-1");
        assert_eq!(&row[6], "'@Somewhere");
        assert_eq!(&row[8], "Adolescents");
        assert_eq!(&row[11], casesearch_model::AgeBand::UnderOne.label());
    }

    #[test]
    fn file_names_come_from_the_search() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            file_name(
                &pairs(&[
                    ("q", "\"Information sharing\""),
                    ("theme", "adolescents"),
                    ("page", "3")
                ]),
                "csv"
            ),
            "casesearch-information-sharing-adolescents.csv"
        );
        assert_eq!(
            file_name(&pairs(&[]), "jsonl"),
            "casesearch-all-reviews.jsonl"
        );
        let long = "word ".repeat(40);
        assert!(file_name(&pairs(&[("q", &long)]), "csv").len() <= 64);
    }
}
