//! The theme tagger: rules a librarian can read and edit (`corpus/themes.toml`), applied
//! to a review's text at index time.
//!
//! Matching is on stemmed words: the text and every rule phrase are split into words
//! (runs of letters and digits), lowercased and stemmed (Snowball English), and a phrase
//! matches where its words occur consecutively within one sentence. So "neglect" also
//! matches "neglected", and "self-harm" matches "self harm" and "self-harming".
//!
//! Boilerplate is ignored: a sentence that recurs (same stemmed words) in at least
//! `boilerplate_min_documents` documents of the corpus is template text, such as the
//! statutory paragraph every PFD report opens with, and tagging a theme because of it
//! would tag everything.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use casesearch_model::{Evidence, Review, ThemeTag};
use rayon::prelude::*;
use rust_stemmers::{Algorithm, Stemmer};
use serde::Deserialize;

use crate::text::{sentences, words};
use crate::CatalogueError;

/// How many matches are kept per theme to explain the tag.
const EVIDENCE_PER_THEME: usize = 3;

/// The themes file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeRules {
    /// Bumped by the librarian on every change; recorded in the index.
    pub version: String,
    #[serde(default = "default_boilerplate_min_documents")]
    pub boilerplate_min_documents: usize,
    #[serde(rename = "theme", default)]
    pub themes: Vec<ThemeRule>,
}

