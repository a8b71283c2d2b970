//! What practitioners type, through the router: plain sentences, ordinary punctuation,
//! acronyms and pasted text all answer 200 with results, and say what the engine
//! relaxed (issue 14's examples, on the bundled corpus).

use axum::http::StatusCode;

use super::fixture::{encode, get_json, get_raw, search, total};

fn notice_codes(json: &serde_json::Value) -> Vec<String> {
    json["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .map(|notice| notice["code"].as_str().expect("code").to_owned())
        .collect()
}

#[tokio::test]
async fn plain_sentences_find_reports_and_say_when_not_every_word_was_found() {
    for query in [
        "teenager took her own life",
        "schoolboy found hanged in his bedroom",
        "teenage girl overdose mental health services",
    ] {
        let json = search(&format!("q={}", encode(query))).await;
        assert!(total(&json) > 0, "{query}: no results");
        let all = json["all_words_total"].as_u64().expect("all_words_total");
        if all == 0 {
            assert!(
                notice_codes(&json).contains(&"not_all_words".to_owned()),
                "{query}: {json}"
            );
            assert!(!json["missing_words"].as_array().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn ordinary_punctuation_and_broken_syntax_answer_200_with_notices_where_repaired() {
    let clean = [
        "child's voice",
        "mother's partner",
        "don't",
        "section 47: strategy",
    ];
    let repaired = ["(camhs", "CAMHS -", "\"unclosed", "AND OR", "neglect~9"];
    for query in clean.iter().chain(&repaired) {
        let (status, json) = get_json(&format!("/api/search?q={}", encode(query))).await;
        assert_eq!(status, StatusCode::OK, "{query}: {json}");
        assert!(total(&json) > 0, "{query}: no results");
        let codes = notice_codes(&json);
        if repaired.contains(query) {
            assert!(!codes.is_empty(), "{query}: no notice");
        } else {
            assert!(
                !codes.contains(&"syntax_repaired".to_owned()),
                "{query}: {codes:?}"
            );
        }
    }
    // Strict callers get the error instead.
    let (status, json) = get_json(&format!("/api/search?q={}&strict=true", encode("(camhs"))).await;
    assert_eq!(
        (status, json["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
}

#[tokio::test]
async fn fuzzy_prefix_and_phrase_prefix_queries_find_what_plain_words_find() {
    let neglect = total(&search("q=neglect").await);
    assert!(neglect > 0);
    assert!(total(&search(&format!("q={}", encode("negl*"))).await) >= neglect);
    assert!(total(&search(&format!("q={}", encode("neglect~1"))).await) >= neglect);
    let phrase = total(&search(&format!("q={}", encode("\"information sharing\""))).await);
    assert!(phrase > 0);
    assert!(total(&search(&format!("q={}", encode("\"information shar*\""))).await) >= phrase);
}

#[tokio::test]
async fn the_thesaurus_expands_acronyms_and_a_quoted_phrase_is_not_expanded() {
    // "A&E" is only the letter "e" to the index; its long forms find the reports.
    let json = search(&format!("q={}", encode("A&E"))).await;
    let with_long_form = total(&search(&format!("q={}", encode("\"emergency department\""))).await);
    assert!(
        total(&json) >= with_long_form && with_long_form > 0,
        "{json}"
    );
    let also = &json["also_searched"][0];
    assert_eq!(also["typed"], "A&E");
    assert!(also["also"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "emergency department"));
    // Quoted: exactly the phrase, nothing added.
    let quoted = search(&format!("q={}", encode("\"emergency department\""))).await;
    assert!(quoted["also_searched"].as_array().unwrap().is_empty());
    // Turned off: nothing added.
    let off = search(&format!(
        "q={}&synonyms=false",
        encode("emergency department")
    ))
    .await;
    assert!(off["also_searched"].as_array().unwrap().is_empty());
    // The page says what was added, with a link to turn it off.
    let (status, html) = get_raw(&format!("/?q={}", encode("A&E"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Also searched for: "), "expansion shown");
    assert!(html.contains("synonyms=false"), "a way to turn it off");
}

#[tokio::test]
async fn a_misspelt_word_gets_a_suggestion_that_searches_with_one_click() {
    let json = search("q=neglet").await;
    let suggestion = &json["suggestions"][0];
    assert_eq!(suggestion["word"], "neglet");
    assert_eq!(suggestion["suggestion"], "neglect");
    let query = suggestion["query"].as_str().unwrap();
    assert!(total(&search(&format!("q={}", encode(query))).await) > 0);
    // Nothing has "neglet": its suggestion's results, said so, with a way back.
    assert_eq!(notice_codes(&json)[0], "showing_suggestion");
    assert!(total(&json) > 0);
    let (_, html) = get_raw("/?q=neglet").await;
    assert!(
        html.contains("Search instead for"),
        "a way back on the page"
    );
    assert!(html.contains("correct=false"));
    let exact = search("q=neglet&correct=false").await;
    assert_eq!(total(&exact), 0);
    assert_eq!(exact["suggestions"][0]["suggestion"], "neglect");
    let (_, html) = get_raw("/?q=neglet&correct=false").await;
    assert!(
        html.contains("Did you mean"),
        "the suggestion offered instead"
    );
}

#[tokio::test]
async fn a_pasted_paragraph_of_ten_thousand_characters_is_searched() {
    let records = super::fixture::records();
    let mut text = String::new();
    let mut used = Vec::new();
    for record in records {
        if text.chars().count() > 10_000 {
            break;
        }
        used.push(record.id.as_str());
        for section in &record.sections {
            text.push_str(&section.text);
            text.push(' ');
        }
    }
    let text: String = text.chars().take(10_000).collect();
    let (status, json) = get_json(&format!("/api/search?q={}", encode(&text))).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert!(total(&json) > 0);
    assert!(
        notice_codes(&json).contains(&"query_shortened".to_owned()),
        "{:?}",
        json["notices"]
    );
    let first = json["hits"][0]["id"].as_str().unwrap();
    assert!(
        used.contains(&first),
        "a report it was pasted from comes first, not {first}"
    );
}

#[tokio::test]
async fn text_past_the_limit_is_searched_by_its_beginning_unless_strict() {
    let text = "neglect ".repeat(3_000);
    let json = search(&format!("q={}", encode(&text))).await;
    assert!(total(&json) > 0);
    assert!(
        notice_codes(&json).contains(&"query_shortened".to_owned()),
        "{:?}",
        json["notices"]
    );
    let (status, html) = get_raw(&format!("/?q={}", encode(&text))).await;
    assert_eq!(status, StatusCode::OK, "the page never refuses its q");
    assert!(html.contains("were searched"));
}
