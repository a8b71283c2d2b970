//! The theme tagger: rules a librarian can read and edit (`corpus/themes.toml`), applied
//! to a review's text sentence by sentence at index time.
//!
//! Matching is on stemmed words: the text and every rule phrase are split into words
//! (runs of letters and digits), lowercased and stemmed (Snowball English), and a phrase
//! matches where its words occur consecutively within one sentence. So "neglect" also
//! matches "neglected", and "self-harm" matches "self harm" and "self-harming".
//!
//! A match counts only when its sentence says the thing happened, to the right person:
//! - **Who the sentence is about.** A sentence naming a parent or carer and no child
//!   ("her mother had been a looked after child") does not count for a child's theme;
//!   `parent_phrases` ("alcohol use", "depression") count only in a sentence about a
//!   parent or carer, `child_phrases` only in one about a child. A sentence that starts
//!   with a pronoun is about whoever the previous one was.
//! - **Negation and hypotheticals.** "No evidence of neglect", "neglect was not
//!   considered", "not attributed to Covid", "if domestic abuse is disclosed" do not count.
//! - **Boilerplate.** A sentence that recurs in `boilerplate_min_documents` documents of
//!   the corpus (template text), a sentence quoting the statutory criteria, the sections
//!   under a method or terms-of-reference heading, and the names of partnerships and
//!   boards (`ignore_names`: "… Safeguarding Children Board" is a name, not multi-agency
//!   working) are skipped.
//! - **Who the document is about.** A `child_only` theme is never given to a document
//!   whose subject is an adult (most coroners' reports); when the age is unknown, its
//!   `requires` words must occur.
//! - **Other senses.** A theme's `not_with` words make a match in their sentence the
//!   other sense ("the risk assessment of the junction" is a road's, not a person's).
//! - **Strength.** A theme is given when it is substantive: `min_sentences` different
//!   sentences (default 2), or one finding, concern or recommendation matched by one of
//!   the theme's own `phrases` (for a `one_sentence` theme, one such sentence anywhere). Everyday words (`general_phrases`, and the `parent_phrases`
//!   and `child_phrases` whose sense hangs on whom the sentence is about) occur in
//!   passing too, so they make a theme only in several sentences. A finding is text under
//!   a heading that opens or ends with a finding word ("Key findings", "Learning for
//!   practice"), to the next method heading, over page breaks. The number of matches is
//!   kept as the tag's score, and each tag keeps its evidence: the sentence, its section
//!   or page, who it is about and why it counted.

use std::cell::RefCell;
use std::collections::HashSet;

use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use casesearch_model::{AgeBand, Evidence, Review, ThemeTag};
use rayon::prelude::*;
use rust_stemmers::{Algorithm, Stemmer};
use serde::Deserialize;

use crate::text::{sentences, words};
use crate::CatalogueError;

/// How many matches are kept per theme to explain the tag.
const EVIDENCE_PER_THEME: usize = 3;

/// Longest evidence sentence kept, in characters.
const EVIDENCE_SENTENCE_CHARS: usize = 400;

/// Words that make a sentence about a child (stemmed when the tagger is built).
const CHILD_WORDS: &[&str] = &[
    "child",
    "children",
    "baby",
    "babies",
    "infant",
    "toddler",
    "newborn",
    "son",
    "daughter",
    "boy",
    "girl",
    "teenager",
    "adolescent",
    "pupil",
    "sibling",
    "siblings",
    "stepson",
    "stepdaughter",
    "youngster",
];

/// Words that make a sentence about a parent or carer.
const PARENT_WORDS: &[&str] = &[
    "mother",
    "father",
    "mum",
    "dad",
    "parent",
    "parents",
    "stepfather",
    "stepmother",
    "partner",
    "boyfriend",
    "girlfriend",
    "carer",
    "carers",
    "grandmother",
    "grandfather",
    "grandparent",
    "grandparents",
    "aunt",
    "uncle",
    "husband",
    "wife",
    "mr",
    "mrs",
    "ms",
];

/// Words that make a sentence about a professional.
const PROFESSIONAL_WORDS: &[&str] = &[
    "practitioner",
    "practitioners",
    "professional",
    "professionals",
    "teacher",
    "nurse",
    "doctor",
    "gp",
    "police",
    "officer",
    "clinician",
    "midwife",
    "visitor",
    "psychiatrist",
    "staff",
    "worker",
    "workers",
    "consultant",
    "paramedic",
];

/// Pronouns that carry the previous sentence's subject on.
const PRONOUNS: &[&str] = &["he", "she", "they", "his", "her", "their", "him", "this"];

/// Words just before a match that deny it: "no evidence of neglect", "without injury".
const NEGATING_BEFORE: &[&str] = &["no", "without", "never", "nor", "neither", "absence"];

/// Phrases just before a match that deny it a part in the case: "this was not attributed
/// to Covid", "the death was not related to self-harm".
const NEGATING_BEFORE_PHRASES: &[&str] = &[
    "not attributed to",
    "not attributable to",
    "not related to",
    "unrelated to",
    "not due to",
    "not caused by",
    "not linked to",
    "not associated with",
];

/// Words anywhere before a match in its sentence that make it a hypothetical.
const HYPOTHETICAL_BEFORE: &[&str] = &["if", "unless", "whether", "hypothetical"];

/// Phrases just after a match that deny it: "neglect was not considered".
const NEGATING_AFTER: &[&str] = &[
    "not considered",
    "not thought",
    "ruled out",
    "not a factor",
    "not present",
    "not suspected",
    "not relevant",
    "not a concern",
    "not an issue",
    "not been a factor",
];

/// Words that open another clause, which a negation does not reach into.
const CLAUSE_BREAKS: &[&str] = &["but", "however", "although", "whereas"];

/// How far (in words) a negation reaches.
const NEGATION_REACH: usize = 4;

