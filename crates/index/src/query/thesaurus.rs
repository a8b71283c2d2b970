//! The safeguarding thesaurus: acronyms and their long forms, and equivalent phrasings
//! ("took her own life", "died by suicide"), which librarians keep in
//! `corpus/synonyms.toml`. It is read and checked when the index is built (a malformed
//! entry fails the build, naming it), kept in the index's metadata, and applied at
//! query time: a query that contains one of an entry's terms is also searched for the
//! entry's other terms, with less weight than the words typed.
//!
//! Terms are compared with the query word by word, case-insensitively and on the
//! words' stems, so "Health Visitors" finds the entry "health visitor"; words of three
//! letters or fewer are compared as written (acronyms: "EDS" is not "ED"), and an
//! acronym's plural is the acronym ("GPs"). A term may hold punctuation (`A&E`): words
//! are split at spaces, hyphens and slashes only. Where entries overlap, the longest
//! term at a place wins ("attempted suicide" before "suicide").

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tantivy::tokenizer::{Language, Stemmer, TextAnalyzer, WhitespaceTokenizer};

/// One entry of the thesaurus file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SynonymEntry {
    /// Equivalent terms: typing any searches for all the others.
    pub terms: Vec<String>,
    /// Terms (also in `terms`) expanded when typed but never added to a search for
    /// another term, because as a plain word they mean something else ("ED", "DNA").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ambiguous: Vec<String>,
    /// Where the equivalence comes from, or why it holds.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThesaurusFile {
    #[serde(default, rename = "entry")]
    entries: Vec<SynonymEntry>,
}

/// Why a thesaurus cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThesaurusError {
    #[error("not valid TOML: {0}")]
    Syntax(String),
    #[error("entry {number} ({name}): {problem}")]
    Entry {
        /// 1-based, in file order.
        number: usize,
        /// Its first term, to find it by.
        name: String,
        problem: String,
    },
}

/// A checked thesaurus, ready to match query words.
#[derive(Debug, Clone, Default)]
pub struct Thesaurus {
    entries: Vec<SynonymEntry>,
    /// Each term's words (as compared), grouped by their first word.
    by_first_word: HashMap<String, Vec<TermRef>>,
}

#[derive(Debug, Clone)]
struct TermRef {
    words: Vec<String>,
    entry: usize,
    term: usize,
}

/// Where an entry matched the query's words.
#[derive(Debug, Clone, PartialEq)]
pub struct ThesaurusMatch {
    /// Query words covered: `start..start + len`.
    pub start: usize,
    pub len: usize,
    pub entry: usize,
    /// The matched term's index in the entry.
    pub term: usize,
}

impl Thesaurus {
    /// Parses and checks the thesaurus file's text.
    pub fn from_toml(text: &str) -> Result<Thesaurus, ThesaurusError> {
        let file: ThesaurusFile =
            toml::from_str(text).map_err(|err| ThesaurusError::Syntax(err.to_string()))?;
        Thesaurus::new(file.entries)
    }

