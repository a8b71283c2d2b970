//! The query plan on a small index built with the product's schema and analyzer: what
//! practitioners type, read and ranked as the engine runs it.

use casesearch_model::{CataloguedReview, Region, Review, ReviewType, Section};

use crate::query::thesaurus::SynonymEntry;
use crate::{build_index, BuildInputs, Engine, IndexError, SearchRequest, SearchResults};

/// (id, title, sections)
const DOCUMENTS: [(&str, &str, &[&str]); 8] = [
    (
        "suicide-a",
        "Report A",
        &[
            "The teenager took her own life at home.",
            "Services had not seen her.",
        ],
    ),
    (
        "camhs-b",
        "Report B",
        &[
            "A teenager was waiting for CAMHS when she was found.",
            "Her mother's partner was not known.",
        ],
    ),
    (
        "roads-c",
        "Report C",
        &["Road traffic collision on the motorway."],
    ),
    (
        "hv-d",
        "Report D",
        &["The health visitor saw the baby twice; neglect was not recognised."],
    ),
    (
        "ed-e",
        "Report E",
        &["He was taken to the emergency department by ambulance."],
    ),
    (
        "court-f",
        "Report F",
        &[
            "Police described the traffic.\nOral testimony was heard later.",
            "Information sharing between agencies failed.",
        ],
    ),
    (
        "split-g",
        "Report G",
        &[
            "The coroner considered the traffic",
            "oral testimony of the driver",
        ],
    ),
    (
        "split-h",
        "Report H",
        &[
            "Page one ends with the word delay of",
            "testimony begins page two",
        ],
    ),
];

fn engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("temp dir");
    let reviews: Vec<CataloguedReview> = DOCUMENTS
        .iter()
        .map(|(id, title, sections)| CataloguedReview {
            review: Review {
                id: (*id).into(),
                title: (*title).into(),
                review_type: ReviewType::Other,
                publisher: "Test".into(),
                date: None,
                url: None,
                sections: sections
                    .iter()
                    .enumerate()
                    .map(|(page, text)| Section {
                        label: format!("p. {}", page + 1),
                        text: (*text).into(),
                    })
                    .collect(),
                metadata: Default::default(),
                details: Default::default(),
            },
            region: Region::unknown("Test"),
            themes: Vec::new(),
        })
        .collect();
    let entry = |terms: &[&str], ambiguous: &[&str]| SynonymEntry {
        terms: terms.iter().map(|t| (*t).to_owned()).collect(),
        ambiguous: ambiguous.iter().map(|t| (*t).to_owned()).collect(),
        source: "test".into(),
    };
    let inputs = BuildInputs {
        synonyms: vec![
            entry(&["HV", "health visitor"], &[]),
            entry(
                &[
                    "A&E",
                    "accident and emergency",
                    "emergency department",
                    "ED",
                ],
                &["ED"],
            ),
            entry(
                &[
                    "took her own life",
                    "took his own life",
                    "died by suicide",
                    "suicide",
                ],
                &[],
            ),
        ],
        ..crate::test_support::plain_inputs()
    };
    let index_dir = dir.path().join("index");
    build_index(&index_dir, &reviews, inputs, &|_| {}).expect("index");
    let engine = Engine::open(&index_dir).expect("open");
    (dir, engine)
}

fn search(engine: &Engine, query: &str) -> SearchResults {
    engine
        .search(&SearchRequest {
            query: query.into(),
            ..SearchRequest::default()
        })
        .unwrap_or_else(|err| panic!("{query}: {err}"))
}

fn ids(results: &SearchResults) -> Vec<&str> {
    results.hits.iter().map(|hit| hit.id.as_str()).collect()
}

fn codes(results: &SearchResults) -> Vec<&str> {
    results.notices.iter().map(|notice| notice.code).collect()
}

#[test]
fn a_plain_sentence_ranks_every_word_first_then_most() {
    let (_dir, engine) = engine();
    let results = search(&engine, "teenager took her own life");
    assert_eq!(ids(&results)[0], "suicide-a");
    assert!(ids(&results).contains(&"camhs-b"), "{:?}", ids(&results));
    assert_eq!(results.all_words_total, Some(1));
    assert!(!codes(&results).contains(&"not_all_words"));

    // No report has all three: the page is not empty, and says which word is missing.
    let results = search(&engine, "teenager CAMHS motorway");
    assert!(results.total >= 2, "{:?}", ids(&results));
    assert_eq!(results.all_words_total, Some(0));
    assert_eq!(codes(&results)[0], "not_all_words");
    assert_eq!(ids(&results)[0], "camhs-b");
    assert_eq!(results.missing_words, ["motorway"]);
}

#[test]
fn ordinary_punctuation_is_searched_with_a_notice_only_where_something_was_repaired() {
    let (_dir, engine) = engine();
    for query in [
        "child's voice",
        "mother's partner",
        "don't",
        "section 47: strategy",
    ] {
        let results = search(&engine, query);
        assert!(
            !codes(&results).contains(&"syntax_repaired"),
            "{query}: {:?}",
            results.notices
        );
    }
    assert_eq!(ids(&search(&engine, "mother's partner"))[0], "camhs-b");
    for query in ["(camhs", "CAMHS -", "\"unclosed CAMHS"] {
        let results = search(&engine, query);
        assert!(
            codes(&results).contains(&"syntax_repaired"),
            "{query}: {:?}",
            results.notices
        );
        assert!(results.total > 0 || query.starts_with('"'), "{query}");
    }
    assert_eq!(ids(&search(&engine, "(camhs")), ["camhs-b"]);
    // Only common words: everything, said so.
    let results = search(&engine, "AND OR");
    assert_eq!(results.total, DOCUMENTS.len());
    assert!(
        codes(&results).contains(&"only_common_words"),
        "{:?}",
        results.notices
    );
}