/// The themes file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeRules {
    /// Bumped by the librarian on every change; recorded in the index.
    pub version: String,
    #[serde(default = "default_boilerplate_min_documents")]
    pub boilerplate_min_documents: usize,
    /// Names whose words say nothing about the case: partnerships, boards, guidance
    /// titles. Their words are masked before matching.
    #[serde(default)]
    pub ignore_names: Vec<String>,
    /// A sentence containing one of these is boilerplate: the statutory criteria
    /// ("met the criteria for a review").
    #[serde(default)]
    pub boilerplate_phrases: Vec<String>,
    /// Headings after which text is about the review itself (method, terms of
    /// reference), up to the next heading.
    #[serde(default)]
    pub method_headings: Vec<String>,
    /// Section labels and headings after which text is a finding, concern or
    /// recommendation (a coroner's "Concerns", a review's "Findings").
    #[serde(default)]
    pub finding_headings: Vec<String>,
    /// How many sentences a theme needs when none is a finding (default 2).
    #[serde(default = "two")]
    pub min_sentences: usize,
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
    /// One paragraph: what the theme covers, for the `/themes` page and the facet.
    #[serde(default)]
    pub definition: String,
    /// Where the theme and its definition come from.
    #[serde(default)]
    pub source: String,
    /// Phrases that count in any sentence (unless it is about a parent only and the
    /// theme is `child_only`).
    pub phrases: Vec<String>,
    /// Phrases that count only in a sentence about a parent or carer.
    #[serde(default)]
    pub parent_phrases: Vec<String>,
    /// Phrases that count only in a sentence about a child.
    #[serde(default)]
    pub child_phrases: Vec<String>,
    /// Everyday words that bear on the theme but also occur in passing ("communication",
    /// "threshold", "training for"): they count in any sentence, but like
    /// `parent_phrases` and `child_phrases` they make the theme substantive only in
    /// `min_sentences` sentences, never in one finding alone.
    #[serde(default)]
    pub general_phrases: Vec<String>,
    /// A match does not count in a sentence that also has one of these: the theme's
    /// words in another sense ("a risk assessment of the junction" is a hazard's, not a
    /// person's).
    #[serde(default)]
    pub not_with: Vec<String>,
    /// When the subject's age is unknown, the theme applies only if one of these also
    /// occurs somewhere in the document.
    #[serde(default)]
    pub requires: Vec<String>,
    /// A theme about children: never given when the subject is an adult.
    #[serde(default)]
    pub child_only: bool,
    /// A child's theme whose evidence is about the parents or carers (their drinking,
    /// their engagement, the men in the household): a sentence about a parent counts,
    /// where for other `child_only` themes it is the parent's own history.
    #[serde(default)]
    pub about_parents: bool,
    /// For practice themes: what was *not* done is the evidence ("no risk assessment was
    /// completed", "information was not shared"), so negation does not cancel a match.
    #[serde(default)]
    pub absence_counts: bool,
    /// Age bands (slugs) whose subjects always have the theme: "adolescents" is the
    /// subject's age, whatever the words.
    #[serde(default)]
    pub age_bands: Vec<String>,
    /// Occurrences of the phrases needed in the whole document.
    #[serde(default = "one")]
    pub min_matches: usize,
    /// Different sentences needed when none is a finding; the file's `min_sentences`
    /// when not given.
    #[serde(default)]
    pub min_sentences: Option<usize>,
    /// One sentence matched by one of the theme's own `phrases` makes the theme anywhere
    /// in the document, as a finding does: for practice themes whose phrases name a
    /// failing ("no risk assessment had been completed"), which a coroner often states
    /// once, in the circumstances. Everyday words still need `min_sentences` sentences.
    #[serde(default)]
    pub one_sentence: bool,
}

impl ThemeRule {
    /// Every phrase that is evidence for the theme, whatever sentence it needs.
    fn tagging_phrases(&self) -> impl Iterator<Item = &String> {
        self.phrases
            .iter()
            .chain(&self.parent_phrases)
            .chain(&self.child_phrases)
            .chain(&self.general_phrases)
    }
}

fn one() -> usize {
    1
}

fn two() -> usize {
    2
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
            if theme.phrases.is_empty() && theme.parent_phrases.is_empty() {
                return Err(format!("theme {:?} has no phrases", theme.id));
            }
            if let Some(phrase) = theme
                .tagging_phrases()
                .chain(&theme.not_with)
                .chain(&theme.requires)
                .find(|phrase| words(phrase).is_empty())
            {
                return Err(format!(
                    "theme {:?} has a phrase with no words: {phrase:?}",
                    theme.id
                ));
            }
            // A gap needs words on both sides: "records ..." would silently be "records".
            if let Some(phrase) = theme
                .tagging_phrases()
                .find(|phrase| gap_parts(phrase).any(|part| words(part).is_empty()))
            {
                return Err(format!(
                    "theme {:?}: the gap (\"...\") in {phrase:?} needs words on both sides",
                    theme.id
                ));
            }
        }
        for theme in &rules.themes {
            if let Some(band) = theme
                .age_bands
                .iter()
                .find(|band| AgeBand::from_slug(band).is_none())
            {
                return Err(format!("theme {:?}: {band:?} is not an age band", theme.id));
            }
        }
        if let Some(phrase) = rules
            .ignore_names
            .iter()
            .chain(&rules.boilerplate_phrases)
            .chain(&rules.method_headings)
            .chain(&rules.finding_headings)
            .find(|phrase| words(phrase).is_empty())
        {
            return Err(format!("a phrase with no words: {phrase:?}"));
        }
        Ok(rules)
    }

    /// The theme with this id.
    pub fn theme(&self, id: &str) -> Option<&ThemeRule> {
        self.themes.iter().find(|theme| theme.id == id)
    }
}

/// Which sentences a tagging phrase counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Any,
    Parent,
    Child,
}

/// What a rule phrase does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PatternKind {
    /// Evidence for theme `theme`; `general` for everyday words, which need more than
    /// one finding to make the theme substantive.
    Tagging {
        theme: usize,
        context: Context,
        general: bool,
    },
    /// A `requires` phrase of theme `theme`.
    Requirement { theme: usize },
    /// A name whose words are masked.
    IgnoredName,
    /// Marks its sentence as boilerplate.
    BoilerplateCue,
}

/// A rule phrase as stems: `stems` next to each other, then each of `later` (in
/// order) within [`GAP_WORDS`] words of what came before ("records ... not sought").
#[derive(Debug, Clone)]
struct Pattern {
    stems: Vec<String>,
    later: Vec<Vec<String>>,
    phrase: String,
    kind: PatternKind,
}

impl Pattern {
    /// Where the pattern matches when its first part starts at `start`: the words from
    /// its first to its last part.
    fn match_at(&self, stems: &[String], start: usize) -> Option<std::ops::Range<usize>> {
        let mut end = start + self.stems.len();
        if stems.get(start..end) != Some(self.stems.as_slice()) {
            return None;
        }
        for part in &self.later {
            let last_start = (end + GAP_WORDS).min(stems.len().saturating_sub(part.len()));
            let at = (end..=last_start)
                .find(|&at| stems.get(at..at + part.len()) == Some(part.as_slice()))?;
            end = at + part.len();
        }
        Some(start..end)
    }
}

/// Words a gapped phrase's parts may have between them ("records ... not sought"
/// finds "the records were not sought"): enough for a clause, not a paragraph's
/// worth of sentence.
const GAP_WORDS: usize = 6;

/// A rule phrase's text between its gaps ("..." or "…").
fn gap_parts(phrase: &str) -> impl Iterator<Item = &str> {
    phrase.split("...").flat_map(|part| part.split('\u{2026}'))
}

