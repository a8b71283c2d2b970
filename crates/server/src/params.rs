//! Query-string parameters of `/api/search` (and the search page): every name known,
//! every value checked, so a typo is a 400 that says what was wrong, not a silent
//! "no filter".

use casesearch_index::{SearchRequest, Sort, MAX_PER_PAGE};
use casesearch_model::{AgeBand, Slug};

use crate::ApiError;

/// Highest page number accepted: deep pages cost a full collection each, and nobody
/// reads page 500 of a result list.
pub const MAX_PAGE: usize = 1_000;
const YEARS: std::ops::RangeInclusive<usize> = 1900..=2100;

/// The parameter names the search accepts.
pub const SEARCH_PARAMETERS: [&str; 16] = [
    "q",
    "theme",
    "region",
    "type",
    "publisher",
    "availability",
    "age_band",
    "year_from",
    "year_to",
    "sort",
    "page",
    "per_page",
    "strict",
    "synonyms",
    "expand",
    "correct",
];

pub fn parse_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// The value a filter's slug names; an unknown one is a 400 listing the values that would do.
fn slug<T: Slug>(name: &str, value: &str) -> Result<T, ApiError> {
    T::parse_slug(value).map_err(|unknown| ApiError::invalid(name, unknown.to_string()))
}

/// Builds a search request. Theme ids are checked by the engine, which knows them.
pub fn search_request(pairs: &[(String, String)]) -> Result<SearchRequest, ApiError> {
    let mut request = SearchRequest::default();
    let mut seen_single = Vec::new();
    for (name, value) in pairs {
        let single = !matches!(
            name.as_str(),
            "theme" | "region" | "type" | "publisher" | "availability" | "age_band"
        );
        if single && SEARCH_PARAMETERS.contains(&name.as_str()) {
            if seen_single.contains(name) {
                return Err(ApiError::invalid(name, "given more than once"));
            }
            seen_single.push(name.clone());
        }
        let value = value.trim();
        // Forms send empty fields; an empty optional value means "not set".
        if value.is_empty() && name != "q" && SEARCH_PARAMETERS.contains(&name.as_str()) {
            continue;
        }
        match name.as_str() {
            "q" => request.query = value.to_owned(),
            "theme" => request.themes.push(value.to_owned()),
            "region" => request.regions.push(value.to_owned()),
            "type" => request.types.push(slug(name, value)?),
            "publisher" => request.publishers.push(value.to_owned()),
            "availability" => request.availability.push(slug(name, value)?),
            // "children" is every band under 18: a DSL's "children only".
            "age_band" if value == "children" => request.age_bands.extend(AgeBand::CHILDREN),
            "age_band" => request.age_bands.push(slug(name, value)?),
            "year_from" => request.year_from = Some(year(name, value)?),
            "year_to" => request.year_to = Some(year(name, value)?),
            "sort" => {
                request.sort = Sort::parse(value).ok_or_else(|| {
                    ApiError::invalid(
                        "sort",
                        format!("{value:?} is not one of relevance, newest, oldest"),
                    )
                })?;
            }
            "page" => request.page = number(name, value, 1..=MAX_PAGE)?,
            "per_page" => request.per_page = number(name, value, 1..=MAX_PER_PAGE)?,
            "strict" => request.strict = flag(name, value)?,
            "synonyms" => request.synonyms = flag(name, value)?,
            "expand" => request.expand = flag(name, value)?,
            "correct" => request.correct = flag(name, value)?,
            _ => return Err(ApiError::UnknownParameter(name.clone())),
        }
    }
    // A reversed range (year_from after year_to) is not refused: it is well formed and
    // matches nothing, and the results say so (notice `empty_year_range`). The search page
    // checks it itself and shows an error summary.
    Ok(request)
}

/// The only parameter of the document endpoints: the query to highlight.
pub fn highlight_query(pairs: &[(String, String)]) -> Result<String, ApiError> {
    let mut query = String::new();
    for (name, value) in pairs {
        match name.as_str() {
            "q" => query = value.clone(),
            _ => return Err(ApiError::UnknownParameter(name.clone())),
        }
    }
    Ok(query)
}

/// Most similar documents one may ask for.
pub const MAX_SIMILAR: usize = 50;

/// The only parameter of `/api/documents/{id}/similar`: how many (default 10).
pub fn similar_limit(pairs: &[(String, String)]) -> Result<usize, ApiError> {
    let mut limit = 10;
    for (name, value) in pairs {
        match name.as_str() {
            "limit" => limit = number(name, value.trim(), 1..=MAX_SIMILAR)?,
            _ => return Err(ApiError::UnknownParameter(name.clone())),
        }
    }
    Ok(limit)
}

/// What `POST /api/admin/reindex` was asked for.
#[derive(Debug, Default)]
pub struct ReindexRequest {
    /// Re-index every document instead of only the changed ones.
    pub full: bool,
    /// Answer with the outcome when the build is done, not at once with the job.
    pub wait: bool,
}

/// The parameters of `POST /api/admin/reindex`: `full` and `wait`.
pub fn reindex_request(pairs: &[(String, String)]) -> Result<ReindexRequest, ApiError> {
    let mut request = ReindexRequest::default();
    for (name, value) in pairs {
        match name.as_str() {
            "full" => request.full = flag(name, value.trim())?,
            "wait" => request.wait = flag(name, value.trim())?,
            _ => return Err(ApiError::UnknownParameter(name.clone())),
        }
    }
    Ok(request)
}

/// `true`/`1` or `false`/`0`.
fn flag(name: &str, value: &str) -> Result<bool, ApiError> {
    match value {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(ApiError::invalid(
            name,
            format!("{other:?} is not true or false"),
        )),
    }
}

fn year(name: &str, value: &str) -> Result<u64, ApiError> {
    number(name, value, YEARS).map(|year| year as u64)
}

fn number(
    name: &str,
    value: &str,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ApiError> {
    let parsed: usize = value
        .parse()
        .map_err(|_| ApiError::invalid(name, format!("{value:?} is not a whole number")))?;
    if !range.contains(&parsed) {
        return Err(ApiError::invalid(
            name,
            format!("{parsed} is outside {}..={}", range.start(), range.end()),
        ));
    }
    Ok(parsed)
}

/// `?name=value&…` for links, dropping `page` (links set it themselves).
pub fn query_string(pairs: &[(String, String)], extra: &[(&str, &str)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        if name != "page" && !value.is_empty() {
            serializer.append_pair(name, value);
        }
    }
    for (name, value) in extra {
        serializer.append_pair(name, value);
    }
    serializer.finish()
}
