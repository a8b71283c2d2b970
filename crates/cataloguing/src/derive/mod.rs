//! Reading a catalogue record out of a document: review type, document kind, publisher,
//! publication date, incident year, the child's pseudonym and age band.
//!
//! Each field is found by rules over the extracted text, the cover page weighing most
//! (that is where partnerships put their name, the review type and the date), then the
//! next pages, then the PDF's own metadata. Every value keeps its evidence (the words it
//! was read from and where) and a confidence, so a reader can check it and a librarian
//! knows what to override. No rule guesses: a field the document does not state stays
//! empty.

mod child;
mod dates;
mod publisher;
mod review_type;
mod subject_age;

use std::collections::HashMap;
use std::ops::Range;

use casesearch_model::{AgeBand, Derivation, DocumentKind, Region, ReviewType};
use chrono::NaiveDate;

use crate::text::{words, Word};
use crate::RegionTable;

pub use dates::{parse_date_words, DatePrecision, PartialDate};
pub use review_type::review_type_in_words;
pub use subject_age::subject_age;

/// One page (or section) of a document's text, as extracted.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// The label a reader cites: "p. 3".
    pub label: &'a str,
    /// 1 for the cover page.
    pub number: usize,
    pub text: &'a str,
}

/// What the rules read: the pages in order, the file's own metadata, and what is known
/// from outside it.
#[derive(Debug, Clone, Default)]
pub struct DocumentText<'a> {
    pub pages: Vec<Page<'a>>,
    pub title: Option<&'a str>,
    pub author: Option<&'a str>,
    /// The PDF's creation date: usually the day it was exported for publication.
    pub created: Option<NaiveDate>,
    /// What the page that linked the document says about it (link text, heading, the
    /// lines around the link): read for the review type, the child and the publication
    /// date as the cover page is, and cited as "listing page".
    pub listing: Vec<&'a str>,
    /// The publisher the librarian gave (command line, sources file), if any: its
    /// nation settles "SCR" and the types only one nation uses.
    pub publisher: Option<&'a str>,
}

/// Where listing-page evidence is said to come from.
const LISTING_PAGE: &str = "listing page";

/// A derived value with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<T> {
    pub value: T,
    pub derivation: Derivation,
}

/// Everything the rules found; `None` where the document does not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    pub review_type: Option<Found<ReviewType>>,
    pub document_kind: Option<Found<DocumentKind>>,
    /// The publisher's place in the regions table (canonical name, nation, region).
    pub publisher: Option<Found<Region>>,
    pub published: Option<Found<PartialDate>>,
    pub incident_year: Option<Found<i32>>,
    pub child: Option<Found<String>>,
    pub age_band: Option<Found<AgeBand>>,
}

/// Reads every field from `document`. The publisher comes first because its nation
/// settles ambiguous review types ("SCR" is a Serious Case Review in England and a
/// Significant Case Review in Scotland).
pub fn derive(document: &DocumentText, regions: &RegionTable) -> Derived {
    let publisher = publisher::find(document, regions);
    let given_nation = document
        .publisher
        .and_then(|name| regions.lookup(name))
        .map(|region| region.nation.as_str());
    let nation =
        given_nation.or_else(|| publisher.as_ref().map(|found| found.value.nation.as_str()));
    let published = dates::publication(document);
    let year = published.as_ref().map(|found| found.value.year);
    let child = child::pseudonym(document);
    let many_children = child.is_none() && child::names_many_children(document);
    let (review_type, document_kind) = review_type::find(document, nation, many_children);
    // A review of several children's cases has no one subject whose age or incident
    // to give.
    let thematic = many_children
        || document_kind
            .as_ref()
            .is_some_and(|found| found.value == DocumentKind::Thematic);
    let subject = child.as_ref().map(|found| found.value.as_str());
    let (age_band, incident_year) = match thematic {
        true => (None, None),
        false => (
            child::age_band(document, subject),
            dates::incident_year(document, year, subject),
        ),
    };
    Derived {
        review_type,
        document_kind,
        incident_year,
        publisher,
        published,
        child,
        age_band,
    }
}

/// The subject's age band from a short text, such as a catalogue's summary ("Death of
/// a 4-year-old boy …"), with `source` as where it was read.
pub fn age_band_in(text: &str, child: Option<&str>, source: &str) -> Option<Found<AgeBand>> {
    let document = DocumentText {
        pages: vec![Page {
            label: source,
            number: 1,
            text,
        }],
        ..DocumentText::default()
    };
    child::age_band(&document, child)
}

/// How much a mention counts by where it is: cover page most, then the pages where
/// introductions say what the review is, then the body.
fn page_weight(number: usize) -> f32 {
    match number {
        1 => 5.0,
        2 => 2.0,
        3 | 4 => 1.0,
        _ => 0.3,
    }
}

/// Votes for values of one field, each with the words behind it.
struct Ballot<T> {
    votes: Vec<Vote<T>>,
}

