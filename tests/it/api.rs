//! `/api/search` and `/api/documents/{id}` through the router, checked against the
//! corpus records or against other searches, never against numbers written here.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::Value;

use super::fixture::*;

fn hit_ids(hits: &[Value]) -> Vec<String> {
    hits.iter()
        .map(|hit| hit["id"].as_str().expect("id").to_owned())
        .collect()
}

fn has_theme(hit: &Value, theme: &str) -> bool {
    hit["themes"]
        .as_array()
        .expect("themes")
        .iter()
        .any(|t| t["id"] == theme)
}

fn region_starts_with(hit: &Value, prefix: &[&str]) -> bool {
    let region: Vec<&str> = hit["region"]
        .as_array()
        .expect("region")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    region.starts_with(prefix)
}

#[tokio::test]
async fn empty_query_returns_every_document_and_facets_account_for_all_of_them() {
    let json = search("").await;
    assert_eq!(total(&json), records().len() as u64);
    let nations: u64 = facet(&json, "region")
        .iter()
        .filter(|(value, _)| !value.contains('/'))
        .map(|(_, count)| count)
        .sum();
    assert_eq!(
        nations,
        total(&json),
        "every document has exactly one nation"
    );
    let years: u64 = facet(&json, "year").iter().map(|(_, count)| count).sum();
    let dated = records()
        .iter()
        .filter(|review| review.date.is_some())
        .count() as u64;
    assert_eq!(years, dated);
}

#[tokio::test]
async fn each_theme_count_equals_the_total_when_that_theme_is_selected() {
    let base = search("q=suicide").await;
    let themes: Vec<(String, u64)> = facet(&base, "theme")
        .into_iter()
        .filter(|(_, c)| *c > 0)
        .collect();
    assert!(
        themes.len() >= 5,
        "suicide should span several themes: {themes:?}"
    );
    for (theme, count) in themes {
        let filtered = search(&format!("q=suicide&theme={theme}")).await;
        assert_eq!(total(&filtered), count, "theme {theme}");
    }
}

#[tokio::test]
async fn facets_are_disjunctive_a_selected_facet_keeps_its_own_counts_and_narrows_the_others() {
    let unfiltered = search("q=school").await;
    let selected = search("q=school&theme=adolescents").await;
    // The theme facet ignores the theme selection...
    assert_eq!(facet(&unfiltered, "theme"), facet(&selected, "theme"));
    // ...while the other facets apply it.
    assert_eq!(
        total(&selected),
        facet_count(&unfiltered, "theme", "adolescents")
    );
    let nations: u64 = facet(&selected, "region")
        .iter()
        .filter(|(v, _)| !v.contains('/'))
        .map(|(_, c)| c)
        .sum();
    assert_eq!(nations, total(&selected));
    assert!(total(&selected) < total(&unfiltered));

    // Two values of one facet are alternatives: the union, not the intersection.
    let either = search("q=school&theme=adolescents&theme=online-harm").await;
    let adolescents = hit_ids(&all_hits("q=school&theme=adolescents").await);
    let online = hit_ids(&all_hits("q=school&theme=online-harm").await);
    let mut union: Vec<String> = adolescents.iter().chain(&online).cloned().collect();
    union.sort();
    union.dedup();
    assert_eq!(total(&either), union.len() as u64);
    let selected_values: Vec<&Value> = either["facets"]["theme"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["selected"] == true)
        .collect();
    assert_eq!(selected_values.len(), 2);
}

#[tokio::test]
async fn filters_of_different_facets_combine_with_and() {
    let query = "q=mental&theme=child-mental-health&region=England/London&type=pfd";
    let hits = all_hits(query).await;
    assert!(!hits.is_empty());
    for hit in &hits {
        assert!(has_theme(hit, "child-mental-health"), "{}", hit["id"]);
        assert!(
            region_starts_with(hit, &["England", "London"]),
            "{}",
            hit["region"]
        );
        assert_eq!(hit["type"]["id"], "pfd");
    }
    // The same set, computed another way: the theme alone, then the region by hand.
    let by_theme = all_hits("q=mental&theme=child-mental-health").await;
    let in_london: Vec<&Value> = by_theme
        .iter()
        .filter(|h| region_starts_with(h, &["England", "London"]))
        .collect();
    assert_eq!(hits.len(), in_london.len());
}