    /// Checks `entries`: each has two or more distinct terms, a source, ambiguous terms
    /// that are among its terms, and no term another entry already has.
    pub fn new(entries: Vec<SynonymEntry>) -> Result<Thesaurus, ThesaurusError> {
        let mut by_first_word: HashMap<String, Vec<TermRef>> = HashMap::new();
        let mut owner: HashMap<Vec<String>, usize> = HashMap::new();
        let mut normalizer = Normalizer::default();
        for (index, entry) in entries.iter().enumerate() {
            let fail = |problem: String| ThesaurusError::Entry {
                number: index + 1,
                name: entry
                    .terms
                    .first()
                    .map_or_else(|| "no terms".to_owned(), |term| format!("{term:?}")),
                problem,
            };
            if entry.terms.len() < 2 {
                return Err(fail("needs at least two terms".into()));
            }
            if entry.source.trim().is_empty() {
                return Err(fail(
                    "has no source: say where the equivalence comes from".into(),
                ));
            }
            if let Some(stray) = entry
                .ambiguous
                .iter()
                .find(|term| !entry.terms.iter().any(|t| t.eq_ignore_ascii_case(term)))
            {
                return Err(fail(format!(
                    "ambiguous term {stray:?} is not one of its terms"
                )));
            }
            for (term_index, term) in entry.terms.iter().enumerate() {
                let words = normalizer.words(term);
                if words.is_empty() || !term.chars().any(char::is_alphanumeric) {
                    return Err(fail(format!("term {term:?} has no letters or digits")));
                }
                if let Some(&other) = owner.get(&words) {
                    return Err(fail(if other == index {
                        format!("term {term:?} is listed twice")
                    } else {
                        format!(
                            "term {term:?} is already in entry {} ({:?})",
                            other + 1,
                            entries[other].terms[0]
                        )
                    }));
                }
                owner.insert(words.clone(), index);
                by_first_word
                    .entry(words[0].clone())
                    .or_default()
                    .push(TermRef {
                        words,
                        entry: index,
                        term: term_index,
                    });
            }
        }
        // Longest terms first, so "child in need plan" wins over "child in need".
        for refs in by_first_word.values_mut() {
            refs.sort_by_key(|term| std::cmp::Reverse(term.words.len()));
        }
        Ok(Thesaurus {
            entries,
            by_first_word,
        })
    }

