//! The server-rendered pages, through the router.

use axum::http::StatusCode;

use super::fixture::*;

#[tokio::test]
async fn search_page_shows_results_with_marks_facet_checkboxes_and_labels() {
    let (status, html) = get_raw("/?q=ligature&theme=adolescents").await;
    assert_eq!(status, StatusCode::OK);
    let api = search("q=ligature&theme=adolescents").await;
    assert!(
        html.contains(&format!(" of {} reports", total(&api))),
        "summary states the total"
    );
    assert!(html.contains("<mark>"));
    // The selected theme's checkbox is ticked and every control has a label.
    assert!(
        html.contains(r#"name="theme" value="adolescents" form="search" checked"#),
        "ticked"
    );
    let boxes = html.matches("<input type=\"checkbox\"").count();
    assert!(boxes > 0);
    assert_eq!(boxes, html.matches("<div class=\"check depth-").count());
    for id in html
        .split("type=\"checkbox\" id=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
    {
        assert!(
            html.contains(&format!("<label for=\"{id}\">")),
            "{id} has a label"
        );
    }
    // Theme evidence is written out on the page, not left to a hover tooltip.
    assert!(html.contains("<span class=\"because\">: ‘"));
    assert!(!html.contains("title=\"tagged because"));
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
        .split("<mark")
        .skip(1)
        .filter_map(|rest| rest.split_once('>'))
        .filter_map(|(_, rest)| rest.split_once("</mark>"))
        .map(|(word, _)| word.to_lowercase())
        .collect();
    assert!(!marked.is_empty(), "the query's word is marked");
    assert!(
        marked.iter().all(|word| word.starts_with("coroner")),
        "{marked:?}"
    );
    assert!(html.contains(&format!("<h1>{}</h1>", review.title.replace('&', "&amp;"))));
    assert!(html.contains("&amp;"));
    let (missing, page) = get_raw("/documents/no-such-id").await;
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert!(
        page.contains("<h1>Page not found</h1>")
            && page.contains("There is no review at this address")
    );
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
    let first_hit = html.split("<p class=\"meta\">").nth(1).expect("a hit");
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
    let years: Vec<u64> = trends["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y.as_u64().unwrap())
        .collect();
    assert!(years.len() > 1);
    // One bar per year from the collection's first to its last, empty years included.
    let (_, all) = get_json("/api/trends").await;
    let all_years = all["years"].as_array().unwrap();
    let span = all_years.last().unwrap().as_u64().unwrap() - all_years[0].as_u64().unwrap() + 1;
    let bars = html
        .split("<ol class=\"bars\"")
        .nth(1)
        .unwrap()
        .split("</ol>")
        .next()
        .unwrap();
    assert_eq!(bars.matches("<li>").count() as u64, span);
    // Each bar with reports links to that year's search.
    assert!(bars.contains(&format!(
        "href=\"/?q=camhs&amp;year_from={0}&amp;year_to={0}\"",
        years[0]
    )));
    assert_eq!(
        html.matches("<th scope=\"row\">").count(),
        trends["themes"].as_array().unwrap().len()
    );
    // What cannot be used is left out with a notice, as on the search page.
    let (status, bad) = get_raw("/trends?q=camhs&year_from=abc&theme=no-such-theme").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        bad.contains("Enter the “From” year as four digits, like 2019; the years were left out.")
    );
    assert!(bad.contains("“no-such-theme” is not one of our themes"));
    assert!(bad.contains(&format!("{} reports match", trends["total"])));
}

/// The `href`s of the links in `html` whose text is `text`.
fn links_named(html: &str, text: &str) -> Vec<String> {
    html.split("<a ")
        .skip(1)
        .filter_map(|rest| {
            let (attributes, after) = rest.split_once('>')?;
            let inner = after.split("</a>").next()?;
            let href = attributes.split("href=\"").nth(1)?.split('"').next()?;
            inner.contains(text).then(|| href.replace("&amp;", "&"))
        })
        .collect()
}

#[tokio::test]
async fn every_page_opens_with_a_skip_link_and_its_own_h1_in_british_english() {
    for uri in [
        "/",
        "/?q=neglect",
        "/trends?q=camhs",
        &format!("/documents/{}?q=coroner", records()[0].id),
    ] {
        let (status, html) = get_raw(uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(html.contains("<html lang=\"en-GB\">"), "{uri}");
        let body = html.split("<body>").nth(1).unwrap();
        assert!(
            body.starts_with("<a class=\"skip\" href=\"#"),
            "{uri}: skip link first"
        );
        let target = body
            .split("href=\"#")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(
            html.contains(&format!("id=\"{target}\"")),
            "{uri}: skip target {target} exists"
        );
        assert_eq!(html.matches("<h1>").count(), 1, "{uri}: one h1");
        assert!(
            !html.contains("<h1><a href=\"/\">casesearch"),
            "{uri}: h1 is the page's, not the site's"
        );
    }
    let (_, html) = get_raw("/?q=neglect").await;
    let api = search("q=neglect").await;
    assert!(html.contains(&format!(
        "<title>Results for “neglect” ({} reports) — casesearch</title>",
        total(&api)
    )));
}

#[tokio::test]
async fn selected_filters_show_as_tags_that_each_remove_one_with_clear_filters() {
    let (status, html) =
        get_raw("/?q=school&theme=adolescents&region=England&year_from=2015&sort=newest").await;
    assert_eq!(status, StatusCode::OK);
    let tags = html
        .split("<ul class=\"tags\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert!(tags.contains("Theme: Adolescents"), "a label, not a code");
    let removals = links_named(tags, "Remove filter");
    assert_eq!(removals.len(), 3);
    assert!(removals.contains(&"/?q=school&region=England&year_from=2015&sort=newest".to_owned()));
    assert!(
        removals.contains(&"/?q=school&theme=adolescents&region=England&sort=newest".to_owned())
    );
    assert_eq!(
        links_named(&html, "Clear filters"),
        vec!["/?q=school&sort=newest".to_owned()]
    );
}

#[tokio::test]
async fn filter_panel_folds_hides_empty_themes_says_any_of_and_repeats_apply() {
    let (_, html) = get_raw("/?q=ligature").await;
    let api = search("q=ligature").await;
    // Folded behind a <details> summary; the results follow it.
    let panel = html
        .split("<details class=\"filters\">")
        .nth(1)
        .expect("a closed details");
    assert!(panel.starts_with("<summary>Filter results"));
    assert!(html.find("id=\"results\"").unwrap() > html.find("class=\"filters\"").unwrap());
    let themes = panel
        .split("<legend>Theme</legend>")
        .nth(1)
        .unwrap()
        .split("</fieldset>")
        .next()
        .unwrap();
    for theme in api["facets"]["theme"].as_array().unwrap() {
        let shown = themes.contains(&format!("value=\"{}\"", theme["value"].as_str().unwrap()));
        assert_eq!(shown, theme["count"].as_u64().unwrap() > 0, "{theme}");
    }
    assert!(themes.contains("reports with any of them are shown"));
    assert_eq!(
        panel.matches(">Apply filters</button>").count(),
        2,
        "at the top and sticky at the end"
    );
    // A ticked theme with no documents left stays, so it can be unticked.
    let (_, narrowed) =
        get_raw("/?q=ligature&theme=adolescents&theme=older-people&year_from=2026").await;
    assert!(narrowed.contains("value=\"adolescents\" form=\"search\" checked"));
    let css = casesearch_server_stylesheet().await;
    assert!(!css.contains("32rem"), "no fixed-width search box");
}

async fn casesearch_server_stylesheet() -> String {
    let (status, css) = get_raw("/style.css").await;
    assert_eq!(status, StatusCode::OK);
    css
}

#[tokio::test]
async fn search_page_defaults_to_best_match_and_the_form_sends_no_sort_surprise() {
    let (_, html) = get_raw("/").await;
    let form = html
        .split("<form")
        .nth(1)
        .unwrap()
        .split("</form>")
        .next()
        .unwrap();
    assert!(form.contains("<option value=\"relevance\" selected>"));
    assert!(!form.contains("value=\"newest\" selected"));
}

#[tokio::test]
async fn result_links_carry_the_whole_search_and_the_record_links_back_to_it() {
    let search_query = "q=police&theme=adolescents&sort=newest&page=2";
    let (_, html) = get_raw(&format!("/?{search_query}")).await;
    let api = search(search_query).await;
    let id = api["hits"][0]["id"].as_str().unwrap();
    let record_link = format!("/documents/{id}?{search_query}");
    assert!(html
        .replace("&amp;", "&")
        .contains(&format!("href=\"{record_link}\"")));
    let (status, record) = get_raw(&record_link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        links_named(&record, "Back to the results"),
        vec![format!("/?{search_query}")]
    );
}

#[tokio::test]
async fn snippet_page_labels_link_to_the_first_match_on_that_page_of_the_record() {
    let (_, html) = get_raw("/?q=ligature").await;
    let first = html.split("<ol class=\"hits\"").nth(1).unwrap();
    let label_link = first
        .split("<a class=\"where\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let (path, fragment) = label_link.split_once('#').expect("a fragment");
    assert!(fragment.starts_with("hit-"), "{fragment}");
    let (status, record) = get_raw(path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        record.contains(&format!("<mark id=\"{fragment}\">")),
        "the first match on that page carries the anchor"
    );
    // Each page of text is a section with its own anchor, and the matches are counted.
    let section = fragment.trim_start_matches("hit-");
    assert!(record.contains(&format!("<section class=\"text\" id=\"{section}\"")));
    assert!(record.contains("Go to the first match"));
    let listed = record
        .split("<ul class=\"hit-sections\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    assert!(listed.contains(&format!("href=\"#{fragment}\"")));
    // Every in-page link lands somewhere, and every match can be reached by number.
    for target in record
        .split("href=\"#")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
    {
        assert!(
            record.contains(&format!("id=\"{target}\"")),
            "#{target} has no target"
        );
    }
    let marks = record.matches("<mark id=").count();
    assert_eq!(
        marks,
        record.matches("<mark").count(),
        "every match has an id"
    );
    // The section with most matches links each by number (the API says how many).
    let api_path = path.replacen("/documents/", "/api/documents/", 1);
    let (_, api) = get_json(&api_path).await;
    let (label, most) = api["highlighted_sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["section"].as_str().unwrap().to_owned(),
                s["html"].as_str().unwrap().matches("<mark>").count(),
            )
        })
        .max_by_key(|(_, count)| *count)
        .unwrap();
    if most > 1 {
        assert!(record.contains(&format!(
            "aria-label=\"Matches in {label}\">{most} matches here: "
        )));
        assert!(record.contains(&format!(
            "aria-label=\"Match {most} of {most} here\">{most}</a>"
        )));
    }
}

#[tokio::test]
async fn record_page_shows_no_internals_and_links_the_original() {
    // The bundled corpus holds web pages, not PDFs: `#page=N` for PDFs is a unit test
    // of `pages::document`.
    let review = records()
        .iter()
        .find(|r| {
            r.url.is_some()
                && r.sections
                    .iter()
                    .any(|s| s.text.to_lowercase().contains("coroner"))
        })
        .expect("a review with a source and text");
    let (_, html) = get_raw(&format!("/documents/{}?q=coroner", review.id)).await;
    for (name, value) in &review.metadata {
        assert!(
            !html.contains(&format!("<dt>{name}</dt>")),
            "{name}={value} shown"
        );
    }
    assert!(!html.contains("sha256"));
    assert!(!html.contains("<td>age_band</td>") && !html.contains("<td>document_kind</td>"));
    let original = links_named(&html, "Open the original document");
    assert_eq!(original.len(), 1);
    assert_eq!(
        original[0],
        review.url.as_deref().unwrap().replace("&amp;", "&")
    );
    assert!(html.contains("Cite this review"));
    assert!(html.contains(&format!("{} (", review.publisher.replace('&', "&amp;"))));
}

#[tokio::test]
async fn a_from_year_after_the_to_year_gets_an_error_summary_and_keeps_every_choice() {
    let (status, html) = get_raw("/?q=police&theme=adolescents&year_from=2020&year_to=2015").await;
    // The form shown again, with its error summary, is the answer: 200.
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<title>Error: "));
    let summary = html
        .split("class=\"error-summary\"")
        .nth(1)
        .expect("an error summary");
    assert!(summary.contains("There is a problem"));
    assert!(summary.contains("href=\"#year_from\""));
    assert!(
        html.contains("<details class=\"filters\" open>"),
        "the filters open at the mistake"
    );
    assert!(html.contains("id=\"year_from\" name=\"year_from\""));
    assert!(html.contains("value=\"2020\""), "the user's year kept");
    assert!(html.contains("value=\"2015\""));
    assert!(html.contains("value=\"police\""));
    assert!(html.contains("value=\"adolescents\" form=\"search\" checked"));
    assert!(
        html.contains("<ol class=\"hits\""),
        "the rest of the search still runs"
    );
}

#[tokio::test]
async fn unknown_filter_values_and_settings_are_left_out_with_a_notice() {
    let (status, html) =
        get_raw("/?q=police&theme=no-such-theme&theme=adolescents&type=no-such-type&colour=red")
            .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("“no-such-theme” is not one of our themes"));
    assert!(html
        .contains("“no-such-type” is not a type of review this page knows, so it was left out."));
    assert!(!html.contains("expected one of"), "no developers' words");
    assert!(html.contains("“colour” is not a setting"));
    let (_, sorted) = get_raw("/?q=police&sort=bogus&sort=newest&sort=oldest").await;
    assert!(sorted.contains("“bogus” is not an order this page knows"));
    assert!(
        sorted.contains("<option value=\"newest\" selected>"),
        "the first usable value is used"
    );
    assert!(sorted.contains("“sort” was given more than once; the first was used."));
    let api = search("q=police&theme=adolescents").await;
    assert!(
        html.contains(&format!(" of {} reports", total(&api)))
            || html.contains(&format!("{} reports match", total(&api)))
    );
}

