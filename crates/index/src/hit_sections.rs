//! Which sections of a hit hold the query's matches, read from the index rather than
//! the text: the query's terms' positions in the hit come from the postings, and the
//! section starts stored at index time ([`crate::analysis::SectionStarts`]) say which
//! section each position falls in. Snippets then read only the few sections with the
//! most matches, so their cost no longer grows with a document's length (a case review
//! has a section per PDF page: 20–120 of them).

use std::collections::HashMap;

use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocSet, Searcher, Term, TERMINATED};

use crate::analysis::section_of;
use crate::IndexError;

/// The positions of `terms` (all in one field) in each of `hits`, in the hits' order;
/// unsorted within a hit. Each segment's postings of a term are opened once and walked
/// forward through that segment's hits.
pub(crate) fn match_positions(
    searcher: &Searcher,
    field: Field,
    terms: &[Term],
    hits: &[DocAddress],
) -> Result<Vec<Vec<u32>>, IndexError> {
    let mut positions = vec![Vec::new(); hits.len()];
    if terms.is_empty() {
        return Ok(positions);
    }
    // Hit numbers by segment, in document order (postings only move forward).
    let mut by_segment: HashMap<u32, Vec<(u32, usize)>> = HashMap::new();
    for (number, hit) in hits.iter().enumerate() {
        by_segment
            .entry(hit.segment_ord)
            .or_default()
            .push((hit.doc_id, number));
    }
    let mut buffer = Vec::new();
    for (segment, mut docs) in by_segment {
        docs.sort_unstable();
        let inverted = searcher.segment_reader(segment).inverted_index(field)?;
        for term in terms {
            let postings = inverted
                .read_postings(term, IndexRecordOption::WithFreqsAndPositions)
                .map_err(tantivy::TantivyError::from)?;
            let Some(mut postings) = postings else {
                continue;
            };
            for &(doc, number) in &docs {
                if postings.doc() == TERMINATED {
                    break;
                }
                if postings.doc() > doc || postings.seek(doc) != doc {
                    continue;
                }
                buffer.clear();
                postings.positions(&mut buffer);
                positions[number].extend_from_slice(&buffer);
            }
        }
    }
    Ok(positions)
}

/// How many matches each section holds, from a hit's match positions and its sections'
/// starts: `counts[k]` for section `k`. Positions beyond the sections are ignored.
pub(crate) fn matches_by_section(starts: &[u64], positions: &[u32]) -> Vec<u32> {
    let mut counts = vec![0u32; starts.len()];
    for &position in positions {
        if let Some(count) = section_of(starts, position).and_then(|k| counts.get_mut(k)) {
            *count += 1;
        }
    }
    counts
}

