//! Single documents: one by id, with the query's words marked in its full text, and
//! the documents most like it.

use casesearch_model::CataloguedReview;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, ConstScoreQuery, MoreLikeThisQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption, OwnedValue, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::highlight::Highlighter;
use crate::present;
use crate::results::{DocumentView, Hit, Snippet};
use crate::search::Engine;
use crate::IndexError;

impl Engine {
    /// Documents like the one with `id`, most alike first: tantivy's more-like-this over
    /// its text, nudged by the themes they share. `None` if there is no such document.
    pub fn similar(&self, id: &str, limit: usize) -> Result<Option<Vec<Hit>>, IndexError> {
        let searcher = self.searcher();
        let Some(address) = self.address_of(&searcher, id)? else {
            return Ok(None);
        };
        let stored: TantivyDocument = searcher.doc(address)?;
        let text: Vec<OwnedValue> = stored
            .get_all(self.fields.text)
            .filter_map(|value| value.as_str())
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
        record.review.sections = present::sections(&stored, &self.fields);
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