#[tokio::test]
async fn paging_has_numbered_pages_and_says_when_a_page_is_past_the_end() {
    let (_, html) = get_raw("/?q=police&page=3").await;
    let nav = html
        .split("<nav class=\"pagination\"")
        .nth(1)
        .unwrap()
        .split("</nav>")
        .next()
        .unwrap();
    assert!(nav.contains("aria-current=\"page\" aria-label=\"Page 3\">3<"));
    assert!(nav.contains("aria-label=\"Page 1\">1<"));
    assert!(nav.contains("rel=\"prev\"") && nav.contains("rel=\"next\""));
    let (_, past) = get_raw("/?q=police&page=999").await;
    assert!(past.contains("There is no page 999"));
    assert!(!past.contains("Showing 19961"));
    assert_eq!(links_named(&past, "Go to the last page").len(), 1);
}

#[tokio::test]
async fn counts_agree_with_their_nouns() {
    // A report's own number, in its title: exactly one match.
    let query = "q=title%3A%222017-0264%22";
    assert_eq!(total(&search(query).await), 1);
    let (_, html) = get_raw(&format!("/?{query}")).await;
    assert!(html.contains("<p class=\"summary\">1 report matches ("));
    assert!(html.contains("(1 report) — casesearch</title>"));
    assert!(!html.contains("1 documents") && !html.contains("1 reports"));
    let (_, trends) = get_raw(&format!("/trends?{query}")).await;
    assert!(trends.contains("1 report matches."));
}

