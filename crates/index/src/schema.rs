//! The one place the tantivy schema and its field names are spelled.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};

/// Bumped whenever the schema or the meaning of a stored field changes; an index built
/// by another version is rebuilt, never read.
///
/// 6: the content hash digests the sections' bytes rather than their JSON, and is a
/// fast field only (no longer indexed).
/// 7: each section's words start [`SECTION_GAP`] positions after the previous
/// section's, so no phrase spans two sections.
/// 8: where each section starts among the text's positions is stored
/// ([`names::SECTION_START`]), so snippets read only the sections with matches.
/// 9: section texts are kept in the text store beside the index
/// (`crate::text_store`), no longer in tantivy's document store.
pub const SCHEMA_VERSION: u32 = 9;

/// Positions between the last word of one section and the first of the next: more
/// than any phrase slop a user writes or the proximity bonus uses.
pub const SECTION_GAP: usize = 50;

/// Our English analyzer: words, lowercased, Lucene's English stop words removed
/// (positions are kept, so phrases with "of the" still match), Snowball stemming;
/// tantivy's filters, run once per distinct word (see [`crate::analysis`]).
pub const ENGLISH: &str = "casesearch_english";

/// Words this long (in bytes) or longer are not indexed: they are not words but runs
/// of digits, hashes or text extracted without spaces.
pub const MAX_WORD_BYTES: usize = 40;

/// Registers our analyzers on an index; needed on every open, since tantivy stores
/// only their names.
pub fn register_analyzers(index: &tantivy::Index) {
    let analyzer =
        tantivy::tokenizer::TextAnalyzer::from(crate::analysis::EnglishTokenizer::default());
    index.tokenizers().register(ENGLISH, analyzer);
}

/// Field names. Those a user may name in a query (`title:`, `text:`, `publisher:`) are
/// listed in [`QUERYABLE_FIELDS`].
pub mod names {
    pub const ID: &str = "id";
    pub const TITLE: &str = "title";
    /// Full text, one value per section (PFD heading or PDF page), in reading order;
    /// indexed only: the texts are stored in `crate::text_store`.
    pub const TEXT: &str = "text";
    /// Section labels, stored in the same order as the `text` values.
    pub const SECTION: &str = "section";
    /// Where each section starts among the `text` field's positions, in the same order
    /// (`crate::analysis::SectionStarts`): a match's position tells its section.
    pub const SECTION_START: &str = "section_start";
    pub const PUBLISHER: &str = "publisher";
    /// The publisher's canonical name untokenized, for the exact `publisher` filter.
    pub const PUBLISHER_NAME: &str = "publisher_name";
    pub const DATE: &str = "date";
    pub const YEAR: &str = "year";
    pub const YEAR_FACET: &str = "year_facet";
    pub const TYPE: &str = "type";
    pub const REGION: &str = "region";
    pub const THEME: &str = "theme";
    /// Whether the review's text can be had (`/published`, `/withdrawn`, …).
    pub const AVAILABILITY: &str = "availability";
    /// The subject's age band (`/11-15`), where the review states an age.
    pub const AGE_BAND: &str = "age_band";
    pub const URL: &str = "url";
    /// The catalogued record as JSON, minus its text (which is in `text`/`section`).
    pub const RECORD: &str = "record";
    /// Digest of everything indexed for a review; incremental builds compare it.
    pub const CONTENT_HASH: &str = "content_hash";
}

/// The facet fields, counted for every search (see `crate::tally`).
pub const FACET_FIELDS: [&str; 6] = [
    names::YEAR_FACET,
    names::TYPE,
    names::REGION,
    names::THEME,
    names::AVAILABILITY,
    names::AGE_BAND,
];

/// Fields a query may name explicitly.
pub const QUERYABLE_FIELDS: [&str; 3] = [names::TITLE, names::TEXT, names::PUBLISHER];

/// Field handles, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub title: Field,
    pub text: Field,
    pub section: Field,
    pub section_start: Field,
    pub publisher: Field,
    pub publisher_name: Field,
    pub date: Field,
    pub year: Field,
    pub year_facet: Field,
    pub review_type: Field,
    pub region: Field,
    pub theme: Field,
    pub availability: Field,
    pub age_band: Field,
    pub url: Field,
    pub record: Field,
    pub content_hash: Field,
}

pub fn build_schema() -> (Schema, Fields) {
    let english_indexed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ENGLISH)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let english = english_indexed.clone().set_stored();
    let words = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("default")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let mut builder = Schema::builder();
    let fields = Fields {
        // Fast as well as indexed: an incremental build reads every id and content
        // hash from the column store without decompressing the stored documents.
        id: builder.add_text_field(names::ID, STRING | STORED | FAST),
        title: builder.add_text_field(names::TITLE, english.clone()),
        text: builder.add_text_field(names::TEXT, english_indexed),
        section: builder.add_text_field(names::SECTION, STORED),
        section_start: builder.add_u64_field(names::SECTION_START, STORED),
        publisher: builder.add_text_field(names::PUBLISHER, words),
        publisher_name: builder.add_text_field(names::PUBLISHER_NAME, STRING),
        date: builder.add_date_field(names::DATE, INDEXED | STORED | FAST),
        year: builder.add_u64_field(names::YEAR, INDEXED | STORED | FAST),
        year_facet: builder.add_facet_field(names::YEAR_FACET, INDEXED),
        review_type: builder.add_facet_field(names::TYPE, INDEXED),
        region: builder.add_facet_field(names::REGION, INDEXED),
        theme: builder.add_facet_field(names::THEME, INDEXED),
        availability: builder.add_facet_field(names::AVAILABILITY, INDEXED),
        age_band: builder.add_facet_field(names::AGE_BAND, INDEXED),
        url: builder.add_text_field(names::URL, STORED),
        record: builder.add_text_field(names::RECORD, STORED),
        // Fast only: an incremental build reads the digests from the column store and
        // nothing searches them; indexing 64 random hex digits per document cost about
        // 3% of index writing, in building their term dictionary.
        content_hash: builder.add_text_field(names::CONTENT_HASH, FAST),
    };
    (builder.build(), fields)
}
