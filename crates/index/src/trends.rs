//! Trends: how many of a search's hits each year has, by theme and by region.

use std::collections::BTreeMap;

use tantivy::collector::Count;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::Term;

use crate::request::SearchRequest;
use crate::results::{ThemeTrend, Trends};
use crate::schema::names;
use crate::search::Engine;
use crate::IndexError;

impl Engine {
    /// Hits of a request by year × theme and by region, all filters applied.
    pub fn trends(&self, request: &SearchRequest) -> Result<Trends, IndexError> {
        let (searcher, query) = self.combined_query(request)?;
        let years_of = |query: &dyn Query| -> Result<BTreeMap<u64, u64>, IndexError> {
            let collector = self.facet_tables.collector(names::YEAR_FACET)?;
            let counts = searcher.search(query, &collector)?;
            Ok(counts
                .children(&Facet::root())
                .filter_map(|(facet, count)| {
                    let year = facet.to_path().last()?.parse::<u64>().ok()?;
                    Some((year, count))
                })
                .collect())
        };
        let by_year = years_of(&query)?;
        let years: Vec<u64> = by_year.keys().copied().collect();
        let mut themes = Vec::new();
        for theme in &self.meta.themes {
            let term = Term::from_facet(self.fields.theme, &Facet::from_path([theme.id.as_str()]));
            let with_theme = BooleanQuery::new(vec![
                (Occur::Must, Box::new(query.clone()) as Box<dyn Query>),
                (
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                ),
            ]);
            let counts = years_of(&with_theme)?;
            let total: u64 = counts.values().sum();
            if total > 0 {
                themes.push(ThemeTrend {
                    id: theme.id.clone(),
                    label: theme.label.clone(),
                    total,
                    counts: years
                        .iter()
                        .map(|year| counts.get(year).copied().unwrap_or(0))
                        .collect(),
                });
            }
        }
        let regions = self
            .region_facet(&searcher, &query, &SearchRequest::default())?
            .into_iter()
            .filter(|value| value.depth <= 1)
            .collect();
        Ok(Trends {
            total: searcher.search(&query, &Count)?,
            counts: years.iter().map(|year| by_year[year]).collect(),
            years,
            themes,
            regions,
        })
    }
}