/// A rule phrase's parts, as stems.
fn phrase_parts(stemmer: &Stemmer, phrase: &str) -> Vec<Vec<String>> {
    gap_parts(phrase)
        .map(|part| stem_words(stemmer, part))
        .filter(|stems| !stems.is_empty())
        .collect()
}

/// Rules compiled for matching, plus the corpus's boilerplate sentences.
pub struct ThemeTagger {
    rules: ThemeRules,
    /// Patterns by their first stem, so each word of the text is checked against only
    /// the phrases that could start there.
    patterns_by_first_stem: FxHashMap<String, Vec<Pattern>>,
    /// Sentence keys (already hashes: Fx only mixes them into the table).
    boilerplate: FxHashSet<u64>,
    stemmer: Stemmer,
    child_words: FxHashSet<String>,
    parent_words: FxHashSet<String>,
    professional_words: FxHashSet<String>,
    pronouns: FxHashSet<String>,
    negating_before: FxHashSet<String>,
    hypothetical_before: FxHashSet<String>,
    clause_breaks: FxHashSet<String>,
    negating_after: Vec<Vec<String>>,
    negating_before_phrases: Vec<Vec<String>>,
    method_headings: Vec<Vec<String>>,
    finding_headings: Vec<Vec<String>>,
    /// Each theme's `not_with` phrases as stems, in the rules' order.
    not_with: Vec<Vec<Vec<String>>>,
}

/// A sentence of a review, stemmed, with where its words are.
struct StemmedSentence<'a> {
    section: &'a str,
    text: &'a str,
    stems: Vec<String>,
    spans: Vec<std::ops::Range<usize>>,
}

/// Who a sentence (or the words before a match) is about: the first person it names,
/// or, when it opens with a pronoun, whoever the previous sentence was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Child,
    Parent,
    Professional,
}

fn about_label(who: Option<Who>) -> &'static str {
    match who {
        Some(Who::Child) => "child",
        Some(Who::Parent) => "parent or carer",
        Some(Who::Professional) => "professional",
        None => "unclear",
    }
}

/// What one theme has gathered from a document so far.
#[derive(Default, Clone)]
struct Tally {
    matches: usize,
    sentences: usize,
    last_sentence: Option<usize>,
    /// A finding, concern or recommendation matched by one of the theme's own phrases
    /// (not a general one): enough on its own.
    specific_finding: bool,
    requirement_met: bool,
    evidence: Vec<(Evidence, bool)>,
}

