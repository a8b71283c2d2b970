//! The OpenAPI 3 description of the service, served at `/openapi.json`. It is generated
//! from the handlers' `#[utoipa::path]` attributes and the response types' `ToSchema`
//! derives, and the router is built from the same list ([`crate::app`] uses
//! `utoipa_axum`'s `routes!`), so a route cannot exist without being described.

use std::sync::Arc;

use axum::extract::State;
use axum::{Extension, Json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "casesearch",
        description = "Full-text, faceted search over UK child safeguarding case reviews. \
            Errors are JSON `{message, code}` with a stable machine `code`."
    ),
    modifiers(&BearerToken),
    tags(
        (name = "search", description = "Searching, exports and feeds"),
        (name = "documents", description = "One document, and documents like it"),
        (name = "pages", description = "Server-rendered HTML for people"),
        (name = "admin", description = "For librarians; needs the admin bearer token"),
        (name = "operations", description = "Health, metrics and this description")
    )
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The search parameters shared by `/api/search`, its exports, the feed, trends and the
/// search page. Described here for the document; parsed (with specific errors) by
/// [`crate::params::search_request`], and a test checks the two name the same parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read by the OpenAPI derive only
pub struct SearchParams {
    /// Query: words (documents with all of them first, then those with most),
    /// "phrases" (`"…"~N` for nearby words, `"information shar*"` for a prefix),
    /// `+required`, `-excluded`, `negl*`, `neglect~1`, `title:`, `text:`, `publisher:`;
    /// AND/OR/NOT make a strict boolean expression. Text that is not valid syntax is
    /// searched as words, with a notice. Up to 20,000 characters.
    q: Option<String>,
    /// Theme id (repeatable; any of them), e.g. `domestic-abuse`.
    theme: Option<Vec<String>>,
    /// Region path prefix (repeatable), e.g. `England` or `England/London`.
    region: Option<Vec<String>>,
    /// Review type slug (repeatable), e.g. `pfd`, `serious-case-review`.
    #[param(rename = "type")]
    review_type: Option<Vec<String>>,
    /// Publisher, exactly as named (repeatable).
    publisher: Option<Vec<String>>,
    /// Availability (repeatable): `published`, `link_removed`, `withdrawn`, `delayed`,
    /// `not_published`. Catalogue records of withdrawn reviews, say.
    availability: Option<Vec<String>>,
    /// The subject's age band (repeatable): `under-1`, `1-4`, `5-10`, `11-15`, `16-17`,
    /// `adult`, or `children` for any child band.
    age_band: Option<Vec<String>>,
    /// First year, inclusive (1900–2100).
    #[param(minimum = 1900, maximum = 2100)]
    year_from: Option<u32>,
    /// Last year, inclusive (1900–2100).
    #[param(minimum = 1900, maximum = 2100)]
    year_to: Option<u32>,
    /// `relevance` (default), `newest` or `oldest`.
    sort: Option<String>,
    /// Page number, from 1 (at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    page: Option<u32>,
    /// Hits per page (1–100, default 10).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
    /// `true`: answer 400 `invalid_query` for text that is not valid query syntax
    /// instead of searching it as words (default `false`).
    strict: Option<bool>,
    /// `false`: do not also search the thesaurus's alternatives ("HV" → "health
    /// visitor"); default `true`.
    synonyms: Option<bool>,
    /// `true`: expand the query with words from its best matches (RM3 pseudo-relevance
    /// feedback; a second search). Default `false`.
    expand: Option<bool>,
    /// `false`: when nothing matches, answer nothing rather than the results of the
    /// closest word the reports use (default `true`; `suggestions` lists it either way).
    correct: Option<bool>,
}

/// The pages' parameters (`/`, `/trends`, `/documents/{id}`): the search's names, read
/// leniently. A page never refuses what it is sent: a value it cannot use is left out with
/// a notice, and a year it cannot read is shown in an error summary beside the form, so
/// every value is described as text.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read by the OpenAPI derive only
pub struct PageParams {
    /// The query, as for `/api/search` (text that is not valid syntax is searched as words).
    q: Option<String>,
    /// Theme ids (any of them).
    theme: Option<Vec<String>>,
    /// Region path prefixes.
    region: Option<Vec<String>>,
    /// Review type slugs.
    #[param(rename = "type")]
    review_type: Option<Vec<String>>,
    /// Publishers, exactly as named.
    publisher: Option<Vec<String>>,
    /// Availability values.
    availability: Option<Vec<String>>,
    /// Age bands (`adult`, `children`, `under-1` … `16-17`).
    age_band: Option<Vec<String>>,
    /// First year, four digits.
    year_from: Option<String>,
    /// Last year, four digits.
    year_to: Option<String>,
    /// `relevance`, `newest` or `oldest`.
    sort: Option<String>,
    /// Page number, from 1.
    page: Option<String>,
    /// Hits per page.
    per_page: Option<String>,
    /// Ignored by the pages: they always read syntax leniently.
    strict: Option<String>,
    /// `false`: no thesaurus alternatives.
    synonyms: Option<String>,
    /// `true`: RM3 query expansion.
    expand: Option<String>,
    /// `false`: no results for a suggested word.
    correct: Option<String>,
}