struct Vote<T> {
    value: T,
    weight: f32,
    evidence: String,
    source: String,
}

impl<T: Clone + PartialEq + ToString> Ballot<T> {
    fn new() -> Ballot<T> {
        Ballot { votes: Vec::new() }
    }

    fn vote(&mut self, value: T, weight: f32, evidence: &str, source: &str) {
        if weight > 0.0 {
            self.votes.push(Vote {
                value,
                weight,
                evidence: clip(evidence),
                source: source.to_owned(),
            });
        }
    }

    fn distinct_values(&self) -> usize {
        let mut seen: Vec<&T> = Vec::new();
        for vote in &self.votes {
            if !seen.contains(&&vote.value) {
                seen.push(&vote.value);
            }
        }
        seen.len()
    }

    /// The value with the most weight, its strongest single piece of evidence, and a
    /// confidence from its share of all the weight and the weight itself (one mention
    /// deep in the body is weak even if nothing contradicts it).
    fn winner(self) -> Option<Found<T>> {
        let total: f32 = self.votes.iter().map(|vote| vote.weight).sum();
        let mut tallies: Vec<(&T, f32)> = Vec::new();
        for vote in &self.votes {
            match tallies.iter_mut().find(|(seen, _)| **seen == vote.value) {
                Some(tally) => tally.1 += vote.weight,
                None => tallies.push((&vote.value, vote.weight)),
            }
        }
        // First to reach the top weight wins ties: votes come in reading order.
        let (value, weight) =
            tallies
                .into_iter()
                .fold(None::<(&T, f32)>, |best, (value, weight)| match best {
                    Some(best) if best.1 >= weight => Some(best),
                    _ => Some((value, weight)),
                })?;
        let strongest = self.votes.iter().filter(|vote| vote.value == *value).fold(
            None::<&Vote<T>>,
            |best, vote| match best {
                Some(best) if best.weight >= vote.weight => Some(best),
                _ => Some(vote),
            },
        )?;
        let confidence = (weight / total) * (1.0 - (-weight / 4.0).exp());
        Some(Found {
            derivation: Derivation {
                value: value.to_string(),
                evidence: strongest.evidence.clone(),
                source: strongest.source.clone(),
                confidence: round2(confidence),
            },
            value: value.clone(),
        })
    }
}

fn round2(value: f32) -> f32 {
    (value * 100.0).round() / 100.0
}

/// Evidence is shown to readers: one line, not a page.
fn clip(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= 160 {
        line
    } else {
        let mut clipped: String = line.chars().take(157).collect();
        clipped.push('…');
        clipped
    }
}

/// Longest-first phrase matching over words: at each word, the longest run of up to
/// `max_words` words whose lowercase, space-joined form `lookup` knows. Matches do not
/// overlap. Returns the value and the byte range in `text` (for the evidence).
fn phrase_matches<V>(
    text: &str,
    max_words: usize,
    lookup: impl Fn(&str) -> Option<V>,
) -> Vec<(V, Range<usize>)> {
    let words = words(text);
    let mut found = Vec::new();
    let mut start = 0;
    while start < words.len() {
        let longest = (1..=max_words.min(words.len() - start))
            .rev()
            .find_map(|length| {
                let key = joined(&words[start..start + length]);
                lookup(&key).map(|value| (value, length))
            });
        match longest {
            Some((value, length)) => {
                found.push((
                    value,
                    words[start].span.start..words[start + length - 1].span.end,
                ));
                start += length;
            }
            None => start += 1,
        }
    }
    found
}

fn joined(words: &[Word]) -> String {
    let mut key = String::new();
    for word in words {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&word.lowercase);
    }
    key
}

/// Sentences of running prose: PDF text breaks lines mid-sentence, so sentences end
/// only at `.`, `!` or `?` followed by a space, or at a blank line.
fn prose_sentences(text: &str) -> Vec<Range<usize>> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((index, character)) = chars.next() {
        let next = chars.peek().map(|(_, next)| *next);
        let end = match (character, next) {
            ('.' | '!' | '?', Some(next)) if next.is_whitespace() => index + 1,
            ('\n', Some('\n')) => index + 1,
            _ => continue,
        };
        if text[start..end].chars().any(char::is_alphanumeric) {
            sentences.push(start..end);
        }
        start = end;
    }
    if text[start..].chars().any(char::is_alphanumeric) {
        sentences.push(start..text.len());
    }
    sentences
}

/// Text with every run of whitespace made one space, for phrase tests across lines.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The line of `text` around `range`, for evidence that reads as it does on the page.
fn line_around(text: &str, range: &Range<usize>) -> String {
    let start = text[..range.start].rfind('\n').map_or(0, |at| at + 1);
    let end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |at| range.end + at);
    text[start..end].trim().to_owned()
}

/// A map from lowercase phrase to value, with the longest phrase's word count.
struct Phrases<V> {
    map: HashMap<String, V>,
    max_words: usize,
}