#[tokio::test]
async fn region_filter_is_a_path_prefix_and_region_facet_nests() {
    let json = search("region=Wales").await;
    let hits = all_hits("region=Wales").await;
    assert!(hits.iter().all(|hit| region_starts_with(hit, &["Wales"])));
    let expected = records()
        .iter()
        .filter(|review| {
            let table =
                casesearch_cataloguing::RegionTable::load(&corpus_dir().join("regions.csv"))
                    .unwrap();
            table.place(&review.publisher).nation == "Wales"
        })
        .count();
    assert_eq!(total(&json), expected as u64);
    // Publishers appear under a selected region, with depth 2, and add up to it.
    let london = search("region=England/London").await;
    let values = london["facets"]["region"].as_array().unwrap();
    let publishers: u64 = values
        .iter()
        .filter(|v| v["depth"] == 2 && v["value"].as_str().unwrap().starts_with("England/London/"))
        .map(|v| v["count"].as_u64().unwrap())
        .sum();
    assert_eq!(publishers, total(&london));
    assert!(publishers > 0);
}

/// Without a region filter, nations and their regions are counted in the same pass as
/// the other facets: each value still counts exactly the hits under it.
#[tokio::test]
async fn unfiltered_region_facet_counts_the_hits_under_each_nation_and_region() {
    for query in ["q=suicide", "q=hospital&year_from=2018", "q="] {
        let json = search(query).await;
        let hits = all_hits(query).await;
        let values = json["facets"]["region"].as_array().unwrap();
        let mut nations = 0;
        for value in values.iter().filter(|v| v["depth"].as_u64().unwrap() <= 1) {
            let path: Vec<&str> = value["value"].as_str().unwrap().split('/').collect();
            let under = hits
                .iter()
                .filter(|hit| region_starts_with(hit, &path))
                .count();
            assert_eq!(
                value["count"].as_u64().unwrap(),
                under as u64,
                "{query} {path:?}"
            );
            nations += usize::from(path.len() == 1);
        }
        assert!(nations >= 2, "{query}: {values:?}");
    }
}

#[tokio::test]
async fn year_range_filters_inclusively_and_year_facet_ignores_its_own_range() {
    let json = search("year_from=2018&year_to=2020").await;
    let expected = records()
        .iter()
        .filter(|r| r.year().is_some_and(|y| (2018..=2020).contains(&y)))
        .count() as u64;
    assert_eq!(total(&json), expected);
    for hit in all_hits("year_from=2018&year_to=2020").await {
        let year = hit["year"].as_i64().unwrap();
        assert!((2018..=2020).contains(&year), "{year}");
    }
    let years = facet(&json, "year");
    assert!(
        years.iter().any(|(y, c)| y == "2014" && *c > 0),
        "other years still counted: {years:?}"
    );
    let in_range: u64 = years
        .iter()
        .filter(|(y, _)| ("2018".."2021").contains(&y.as_str()))
        .map(|(_, c)| c)
        .sum();
    assert_eq!(in_range, total(&json));
}