fn default_boilerplate_min_documents() -> usize {
    10
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeRule {
    /// Stable slug used in URLs and facets.
    pub id: String,
    pub label: String,
    pub phrases: Vec<String>,
    /// The theme applies only if one of these also occurs somewhere in the document.
    #[serde(default)]
    pub requires: Vec<String>,
    /// Occurrences of the phrases needed in the whole document.
    #[serde(default = "one")]
    pub min_matches: usize,
}

fn one() -> usize {
    1
}

impl ThemeRules {
    pub fn load(path: &Path) -> Result<ThemeRules, CatalogueError> {
        let text = crate::error::read_to_string(path)?;
        ThemeRules::parse(&text).map_err(|message| CatalogueError::InvalidThemes {
            path: path.to_path_buf(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<ThemeRules, String> {
        let rules: ThemeRules = toml::from_str(text).map_err(|err| err.to_string())?;
        let mut ids = HashSet::new();
        for theme in &rules.themes {
            let valid_slug = !theme.id.is_empty()
                && theme
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid_slug {
                return Err(format!(
                    "theme id {:?} must be lowercase letters, digits and '-'",
                    theme.id
                ));
            }
            if !ids.insert(theme.id.as_str()) {
                return Err(format!("theme id {:?} is defined twice", theme.id));
            }
            if theme.phrases.is_empty() {
                return Err(format!("theme {:?} has no phrases", theme.id));
            }
            if let Some(phrase) = theme
                .phrases
                .iter()
                .chain(&theme.requires)
                .find(|phrase| words(phrase).is_empty())
            {
                return Err(format!(
                    "theme {:?} has a phrase with no words: {phrase:?}",
                    theme.id
                ));
            }
        }
        Ok(rules)
    }
}

/// A rule phrase as stems.
#[derive(Debug, Clone)]
struct Pattern {
    stems: Vec<String>,
    /// Index into `ThemeTagger::themes`.
    theme: usize,
    phrase: String,
    /// A `requires` phrase rather than a tagging one.
    is_requirement: bool,
}

/// Rules compiled for matching, plus the corpus's boilerplate sentences.
pub struct ThemeTagger {
    rules: ThemeRules,
    /// Patterns by their first stem, so each word of the text is checked against only
    /// the phrases that could start there.
    patterns_by_first_stem: HashMap<String, Vec<Pattern>>,
    boilerplate: HashSet<u64>,
    stemmer: Stemmer,
}

/// A sentence of a review, stemmed, with where its words are.
struct StemmedSentence<'a> {
    section: &'a str,
    text: &'a str,
    stems: Vec<String>,
    spans: Vec<std::ops::Range<usize>>,
}

impl ThemeTagger {
    pub fn new(rules: ThemeRules) -> ThemeTagger {
        let stemmer = Stemmer::create(Algorithm::English);
        let mut patterns_by_first_stem: HashMap<String, Vec<Pattern>> = HashMap::new();
        for (index, theme) in rules.themes.iter().enumerate() {
            let phrases = theme.phrases.iter().map(|p| (p, false));
            let requirements = theme.requires.iter().map(|p| (p, true));
            for (phrase, is_requirement) in phrases.chain(requirements) {
                let stems = stem_words(&stemmer, phrase);
                let Some(first) = stems.first().cloned() else {
                    continue;
                };
                patterns_by_first_stem
                    .entry(first)
                    .or_default()
                    .push(Pattern {
                        stems,
                        theme: index,
                        phrase: phrase.clone(),
                        is_requirement,
                    });
            }
        }
        ThemeTagger {
            rules,
            patterns_by_first_stem,
            boilerplate: HashSet::new(),
            stemmer,
        }
    }

    pub fn rules(&self) -> &ThemeRules {
        &self.rules
    }

    /// Learns which sentences are boilerplate in this corpus. Call once with every
    /// review before tagging; without it nothing counts as boilerplate.
    pub fn learn_boilerplate<'a>(&mut self, reviews: impl IntoIterator<Item = &'a Review>) {
        // Stemming every sentence is the cost; it runs on every core, a review each.
        let reviews: Vec<&Review> = reviews.into_iter().collect();
        let keys_per_review: Vec<HashSet<u64>> = reviews
            .par_iter()
            .map(|review| {
                self.stemmed_sentences(review)
                    .map(|sentence| sentence_key(&sentence.stems))
                    .collect()
            })
            .collect();
        let mut documents_per_sentence: HashMap<u64, usize> = HashMap::new();
        for key in keys_per_review.into_iter().flatten() {
            *documents_per_sentence.entry(key).or_default() += 1;
        }
        let threshold = self.rules.boilerplate_min_documents.max(2);
        self.boilerplate = documents_per_sentence
            .into_iter()
            .filter(|&(_, documents)| documents >= threshold)
            .map(|(key, _)| key)
            .collect();
    }

    /// How many distinct sentences were judged boilerplate.
    pub fn boilerplate_sentence_count(&self) -> usize {
        self.boilerplate.len()
    }

    /// The themes that apply to a review, in the order of the rules file.
    pub fn tag(&self, review: &Review) -> Vec<ThemeTag> {
        let theme_count = self.rules.themes.len();
        let mut evidence: Vec<Vec<Evidence>> = vec![Vec::new(); theme_count];
        let mut matches = vec![0usize; theme_count];
        let mut requirement_met = vec![false; theme_count];
        for sentence in self.stemmed_sentences(review) {
            if self.boilerplate.contains(&sentence_key(&sentence.stems)) {
                continue;
            }
            for (start, stem) in sentence.stems.iter().enumerate() {
                let Some(patterns) = self.patterns_by_first_stem.get(stem) else {
                    continue;
                };
                for pattern in patterns {
                    let end = start + pattern.stems.len();
                    if sentence.stems.get(start..end) != Some(pattern.stems.as_slice()) {
                        continue;
                    }
                    if pattern.is_requirement {
                        requirement_met[pattern.theme] = true;
                        continue;
                    }
                    matches[pattern.theme] += 1;
                    let kept = &mut evidence[pattern.theme];
                    if kept.len() < EVIDENCE_PER_THEME
                        && !kept.iter().any(|e| e.phrase == pattern.phrase)
                    {
                        let span = sentence.spans[start].start..sentence.spans[end - 1].end;
                        kept.push(Evidence {
                            phrase: pattern.phrase.clone(),
                            matched: sentence.text[span].to_owned(),
                            section: sentence.section.to_owned(),
                        });
                    }
                }
            }
        }
        self.rules
            .themes
            .iter()
            .enumerate()
            .filter(|&(index, theme)| {
                matches[index] >= theme.min_matches.max(1)
                    && (theme.requires.is_empty() || requirement_met[index])
            })
            .map(|(index, theme)| ThemeTag {
                id: theme.id.clone(),
                label: theme.label.clone(),
                evidence: std::mem::take(&mut evidence[index]),
                matches: matches[index],
            })
            .collect()
    }

    fn stemmed_sentences<'a>(
        &'a self,
        review: &'a Review,
    ) -> impl Iterator<Item = StemmedSentence<'a>> + 'a {
        review.sections.iter().flat_map(move |section| {
            sentences(&section.text).into_iter().map(move |range| {
                let text = &section.text[range];
                let found = words(text);
                StemmedSentence {
                    section: &section.label,
                    text,
                    stems: found
                        .iter()
                        .map(|w| self.stemmer.stem(&w.lowercase).into_owned())
                        .collect(),
                    spans: found.into_iter().map(|w| w.span).collect(),
                }
            })
        })
    }
}

fn stem_words(stemmer: &Stemmer, text: &str) -> Vec<String> {
    words(text)
        .iter()
        .map(|word| stemmer.stem(&word.lowercase).into_owned())
        .collect()
}

fn sentence_key(stems: &[String]) -> u64 {
    let mut hasher = DefaultHasher::new();
    stems.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use casesearch_model::{ReviewType, Section};

    use super::*;

    const RULES: &str = r#"
version = "test.1"
boilerplate_min_documents = 2

[[theme]]
id = "domestic-abuse"
label = "Domestic abuse"
phrases = ["domestic abuse", "coercive control"]

[[theme]]
id = "child-mental-health"
label = "Child mental health"
phrases = ["self-harm"]
requires = ["young person"]

[[theme]]
id = "neglect"
label = "Neglect"
phrases = ["neglect"]
min_matches = 2
"#;

    fn review(id: &str, sections: &[(&str, &str)]) -> Review {
        Review {
            id: id.to_owned(),
            title: id.to_owned(),
            review_type: ReviewType::Other,
            publisher: "Suffolk".to_owned(),
            date: None,
            url: None,
            sections: sections
                .iter()
                .map(|(label, text)| Section {
                    label: (*label).to_owned(),
                    text: (*text).to_owned(),
                })
                .collect(),
            metadata: Default::default(),
            details: Default::default(),
        }
    }

    fn tagger() -> ThemeTagger {
        ThemeTagger::new(ThemeRules::parse(RULES).unwrap())
    }

    fn ids(tags: &[ThemeTag]) -> Vec<&str> {
        tags.iter().map(|tag| tag.id.as_str()).collect()
    }

    #[test]
    fn evidence_records_the_phrase_the_words_as_written_and_the_section() {
        let tags = tagger().tag(&review(
            "a",
            &[("Concerns", "There was Coercive-Control by her partner.")],
        ));
        assert_eq!(ids(&tags), ["domestic-abuse"]);
        assert_eq!(
            tags[0].evidence,
            [Evidence {
                phrase: "coercive control".into(),
                matched: "Coercive-Control".into(),
                section: "Concerns".into(),
            }]
        );
    }

    #[test]
    fn stemming_matches_inflected_forms_and_requires_gates_the_theme() {
        let without = review("a", &[("Concerns", "He had been self-harming for years.")]);
        assert!(tagger().tag(&without).is_empty());
        let with = review(
            "b",
            &[
                ("Circumstances", "The young person"),
                ("Concerns", "He had been self-harming."),
            ],
        );
        assert_eq!(ids(&tagger().tag(&with)), ["child-mental-health"]);
    }

    #[test]
    fn min_matches_counts_occurrences_across_sections() {
        let once = review("a", &[("Concerns", "Signs of neglect.")]);
        assert!(tagger().tag(&once).is_empty());
        let twice = review(
            "b",
            &[
                ("Concerns", "Signs of neglect."),
                ("Circumstances", "Neglected."),
            ],
        );
        let tags = tagger().tag(&twice);
        assert_eq!(ids(&tags), ["neglect"]);
        assert_eq!(tags[0].matches, 2);
    }

    #[test]
    fn a_sentence_in_many_documents_is_boilerplate_and_tags_nothing() {
        let template = "The coroner considered domestic abuse as required by law.";
        let first = review("a", &[("Investigation", template)]);
        let second = review(
            "b",
            &[
                ("Investigation", template),
                ("Concerns", "Domestic abuse was missed."),
            ],
        );
        let mut tagger = tagger();
        tagger.learn_boilerplate([&first, &second]);
        assert_eq!(tagger.boilerplate_sentence_count(), 1);
        assert!(tagger.tag(&first).is_empty());
        let tags = tagger.tag(&second);
        assert_eq!(tags[0].evidence[0].section, "Concerns");
    }

    #[test]
    fn invalid_rules_are_rejected_with_the_theme_named() {
        let duplicate =
            format!("{RULES}\n[[theme]]\nid = \"neglect\"\nlabel = \"x\"\nphrases = [\"x\"]\n");
        assert!(ThemeRules::parse(&duplicate)
            .unwrap_err()
            .contains("\"neglect\" is defined twice"));
        let bad_slug = RULES.replace("id = \"neglect\"", "id = \"Neglect!\"");
        assert!(ThemeRules::parse(&bad_slug)
            .unwrap_err()
            .contains("must be lowercase"));
        let empty_phrase = RULES.replace("phrases = [\"neglect\"]", "phrases = [\" - \"]");
        assert!(ThemeRules::parse(&empty_phrase)
            .unwrap_err()
            .contains("no words"));
    }
}
