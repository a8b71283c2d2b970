//! The `/themes` page: every theme the index was tagged with, its definition and where
//! it comes from, and a link that searches it. Definitions live in the rules file
//! (`corpus/themes.toml`) and travel with the index's meta, so the page always
//! describes the rules the results were tagged with.

use axum::extract::State;
use axum::response::Html;
use maud::{html, DOCTYPE};

use crate::AppState;

#[utoipa::path(get, path = "/themes", tag = "pages",
    responses((status = 200, description = "Every theme with its definition and source", content_type = "text/html", body = String)))]
pub(crate) async fn themes_page(State(state): State<AppState>) -> Html<String> {
    let engine = state.engine();
    let meta = engine.meta();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Themes — casesearch" }
                link rel="stylesheet" href="/style.css";
            }
            body {
                header {
                    h1 { a href="/" { "casesearch" } }
                    p { "What each theme means, and where it comes from." }
                }
                main {
                    p {
                        "A document is tagged with a theme when the theme is substantive in it: several sentences, "
                        "or a finding, concern or recommendation in the theme's own terms (everyday words such as "
                        "\u{201c}communication\u{201d} need several sentences). Sentences that deny or only suppose it, "
                        "boilerplate, and the names of partnerships do not count. Themes marked "
                        strong { "children only" }
                        " are never given to a document about an adult. Rules version "
                        (meta.themes_version) "."
                    }
                    nav aria-label="Themes" {
                        ul {
                            @for theme in &meta.themes {
                                li { a href={ "#" (theme.id) } { (theme.label) } }
                            }
                        }
                    }
                    @for theme in &meta.themes {
                        section id=(theme.id) {
                            h2 { (theme.label) }
                            @if theme.child_only { p { strong { "Children only." } } }
                            @if theme.definition.is_empty() {
                                p { "No definition is given in the rules file." }
                            } @else {
                                p { (theme.definition) }
                            }
                            @if !theme.source.is_empty() {
                                p { "Source: " (theme.source) }
                            }
                            p { a href={ "/?theme=" (theme.id) } { "Search documents with this theme" } }
                        }
                    }
                }
            }
        }
    };
    Html(page.into_string())
}