#[tokio::test]
async fn sort_newest_and_oldest_order_by_date() {
    let newest: Vec<String> = all_hits("q=hospital&sort=newest")
        .await
        .iter()
        .map(|h| h["date"].as_str().unwrap().to_owned())
        .collect();
    let oldest: Vec<String> = all_hits("q=hospital&sort=oldest")
        .await
        .iter()
        .map(|h| h["date"].as_str().unwrap().to_owned())
        .collect();
    assert!(newest.len() > 50);
    assert!(newest.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(oldest.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let latest = records()
        .iter()
        .filter_map(|r| r.date)
        .max()
        .unwrap()
        .to_string();
    let everything_newest = search("sort=newest&per_page=1").await;
    assert_eq!(everything_newest["hits"][0]["date"], latest.as_str());
    // Browsing without words: relevance means nothing, so newest comes first.
    let browsing = search("theme=adolescents&per_page=100").await;
    let dates: Vec<&str> = browsing["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    // Relevance results carry scores in decreasing order.
    let relevance = search("q=hospital&per_page=50").await;
    let scores: Vec<f64> = relevance["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn phrase_query_finds_the_phrase_and_is_narrower_than_its_words() {
    let phrase = all_hits(&format!("q={}", encode("\"care plan\""))).await;
    let words = search(&format!("q={}", encode("care plan"))).await;
    assert!(!phrase.is_empty());
    assert!((phrase.len() as u64) <= total(&words));
    let found: Vec<String> = hit_ids(&phrase);
    // Every record with the exact words in sequence is found…
    for review in records() {
        if format!(" {} ", normalised_text(review)).contains(" care plan ") {
            assert!(found.contains(&review.id), "{} has the phrase", review.id);
        }
    }
    // …and every hit has them in sequence, up to stemming.
    let by_id: BTreeMap<&str, &casesearch_model::Review> =
        records().iter().map(|r| (r.id.as_str(), r)).collect();
    for id in &found {
        let text = normalised_text(by_id[id.as_str()]);
        let in_sequence = text
            .split(' ')
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| w[0].starts_with("care") && w[1].starts_with("plan"));
        assert!(in_sequence, "{id} lacks the phrase");
    }
}

#[tokio::test]
async fn snippets_mark_the_matched_words_and_say_which_section_they_are_in() {
    let json = search("q=safeguarding&per_page=20").await;
    let by_id: BTreeMap<&str, &casesearch_model::Review> =
        records().iter().map(|r| (r.id.as_str(), r)).collect();
    for hit in json["hits"].as_array().unwrap() {
        let review = by_id[hit["id"].as_str().unwrap()];
        let snippets = hit["snippets"].as_array().unwrap();
        assert!(!snippets.is_empty());
        let snippet = &snippets[0];
        let html = snippet["html"].as_str().unwrap();
        let marked = html
            .split("<mark>")
            .nth(1)
            .and_then(|rest| rest.split("</mark>").next())
            .expect("a <mark>");
        assert!(marked.to_lowercase().starts_with("safeguard"), "{marked}");
        let section = snippet["section"].as_str().unwrap();
        let text = &review
            .sections
            .iter()
            .find(|s| s.label == section)
            .expect("section exists")
            .text;
        assert!(
            text.contains(marked),
            "the marked word is in the named section"
        );
    }
}

#[tokio::test]
async fn snippet_html_is_escaped() {
    // Text with "<" or "&" must never come back as markup. "Camden & Islington" is in
    // the text, and a phrase search for it puts the "&" inside the snippet.
    assert!(records().iter().any(|r| r
        .sections
        .iter()
        .any(|s| s.text.contains("Camden & Islington"))));
    let json = search("q=%22camden+islington%22&per_page=100").await;
    assert!(total(&json) > 0, "{json}");
    let mut escaped = 0;
    for hit in json["hits"].as_array().unwrap() {
        for snippet in hit["snippets"].as_array().unwrap() {
            let html = snippet["html"].as_str().unwrap();
            let without_marks = html.replace("<mark>", "").replace("</mark>", "");
            assert!(
                !without_marks.contains('<') && !without_marks.contains(" & "),
                "{html}"
            );
            if html.contains("<mark>Camden</mark> &amp; <mark>Islington</mark>") {
                escaped += 1;
            }
        }
    }
    assert!(escaped > 0, "no snippet shows the escaped \"&\": {json}");
}

#[tokio::test]
async fn theme_evidence_quotes_the_text_it_came_from() {
    let hits = all_hits("theme=domestic-abuse").await;
    assert!(!hits.is_empty());
    for hit in hits.iter().take(5) {
        let id = hit["id"].as_str().unwrap();
        let (status, document) = get_json(&format!("/api/documents/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        let theme = document["themes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == "domestic-abuse")
            .expect("theme on the record");
        for evidence in theme["evidence"].as_array().unwrap() {
            let section = evidence["section"].as_str().unwrap();
            let text = document["review"]["sections"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["label"] == section)
                .and_then(|s| s["text"].as_str())
                .expect("evidence section exists");
            assert!(
                text.contains(evidence["matched"].as_str().unwrap()),
                "{evidence}"
            );
        }
        assert!(hit["themes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["because"].as_str().is_some_and(|b| b.contains(" in "))));
    }
}

#[tokio::test]
async fn document_endpoint_returns_the_full_text_by_section_with_query_highlights() {
    let review = &records()[0];
    let (status, document) = get_json(&format!("/api/documents/{}?q=coroner", review.id)).await;
    assert_eq!(status, StatusCode::OK);
    let sections = document["review"]["sections"].as_array().unwrap();
    assert_eq!(sections.len(), review.sections.len());
    for (got, want) in sections.iter().zip(&review.sections) {
        assert_eq!(got["label"], want.label.as_str());
        assert_eq!(got["text"], want.text.as_str());
    }
    let highlighted = document["highlighted_sections"].as_array().unwrap();
    let marks = highlighted
        .iter()
        .map(|s| s["html"].as_str().unwrap().matches("<mark>").count())
        .sum::<usize>();
    let occurrences = normalised_text(review)
        .split(' ')
        .filter(|w| w.starts_with("coroner"))
        .count();
    assert_eq!(marks, occurrences);
}

#[tokio::test]
async fn bad_requests_get_400_with_specific_codes_and_unknown_ids_404() {
    let long_query = "a ".repeat(10_001);
    let cases = [
        (
            "/api/search?q=foo:bar&strict=true",
            400,
            "unknown_query_field",
        ),
        (
            "/api/search?q=id:pfd-2013-0172&strict=true",
            400,
            "unknown_query_field",
        ),
        (
            "/api/search?q=%28unclosed&strict=true",
            400,
            "invalid_query",
        ),
        ("/api/search?q=title:*&strict=true", 400, "invalid_query"),
        ("/api/search?q=NOT+care&strict=true", 400, "invalid_query"),
        ("/api/search?q=care&strict=maybe", 400, "invalid_parameter"),
        ("/api/search?colour=red", 400, "unknown_parameter"),
        ("/api/search?year_from=twenty", 400, "invalid_parameter"),
        ("/api/search?per_page=1000", 400, "invalid_parameter"),
        ("/api/search?page=0", 400, "invalid_parameter"),
        ("/api/search?sort=random", 400, "invalid_parameter"),
        ("/api/search?theme=no-such-theme", 400, "invalid_parameter"),
        ("/api/search?type=novel", 400, "invalid_parameter"),
        ("/api/search?q=a&q=b", 400, "invalid_parameter"),
        ("/api/documents/pfd-0000-0000", 404, "not_found"),
        (
            "/api/documents/pfd-2013-0172?colour=red",
            400,
            "unknown_parameter",
        ),
        ("/api/nothing-here", 404, "not_found"),
    ];
    for (uri, status, code) in cases {
        let (got_status, json) = get_json(uri).await;
        assert_eq!(got_status.as_u16(), status, "{uri}: {json}");
        assert_eq!(json["code"], code, "{uri}: {json}");
        assert!(json["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (status, json) = get_json(&format!(
        "/api/search?q={}&strict=true",
        encode(&long_query)
    ))
    .await;
    assert_eq!(
        (status.as_u16(), json["code"].as_str()),
        (400, Some("query_too_long"))
    );
}

#[tokio::test]
async fn pagination_pages_do_not_overlap_and_cover_the_total() {
    let first = search("q=police&per_page=7&page=1").await;
    let second = search("q=police&per_page=7&page=2").await;
    let a = hit_ids(first["hits"].as_array().unwrap());
    let b = hit_ids(second["hits"].as_array().unwrap());
    assert_eq!(a.len(), 7);
    assert!(a.iter().all(|id| !b.contains(id)));
    let all = all_hits("q=police").await;
    assert_eq!(all.len() as u64, total(&first));
}

/// Queries built from the syntax's own characters and keywords, in a fixed pseudo-random
/// sequence: each must be answered (200) or refused as the user's mistake (400), never 500.
#[tokio::test]
async fn arbitrary_query_syntax_is_answered_or_refused_never_an_internal_error() {
    const PIECES: [&str; 24] = [
        "\"",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        "*",
        "~",
        "^",
        "+",
        "-",
        "!",
        "\\",
        " ",
        "care",
        "AND",
        "OR",
        "NOT",
        "TO",
        "title",
        "text:",
        "publisher:",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        // xorshift64: deterministic, so a failure reproduces.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..300 {
        let length = 1 + next() % 8;
        let query: String = (0..length)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let (status, json) =
            get_json(&format!("/api/search?per_page=1&q={}", encode(&query))).await;
        assert!(
            status == StatusCode::OK
                || (status == StatusCode::BAD_REQUEST && json["code"] != "internal"),
            "{query:?} gave {status}: {json}"
        );
    }
}

#[tokio::test]
async fn similar_documents_exclude_the_document_and_find_its_near_duplicate_first() {
    let by_id: BTreeMap<&str, &casesearch_model::Review> =
        records().iter().map(|r| (r.id.as_str(), r)).collect();
    let words = |review: &casesearch_model::Review| -> std::collections::BTreeSet<String> {
        normalised_text(review)
            .split(' ')
            .map(str::to_owned)
            .collect()
    };
    // Reports published twice under one reference (`-2` ids) whose words mostly agree.
    let mut pairs = 0;
    for review in records().iter().filter(|r| r.id.ends_with("-2")) {
        let original = by_id[review.id.trim_end_matches("-2")];
        let (a, b) = (words(original), words(review));
        let jaccard = a.intersection(&b).count() as f64 / a.union(&b).count() as f64;
        if jaccard < 0.6 {
            continue;
        }
        pairs += 1;
        let (status, json) =
            get_json(&format!("/api/documents/{}/similar?limit=5", original.id)).await;
        assert_eq!(status, StatusCode::OK);
        let similar = hit_ids(json.as_array().unwrap());
        // The same report may have been published three times (`-2`, `-3`): any of
        // its copies may come first, but this one must be among them.
        let copies = records()
            .iter()
            .filter(|r| r.id.starts_with(&format!("{}-", original.id)))
            .count();
        assert!(
            similar.iter().take(copies).any(|id| id == &review.id),
            "{}: {similar:?}",
            original.id
        );
        assert!(
            !similar.contains(&original.id),
            "a document is not similar to itself"
        );
        let scores: Vec<f64> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["score"].as_f64().unwrap())
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    }
    assert!(
        pairs >= 2,
        "the corpus has near-duplicate pairs to check ({pairs})"
    );
    let (status, json) = get_json("/api/documents/pfd-0000-0000/similar").await;
    assert_eq!(
        (status.as_u16(), json["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, json) = get_json(&format!(
        "/api/documents/{}/similar?limit=500",
        records()[0].id
    ))
    .await;
    assert_eq!(
        (status.as_u16(), json["code"].as_str()),
        (400, Some("invalid_parameter"))
    );
}

#[tokio::test]
async fn trends_count_the_same_hits_as_search_by_year_theme_and_region() {
    let (status, trends) = get_json("/api/trends?q=suicide&region=England").await;
    assert_eq!(status, StatusCode::OK);
    let search_json = search("q=suicide&region=England").await;
    assert_eq!(trends["total"].as_u64(), Some(total(&search_json)));
    let years: Vec<u64> = trends["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y.as_u64().unwrap())
        .collect();
    let counts: Vec<u64> = trends["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert!(years.windows(2).all(|w| w[0] < w[1]));
    for (year, count) in years.iter().zip(&counts) {
        assert_eq!(
            *count,
            facet_count(&search_json, "year", &year.to_string()),
            "{year}"
        );
    }
    let themes = trends["themes"].as_array().unwrap();
    assert!(!themes.is_empty());
    for theme in themes.iter().take(4) {
        let id = theme["id"].as_str().unwrap();
        assert_eq!(
            theme["total"].as_u64(),
            Some(facet_count(&search_json, "theme", id)),
            "{id}"
        );
        let per_year: Vec<u64> = theme["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .collect();
        let busiest = per_year
            .iter()
            .enumerate()
            .max_by_key(|(_, c)| **c)
            .map(|(i, _)| years[i])
            .unwrap();
        let that_year = search(&format!(
            "q=suicide&region=England&theme={id}&year_from={busiest}&year_to={busiest}"
        ))
        .await;
        assert_eq!(
            per_year.iter().max().copied(),
            Some(total(&that_year)),
            "{id} in {busiest}"
        );
    }
    let nations: u64 = trends["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["depth"] == 0)
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(nations, total(&search_json));
}

/// A reversed year range is well formed: it matches nothing, and says why (schemathesis
/// counted the old 400 as a valid request refused).
#[tokio::test]
async fn a_reversed_year_range_finds_nothing_and_says_why() {
    let (status, json) = get_json("/api/search?q=police&year_from=2020&year_to=2010").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(total(&json), 0);
    let codes: Vec<&str> = json["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|notice| notice["code"].as_str())
        .collect();
    assert!(codes.contains(&"empty_year_range"), "{codes:?}");
    assert!(total(&search("q=police&year_from=2010&year_to=2020").await) > 0);
}