impl ThemeTagger {
    pub fn new(rules: ThemeRules) -> ThemeTagger {
        let stemmer = Stemmer::create(Algorithm::English);
        let mut patterns_by_first_stem: FxHashMap<String, Vec<Pattern>> = FxHashMap::default();
        let mut add = |phrase: &String, kind: PatternKind| {
            let mut parts = phrase_parts(&stemmer, phrase).into_iter();
            let Some(stems) = parts.next() else {
                return;
            };
            patterns_by_first_stem
                .entry(stems[0].clone())
                .or_default()
                .push(Pattern {
                    stems,
                    later: parts.collect(),
                    phrase: phrase.clone(),
                    kind,
                });
        };
        for (theme, rule) in rules.themes.iter().enumerate() {
            let tagging = |context, general| PatternKind::Tagging {
                theme,
                context,
                general,
            };
            for phrase in &rule.phrases {
                add(phrase, tagging(Context::Any, false));
            }
            // Parent and child phrases are everyday words ("alcohol", "mental health")
            // made specific by whom the sentence is about, which one sentence may get
            // wrong: like general phrases they need several sentences.
            for phrase in &rule.parent_phrases {
                add(phrase, tagging(Context::Parent, true));
            }
            for phrase in &rule.child_phrases {
                add(phrase, tagging(Context::Child, true));
            }
            for phrase in &rule.general_phrases {
                add(phrase, tagging(Context::Any, true));
            }
            for phrase in &rule.requires {
                add(phrase, PatternKind::Requirement { theme });
            }
        }
        for phrase in &rules.ignore_names {
            add(phrase, PatternKind::IgnoredName);
        }
        for phrase in &rules.boilerplate_phrases {
            add(phrase, PatternKind::BoilerplateCue);
        }
        let set = |list: &[&str]| -> FxHashSet<String> {
            list.iter()
                .map(|word| stemmer.stem(word).into_owned())
                .collect()
        };
        let phrases = |list: &[String]| -> Vec<Vec<String>> {
            list.iter()
                .map(|phrase| stem_words(&stemmer, phrase))
                .collect()
        };
        let owned = |list: &[&str]| -> Vec<String> { list.iter().map(|p| p.to_string()).collect() };
        ThemeTagger {
            child_words: set(CHILD_WORDS),
            parent_words: set(PARENT_WORDS),
            professional_words: set(PROFESSIONAL_WORDS),
            pronouns: set(PRONOUNS),
            negating_before: set(NEGATING_BEFORE),
            hypothetical_before: set(HYPOTHETICAL_BEFORE),
            clause_breaks: set(CLAUSE_BREAKS),
            negating_after: phrases(&owned(NEGATING_AFTER)),
            negating_before_phrases: phrases(&owned(NEGATING_BEFORE_PHRASES)),
            method_headings: phrases(&rules.method_headings),
            not_with: rules
                .themes
                .iter()
                .map(|rule| phrases(&rule.not_with))
                .collect(),
            finding_headings: phrases(&rules.finding_headings),
            rules,
            patterns_by_first_stem,
            boilerplate: FxHashSet::default(),
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
        let keys_per_review: Vec<FxHashSet<u64>> = reviews
            .par_iter()
            .map(|review| {
                self.stemmed_sentences(review)
                    .map(|sentence| sentence_key(&sentence.stems))
                    .collect()
            })
            .collect();
        let mut documents_per_sentence: FxHashMap<u64, usize> = FxHashMap::default();
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
        let mut tallies = vec![Tally::default(); self.rules.themes.len()];
        let band = review.details.age_band;
        // The pseudonym's own words ("Jack", "Q") also say a sentence is about the child.
        let mut pseudonym: HashSet<String> = review
            .details
            .child
            .iter()
            .flat_map(|child| stem_words(&self.stemmer, child))
            .collect();
        // A coroner names the deceased: their names, like a pseudonym, say a sentence
        // is about the subject ("Robyn's mental health").
        pseudonym.extend(
            deceased_names(review)
                .iter()
                .map(|name| self.stemmer.stem(name).into_owned()),
        );
        let mut current_section = "";
        let mut in_method = false;
        let mut in_findings = false;
        let mut previous: Option<Who> = None;
        for (index, sentence) in self.stemmed_sentences(review).enumerate() {
            if sentence.section != current_section {
                // A PDF's pages are sections too: a method section or glossary runs on
                // over a page break until its next heading, and findings until a method
                // heading (their subheadings name topics, not the end of the findings).
                let next_page = is_page_label(current_section) && is_page_label(sentence.section);
                current_section = sentence.section;
                in_method &= next_page;
                in_findings = (in_findings && next_page)
                    || self.is_heading_of(&self.finding_headings, sentence.section);
            }
            if looks_like_heading(sentence.text) {
                // A finding heading opens or ends with its word ("Key findings",
                // "Learning for practice"): a title that only has it inside ("Practice
                // Learning Summary – July 2022") is not one. It wins over a method
                // heading: "What the review found" has "review", the stem of "reviewer".
                // The heading itself ("Practice and organisational learning") names what
                // follows; its words are not evidence.
                if opens_or_ends_with_any(&sentence.stems, &self.finding_headings) {
                    in_method = false;
                    in_findings = true;
                    continue;
                }
                if contains_any(&sentence.stems, &self.method_headings) {
                    in_method = true;
                    in_findings = false;
                    continue;
                }
                in_method = false;
            }
            if in_method || self.boilerplate.contains(&sentence_key(&sentence.stems)) {
                continue;
            }
            let found = self.matches_in(&sentence.stems);
            if found.is_empty() {
                previous = self.who_before(
                    &sentence.stems,
                    sentence.stems.len(),
                    &[],
                    &pseudonym,
                    previous,
                );
                continue;
            }
            if found
                .iter()
                .any(|(pattern, _)| pattern.kind == PatternKind::BoilerplateCue)
            {
                continue;
            }
            let masked: Vec<std::ops::Range<usize>> = found
                .iter()
                .filter(|(pattern, _)| pattern.kind == PatternKind::IgnoredName)
                .map(|(_, range)| range.clone())
                .collect();
            let subject = self.who_before(
                &sentence.stems,
                sentence.stems.len(),
                &masked,
                &pseudonym,
                previous,
            );
            let recommendation = sentence.stems.iter().any(|stem| stem == "recommend");
            for (pattern, range) in &found {
                if masked
                    .iter()
                    .any(|name| name.start < range.end && range.start < name.end)
                {
                    continue;
                }
                match pattern.kind {
                    PatternKind::Requirement { theme } => tallies[theme].requirement_met = true,
                    PatternKind::Tagging {
                        theme,
                        context,
                        general,
                    } => {
                        let rule = &self.rules.themes[theme];
                        // Who the words before the match are about: "her mother had been
                        // a looked after child" is about the mother, "Jack suffered
                        // physical abuse by his stepfather" about Jack.
                        let leading = self.who_before(
                            &sentence.stems,
                            range.start,
                            &masked,
                            &pseudonym,
                            previous,
                        );
                        let nearest =
                            self.nearest_before(&sentence.stems, range.start, &masked, &pseudonym);
                        let about_right_person = match context {
                            Context::Parent => {
                                nearest == Some(Who::Parent)
                                    || (nearest.is_none() && leading == Some(Who::Parent))
                            }
                            Context::Child => {
                                leading == Some(Who::Child)
                                    || self.names(&sentence.stems, Who::Child)
                                    || sentence.stems.iter().any(|stem| pseudonym.contains(stem))
                            }
                            Context::Any => {
                                let mut outside = masked.clone();
                                outside.push(range.clone());
                                !(rule.child_only
                                    && !rule.about_parents
                                    && (leading == Some(Who::Parent)
                                        || (leading.is_none()
                                            && self
                                                .only_about_a_parent(&sentence.stems, &outside))))
                            }
                        };
                        let denied = !rule.absence_counts && self.is_denied(&sentence.stems, range);
                        let other_sense = contains_any(&sentence.stems, &self.not_with[theme]);
                        if !about_right_person || denied || other_sense {
                            continue;
                        }
                        let finding = in_findings || recommendation;
                        let tally = &mut tallies[theme];
                        tally.matches += 1;
                        if tally.last_sentence != Some(index) {
                            tally.sentences += 1;
                            tally.last_sentence = Some(index);
                        }
                        tally.specific_finding |= (finding || rule.one_sentence) && !general;
                        // Who the evidence is about: whom the context rule checked for, or
                        // else the first person before the match.
                        let about = match context {
                            Context::Parent => Some(Who::Parent),
                            Context::Child => Some(Who::Child),
                            Context::Any => leading.or(subject),
                        };
                        self.keep_evidence(
                            tally, pattern, range, &sentence, about, context, finding,
                        );
                    }
                    PatternKind::IgnoredName | PatternKind::BoilerplateCue => {}
                }
            }
            previous = subject;
        }
        let adult = band == Some(AgeBand::Adult);
        let child = band.is_some_and(AgeBand::is_child);
        let by_age = |rule: &ThemeRule| {
            band.is_some_and(|band| rule.age_bands.iter().any(|slug| slug == band.slug()))
        };
        self.rules
            .themes
            .iter()
            .zip(tallies)
            .filter(|(rule, tally)| {
                let substantive = tally.specific_finding
                    || tally.sentences >= rule.min_sentences.unwrap_or(self.rules.min_sentences);
                let right_subject = !(rule.child_only && adult)
                    && (rule.requires.is_empty() || child || tally.requirement_met);
                // A theme defined by age ("adolescents") follows the age when it is
                // known; its words decide only when it is not.
                let age_decides = !rule.age_bands.is_empty() && band.is_some();
                if age_decides {
                    return by_age(rule);
                }
                tally.matches >= rule.min_matches.max(1) && substantive && right_subject
            })
            .map(|(rule, tally)| {
                let mut evidence: Vec<Evidence> =
                    tally.evidence.into_iter().map(|(e, _)| e).collect();
                if by_age(rule) {
                    if let Some(age) = review.details.derived.get("age_band") {
                        evidence.insert(
                            0,
                            Evidence {
                                phrase: "age band".to_owned(),
                                matched: age.value.clone(),
                                section: age.source.clone(),
                                sentence: age.evidence.clone(),
                                about: "child".to_owned(),
                                why: format!("the subject's age band is {}", age.value),
                            },
                        );
                        evidence.truncate(EVIDENCE_PER_THEME);
                    }
                }
                ThemeTag {
                    id: rule.id.clone(),
                    label: rule.label.clone(),
                    evidence,
                    matches: tally.matches,
                    sentences: tally.sentences,
                    librarian_note: None,
                }
            })
            .collect()
    }

    /// Every rule phrase in a sentence, with the word range it covers.
    fn matches_in<'p>(&'p self, stems: &[String]) -> Vec<(&'p Pattern, std::ops::Range<usize>)> {
        let mut found = Vec::new();
        for (start, stem) in stems.iter().enumerate() {
            let Some(patterns) = self.patterns_by_first_stem.get(stem) else {
                continue;
            };
            for pattern in patterns {
                if let Some(range) = pattern.match_at(stems, start) {
                    found.push((pattern, range));
                }
            }
        }
        found
    }