/// The sections worth reading for snippets: the `limit` with the most matches, most
/// first, reading order among equals; sections without a match are never chosen.
pub(crate) fn busiest_sections(counts: &[u32], limit: usize) -> Vec<usize> {
    let mut chosen: Vec<usize> = (0..counts.len()).filter(|&k| counts[k] > 0).collect();
    chosen.sort_by_key(|&k| std::cmp::Reverse(counts[k]));
    chosen.truncate(limit);
    chosen
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{Schema, TextFieldIndexing, TextOptions};
    use tantivy::tokenizer::TokenStream;
    use tantivy::{Index, IndexWriter, TantivyDocument};

    use super::*;
    use crate::analysis::SectionStarts;
    use crate::schema::{register_analyzers, ENGLISH};

    /// Documents of several sections: real ones from the bundled corpus, and sections
    /// that end in stop words or long words, or index nothing at all, where a start
    /// computed from the words alone would drift.
    fn documents() -> Vec<Vec<String>> {
        let records = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/pfd/records.jsonl"),
        )
        .expect("the bundled corpus");
        let mut documents: Vec<Vec<String>> = records
            .lines()
            .take(60)
            .map(|line| {
                let record: serde_json::Value = serde_json::from_str(line).expect("a record");
                record["sections"]
                    .as_array()
                    .expect("sections")
                    .iter()
                    .map(|section| section["text"].as_str().expect("text").to_owned())
                    .collect()
            })
            .collect();
        let long = "x".repeat(45);
        documents.push(vec![
            "The child was seen by the".into(),
            String::new(),
            "of the and".into(),
            format!("neglect {long} {long}"),
            "   ".into(),
            "neglect was noted at the end of it".into(),
            format!("{long} neglect"),
            "É voilà l'enfant".into(),
        ]);
        documents
    }

    /// An index in memory with one text field of our English analyzer, as `text` is.
    fn english_index() -> (Index, tantivy::schema::Field) {
        let mut builder = Schema::builder();
        let text = builder.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ENGLISH)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        );
        let index = Index::create_in_ram(builder.build());
        register_analyzers(&index);
        (index, text)
    }

    #[test]
    fn stored_section_starts_place_every_indexed_word_where_tantivy_put_it() {
        let (index, text) = english_index();
        let mut writer: IndexWriter = index.writer(20_000_000).expect("writer");
        let documents = documents();
        for sections in &documents {
            let mut document = TantivyDocument::default();
            for section in sections {
                document.add_text(text, section);
            }
            writer.add_document(document).expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let mut analyzer = index.tokenizer_for_field(text).expect("analyzer");
        let mut starts = SectionStarts::default();
        let mut checked = 0;
        for (doc, sections) in documents.iter().enumerate() {
            let starts = starts.starts(sections.iter().map(String::as_str));
            let address = DocAddress::new(0, doc as u32);
            for (k, section) in sections.iter().enumerate() {
                let mut stream = analyzer.token_stream(section);
                while stream.advance() {
                    let token = stream.token();
                    let term = Term::from_field_text(text, &token.text);
                    let found = match_positions(&searcher, text, &[term], &[address])
                        .expect("positions")
                        .remove(0);
                    let at = starts[k] + token.position as u64;
                    assert!(
                        found.contains(&(at as u32)),
                        "document {doc}, section {k}: {:?} not at {at}: {found:?}",
                        token.text
                    );
                    // And the position maps back to its section.
                    assert_eq!(matches_by_section(&starts, &[at as u32])[k], 1);
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000, "{checked} words checked");
    }

    #[test]
    fn match_positions_follow_each_hit_in_any_order_across_terms() {
        let (index, text) = english_index();
        let mut writer: IndexWriter = index.writer(20_000_000).expect("writer");
        for body in [
            "neglect here",
            "nothing",
            "neglected and neglect",
            "abuse neglect",
        ] {
            let mut document = TantivyDocument::default();
            document.add_text(text, body);
            writer.add_document(document).expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let terms = [
            Term::from_field_text(text, "neglect"),
            Term::from_field_text(text, "abus"),
            Term::from_field_text(text, "absent"),
        ];
        // Hits out of document order, as ranking gives them.
        let hits = [3, 1, 0, 2].map(|doc| DocAddress::new(0, doc));
        let mut found = match_positions(&searcher, text, &terms, &hits).expect("positions");
        for positions in &mut found {
            positions.sort_unstable();
        }
        let gap = crate::schema::SECTION_GAP as u32;
        assert_eq!(
            found,
            vec![vec![gap, gap + 1], vec![], vec![gap], vec![gap, gap + 2]]
        );
    }

    #[test]
    fn positions_fall_in_the_section_whose_start_is_the_last_at_or_before_them() {
        let starts = [0, 60, 61, 200];
        assert_eq!(
            matches_by_section(&starts, &[50, 59, 60, 61, 62, 199, 200, 5000]),
            vec![2, 1, 3, 2]
        );
        assert_eq!(matches_by_section(&[], &[1, 2]), Vec::<u32>::new());
    }

    #[test]
    fn the_busiest_sections_come_first_and_empty_ones_never() {
        assert_eq!(busiest_sections(&[0, 2, 5, 2, 0, 1], 3), vec![2, 1, 3]);
        assert_eq!(busiest_sections(&[0, 0], 3), Vec::<usize>::new());
        assert_eq!(busiest_sections(&[1], 3), vec![0]);
    }
}