impl<V: Clone> Phrases<V> {
    fn new(entries: impl IntoIterator<Item = (&'static str, V)>) -> Phrases<V> {
        let mut map = HashMap::new();
        let mut max_words = 1;
        for (phrase, value) in entries {
            let key = joined(&words(phrase));
            max_words = max_words.max(key.split(' ').count());
            map.insert(key, value);
        }
        Phrases { map, max_words }
    }

    fn find_in(&self, text: &str) -> Vec<(V, Range<usize>)> {
        phrase_matches(text, self.max_words, |key| self.map.get(key).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_matching_prefers_the_longest_phrase_and_reports_its_span() {
        let phrases = Phrases::new([("child practice review", 1), ("practice review", 2)]);
        let text = "An extended Child Practice Review, then a practice review.";
        let found = phrases.find_in(text);
        let spans: Vec<(i32, &str)> = found
            .iter()
            .map(|(value, range)| (*value, &text[range.clone()]))
            .collect();
        assert_eq!(
            spans,
            [(1, "Child Practice Review"), (2, "practice review")]
        );
    }

    #[test]
    fn prose_sentences_run_across_line_breaks() {
        let text =
            "In August 2014 Child T was admitted to the\nhospital. He was 2.\n\nHeading\nNext";
        let found: Vec<&str> = prose_sentences(text)
            .into_iter()
            .map(|range| text[range].trim())
            .collect();
        assert_eq!(
            found,
            [
                "In August 2014 Child T was admitted to the\nhospital.",
                "He was 2.",
                "Heading\nNext"
            ]
        );
    }

    #[test]
    fn odd_text_derives_nothing_and_never_panics() {
        let regions = RegionTable::parse(
            "publisher,kind,nation,region,aliases,authorities\nKent,local_authority,England,South East,Kent LSCB,\n",
        )
        .unwrap();
        let texts = [
            "",
            "İİİ known as İstanbul. Child İ was İ years old",
            "known as",
            "Child",
            "aged",
            "14/",
            "Published: 31/02/2023 — 2023-13-45",
            "Kent LSCB\n\n\n....!!!??",
            "Children C and",
            "Child Q was 999999999999999999999 years old.",
        ];
        for text in texts {
            let document = DocumentText {
                pages: vec![Page {
                    label: "p. 1",
                    number: 1,
                    text,
                }],
                ..DocumentText::default()
            };
            let found = derive(&document, &regions);
            assert!(found.age_band.is_none(), "{text:?}: {found:?}");
        }
    }

    #[test]
    fn listing_page_words_are_evidence_read_by_the_publishers_nation() {
        let regions = RegionTable::parse(
            "publisher,kind,nation,region,aliases,authorities\n\
             Aberdeen City,council,Scotland,,Aberdeen City Child Protection Committee,\n\
             Kent,local_authority,England,South East,Kent Safeguarding Children Partnership,\n",
        )
        .unwrap();
        let read = |publisher: &'static str| {
            let document = DocumentText {
                pages: vec![Page {
                    label: "p. 1",
                    number: 1,
                    text: "Overview report\n\nThe panel met in 2018.",
                }],
                listing: vec![
                    "SCR Child D: overview report (PDF)",
                    "Published 14 June 2019",
                ],
                publisher: Some(publisher),
                ..DocumentText::default()
            };
            derive(&document, &regions)
        };
        let scottish = read("Aberdeen City Child Protection Committee");
        let found = scottish.review_type.expect("a type");
        assert_eq!(found.value, ReviewType::SignificantCaseReview);
        assert_eq!(found.derivation.source, LISTING_PAGE);
        assert!(found.derivation.confidence < 1.0);
        let child = scottish.child.expect("a child");
        assert_eq!(
            (child.value.as_str(), child.derivation.source.as_str()),
            ("Child D", LISTING_PAGE)
        );
        assert_eq!(
            scottish.published.map(|found| found.value.to_string()),
            Some("2019-06-14".to_owned())
        );
        let english = read("Kent Safeguarding Children Partnership");
        assert_eq!(
            english.review_type.map(|found| found.value),
            Some(ReviewType::SeriousCaseReview)
        );
    }

    #[test]
    fn the_heaviest_value_wins_with_its_strongest_evidence() {
        let mut ballot = Ballot::new();
        ballot.vote("a".to_owned(), 1.0, "weak a", "p. 9");
        ballot.vote("b".to_owned(), 5.0, "cover b", "p. 1");
        ballot.vote("a".to_owned(), 1.0, "another a", "p. 8");
        let found = ballot.winner().expect("votes were cast");
        assert_eq!(found.value, "b");
        assert_eq!(found.derivation.evidence, "cover b");
        assert_eq!(found.derivation.source, "p. 1");
        assert!(found.derivation.confidence > 0.5 && found.derivation.confidence < 0.8);
        assert!(Ballot::<String>::new().winner().is_none());
    }
}