    /// Who the words before `end` are about: the first person named, skipping the
    /// words in `leave_out` (names of boards); a sentence that opens with a pronoun
    /// ("She had been …") is about whoever the previous sentence was, unless a person
    /// follows it at once ("His stepfather …").
    fn who_before(
        &self,
        stems: &[String],
        end: usize,
        leave_out: &[std::ops::Range<usize>],
        pseudonym: &HashSet<String>,
        previous: Option<Who>,
    ) -> Option<Who> {
        let end = end.min(stems.len());
        for at in 0..end {
            if leave_out.iter().any(|range| range.contains(&at)) {
                continue;
            }
            if let Some(who) = self.person(&stems[at], pseudonym) {
                // "Mr Douglas" in a coroner's report is the deceased, not a parent.
                let titled_subject = matches!(stems[at].as_str(), "mr" | "mrs" | "ms")
                    && stems
                        .get(at + 1)
                        .is_some_and(|next| pseudonym.contains(next));
                if titled_subject {
                    return Some(Who::Child);
                }
                return Some(self.possessed(stems, at, end, pseudonym).unwrap_or(who));
            }
            if at == 0 && self.pronouns.contains(&stems[0]) {
                let next = stems.get(1).filter(|_| end > 1);
                return next
                    .and_then(|next| self.person(next, pseudonym))
                    .or(previous);
            }
        }
        None
    }

    /// "Child F's mother": the person a possessive names, within a few words of the
    /// possessor (whose "'s" splits off as the word "s").
    fn possessed(
        &self,
        stems: &[String],
        at: usize,
        end: usize,
        pseudonym: &HashSet<String>,
    ) -> Option<Who> {
        let apostrophe = (at + 1..(at + 3).min(end)).find(|&i| stems[i] == "s")?;
        (apostrophe + 1..(apostrophe + 4).min(end)).find_map(|i| self.person(&stems[i], pseudonym))
    }

    /// The person named nearest before `end`, looking back.
    fn nearest_before(
        &self,
        stems: &[String],
        end: usize,
        leave_out: &[std::ops::Range<usize>],
        pseudonym: &HashSet<String>,
    ) -> Option<Who> {
        (0..end.min(stems.len()))
            .rev()
            .filter(|at| !leave_out.iter().any(|range| range.contains(at)))
            .find_map(|at| self.person(&stems[at], pseudonym))
    }

    /// A sentence naming a parent or carer and no child, outside `leave_out`, where the
    /// parent is not the agent of something done to someone ("abuse by his stepfather").
    fn only_about_a_parent(&self, stems: &[String], leave_out: &[std::ops::Range<usize>]) -> bool {
        let outside = |at: &usize| !leave_out.iter().any(|range| range.contains(at));
        let mut parent_at = None;
        for at in (0..stems.len()).filter(outside) {
            if self.child_words.contains(&stems[at]) {
                return false;
            }
            if parent_at.is_none() && self.parent_words.contains(&stems[at]) {
                parent_at = Some(at);
            }
        }
        parent_at.is_some_and(|at| !stems[at.saturating_sub(2)..at].iter().any(|w| w == "by"))
    }

    fn person(&self, stem: &str, pseudonym: &HashSet<String>) -> Option<Who> {
        if self.child_words.contains(stem) || pseudonym.contains(stem) {
            Some(Who::Child)
        } else if self.parent_words.contains(stem) {
            Some(Who::Parent)
        } else if self.professional_words.contains(stem) {
            Some(Who::Professional)
        } else {
            None
        }
    }

    fn names(&self, stems: &[String], who: Who) -> bool {
        let words = match who {
            Who::Child => &self.child_words,
            Who::Parent => &self.parent_words,
            Who::Professional => &self.professional_words,
        };
        stems.iter().any(|stem| words.contains(stem))
    }

    /// Whether the words around a match deny it or make it a hypothetical.
    fn is_denied(&self, stems: &[String], range: &std::ops::Range<usize>) -> bool {
        // A negation does not reach over "but": in "the mother was low, but the plan
        // did not consider it" the "not" is the plan's, not the mother's mood's.
        let clause_start = stems[..range.start]
            .iter()
            .rposition(|stem| self.clause_breaks.contains(stem))
            .map_or(0, |at| at + 1);
        let reach_start = range.start.saturating_sub(NEGATION_REACH).max(clause_start);
        let before = &stems[reach_start..range.start];
        let negated_before = before
            .iter()
            .any(|stem| self.negating_before.contains(stem))
            || (range.start > clause_start && stems[range.start - 1] == "not")
            || self
                .negating_before_phrases
                .iter()
                .any(|phrase| before.ends_with(phrase));
        let hypothetical = stems[..range.start]
            .iter()
            .any(|stem| self.hypothetical_before.contains(stem));
        let reach_end = stems.len().min(range.end + NEGATION_REACH + 2);
        let clause_end = stems[range.end..reach_end]
            .iter()
            .position(|stem| self.clause_breaks.contains(stem))
            .map_or(reach_end, |at| range.end + at);
        let after = &stems[range.end..clause_end];
        let negated_after = self.negating_after.iter().any(|phrase| {
            after
                .windows(phrase.len())
                .any(|window| window == phrase.as_slice())
        });
        negated_before || hypothetical || negated_after
    }

    #[allow(clippy::too_many_arguments)]
    fn keep_evidence(
        &self,
        tally: &mut Tally,
        pattern: &Pattern,
        range: &std::ops::Range<usize>,
        sentence: &StemmedSentence,
        subject: Option<Who>,
        context: Context,
        finding: bool,
    ) {
        let same_sentence = tally
            .evidence
            .iter()
            .any(|(evidence, _)| evidence.sentence == flatten(sentence.text));
        if same_sentence {
            return;
        }
        // A finding explains a tag better than a passing mention: it may displace one.
        let slot = if tally.evidence.len() < EVIDENCE_PER_THEME {
            None
        } else if finding {
            match tally
                .evidence
                .iter()
                .rposition(|(_, was_finding)| !was_finding)
            {
                Some(slot) => Some(slot),
                None => return,
            }
        } else {
            return;
        };
        let span = sentence.spans[range.start].start..sentence.spans[range.end - 1].end;
        let mut why = format!("\u{2018}{}\u{2019}", pattern.phrase);
        match context {
            Context::Parent => why.push_str(" in a sentence about a parent or carer"),
            Context::Child => why.push_str(" in a sentence about the child"),
            Context::Any => {}
        }
        if finding {
            why.push_str("; a finding, concern or recommendation");
        }
        let evidence = Evidence {
            phrase: pattern.phrase.clone(),
            matched: sentence.text[span].to_owned(),
            section: sentence.section.to_owned(),
            sentence: flatten(sentence.text),
            about: about_label(subject).to_owned(),
            why,
        };
        match slot {
            Some(slot) => tally.evidence[slot] = (evidence, finding),
            None => tally.evidence.push((evidence, finding)),
        }
    }

