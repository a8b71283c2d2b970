//! Single documents: one by id, with the query's words marked in its full text, and
//! the documents most like it.

use casesearch_model::CataloguedReview;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, MoreLikeThisQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption, OwnedValue};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::highlight::Highlighter;
use crate::present;
use crate::results::{DocumentView, Hit, Snippet};
use crate::search::Engine;
use crate::IndexError;

/// Bytes of a document's text that more-like-this reads. It analyses every word it is
/// given and looks up each distinct one in the term dictionary: over a 120-page review
/// that was most of the record page's time, and the terms that characterise a document
/// show in any sample of its pages.
const LIKE_THIS_SAMPLE_BYTES: usize = 64 * 1024;

/// Sections spread evenly over the document, about [`LIKE_THIS_SAMPLE_BYTES`] in all
/// (every section when the document is shorter).
fn like_this_sample<'a>(sections: &[&'a str]) -> Vec<&'a str> {
    let total: usize = sections.iter().map(|text| text.len()).sum();
    let step = total.div_ceil(LIKE_THIS_SAMPLE_BYTES).max(1);
    sections.iter().copied().step_by(step).collect()
}

impl Engine {
    /// Documents like the one with `id`, most alike first: tantivy's more-like-this over
    /// its text, nudged by the themes they share. `None` if there is no such document.
    pub fn similar(&self, id: &str, limit: usize) -> Result<Option<Vec<Hit>>, IndexError> {
        let searcher = self.searcher();
        let Some(address) = self.address_of(&searcher, id)? else {
            return Ok(None);
        };
        let stored: TantivyDocument = searcher.doc(address)?;
        let sections = match self.stored_sections(&stored) {
            Some(texts) => texts.all()?,
            None => Vec::new(),
        };
        let sections: Vec<&str> = sections.iter().map(String::as_str).collect();
        let text: Vec<OwnedValue> = like_this_sample(&sections)
            .into_iter()
            .map(|text| OwnedValue::Str(text.to_owned()))
            .collect();
        let like_this = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(2)
            .with_max_doc_frequency((searcher.num_docs() / 5).max(2))
            .with_min_term_frequency(2)
            .with_min_word_length(3)
            .with_max_query_terms(30)
            .with_document_fields(vec![(self.fields.text, text)]);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, Box::new(like_this)),
            (Occur::MustNot, Box::new(self.id_query(id))),
        ];
        // Each shared theme adds a little: enough to order near-ties, not to outrank text.
        for theme in &present::record(&self.fields, &stored)?.themes {
            let term = Term::from_facet(self.fields.theme, &Facet::from_path([theme.id.as_str()]));
            let shared = TermQuery::new(term, IndexRecordOption::Basic);
            clauses.push((
                Occur::Should,
                Box::new(ConstScoreQuery::new(Box::new(shared), 0.5)),
            ));
        }
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit.max(1)).order_by_score(),
        )?;
        top.into_iter()
            .map(|(score, address)| {
                let stored: TantivyDocument = searcher.doc(address)?;
                present::hit(&self.fields, &stored, Some(score), None)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The document with `id`, its text highlighted for `query` (may be empty; read
    /// leniently, with the thesaurus, as the search that led here did).
    pub fn document(&self, id: &str, query: &str) -> Result<Option<DocumentView>, IndexError> {
        let searcher = self.searcher();
        let Some(address) = self.address_of(&searcher, id)? else {
            return Ok(None);
        };
        let stored: TantivyDocument = searcher.doc(address)?;
        let mut record: CataloguedReview = present::record(&self.fields, &stored)?;
        record.review.sections =
            present::sections(&stored, &self.fields, self.stored_sections(&stored))?;
        let plan = self.plan(&searcher, query, false, true)?;
        let highlighter = Highlighter::new(&self.index, &*plan.marked, self.fields.text)?;
        let highlighted_sections = record
            .review
            .sections
            .iter()
            .map(|section| Snippet {
                section: section.label.clone(),
                html: highlighter.highlight_all(&section.text),
            })
            .collect();
        Ok(Some(DocumentView {
            review_type_label: record.review.review_type.label(),
            record,
            highlighted_sections,
        }))
    }

    fn id_query(&self, id: &str) -> TermQuery {
        TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        )
    }

    pub(crate) fn address_of(
        &self,
        searcher: &Searcher,
        id: &str,
    ) -> Result<Option<DocAddress>, IndexError> {
        let found =
            searcher.search(&self.id_query(id), &TopDocs::with_limit(1).order_by_score())?;
        Ok(found.into_iter().next().map(|(_, address)| address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_like_this_reads_a_bounded_even_sample_of_a_long_document() {
        let page = "x".repeat(3_000);
        let long: Vec<&str> = vec![page.as_str(); 120];
        let sample = like_this_sample(&long);
        let bytes: usize = sample.iter().map(|text| text.len()).sum();
        assert!(bytes <= LIKE_THIS_SAMPLE_BYTES + 3_000, "{bytes}");
        assert!(sample.len() >= 15, "{} sections", sample.len());
        let short: Vec<&str> = vec!["a", "b", "c"];
        assert_eq!(like_this_sample(&short), short);
    }
}
