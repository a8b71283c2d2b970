//! Filters and facet counts. Values within one filter are alternatives (OR), filters
//! combine with AND, and each facet is counted with every filter but its own
//! (disjunctive faceting), so ticking one theme still shows what another would add.

use std::collections::HashMap;
use std::ops::Bound;

use casesearch_model::{AgeBand, Availability, ReviewType};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{Searcher, TantivyError, Term};

use crate::results::{FacetValue, Facets};
use crate::schema::names;
use crate::search::{search_segments, Engine};
use crate::tally::FacetTally;
use crate::{IndexError, SearchRequest};

impl Engine {
    /// The request's filters; an unknown theme id is the user's error, not "no results".
    pub(crate) fn filters(&self, request: &SearchRequest) -> Result<Vec<FilterClause>, IndexError> {
        if let Some(unknown) = request
            .themes
            .iter()
            .find(|id| !self.meta.themes.iter().any(|theme| &theme.id == *id))
        {
            return Err(IndexError::UnknownTheme(unknown.clone()));
        }
        let fields = &self.fields;
        // Each facet filter is "any of these paths" on its facet field.
        let facet_filter = |kind, field, paths: Vec<Vec<String>>| {
            let terms: Vec<Term> = paths
                .into_iter()
                .map(|path| Term::from_facet(field, &Facet::from_path(path)))
                .collect();
            (!terms.is_empty()).then(|| FilterClause::terms(kind, terms))
        };
        let single = |value: &str| vec![value.to_owned()];
        let mut filters: Vec<FilterClause> = [
            facet_filter(
                FacetKind::Theme,
                fields.theme,
                request.themes.iter().map(|theme| single(theme)).collect(),
            ),
            facet_filter(
                FacetKind::Region,
                fields.region,
                request
                    .regions
                    .iter()
                    .map(|region| region_path(region))
                    .collect(),
            ),
            facet_filter(
                FacetKind::Type,
                fields.review_type,
                request.types.iter().map(|t| single(t.slug())).collect(),
            ),
            facet_filter(
                FacetKind::Availability,
                fields.availability,
                request
                    .availability
                    .iter()
                    .map(|a| single(a.slug()))
                    .collect(),
            ),
            facet_filter(
                FacetKind::AgeBand,
                fields.age_band,
                request.age_bands.iter().map(|b| single(b.slug())).collect(),
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !request.publishers.is_empty() {
            let terms = request
                .publishers
                .iter()
                .map(|publisher| Term::from_field_text(fields.publisher_name, publisher))
                .collect();
            filters.push(FilterClause::terms(FacetKind::Publisher, terms));
        }
        if request.year_from.is_some() || request.year_to.is_some() {
            let bound = |year: Option<u64>| match year {
                Some(year) => Bound::Included(Term::from_field_u64(fields.year, year)),
                None => Bound::Unbounded,
            };
            filters.push(FilterClause {
                kind: FacetKind::Year,
                query: Box::new(RangeQuery::new(
                    bound(request.year_from),
                    bound(request.year_to),
                )),
            });
        }
        Ok(filters)
    }

    /// Disjunctive facets: each facet's counts apply every filter but its own, so a
    /// user sees what ticking another value of the same facet would add.
    pub(crate) fn facets(
        &self,
        searcher: &Searcher,
        text_query: &dyn Query,
        filters: &[FilterClause],
        request: &SearchRequest,
    ) -> Result<Facets, IndexError> {
        let kinds = [
            (FacetKind::Year, names::YEAR_FACET),
            (FacetKind::Theme, names::THEME),
            (FacetKind::Type, names::TYPE),
            (FacetKind::Availability, names::AVAILABILITY),
            (FacetKind::AgeBand, names::AGE_BAND),
            (FacetKind::Region, names::REGION),
        ];
        let filtered = |kind: FacetKind| filters.iter().any(|f| f.kind == kind);
        // One pass per distinct filter set, not per facet: a facet whose own kind is not
        // filtered counts under every filter, so all such facets share one pass (with no
        // filters at all, every facet is counted in one pass over the matches).
        let (shared_kinds, shared_fields): (Vec<FacetKind>, Vec<&str>) = kinds
            .iter()
            .filter(|(kind, _)| !filtered(*kind))
            .copied()
            .unzip();
        let mut tallies: HashMap<FacetKind, FacetTally> = HashMap::new();
        if !shared_kinds.is_empty() {
            let all: Vec<&FilterClause> = filters.iter().collect();
            let shared = self.facet_tables.collectors(&shared_fields)?;
            let fruits = search_segments(searcher, &combine(text_query, &all), &shared)?;
            tallies.extend(shared_kinds.into_iter().zip(fruits));
        }
        for &(kind, field) in kinds.iter().filter(|(kind, _)| filtered(*kind)) {
            let others: Vec<&FilterClause> = filters.iter().filter(|f| f.kind != kind).collect();
            let collector = self.facet_tables.collector(field)?;
            tallies.insert(
                kind,
                search_segments(searcher, &combine(text_query, &others), &collector)?,
            );
        }
        // Every kind was counted by exactly one of the two loops above.
        let mut tally_of = |kind: FacetKind| {
            tallies.remove(&kind).ok_or_else(|| {
                IndexError::Tantivy(TantivyError::InternalError(format!(
                    "{kind:?} facet not counted"
                )))
            })
        };

        let in_range = |year: u64| {
            request.year_from.is_none_or(|from| year >= from)
                && request.year_to.is_none_or(|to| year <= to)
        };
        let ranged = request.year_from.is_some() || request.year_to.is_some();
        let year = tally_of(FacetKind::Year)?
            .children(&Facet::root())
            .map(|(facet, count)| {
                let label = last_component(facet);
                let selected = ranged && label.parse::<u64>().is_ok_and(in_range);
                FacetValue {
                    value: label.clone(),
                    label,
                    count,
                    depth: 0,
                    selected,
                }
            })
            .collect();

        let theme_tally = tally_of(FacetKind::Theme)?;
        // Themes are listed in the rules file's order, with zero counts kept, so the
        // list does not jump around as filters change.
        let theme = self
            .meta
            .themes
            .iter()
            .map(|theme| FacetValue {
                count: theme_tally.count(&Facet::from_path([theme.id.as_str()])),
                value: theme.id.clone(),
                label: theme.label.clone(),
                depth: 0,
                selected: request.themes.contains(&theme.id),
            })
            .collect();

        let review_type = tally_of(FacetKind::Type)?
            .children(&Facet::root())
            .filter_map(|(facet, count)| {
                let slug = last_component(facet);
                let known = ReviewType::from_slug(&slug)?;
                Some(FacetValue {
                    value: slug,
                    label: known.label().to_owned(),
                    count,
                    depth: 0,
                    selected: request.types.contains(&known),
                })
            })
            .collect();

        let availability = listed(
            &Availability::ALL,
            &tally_of(FacetKind::Availability)?,
            &request.availability,
            |a| (a.slug(), a.label()),
        );
        let age_band = listed(
            &AgeBand::ALL,
            &tally_of(FacetKind::AgeBand)?,
            &request.age_bands,
            |band| (band.slug(), band.label()),
        );
        let region = region_values(&tally_of(FacetKind::Region)?, request);
        Ok(Facets {
            year,
            theme,
            region,
            review_type,
            availability,
            age_band,
        })
    }

    /// Region counts as a tree: every nation, every nation's regions, and the
    /// publishers under any selected region (the list would be long otherwise).
    pub(crate) fn region_facet(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        request: &SearchRequest,
    ) -> Result<Vec<FacetValue>, IndexError> {
        let tally = search_segments(
            searcher,
            query,
            &self.facet_tables.collector(names::REGION)?,
        )?;
        Ok(region_values(&tally, request))
    }
}

/// The region facet's values, depth first: each nation with its regions, and below
/// any region the user selected (or one above a selected one), its children.
fn region_values(tally: &FacetTally, request: &SearchRequest) -> Vec<FacetValue> {
    let selected: Vec<Facet> = request
        .regions
        .iter()
        .map(|region| Facet::from_path(region_path(region)))
        .collect();
    let mut values = Vec::new();
    push_region_children(&mut values, tally, &Facet::root(), &selected);
    values
}

fn push_region_children(
    values: &mut Vec<FacetValue>,
    tally: &FacetTally,
    parent: &Facet,
    selected: &[Facet],
) {
    for (facet, count) in tally.children(parent) {
        let path = facet_components(facet);
        let depth = path.len().saturating_sub(1);
        let is_selected = selected.contains(facet);
        values.push(FacetValue {
            selected: is_selected,
            label: path.last().cloned().unwrap_or_default(),
            depth,
            value: path.join("/"),
            count,
        });
        let open =
            depth == 0 || is_selected || selected.iter().any(|chosen| facet.is_prefix_of(chosen));
        if open {
            push_region_children(values, tally, facet, selected);
        }
    }
}

/// The values of a fixed vocabulary, in its own order, with zero counts left out (most
/// collections have only published full texts, and a column of zeros says nothing)
/// unless the user selected them.
fn listed<T: Copy + PartialEq>(
    all: &[T],
    tally: &FacetTally,
    selected: &[T],
    names: impl Fn(T) -> (&'static str, &'static str),
) -> Vec<FacetValue> {
    all.iter()
        .map(|&value| {
            let (slug, label) = names(value);
            FacetValue {
                count: tally.count(&Facet::from_path([slug])),
                value: slug.to_owned(),
                label: label.to_owned(),
                depth: 0,
                selected: selected.contains(&value),
            }
        })
        .filter(|value| value.count > 0 || value.selected)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FacetKind {
    Year,
    Theme,
    Region,
    Type,
    Availability,
    AgeBand,
    Publisher,
}

/// One filter of a request, tagged with the facet it belongs to.
pub(crate) struct FilterClause {
    kind: FacetKind,
    query: Box<dyn Query>,
}

impl FilterClause {
    /// Any of the terms (OR).
    fn terms(kind: FacetKind, terms: Vec<Term>) -> FilterClause {
        let alternatives = terms
            .into_iter()
            .map(|term| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                )
            })
            .collect();
        FilterClause {
            kind,
            query: Box::new(BooleanQuery::new(alternatives)),
        }
    }
}

/// The text query restricted by filters. Filters only restrict: they add no score.
pub(crate) fn combine(text_query: &dyn Query, filters: &[&FilterClause]) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.box_clone())];
    clauses.extend(filters.iter().map(|filter| {
        (
            Occur::Must,
            Box::new(ConstScoreQuery::new(filter.query.box_clone(), 0.0)) as Box<dyn Query>,
        )
    }));
    BooleanQuery::new(clauses)
}

/// `England/North West` → `["England", "North West"]`; empty parts are ignored.
fn region_path(text: &str) -> Vec<String> {
    text.split('/')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

fn facet_components(facet: &Facet) -> Vec<String> {
    facet.to_path().into_iter().map(str::to_owned).collect()
}

fn last_component(facet: &Facet) -> String {
    facet_components(facet).pop().unwrap_or_default()
}