#[tokio::test]
async fn zero_results_repeat_the_query_and_offer_each_filter_removed() {
    let (status, html) = get_raw("/?q=police&theme=adolescents&year_from=2100").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No reports match “police” with these filters."));
    let removal = links_named(&html, "Theme: adolescents");
    assert!(
        removal.contains(&"/?q=police&year_from=2100".to_owned()),
        "{removal:?}"
    );
    assert_eq!(
        links_named(&html, "keep only the words"),
        vec!["/?q=police".to_owned()]
    );
}

#[tokio::test]
async fn years_can_be_browsed_with_their_counts() {
    let (_, html) = get_raw("/").await;
    let api = search("").await;
    let browse = html
        .split("<summary>Browse by year</summary>")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap();
    let year = &api["facets"]["year"][0];
    let value = year["value"].as_str().unwrap();
    assert!(browse.contains(&format!(
        "href=\"/?year_from={value}&amp;year_to={value}\">{}</a> <span class=\"count\">({})",
        year["label"].as_str().unwrap(),
        year["count"]
    )));
}

#[tokio::test]
async fn json_links_live_with_the_api_description_not_in_the_summary() {
    let (_, html) = get_raw("/?q=police").await;
    let summary = html
        .split("<p class=\"summary\">")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert!(!summary.contains("JSON"));
    assert!(!html.contains("href=\"/api/search?"));
    assert_eq!(links_named(&html, "JSON API description").len(), 1);
}