    fn is_heading_of(&self, headings: &[Vec<String>], label: &str) -> bool {
        contains_any(&stem_words(&self.stemmer, label), headings)
    }

    fn stemmed_sentences<'a>(
        &'a self,
        review: &'a Review,
    ) -> impl Iterator<Item = StemmedSentence<'a>> + 'a {
        review.sections.iter().flat_map(move |section| {
            // Sentences are found in the text with wrapped lines joined; the ranges are
            // the same in the original, whose words are the same.
            sentences(&join_wrapped_lines(&section.text))
                .into_iter()
                .map(move |range| {
                    let text = &section.text[range];
                    let found = words(text);
                    StemmedSentence {
                        section: &section.label,
                        text,
                        stems: found
                            .iter()
                            .map(|w| stem(&self.stemmer, &w.lowercase))
                            .collect(),
                        spans: found.into_iter().map(|w| w.span).collect(),
                    }
                })
        })
    }
}

/// The deceased's names in a coroner's report: the capitalised words after "death of"
/// in its first sentences ("the death of Robyn Lily SKILTON aged 14"), titles left out.
fn deceased_names(review: &Review) -> Vec<String> {
    if review.review_type != casesearch_model::ReviewType::PreventionOfFutureDeaths {
        return Vec::new();
    }
    let Some(section) = review.sections.first() else {
        return Vec::new();
    };
    let opening: String = section.text.chars().take(600).collect();
    let Some(at) = opening.to_lowercase().find("death of") else {
        return Vec::new();
    };
    let after = &opening[at + "death of".len()..];
    words(after)
        .into_iter()
        .map(|word| &after[word.span])
        .skip_while(|word| {
            matches!(
                word.to_lowercase().as_str(),
                "mr" | "mrs" | "ms" | "miss" | "master" | "the" | "baby"
            )
        })
        .take_while(|word| word.starts_with(|c: char| c.is_uppercase()))
        .take(5)
        .map(str::to_lowercase)
        .collect()
}

/// The text with each line break that only wraps a sentence (as PDF text is wrapped at
/// the page's width) turned into a space, byte for byte the same length. Breaks stay
/// after a short line without a full stop (a heading), before a list item or numbered
/// paragraph, and around blank lines.
fn join_wrapped_lines(text: &str) -> String {
    let mut joined = String::with_capacity(text.len());
    let lines: Vec<&str> = text.split('\n').collect();
    for (index, line) in lines.iter().enumerate() {
        joined.push_str(line);
        let Some(next) = lines.get(index + 1) else {
            break;
        };
        let this = line.trim();
        let next = next.trim_start();
        let heading = this.chars().count() < 50 && !this.ends_with(['.', ',', ';', ':']);
        let item = next.starts_with(['-', '•', '*', '–', '(', '|'])
            || next.split_whitespace().next().is_some_and(|first| {
                first.ends_with('.')
                    && first[..first.len() - 1]
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.')
                    && first.len() > 1
            });
        let blank = this.is_empty() || next.trim().is_empty();
        joined.push(if heading || item || blank { '\n' } else { ' ' });
    }
    joined
}

