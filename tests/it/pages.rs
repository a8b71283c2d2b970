//! The server-rendered pages, through the router.

use axum::http::StatusCode;

use super::fixture::*;

#[tokio::test]
async fn search_page_shows_results_with_marks_facet_checkboxes_and_labels() {
    let (status, html) = get_raw("/?q=ligature&theme=adolescents").await;
    assert_eq!(status, StatusCode::OK);
    let api = search("q=ligature&theme=adolescents").await;
    assert!(
        html.contains(&format!(" of {} documents", total(&api))),
        "summary states the total"
    );
    assert!(html.contains("<mark>"));
    // The selected theme's checkbox is ticked and every control has a label.
    assert!(
        html.contains(r#"name="theme" value="adolescents" form="search" checked"#),
        "ticked"
    );
    assert_eq!(
        html.matches("<input type=\"checkbox\"").count(),
        html.matches("<label class=\"depth-").count()
    );
    let first_id = api["hits"][0]["id"].as_str().unwrap();
    assert!(html.contains(&format!("/documents/{first_id}?q=ligature")));
}

#[tokio::test]
async fn search_page_searches_bad_syntax_as_words_with_a_notice_and_keeps_filters() {
    // Even when a caller asks for strict parsing: the page never answers 400 for `q`.
    let (status, html) = get_raw("/?q=nofield:neglect&theme=adolescents&strict=true").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("class=\"notices\""), "a notice");
    assert!(html.contains("is not a field you can search"));
    assert!(
        html.contains(r#"value="adolescents" form="search" checked"#),
        "filter kept"
    );
}

#[tokio::test]
async fn document_page_highlights_the_query_and_escapes_the_text() {
    let review = records()
        .iter()
        .find(|r| {
            r.sections.iter().any(|s| s.text.contains('&'))
                && r.sections
                    .iter()
                    .any(|s| s.text.to_lowercase().contains("coroner"))
        })
        .expect("text with & and the query's word");
    let (status, html) = get_raw(&format!("/documents/{}?q=coroner", review.id)).await;
    assert_eq!(status, StatusCode::OK);
    let marked: Vec<String> = html
        .split("<mark>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</mark>"))
        .map(|(word, _)| word.to_lowercase())
        .collect();
    assert!(!marked.is_empty(), "the query's word is marked");
    assert!(
        marked.iter().all(|word| word.starts_with("coroner")),
        "{marked:?}"
    );
    assert!(html.contains(&format!("<h2>{}</h2>", review.title.replace('&', "&amp;"))));
    assert!(html.contains("&amp;"));
    let (missing, _) = get_raw("/documents/no-such-id").await;
    assert_eq!(missing, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn browsing_without_words_shows_newest_first_selected_and_in_that_order() {
    let (status, html) = get_raw("/").await;
    assert_eq!(status, StatusCode::OK);
    // The control defaults to best match, whose label says it means newest first
    // without words: a first search typed on this page is then ranked by relevance.
    assert!(
        html.contains(
            r#"<option value="relevance" selected>Best match (newest first without words)"#
        ),
        "sort control says best match"
    );
    let (_, with_words) = get_raw("/?q=care").await;
    assert!(with_words.contains(r#"<option value="relevance" selected>"#));
    let latest = records()
        .iter()
        .filter_map(|r| r.date)
        .max()
        .unwrap()
        .to_string();
    let first_hit = html.split("<div class=\"meta\">").nth(1).expect("a hit");
    assert!(
        first_hit.trim_start().starts_with(&latest),
        "{}",
        &first_hit[..40.min(first_hit.len())]
    );
}

#[tokio::test]
async fn document_page_lists_similar_reports_with_links() {
    let id = &records()[10].id;
    let (_, similar) = get_json(&format!("/api/documents/{id}/similar?limit=5")).await;
    let (status, html) = get_raw(&format!("/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Similar reports"));
    for hit in similar.as_array().unwrap() {
        assert!(html.contains(&format!(
            "href=\"/documents/{}\"",
            hit["id"].as_str().unwrap()
        )));
    }
}

#[tokio::test]
async fn trends_page_draws_a_bar_per_year_and_a_theme_table() {
    let (_, trends) = get_json("/api/trends?q=camhs").await;
    let (status, html) = get_raw("/trends?q=camhs").await;
    assert_eq!(status, StatusCode::OK);
    let years = trends["years"].as_array().unwrap().len();
    assert!(years > 1);
    assert_eq!(html.matches("<rect ").count(), years);
    assert_eq!(
        html.matches("<th scope=\"row\">").count(),
        trends["themes"].as_array().unwrap().len()
    );
    let (bad, _) = get_raw("/trends?year_from=abc").await;
    assert_eq!(bad, StatusCode::BAD_REQUEST);
}