    pub fn entries(&self) -> &[SynonymEntry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The words of `text` as the thesaurus compares them.
    pub fn compared_words(text: &str) -> Vec<String> {
        thread_local! {
            // A stemmer per thread, not per word: queries are read word by word.
            static NORMALIZER: std::cell::RefCell<Normalizer> = std::cell::RefCell::new(Normalizer::default());
        }
        NORMALIZER.with(|normalizer| normalizer.borrow_mut().words(text))
    }

    /// Entries found in `words` (already [`Thesaurus::compared_words`]), longest first
    /// at each place, not overlapping.
    pub fn find(&self, words: &[String]) -> Vec<ThesaurusMatch> {
        let mut found = Vec::new();
        let mut at = 0;
        while at < words.len() {
            let matched = self.by_first_word.get(&words[at]).and_then(|refs| {
                refs.iter()
                    .find(|term| words[at..].starts_with(&term.words))
            });
            match matched {
                Some(term) => {
                    found.push(ThesaurusMatch {
                        start: at,
                        len: term.words.len(),
                        entry: term.entry,
                        term: term.term,
                    });
                    at += term.words.len();
                }
                None => at += 1,
            }
        }
        found
    }

    /// The terms to search beside the matched one: the entry's others, less the
    /// ambiguous ones.
    pub fn alternatives(&self, matched: &ThesaurusMatch) -> Vec<&str> {
        let Some(entry) = self.entries.get(matched.entry) else {
            return Vec::new();
        };
        entry
            .terms
            .iter()
            .enumerate()
            .filter(|(index, term)| {
                *index != matched.term
                    && !entry.ambiguous.iter().any(|a| a.eq_ignore_ascii_case(term))
            })
            .map(|(_, term)| term.as_str())
            .collect()
    }
}

/// Words as the thesaurus compares them: split at spaces, hyphens and slashes,
/// stripped of punctuation at either end (`'s` too), lower-cased and stemmed.
struct Normalizer {
    stemmer: TextAnalyzer,
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer {
            stemmer: TextAnalyzer::builder(WhitespaceTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }
}

impl Normalizer {
    fn words(&mut self, text: &str) -> Vec<String> {
        text.split(|c: char| c.is_whitespace() || matches!(c, '-' | '/' | '–'))
            .filter_map(|word| {
                let word = word.trim_matches(|c: char| !c.is_alphanumeric());
                let word = word
                    .strip_suffix("'s")
                    .or_else(|| word.strip_suffix("’s"))
                    .unwrap_or(word);
                // An acronym's plural ("GPs", "LADOs") is the acronym.
                let word = match word.strip_suffix('s') {
                    Some(acronym)
                        if acronym.chars().count() >= 2
                            && acronym
                                .chars()
                                .all(|c| c.is_uppercase() || c.is_ascii_digit() || c == '&') =>
                    {
                        acronym
                    }
                    _ => word,
                };
                (!word.is_empty()).then(|| word.to_lowercase())
            })
            .map(|word| {
                // Short words are acronyms more often than English: "eds" is not "ed".
                if word.chars().count() <= 3 {
                    return word;
                }
                let mut stream = self.stemmer.token_stream(&word);
                let stemmed = stream.advance().then(|| stream.token().text.clone());
                drop(stream);
                stemmed.unwrap_or(word)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(terms: &[&str], ambiguous: &[&str]) -> SynonymEntry {
        SynonymEntry {
            terms: terms.iter().map(|t| (*t).to_owned()).collect(),
            ambiguous: ambiguous.iter().map(|t| (*t).to_owned()).collect(),
            source: "test".into(),
        }
    }

    #[test]
    fn matches_case_stems_and_punctuation_longest_first() {
        let thesaurus = Thesaurus::new(vec![
            entry(&["HV", "health visitor"], &[]),
            entry(&["A&E", "emergency department", "ED"], &["ED"]),
            entry(&["took her own life", "suicide"], &[]),
        ])
        .unwrap();
        let words = Thesaurus::compared_words(
            "Health Visitors, saw her at A&E after she took her own life",
        );
        assert_eq!(
            Thesaurus::compared_words("GPs and EDS"),
            ["gp", "and", "eds"]
        );
        let found = thesaurus.find(&words);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!((found[0].start, found[0].len, found[0].entry), (0, 2, 0));
        assert_eq!(thesaurus.alternatives(&found[0]), ["HV"]);
        assert_eq!(found[1].entry, 1);
        // "ED" is ambiguous: typed "A&E" is not also searched as "ed".
        assert_eq!(thesaurus.alternatives(&found[1]), ["emergency department"]);
        let ed = thesaurus.find(&Thesaurus::compared_words("ED"));
        assert_eq!(
            thesaurus.alternatives(&ed[0]),
            ["A&E", "emergency department"]
        );
        assert_eq!(found[2].len, 4);
    }

    #[test]
    fn a_bad_entry_is_refused_by_number_and_name() {
        let cases = [
            (
                vec![entry(&["HV"], &[])],
                "entry 1 (\"HV\"): needs at least two terms",
            ),
            (
                vec![
                    entry(&["GP", "general practitioner"], &[]),
                    entry(&["HV", "gp"], &[]),
                ],
                "entry 2 (\"HV\"): term \"gp\" is already in entry 1 (\"GP\")",
            ),
            (
                vec![entry(&["ED", "A&E"], &["DNA"])],
                "entry 1 (\"ED\"): ambiguous term \"DNA\" is not one of its terms",
            ),
            (
                vec![entry(&["ED", "--"], &[])],
                "entry 1 (\"ED\"): term \"--\" has no letters or digits",
            ),
        ];
        for (entries, expected) in cases {
            assert_eq!(Thesaurus::new(entries).unwrap_err().to_string(), expected);
        }
        let no_source = "[[entry]]\nterms = [\"HV\", \"health visitor\"]\nsource = \" \"\n";
        assert!(Thesaurus::from_toml(no_source)
            .unwrap_err()
            .to_string()
            .contains("has no source"));
        let unknown_key =
            "[[entry]]\nterms = [\"HV\", \"health visitor\"]\nsource = \"x\"\nweight = 2\n";
        assert!(matches!(
            Thesaurus::from_toml(unknown_key),
            Err(ThesaurusError::Syntax(_))
        ));
    }

    #[test]
    fn the_bundled_thesaurus_is_valid_and_large_enough() {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/synonyms.toml"),
        )
        .expect("corpus/synonyms.toml");
        let thesaurus = Thesaurus::from_toml(&text).unwrap();
        assert!(
            thesaurus.entries().len() >= 80,
            "{}",
            thesaurus.entries().len()
        );
    }
}