#[tokio::test]
async fn pages_stay_under_50_kb_and_load_nothing_from_elsewhere() {
    let id = &records()[0].id;
    for uri in [
        "/?q=police&per_page=100",
        "/?q=the",
        "/trends",
        &format!("/documents/{id}"),
    ] {
        let (_, html) = get_raw(uri).await;
        if !uri.starts_with("/documents") {
            assert!(
                html.len() <= 50 * 1024 || uri.contains("per_page=100"),
                "{uri}: {} bytes",
                html.len()
            );
        }
        assert!(
            !html.contains("src=\"http") && !html.contains("href=\"http://fonts"),
            "{uri}"
        );
        assert!(!html.contains("<script src="), "{uri}");
    }
}

#[tokio::test]
async fn trends_table_scrolls_by_keyboard_and_its_cells_link_to_the_search() {
    let (_, html) = get_raw("/trends?q=camhs").await;
    assert!(html.contains("<div class=\"table-scroll\" tabindex=\"0\" role=\"region\""));
    let table = html.split("<tbody>").nth(1).unwrap();
    assert!(
        table.contains("&amp;theme="),
        "cells link to the theme's search"
    );
    assert!(html.contains("% of "), "share of the year's reports");
}

/// Issue 16: each listed theme's definition is beside the facet, in a `details` (keyboard
/// and touch open it; no hover), and only for themes the facet lists.
#[tokio::test]
async fn theme_facet_has_the_definitions_of_its_themes_beside_it() {
    let (_, html) = get_raw("/?q=ligature").await;
    let api = search("q=ligature").await;
    let definitions = html
        .split("<details class=\"theme-definitions\"><summary>What these themes mean</summary>")
        .nth(1)
        .expect("a details beside the theme facet")
        .split("</details>")
        .next()
        .unwrap();
    let corpus = casesearch_ingest::Corpus::open(corpus_dir()).unwrap();
    let rules = casesearch_cataloguing::ThemeRules::load(&corpus.themes_path()).unwrap();
    let adolescents = rules.theme("adolescents").unwrap();
    assert!(definitions.contains(&format!("<dt>{}</dt>", adolescents.label)));
    assert!(definitions.contains(&adolescents.definition));
    for theme in api["facets"]["theme"].as_array().unwrap() {
        let rule = rules.theme(theme["value"].as_str().unwrap()).unwrap();
        let listed = definitions.contains(&format!("<dt>{}</dt>", rule.label));
        assert_eq!(listed, theme["count"].as_u64().unwrap() > 0, "{theme}");
    }
    assert!(definitions.contains("href=\"/themes\""));
}