/// Regression (issue 17): an expression of common words, or one that only excludes,
/// was answered with tantivy's "Only excluding terms given".
#[test]
fn an_unreadable_boolean_expression_says_what_is_wrong_with_it() {
    let (_dir, engine) = engine();
    for (query, reason) in [
        (
            "the AND of",
            "every word of the expression is too common to search for",
        ),
        ("NOT camhs", "the expression only excludes words"),
    ] {
        let results = search(&engine, query);
        let messages: Vec<&str> = results
            .notices
            .iter()
            .map(|notice| notice.message.as_str())
            .collect();
        assert!(
            messages.iter().any(|message| message.contains(reason)),
            "{query}: {messages:?}"
        );
        assert!(
            messages
                .iter()
                .all(|message| !message.contains("Only excluding")),
            "{query}: {messages:?}"
        );
    }
}

#[test]
fn strict_callers_get_errors_for_broken_syntax() {
    let (_dir, engine) = engine();
    for query in ["\"unclosed", "(camhs", "CAMHS -", "date:2020"] {
        let result = engine.search(&SearchRequest {
            query: query.into(),
            strict: true,
            ..SearchRequest::default()
        });
        assert!(
            matches!(
                result,
                Err(IndexError::InvalidQuery(_) | IndexError::UnknownQueryField { .. })
            ),
            "{query}: {result:?}"
        );
    }
}

#[test]
fn the_thesaurus_meets_acronyms_and_phrasings_but_not_quoted_phrases() {
    let (_dir, engine) = engine();
    let results = search(&engine, "HV");
    assert_eq!(ids(&results), ["hv-d"]);
    assert_eq!(results.also_searched[0].also, ["health visitor"]);
    // "A&E" is only the letter "e" to the index: searched by its long forms.
    assert_eq!(ids(&search(&engine, "A&E")), ["ed-e"]);
    assert_eq!(ids(&search(&engine, "died by suicide")), ["suicide-a"]);
    // Turned off, or quoted: the words as typed only.
    let off = engine
        .search(&SearchRequest {
            query: "HV".into(),
            synonyms: false,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(off.total, 0);
    assert!(off.also_searched.is_empty());
    let quoted = search(&engine, "\"died by suicide\"");
    assert_eq!(quoted.total, 0);
    assert!(quoted.also_searched.is_empty());
    // Ambiguous "ED" is not added when "emergency department" is typed.
    let typed = search(&engine, "emergency department");
    assert!(typed.also_searched[0].also.iter().all(|term| term != "ED"));
}

#[test]
fn phrases_cross_sentence_breaks_but_never_sections() {
    let (_dir, engine) = engine();
    assert_eq!(
        ids(&search(&engine, "\"traffic oral testimony\"")),
        ["court-f"]
    );
    // A stop word in the phrase must not let it bridge the end of a page.
    assert_eq!(search(&engine, "\"delay of testimony\"").total, 0);
    assert_eq!(search(&engine, "\"delay of testimony\"~10").total, 0);
}

#[test]
fn prefixes_fuzzy_words_and_phrase_prefixes_find_what_they_say() {
    let (_dir, engine) = engine();
    assert_eq!(ids(&search(&engine, "negl*")), ["hv-d"]);
    assert_eq!(ids(&search(&engine, "neglekt~1")), ["hv-d"]);
    assert_eq!(ids(&search(&engine, "\"information shar*\"")), ["court-f"]);
    assert_eq!(ids(&search(&engine, "\"information shar\"*")), ["court-f"]);
    // Stop words between keep their places, as in the index.
    assert_eq!(
        ids(&search(&engine, "\"oral testimony of the dri*\"")),
        ["split-g"]
    );
    // Longer than any indexed word: nothing, quickly, and no error.
    let long = "a".repeat(5_000);
    for query in [
        format!("{long}*"),
        format!("{long}~2"),
        format!("\"information {long}*\""),
    ] {
        assert_eq!(search(&engine, &query).total, 0, "{}", &query[..20]);
    }
}

#[test]
fn unknown_words_get_a_suggestion_from_the_index() {
    let (_dir, engine) = engine();
    let results = search(&engine, "neglet");
    // Nothing has the word: the results are the suggestion's, said so.
    assert_eq!(ids(&results), ["hv-d"]);
    assert_eq!(codes(&results)[0], "showing_suggestion");
    assert_eq!(results.suggestions.len(), 1, "{:?}", results.suggestions);
    assert_eq!(results.suggestions[0].suggestion, "neglect");
    assert_eq!(results.suggestions[0].query, "neglect");
    let strict = engine
        .search(&SearchRequest {
            query: "neglet".into(),
            strict: true,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(strict.total, 0, "strict callers get what they asked for");
}

#[test]
fn a_pasted_page_is_searched_by_its_most_informative_words() {
    let (_dir, engine) = engine();
    let mut text = String::from("The teenager was waiting for CAMHS. ");
    let mut n = 0;
    while text.len() < 10_000 {
        text.push_str(&format!("filler{n} unheard{n}; "));
        n += 1;
    }
    let results = search(&engine, &text);
    assert!(
        codes(&results).contains(&"query_shortened"),
        "{:?}",
        results.notices
    );
    assert_eq!(ids(&results)[0], "camhs-b");
}
