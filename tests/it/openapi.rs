//! The OpenAPI document: a valid OpenAPI 3.1 description that lists every route the
//! router serves, whose references all resolve, and whose search parameters are the
//! ones the parser accepts.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

use super::fixture::*;

/// Every public route, as a client would call it.
const ROUTES: [(&str, &str); 17] = [
    ("get", "/"),
    ("get", "/documents/{id}"),
    ("get", "/trends"),
    ("get", "/themes"),
    ("get", "/api/search"),
    ("get", "/api/search.csv"),
    ("get", "/api/search.jsonl"),
    ("get", "/feed.atom"),
    ("get", "/api/trends"),
    ("get", "/api/documents/{id}"),
    ("get", "/api/documents/{id}/similar"),
    ("post", "/api/admin/reindex"),
    ("get", "/api/admin/status"),
    ("get", "/style.css"),
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
];

/// Checks every `$ref` in `node` points at something in `root`; returns how many.
fn check_refs(root: &Value, node: &Value) -> usize {
    match node {
        Value::Object(map) => {
            let mut count = 0;
            if let Some(Value::String(reference)) = map.get("$ref") {
                let pointer = reference
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("non-local $ref {reference}"));
                assert!(root.pointer(pointer).is_some(), "dangling $ref {reference}");
                count += 1;
            }
            count + map.values().map(|v| check_refs(root, v)).sum::<usize>()
        }
        Value::Array(items) => items.iter().map(|v| check_refs(root, v)).sum(),
        _ => 0,
    }
}

#[tokio::test]
async fn openapi_document_is_valid_and_lists_every_route() {
    let (status, text) = get_raw("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let spec = oas3::from_json(&text).expect("parses as OpenAPI 3.1");
    spec.validate_version()
        .expect("a supported OpenAPI version");

    let documented: BTreeSet<(String, String)> = spec
        .operations()
        .map(|(path, method, _)| (method.as_str().to_lowercase(), path))
        .collect();
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    assert_eq!(documented, expected);

    // Every documented response resolves, and every error response has the error shape.
    for (path, method, operation) in spec.operations() {
        let responses = operation.responses(&spec);
        assert!(responses.contains_key("200"), "{method} {path}");
        for (code, response) in &responses {
            if code.starts_with('4') || code.starts_with('5') {
                let is_page = !path.starts_with("/api") && path != "/feed.atom";
                let media = if is_page {
                    "text/html"
                } else {
                    "application/json"
                };
                assert!(
                    response.content.contains_key(media),
                    "{method} {path} {code} is not {media}"
                );
            }
        }
    }
    let json: Value = serde_json::from_str(&text).unwrap();
    assert!(
        check_refs(&json, &json) > 10,
        "schemas are shared by reference"
    );
    let error = &json["components"]["schemas"]["ErrorBody"];
    assert_eq!(error["required"], serde_json::json!(["message", "code"]));
}

#[tokio::test]
async fn every_documented_route_is_served_and_search_parameters_match_the_parser() {
    let (_, json) = get_json("/openapi.json").await;
    let id = &records()[0].id;
    for (method, path) in ROUTES.iter().filter(|(method, _)| *method == "get") {
        let uri = path.replace("{id}", id);
        let (status, body) = get_raw(&uri).await;
        // The admin routes answer, but refuse a request without credentials.
        let expected = if path.starts_with("/api/admin") {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{method} {uri}: {body}");
    }

    for path in [
        "/api/search",
        "/api/search.csv",
        "/feed.atom",
        "/api/trends",
        "/",
    ] {
        let names: BTreeSet<&str> = json["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path} has parameters"))
            .iter()
            .map(|parameter| {
                assert_eq!(parameter["in"], "query");
                parameter["name"].as_str().unwrap()
            })
            .collect();
        let accepted: BTreeSet<&str> = casesearch_server::params::SEARCH_PARAMETERS
            .into_iter()
            .collect();
        assert_eq!(names, accepted, "{path}");
    }
    // The served document is the generated one with the closed sets of filter values
    // listed, the themes those of the index served.
    let mut expected = serde_json::to_value(casesearch_server::openapi_document()).unwrap();
    let themes: Vec<String> = engine()
        .meta()
        .themes
        .iter()
        .map(|theme| theme.id.clone())
        .collect();
    casesearch_server::list_known_values(&mut expected, &themes);
    assert_eq!(json, expected, "the served document is the generated one");
    let parameter = |path: &str, name: &str| -> serde_json::Value {
        json["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|parameter| parameter["name"] == name)
            .unwrap()
            .clone()
    };
    let themes_listed = parameter("/api/search", "theme")["schema"]["items"]["enum"].clone();
    assert!(themes_listed
        .as_array()
        .unwrap()
        .contains(&"neglect".into()));
    assert!(
        parameter("/api/search.csv", "type")["schema"]["items"]["enum"]
            .as_array()
            .unwrap()
            .contains(&"pfd".into())
    );
    assert!(parameter("/api/trends", "sort")["schema"]["enum"]
        .as_array()
        .unwrap()
        .contains(&"newest".into()));
    // The pages read every value leniently: nothing is listed there.
    assert!(parameter("/", "theme")["schema"]["items"]
        .get("enum")
        .is_none());
}

/// Regression (issue 17): the document omitted the limits the parser enforces, so a
/// client (or schemathesis) could not know them. Each limit is in the schema, and the
/// values just outside it are refused with 400.
#[tokio::test]
async fn numeric_limits_are_in_the_document_and_enforced() {
    let (_, json) = get_json("/openapi.json").await;
    let schema_of = |path: &str, name: &str| -> Value {
        json["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|parameter| parameter["name"] == name)
            .unwrap_or_else(|| panic!("{path} {name}"))["schema"]
            .clone()
    };
    let id = &records()[0].id;
    for (path, name, minimum, maximum) in [
        ("/api/search", "page", 1, 1000),
        ("/api/search", "per_page", 1, 100),
        ("/api/search", "year_from", 1900, 2100),
        ("/api/search", "year_to", 1900, 2100),
        ("/api/documents/{id}/similar", "limit", 1, 50),
    ] {
        // Search parameters may also be empty ("not set"): their number is the first of
        // `anyOf`.
        let described = schema_of(path, name);
        let schema = match described.get("anyOf") {
            Some(alternatives) => {
                assert_eq!(
                    alternatives[1]["maxLength"], 0,
                    "{path} {name}: {described}"
                );
                alternatives[0].clone()
            }
            None => described,
        };
        assert_eq!(schema["minimum"], minimum, "{path} {name}: {schema}");
        assert_eq!(schema["maximum"], maximum, "{path} {name}: {schema}");
        let uri = path.replace("{id}", id);
        for (value, ok) in [
            (minimum - 1, false),
            (minimum, true),
            (maximum, true),
            (maximum + 1, false),
        ] {
            let (status, body) = get_raw(&format!("{uri}?{name}={value}")).await;
            let expected = if ok {
                StatusCode::OK
            } else {
                StatusCode::BAD_REQUEST
            };
            assert_eq!(status, expected, "{uri}?{name}={value}: {body}");
        }
    }
    let page = &json["paths"]["/documents/{id}"]["get"]["responses"];
    assert!(page.get("400").is_some(), "{page}");
}
