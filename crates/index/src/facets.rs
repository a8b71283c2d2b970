//! Filters and facet counts. Values within one filter are alternatives (OR), filters
//! combine with AND, and each facet is counted with every filter but its own
//! (disjunctive faceting), so ticking one theme still shows what another would add.

use std::collections::{HashMap, HashSet};
use std::ops::Bound;

use casesearch_model::{AgeBand, Availability, ReviewType};
use tantivy::collector::{FacetCollector, FacetCounts, MultiCollector};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{Searcher, Term};

use crate::results::{FacetValue, Facets};
use crate::schema::names;
use crate::search::Engine;
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
        let others = |kind: FacetKind| -> Vec<&FilterClause> {
            filters.iter().filter(|f| f.kind != kind).collect()
        };

        // One pass per distinct filter set, not per facet: a facet whose own kind is not
        // filtered counts under every filter, so all such facets share one MultiCollector
        // pass (with no filters at all, year, theme and type cost one pass together).
        let simple = [
            (FacetKind::Year, names::YEAR_FACET),
            (FacetKind::Theme, names::THEME),
            (FacetKind::Type, names::TYPE),
            (FacetKind::Availability, names::AVAILABILITY),
            (FacetKind::AgeBand, names::AGE_BAND),
        ];
        let filtered = |kind: FacetKind| filters.iter().any(|f| f.kind == kind);
        let mut shared = MultiCollector::new();
        let mut shared_handles = Vec::new();
        for (kind, field) in simple.iter().filter(|(kind, _)| !filtered(*kind)) {
            let mut collector = FacetCollector::for_field(*field);
            collector.add_facet(Facet::root());
            shared_handles.push((*kind, shared.add_collector(collector)));
        }
        // Without a region filter the region facet counts the same documents, so its
        // nations and their children join this pass: one pass over the matches instead
        // of three for most searches (facets were a quarter of a search, by callgrind).
        let mut region_handles = None;
        if !filtered(FacetKind::Region) {
            let mut nations = FacetCollector::for_field(names::REGION);
            nations.add_facet(Facet::root());
            let nations = shared.add_collector(nations);
            let children: Vec<(Facet, _)> = self
                .region_nations
                .iter()
                .map(|nation| {
                    let mut collector = FacetCollector::for_field(names::REGION);
                    collector.add_facet(nation.clone());
                    (nation.clone(), shared.add_collector(collector))
                })
                .collect();
            region_handles = Some((nations, children));
        }
        let mut counts: HashMap<FacetKind, FacetCounts> = HashMap::new();
        let mut region_counts = None;
        if !shared_handles.is_empty() || region_handles.is_some() {
            let all: Vec<&FilterClause> = filters.iter().collect();
            let mut fruits = searcher.search(&combine(text_query, &all), &shared)?;
            for (kind, handle) in shared_handles {
                counts.insert(kind, handle.extract(&mut fruits));
            }
            if let Some((nations, children)) = region_handles {
                let nation_counts = nations.extract(&mut fruits);
                let children: HashMap<Facet, FacetCounts> = children
                    .into_iter()
                    .map(|(facet, handle)| (facet, handle.extract(&mut fruits)))
                    .collect();
                region_counts = Some((nation_counts, children));
            }
        }
        for (kind, field) in simple.iter().filter(|(kind, _)| filtered(*kind)) {
            let mut collector = FacetCollector::for_field(*field);
            collector.add_facet(Facet::root());
            counts.insert(
                *kind,
                searcher.search(&combine(text_query, &others(*kind)), &collector)?,
            );
        }
        // Every simple kind was counted by exactly one of the two loops above.
        let mut counts_without = |kind: FacetKind| counts.remove(&kind).unwrap_or_default();

        let year_counts = counts_without(FacetKind::Year);
        let in_range = |year: u64| {
            request.year_from.is_none_or(|from| year >= from)
                && request.year_to.is_none_or(|to| year <= to)
        };
        let ranged = request.year_from.is_some() || request.year_to.is_some();
        let mut year = Vec::new();
        for (facet, count) in year_counts.get(Facet::root()) {
            let label = last_component(facet);
            let selected = ranged && label.parse::<u64>().is_ok_and(in_range);
            year.push(FacetValue {
                value: label.clone(),
                label,
                count,
                depth: 0,
                selected,
            });
        }

        let theme_counts = counts_without(FacetKind::Theme);
        // Themes are listed in the rules file's order, with zero counts kept, so the
        // list does not jump around as filters change.
        let theme = self
            .meta
            .themes
            .iter()
            .map(|theme| FacetValue {
                count: count_of(&theme_counts, &[theme.id.as_str()]),
                value: theme.id.clone(),
                label: theme.label.clone(),
                depth: 0,
                selected: request.themes.contains(&theme.id),
            })
            .collect();

        let type_counts = counts_without(FacetKind::Type);
        let review_type = type_counts
            .get(Facet::root())
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
            &counts_without(FacetKind::Availability),
            &request.availability,
            |a| (a.slug(), a.label()),
        );
        let age_band = listed(
            &AgeBand::ALL,
            &counts_without(FacetKind::AgeBand),
            &request.age_bands,
            |band| (band.slug(), band.label()),
        );

        let region = match region_counts {
            Some((nations, children)) => self.region_values(&nations, &children, request),
            None => self.region_facet(
                searcher,
                &combine(text_query, &others(FacetKind::Region)),
                request,
            )?,
        };
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
        let mut nations = FacetCollector::for_field(names::REGION);
        nations.add_facet(Facet::root());
        let nation_counts = searcher.search(query, &nations)?;
        let nation_facets: Vec<Facet> = nation_counts
            .get(Facet::root())
            .map(|(facet, _)| facet.clone())
            .collect();

        let mut expanded: HashSet<Facet> = nation_facets.iter().cloned().collect();
        for selected in &request.regions {
            let path = region_path(selected);
            for depth in 1..=path.len() {
                expanded.insert(Facet::from_path(&path[..depth]));
            }
        }
        // A FacetCollector refuses a facet together with its ancestor, so each expanded
        // level gets its own collector; the MultiCollector still makes it one pass.
        let mut children = MultiCollector::new();
        let handles: Vec<(Facet, _)> = expanded
            .iter()
            .map(|facet| {
                let mut collector = FacetCollector::for_field(names::REGION);
                collector.add_facet(facet.clone());
                (facet.clone(), children.add_collector(collector))
            })
            .collect();
        let mut fruits = searcher.search(query, &children)?;
        let counts: HashMap<Facet, FacetCounts> = handles
            .into_iter()
            .map(|(facet, handle)| (facet, handle.extract(&mut fruits)))
            .collect();
        Ok(self.region_values(&nation_counts, &counts, request))
    }

    /// The region facet's values from the nations' counts and, for each nation (and
    /// each selected region), its children's counts.
    fn region_values(
        &self,
        nation_counts: &FacetCounts,
        counts: &HashMap<Facet, FacetCounts>,
        request: &SearchRequest,
    ) -> Vec<FacetValue> {
        let selected: HashSet<String> = request
            .regions
            .iter()
            .map(|r| region_path(r).join("/"))
            .collect();
        let mut values = Vec::new();
        for (facet, count) in nation_counts.get(Facet::root()) {
            push_region(&mut values, facet, count, &selected);
            self.push_region_children(&mut values, counts, facet, &selected);
        }
        values
    }

    fn push_region_children(
        &self,
        values: &mut Vec<FacetValue>,
        counts: &HashMap<Facet, FacetCounts>,
        parent: &Facet,
        selected: &HashSet<String>,
    ) {
        let Some(children) = counts.get(parent) else {
            return;
        };
        for (facet, count) in children.get(parent.clone()) {
            push_region(values, facet, count, selected);
            self.push_region_children(values, counts, facet, selected);
        }
    }
}

/// The values of a fixed vocabulary, in its own order, with zero counts left out (most
/// collections have only published full texts, and a column of zeros says nothing)
/// unless the user selected them.
fn listed<T: Copy + PartialEq>(
    all: &[T],
    counts: &FacetCounts,
    selected: &[T],
    names: impl Fn(T) -> (&'static str, &'static str),
) -> Vec<FacetValue> {
    all.iter()
        .map(|&value| {
            let (slug, label) = names(value);
            FacetValue {
                count: count_of(counts, &[slug]),
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

fn count_of(counts: &FacetCounts, path: &[&str]) -> u64 {
    let facet = Facet::from_path(path);
    counts
        .get(Facet::root())
        .find(|(candidate, _)| **candidate == facet)
        .map_or(0, |(_, count)| count)
}

fn push_region(
    values: &mut Vec<FacetValue>,
    facet: &Facet,
    count: u64,
    selected: &HashSet<String>,
) {
    let path = facet_components(facet);
    let value = path.join("/");
    values.push(FacetValue {
        selected: selected.contains(&value),
        label: path.last().cloned().unwrap_or_default(),
        depth: path.len().saturating_sub(1),
        value,
        count,
    });
}
