//! The Atom feed and the CSV / JSON Lines exports agree with the search they follow.

use axum::http::StatusCode;
use serde_json::Value;

use super::fixture::*;

fn ids(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|hit| hit["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn atom_feed_is_valid_and_lists_the_newest_hits_of_the_same_search() {
    let (status, xml) = get_raw("/feed.atom?q=school&theme=adolescents").await;
    assert_eq!(status, StatusCode::OK);
    let feed: atom_syndication::Feed = xml
        .parse()
        .unwrap_or_else(|err| panic!("not Atom ({err}): {xml}"));
    let newest = all_hits("q=school&theme=adolescents&sort=newest").await;
    let expected: Vec<String> = ids(&newest).into_iter().take(50).collect();
    let entry_ids: Vec<String> = feed
        .entries()
        .iter()
        .map(|entry| entry.id().rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(entry_ids, expected);
    let updated: Vec<String> = feed
        .entries()
        .iter()
        .map(|entry| entry.updated().to_rfc3339())
        .collect();
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let first = &feed.entries()[0];
    assert_eq!(
        first.title().as_str(),
        newest[0]["heading"].as_str().unwrap()
    );
    assert!(first
        .categories()
        .iter()
        .any(|category| category.term() == "adolescents"));
    assert!(feed.links().iter().any(|link| link.rel() == "self"));
}

/// Regression (issue 17): the Host header, which the client chooses, leaked into the
/// feed's ids and links, always as http. They are built on the configured public URL.
#[tokio::test]
async fn atom_ids_and_links_use_the_public_url_not_the_host_header() {
    use tower::ServiceExt;
    let public = casesearch_server::check_public_url("https://search.example.org/cases/").unwrap();
    assert_eq!(public, "https://search.example.org/cases");
    let app =
        casesearch_server::app(casesearch_server::AppState::new(engine()).with_public_url(&public));
    let request = axum::http::Request::get("/feed.atom?q=school")
        .header("host", "evil.example")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let xml = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(!xml.contains("evil.example"), "{xml}");
    let feed: atom_syndication::Feed = xml.parse().unwrap();
    assert!(feed
        .id()
        .starts_with("https://search.example.org/cases/feed.atom?"));
    assert!(!feed.entries().is_empty());
    for entry in feed.entries() {
        assert!(
            entry.id().starts_with("https://search.example.org/cases/"),
            "{}",
            entry.id()
        );
    }
    assert!(feed
        .links()
        .iter()
        .all(|link| link.href().starts_with("https://search.example.org/cases/")));
    for bad in [
        "ftp://x.example",
        "https://x.example/?a=1",
        "not a url",
        "https://u:p@x.example",
    ] {
        assert!(casesearch_server::check_public_url(bad).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn feed_rejects_the_same_bad_parameters_as_search() {
    let (status, json) = get_json("/feed.atom?colour=red").await;
    assert_eq!(
        (status.as_u16(), json["code"].as_str()),
        (400, Some("unknown_parameter"))
    );
}

#[tokio::test]
async fn csv_export_has_every_hit_of_every_page_in_search_order_with_labels() {
    let query = "q=police&region=England";
    let (status, body) = get_raw(&format!("/api/search.csv?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    let body = body
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark, so Excel reads the dashes right");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "ID");
    assert_eq!(&headers[8], "Themes");
    let rows: Vec<csv::StringRecord> = reader.records().map(|row| row.unwrap()).collect();
    let hits = all_hits(query).await;
    assert!(hits.len() > 100, "spans several pages");
    assert_eq!(rows.len(), hits.len());
    for (row, hit) in rows.iter().zip(&hits) {
        let id = hit["id"].as_str().unwrap();
        assert_eq!(&row[0], id);
        // Links are built on the configured public URL, never on the request's Host.
        assert_eq!(
            &row[2],
            format!("{}/documents/{id}", casesearch_server::DEFAULT_PUBLIC_URL)
        );
        assert_eq!(&row[5], hit["type"]["label"].as_str().unwrap());
        assert_eq!(&row[6], hit["publisher"].as_str().unwrap());
        assert!(row[7].starts_with("England > "));
        let themes: Vec<&str> = hit["themes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["label"].as_str().unwrap())
            .collect();
        assert_eq!(&row[8], themes.join("; "));
        assert_eq!(&row[12], "Published", "{id}: a label, not the code");
    }
}

#[tokio::test]
async fn export_file_names_say_what_was_searched() {
    let disposition = |uri: &'static str| async move {
        let app = casesearch_server::app(casesearch_server::AppState::new(engine()));
        let response = tower::ServiceExt::oneshot(
            app,
            axum::http::Request::get(uri)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        disposition("/api/search.csv?q=police&theme=adolescents").await,
        "attachment; filename=\"casesearch-police-adolescents.csv\""
    );
    assert_eq!(
        disposition("/api/search.jsonl").await,
        "attachment; filename=\"casesearch-all-reviews.jsonl\""
    );
}

#[tokio::test]
async fn jsonl_export_has_one_hit_per_line_matching_the_search() {
    let query = "theme=child-mental-health&year_from=2020";
    let (status, body) = get_raw(&format!("/api/search.jsonl?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<Value> = body
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let hits = all_hits(query).await;
    assert_eq!(ids(&lines), ids(&hits));
    assert!(lines
        .iter()
        .all(|line| line["year"].as_i64().unwrap() >= 2020));
}