/// The only parameter of the document endpoints.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read by the OpenAPI derive only
pub struct HighlightParams {
    /// Words to highlight in the text.
    q: Option<String>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read by the OpenAPI derive only
pub struct SimilarParams {
    /// How many similar documents (1–50, default 10).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<u32>,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // read by the OpenAPI derive only
pub struct ReindexParams {
    /// `true` re-indexes every document, not only the changed ones.
    full: Option<bool>,
    /// `true` answers with the outcome when the build is done (200, or 409/500), not at
    /// once with the job (202). A client that hangs up while waiting stops nothing.
    wait: Option<bool>,
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3 description of this service", content_type = "application/json")))]
pub async fn document(
    State(state): State<crate::AppState>,
    Extension(doc): Extension<Arc<utoipa::openapi::OpenApi>>,
) -> Json<serde_json::Value> {
    let mut json = serde_json::to_value(doc.as_ref()).unwrap_or_default();
    let themes: Vec<String> = state
        .engine()
        .meta()
        .themes
        .iter()
        .map(|theme| theme.id.clone())
        .collect();
    list_known_values(&mut json, &themes);
    Json(json)
}

/// The API's closed sets of filter values, written into the served document: the review
/// types, availabilities, age bands and sorts from the model, and the themes of the index
/// being served (they come from the librarians' rules file, so only the server knows them).
/// An empty value means "not set" (forms send empty fields), so it is listed too, and a
/// number or flag may be empty. The pages
/// read every value leniently and are left as free text.
pub fn list_known_values(json: &mut serde_json::Value, themes: &[String]) {
    use casesearch_model::{AgeBand, Availability, ReviewType};
    let with_empty = |values: Vec<String>| -> serde_json::Value {
        std::iter::once(String::new()).chain(values).collect()
    };
    let mut age_bands: Vec<String> = AgeBand::ALL
        .iter()
        .map(|band| band.slug().to_owned())
        .collect();
    age_bands.push("children".into());
    let sets: [(&str, serde_json::Value); 5] = [
        ("theme", with_empty(themes.to_vec())),
        (
            "type",
            with_empty(
                ReviewType::ALL
                    .iter()
                    .map(|kind| kind.slug().to_owned())
                    .collect(),
            ),
        ),
        (
            "availability",
            with_empty(
                Availability::ALL
                    .iter()
                    .map(|value| value.slug().to_owned())
                    .collect(),
            ),
        ),
        ("age_band", with_empty(age_bands)),
        (
            "sort",
            with_empty(["relevance", "newest", "oldest"].map(String::from).to_vec()),
        ),
    ];
    let Some(paths) = json
        .get_mut("paths")
        .and_then(|paths| paths.as_object_mut())
    else {
        return;
    };
    for (path, operations) in paths.iter_mut() {
        let api = path.starts_with("/api/search") || path == "/api/trends" || path == "/feed.atom";
        if !api {
            continue;
        }
        let Some(parameters) = operations
            .get_mut("get")
            .and_then(|get| get.get_mut("parameters"))
            .and_then(|parameters| parameters.as_array_mut())
        else {
            continue;
        };
        for parameter in parameters {
            let name = parameter["name"].as_str().unwrap_or_default().to_owned();
            let typed = matches!(
                parameter["schema"]["type"].as_str(),
                Some("integer" | "boolean")
            );
            if typed {
                // A number or flag, or empty for "not set" (forms send empty fields).
                let schema = parameter["schema"].clone();
                parameter["schema"] =
                    serde_json::json!({ "anyOf": [schema, { "type": "string", "maxLength": 0 }] });
                continue;
            }
            let Some((_, values)) = sets.iter().find(|(set, _)| *set == name) else {
                continue;
            };
            let schema = &mut parameter["schema"];
            if schema.get("items").is_some() {
                schema["items"]["enum"] = values.clone();
            } else {
                schema["enum"] = values.clone();
            }
        }
    }
}