/// A section that is a page of a PDF ("p. 4", "p. 5 (OCR)"), not a named part.
fn is_page_label(label: &str) -> bool {
    label
        .strip_prefix("p. ")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// A heading as extracted text shows one: a short line without a full stop.
fn looks_like_heading(text: &str) -> bool {
    let trimmed = text.trim();
    let word_count = trimmed.split_whitespace().count();
    (1..=8).contains(&word_count)
        && !trimmed.ends_with(['.', ',', ';', ':', '?', '!'])
        && trimmed.chars().any(char::is_alphabetic)
}

fn opens_or_ends_with_any(stems: &[String], phrases: &[Vec<String>]) -> bool {
    phrases
        .iter()
        .any(|phrase| !phrase.is_empty() && (stems.starts_with(phrase) || stems.ends_with(phrase)))
}

fn contains_any(stems: &[String], phrases: &[Vec<String>]) -> bool {
    phrases.iter().any(|phrase| {
        !phrase.is_empty()
            && stems
                .windows(phrase.len())
                .any(|window| window == phrase.as_slice())
    })
}

/// The sentence on one line, shortened for display.
fn flatten(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(EVIDENCE_SENTENCE_CHARS) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

fn stem_words(stemmer: &Stemmer, text: &str) -> Vec<String> {
    words(text)
        .iter()
        .map(|word| stem(stemmer, &word.lowercase))
        .collect()
}

/// Lower-cased words remembered with their stems, per thread; beyond it words are
/// stemmed each time, so memory stays bounded (about 8 MB a thread at the limit).
const MAX_REMEMBERED_STEMS: usize = 100_000;

thread_local! {
    /// Stems by lower-cased word. A collection's words repeat (tens of thousands of
    /// distinct words make up millions), and stemming each one again was a third of a
    /// 100× build by perf. Every tagger stems with the English stemmer
    /// ([`ThemeTagger::new`]), so the word alone is the key.
    static STEMS: RefCell<FxHashMap<Box<str>, Box<str>>> = RefCell::new(FxHashMap::default());
}

/// The English stem of a lower-cased word.
fn stem(stemmer: &Stemmer, lowercase: &str) -> String {
    STEMS.with(|stems| {
        let mut stems = stems.borrow_mut();
        if let Some(known) = stems.get(lowercase) {
            return known.to_string();
        }
        let stemmed = stemmer.stem(lowercase).into_owned();
        if stems.len() < MAX_REMEMBERED_STEMS {
            stems.insert(lowercase.into(), stemmed.as_str().into());
        }
        stemmed
    })
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

    /// Remembered stems are the stemmer's: each word of real reports stemmed twice (the
    /// second time from memory) gives what the stemmer gives.
    #[test]
    fn remembered_stems_are_the_stemmers() {
        let stemmer = Stemmer::create(Algorithm::English);
        let records = include_str!("../../../corpus/pfd/records.jsonl");
        let mut checked = 0;
        // The records' lines as they are (JSON keys and all): their words are real.
        for line in records.lines().take(50) {
            for word in words(line) {
                let expected = stemmer.stem(&word.lowercase).into_owned();
                assert_eq!(stem(&stemmer, &word.lowercase), expected);
                assert_eq!(stem(&stemmer, &word.lowercase), expected);
                checked += 1;
            }
        }
        assert!(checked > 10_000, "{checked} words");
    }

    const RULES: &str = r#"
version = "test.1"
boilerplate_min_documents = 2
min_sentences = 1

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
                sentence: "There was Coercive-Control by her partner.".into(),
                about: "parent or carer".into(),
                why: "\u{2018}coercive control\u{2019}".into(),
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

    const SENTENCE_RULES: &str = r#"
version = "test.2"
ignore_names = ["Safeguarding Children Board"]
boilerplate_phrases = ["abuse or neglect is known or suspected"]
method_headings = ["methodology"]
finding_headings = ["findings"]

[[theme]]
id = "neglect"
label = "Neglect"
phrases = ["neglect"]

[[theme]]
id = "multi-agency-working"
label = "Multi-agency working"
phrases = ["safeguarding children board", "strategy meeting"]

[[theme]]
id = "looked-after-children"
label = "Looked-after children"
child_only = true
phrases = ["looked after child"]

[[theme]]
id = "parental-substance-misuse"
label = "Parental substance misuse"
child_only = true
phrases = ["parental substance misuse"]
parent_phrases = ["alcohol"]

[[theme]]
id = "adolescents"
label = "Adolescents"
phrases = ["teenager"]
age_bands = ["11-15", "16-17"]

[[theme]]
id = "risk-assessment"
label = "Risk assessment"
absence_counts = true
one_sentence = true
phrases = ["risk assessment"]
general_phrases = ["threshold"]
"#;

    fn sentence_tagger() -> ThemeTagger {
        ThemeTagger::new(ThemeRules::parse(SENTENCE_RULES).unwrap())
    }

    fn tagged(text: &str) -> Vec<String> {
        let review = review("a", &[("p. 2", text)]);
        sentence_tagger()
            .tag(&review)
            .into_iter()
            .map(|tag| tag.id)
            .collect()
    }

    #[test]
    fn a_negation_does_not_reach_over_but_into_another_clause() {
        // Two sentences make a theme outside a finding: each pair has one plain mention.
        let plain = "The child suffered neglect.";
        assert!(tagged(&format!("{plain} The neglect was not considered.")).is_empty());
        assert_eq!(
            tagged(&format!(
                "{plain} There was neglect of the children, but it was not considered."
            )),
            ["neglect"]
        );
        assert_eq!(
            tagged(&format!(
                "{plain} The school saw no change, but neglect was recorded at home."
            )),
            ["neglect"]
        );
        assert!(tagged(&format!(
            "{plain} The school saw no neglect, but recorded it."
        ))
        .is_empty());
    }

    #[test]
    fn a_one_sentence_theme_is_made_by_one_of_its_phrases_anywhere_but_not_by_an_everyday_word() {
        // pfd-2021-0406, in its circumstances: "No risk assessment had been completed."
        assert_eq!(
            tagged("Marshall went home. No risk assessment had been completed."),
            ["risk-assessment"]
        );
        // One everyday word is not enough, as for any theme; two sentences of it are.
        assert!(tagged("The CT threshold was 5m.").is_empty());
        assert_eq!(
            tagged("The threshold was high. The threshold was not met."),
            ["risk-assessment"]
        );
        // Without `one_sentence`, one plain sentence outside a finding is not enough.
        assert!(tagged("The child suffered neglect.").is_empty());
    }

    #[test]
    fn a_match_said_to_have_no_part_in_the_case_does_not_count() {
        // pfd-2025-0197: "This was not attributed to Covid during the inquest."
        let plain = "The child suffered neglect.";
        assert!(tagged(&format!("{plain} The death was not attributed to neglect.")).is_empty());
        assert!(tagged(&format!("{plain} The injury was unrelated to neglect.")).is_empty());
        assert_eq!(
            tagged(&format!("{plain} The injury was related to neglect.")),
            ["neglect"]
        );
    }

    #[test]
    fn denied_and_supposed_sentences_count_for_nothing() {
        assert_eq!(
            tagged("The child suffered neglect. Neglect was chronic."),
            ["neglect"]
        );
        assert!(tagged("There was no evidence of neglect. Neglect was not considered.").is_empty());
        assert!(
            tagged("If neglect is suspected, refer. Consider whether neglect is present.")
                .is_empty()
        );
    }

    #[test]
    fn one_sentence_is_enough_only_in_a_finding() {
        assert!(tagged("The child suffered neglect.").is_empty());
        assert_eq!(tagged("Findings\nThe child suffered neglect."), ["neglect"]);
        assert_eq!(
            tagged("We recommend that neglect is assessed."),
            ["neglect"]
        );
    }

    #[test]
    fn names_statutory_criteria_and_method_sections_are_not_evidence() {
        let text = "The Suffolk Safeguarding Children Board commissioned it. \
                    The Suffolk Safeguarding Children Board met. \
                    The case met the criteria because abuse or neglect is known or suspected. \
                    It was a case where abuse or neglect is known or suspected.\n\
                    Methodology\nA strategy meeting model was used. The strategy meeting was held.";
        assert!(tagged(text).is_empty(), "{:?}", tagged(text));
    }

    #[test]
    fn a_parents_own_history_is_not_the_childs_theme() {
        let mother = "Her mother had been a looked after child. She had been a looked after child for years.";
        assert!(tagged(mother).is_empty());
        let child =
            "The child was a looked after child. He had been a looked after child since 2019.";
        assert_eq!(tagged(child), ["looked-after-children"]);
    }

    #[test]
    fn parent_phrases_count_only_in_sentences_about_a_parent_or_carer() {
        let partner = "Her partner, who misused alcohol, cared for the child. The partner's alcohol use was not asked about.";
        assert_eq!(tagged(partner), ["parental-substance-misuse"]);
        let teenager =
            "The boy drank alcohol with friends. The boy's alcohol use worried his school.";
        assert!(!tagged(teenager).contains(&"parental-substance-misuse".to_owned()));
    }

    #[test]
    fn child_only_themes_never_reach_an_adult_and_age_decides_age_themes() {
        let mut adult = review(
            "a",
            &[(
                "p. 2",
                "Her partner drank alcohol. The partner's alcohol use grew.",
            )],
        );
        adult.details.age_band = Some(AgeBand::Adult);
        assert!(sentence_tagger().tag(&adult).is_empty());
        let mut fifteen = review("b", &[("p. 2", "Nothing here.")]);
        fifteen.details.age_band = Some(AgeBand::ElevenToFifteen);
        let ids: Vec<String> = sentence_tagger()
            .tag(&fifteen)
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(ids, ["adolescents"]);
        let mut toddler = review("c", &[("p. 2", "A teenager visited. The teenager left.")]);
        toddler.details.age_band = Some(AgeBand::OneToFour);
        assert!(sentence_tagger().tag(&toddler).is_empty());
    }

    const STRENGTH_RULES: &str = r#"
version = "test.3"
finding_headings = ["concerns", "learning"]

[[theme]]
id = "information-sharing"
label = "Information sharing"
phrases = ["information sharing"]
general_phrases = ["communication"]

[[theme]]
id = "leadership-culture"
label = "Leadership and culture"
phrases = ["organisational learning"]

[[theme]]
id = "fathers-male-carers"
label = "Fathers and male carers"
child_only = true
about_parents = true
phrases = ["male carers"]

[[theme]]
id = "looked-after-children"
label = "Looked-after children"
child_only = true
phrases = ["looked after child"]

[[theme]]
id = "risk-assessment"
label = "Risk assessment"
phrases = ["risk assessment"]
not_with = ["road", "junction"]
"#;

    fn strength_tagged(sections: &[(&str, &str)]) -> Vec<String> {
        let tagger = ThemeTagger::new(ThemeRules::parse(STRENGTH_RULES).unwrap());
        tagger
            .tag(&review("a", sections))
            .into_iter()
            .map(|tag| tag.id)
            .collect()
    }

    #[test]
    fn a_general_phrase_needs_two_sentences_even_in_a_finding() {
        // "Communication" in one concern is as often a patient's speech as agencies'.
        let one = [("Concerns", "Her communication was limited by her illness.")];
        assert!(strength_tagged(&one).is_empty());
        let two = [(
            "Concerns",
            "Communication between the wards was poor. Communication with the GP was slow.",
        )];
        assert_eq!(strength_tagged(&two), ["information-sharing"]);
        // One of the theme's own phrases in a finding is still enough.
        let specific = [("Concerns", "Information sharing failed.")];
        assert_eq!(strength_tagged(&specific), ["information-sharing"]);
    }

    #[test]
    fn a_finding_heading_names_what_follows_and_is_not_evidence() {
        let heading = [(
            "p. 3",
            "Practice and organisational learning\nThe mother moved.",
        )];
        assert!(strength_tagged(&heading).is_empty());
        let body = [(
            "p. 3",
            "Learning\nOrganisational learning from the earlier death was slow.",
        )];
        assert_eq!(strength_tagged(&body), ["leadership-culture"]);
    }

    #[test]
    fn a_sentence_about_a_parent_counts_for_a_theme_about_parents() {
        let fathers = [(
            "Concerns",
            "Fathers and male carers were not assessed by any agency.",
        )];
        assert_eq!(strength_tagged(&fathers), ["fathers-male-carers"]);
        // ... but stays a parent's own history for the other child themes.
        let mother = [("Concerns", "Her mother had been a looked after child.")];
        assert!(strength_tagged(&mother).is_empty());
    }

    #[test]
    fn a_finding_heading_opens_or_ends_with_its_word_and_runs_on_over_pages() {
        // A title with "learning" inside is not a findings heading.
        let title = [(
            "p. 1",
            "Practice Learning Summary July 2022\nOrganisational learning was slow.",
        )];
        assert!(strength_tagged(&title).is_empty());
        let findings = [
            ("p. 3", "Key learning\nThe mother moved."),
            ("p. 4", "Organisational learning was slow."),
        ];
        assert_eq!(strength_tagged(&findings), ["leadership-culture"]);
    }

    #[test]
    fn a_match_beside_a_not_with_word_is_the_other_sense() {
        let road = [(
            "Concerns",
            "The risk assessment of the junction ignored cyclists.",
        )];
        assert!(strength_tagged(&road).is_empty());
        let person = [(
            "Concerns",
            "The risk assessment of his suicidal intent was poor.",
        )];
        assert_eq!(strength_tagged(&person), ["risk-assessment"]);
    }

    #[test]
    fn a_method_section_runs_on_over_a_page_break_until_its_next_heading() {
        // Real reviews' glossaries and method sections often span pages.
        let glossary = [
            ("p. 16", "Methodology\nThe panel met."),
            (
                "p. 17",
                "A strategy meeting is a meeting about a child. A strategy meeting has minutes.",
            ),
        ];
        let tagger = sentence_tagger();
        assert!(tagger.tag(&review("a", &glossary)).is_empty());
        let after = [
            ("p. 16", "Methodology\nThe panel met."),
            (
                "p. 17",
                "What happened\nA strategy meeting was held. The strategy meeting decided nothing.",
            ),
        ];
        let ids: Vec<String> = tagger
            .tag(&review("b", &after))
            .into_iter()
            .map(|tag| tag.id)
            .collect();
        assert_eq!(ids, ["multi-agency-working"]);
    }

    #[test]
    fn wrapped_lines_are_joined_but_headings_and_numbered_paragraphs_stay_apart() {
        let text = "Findings\n7. Each referral was treated as a new case and the history in Liverpool was\nnot analysed. It was not shared.\n8. Home visits";
        let joined = join_wrapped_lines(text);
        assert_eq!(joined.len(), text.len());
        assert_eq!(
            joined,
            "Findings\n7. Each referral was treated as a new case and the history in Liverpool was not analysed. It was not shared.\n8. Home visits"
        );
    }

    #[test]
    fn a_gapped_phrase_finds_its_parts_a_few_words_apart_in_order() {
        let rules = r#"
version = "test"
min_sentences = 1
[[theme]]
id = "information-sharing"
label = "Information sharing"
phrases = ["records ... not sought"]
"#;
        let tagger = ThemeTagger::new(ThemeRules::parse(rules).expect("rules"));
        let tagged = |text: &str| {
            let tags = tagger.tag(&review("r", &[("Concerns", text)]));
            tags.iter().map(|tag| tag.id.clone()).collect::<Vec<_>>()
        };
        assert_eq!(
            tagged("The NHS records were not sought."),
            ["information-sharing"]
        );
        assert_eq!(
            tagged("The records from her last two admissions were not sought."),
            ["information-sharing"],
            "six words between the parts"
        );
        assert!(
            tagged("The records from her last two hospital admissions were not sought.").is_empty(),
            "seven words between the parts"
        );
        assert!(tagged("It was not sought; the records were complete.").is_empty());
        let tags = tagger.tag(&review(
            "r",
            &[("Concerns", "Her records were not sought.")],
        ));
        assert_eq!(tags[0].evidence[0].matched, "records were not sought");
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
        let open_gap = RULES.replace("phrases = [\"neglect\"]", "phrases = [\"neglect ...\"]");
        assert!(ThemeRules::parse(&open_gap)
            .unwrap_err()
            .contains("needs words on both sides"));
    }
}
