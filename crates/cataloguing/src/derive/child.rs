//! The child: the pseudonym the review uses ("Child Q", "Baby A", "Family B",
//! "Jack") and the subject's age band where the review states an age.

use casesearch_model::AgeBand;

use super::{flat, page_weight, prose_sentences, Ballot, DocumentText, Found, LISTING_PAGE};
use crate::text::{words, Word};

/// Words that begin a letter pseudonym, and how the pseudonym is written.
const PSEUDONYM_HEADS: [(&str, &str); 7] = [
    ("child", "Child"),
    ("children", "Children"),
    ("baby", "Baby"),
    ("infant", "Infant"),
    ("family", "Family"),
    ("sibling", "Sibling"),
    ("young", "Young Person"),
];

/// Capitals that follow "Child" without being a pseudonym.
const NOT_LETTERS: [&str; 12] = [
    "CP", "CIN", "CSE", "CCE", "LAC", "CPR", "SCR", "ICR", "CMR", "CAMHS", "CSC", "CPP",
];

/// Phrases after which a review gives a name pseudonym: "known as Jack".
const NAME_INTRODUCERS: [&str; 6] = [
    "known as",
    "referred to as",
    "will be called",
    "is called",
    "pseudonym",
    "named",
];

/// A pseudonym letter: one to three capitals, perhaps with a digit ("Child C1"), or a
/// number ("Baby 1", as thematic reviews name the children of their cases).
fn pseudonym_letters(original: &str) -> bool {
    let letters = original.trim_end_matches(|c: char| c.is_ascii_digit());
    let number = letters.is_empty() && (1..=2).contains(&original.len());
    number
        || ((1..=3).contains(&letters.len())
            && letters.chars().all(|c| c.is_ascii_uppercase())
            && !NOT_LETTERS.contains(&original))
}

/// Pseudonyms in one text, in order, with the words they span.
fn pseudonyms_in(text: &str) -> Vec<String> {
    let words = words(text);
    let original = |word: &Word| &text[word.span.clone()];
    let mut found = Vec::new();
    for (at, word) in words.iter().enumerate() {
        let Some((_, head)) = PSEUDONYM_HEADS
            .iter()
            .find(|(lower, _)| *lower == word.lowercase)
        else {
            continue;
        };
        // Heads are capitalised in pseudonyms: "Child Q", not "the child Q said".
        if !original(word).starts_with(|c: char| c.is_uppercase()) {
            continue;
        }
        let mut next = at + 1;
        if *head == "Young Person" {
            if words.get(next).map(|w| w.lowercase.as_str()) != Some("person") {
                continue;
            }
            next += 1;
        }
        let Some(letter) = words
            .get(next)
            .map(original)
            .filter(|w| pseudonym_letters(w))
        else {
            continue;
        };
        if *head == "Children" {
            // "Children C and D"
            let second = words
                .get(next + 2)
                .map(original)
                .filter(|w| pseudonym_letters(w));
            if let (Some("and"), Some(second)) =
                (words.get(next + 1).map(|w| w.lowercase.as_str()), second)
            {
                found.push(format!("Children {letter} and {second}"));
            }
            continue;
        }
        found.push(format!("{head} {letter}"));
    }
    found.extend(introduced_names(text));
    found
}

/// Names a text introduces as a pseudonym: "known as Jack", "is called Ellie".
fn introduced_names(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    // ASCII lower-casing keeps every byte offset, so positions found in `lower` are
    // positions in `text` (full Unicode lower-casing can change lengths: "İ").
    let lower = text.to_ascii_lowercase();
    for introducer in NAME_INTRODUCERS {
        let mut from = 0;
        while let Some(at) = lower[from..].find(introducer) {
            let start = from + at;
            let after = start + introducer.len();
            from = after;
            // As written, lower case, and a word of its own ("The Named Person" and
            // "renamed" introduce nobody).
            let whole_word = !text[..start].ends_with(char::is_alphanumeric);
            if !text[start..].starts_with(introducer) || !whole_word {
                continue;
            }
            let rest = text[after..].trim_start_matches(|c: char| {
                c.is_whitespace() || matches!(c, '\'' | '"' | '‘' | '“' | ':' | ',')
            });
            let name: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
            let capitalised = name.chars().next().is_some_and(char::is_uppercase)
                && name.chars().skip(1).all(char::is_lowercase);
            if capitalised && name.len() >= 2 && !COMMON_CAPITALISED.contains(&name.as_str()) {
                found.push(name);
            }
        }
    }
    found
}

/// Capitalised words that follow "known as" without being a name.
const COMMON_CAPITALISED: [&str; 9] = [
    "The", "This", "Child", "Baby", "Family", "Mother", "Father", "Children", "Person",
];

/// The subject's pseudonym: the one named most, the cover counting most. A review
/// that names several children about equally (a thematic or national review's case
/// examples) has no single subject, and gets none.
pub(super) fn pseudonym(document: &DocumentText) -> Option<Found<String>> {
    let mut ballot = Ballot::new();
    for line in &document.listing {
        for name in pseudonyms_in(line) {
            ballot.vote(name, page_weight(1), line, LISTING_PAGE);
        }
    }
    if let Some(title) = document.title {
        for name in pseudonyms_in(title) {
            ballot.vote(name, 3.0, title, "PDF metadata (title)");
        }
    }
    // A name, once introduced, is counted wherever it is used, as letters are.
    let mut introduced: Vec<String> = Vec::new();
    for page in &document.pages {
        for name in introduced_names(&flat(page.text)) {
            if !introduced.contains(&name) {
                introduced.push(name);
            }
        }
    }
    for page in &document.pages {
        for range in prose_sentences(page.text) {
            let sentence = flat(&page.text[range.clone()]);
            let mut names: Vec<String> = pseudonyms_in(&sentence)
                .into_iter()
                .filter(|name| !introduced.contains(name))
                .collect();
            names.extend(
                introduced
                    .iter()
                    .filter(|name| {
                        words(&sentence)
                            .iter()
                            .any(|word| &sentence[word.span.clone()] == name.as_str())
                    })
                    .cloned(),
            );
            for name in names {
                // The line that names them reads better as evidence than a cover
                // page run together into one "sentence".
                let evidence = page.text[range.clone()]
                    .lines()
                    .find(|line| line.contains(name.as_str()))
                    .unwrap_or(&sentence);
                // Body mentions add up: the subject is named on most pages, a
                // sibling on a few.
                ballot.vote(
                    name,
                    page_weight(page.number).max(0.5),
                    evidence,
                    page.label,
                );
            }
        }
    }
    if let Some((name, line)) = cover_name(document) {
        ballot.vote(name, page_weight(1), &line, "p. 1");
    }
    if ballot.distinct_values() >= MANY_CHILDREN {
        let found = ballot.winner()?;
        return (found.derivation.confidence >= 0.5).then_some(found);
    }
    ballot.winner()
}

/// This many different pseudonyms make a review about several children.
const MANY_CHILDREN: usize = 2;

/// Whether a review names several children: with no one of them the subject (the
/// caller knows), it is about several children's cases.
pub(super) fn names_many_children(document: &DocumentText) -> bool {
    let mut names: Vec<String> = Vec::new();
    for page in &document.pages {
        for name in pseudonyms_in(&flat(page.text)) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names.len() >= MANY_CHILDREN
}

/// A first-name pseudonym standing alone on the cover ("Jack" under the review type)
/// and used again in the text: Welsh and Scottish reviews often name the child so.
fn cover_name(document: &DocumentText) -> Option<(String, String)> {
    let cover = document.pages.first()?;
    let rest: String = document
        .pages
        .iter()
        .skip(1)
        .map(|page| page.text)
        .collect::<Vec<_>>()
        .join("\n");
    cover.text.lines().map(str::trim).find_map(|line| {
        let capitalised = line.len() >= 3
            && line.chars().next().is_some_and(char::is_uppercase)
            && line.chars().skip(1).all(char::is_lowercase);
        if !capitalised || COVER_WORDS.contains(&line) {
            return None;
        }
        let uses = words(&rest)
            .iter()
            .filter(|word| &rest[word.span.clone()] == line)
            .count();
        (uses >= 3).then(|| (line.to_owned(), line.to_owned()))
    })
}

/// Single capitalised words a cover carries that are not names.
const COVER_WORDS: [&str; 8] = [
    "Contents",
    "Final",
    "Report",
    "Review",
    "Draft",
    "Official",
    "Confidential",
    "Summary",
];

/// Nouns that make an age the subject's when they follow it: "a 15-year-old girl".
const CHILD_NOUNS: [&str; 9] = [
    "girl", "boy", "child", "baby", "infant", "son", "daughter", "toddler", "teenager",
];

/// Whether the age whose number is at `words[at]` describes a child noun that comes
/// straight after it ("a 15-year-old girl", "a four year old boy"); "aged 17, and the
/// baby" does not, since other words come between.
fn describes_a_child(words: &[Word], at: usize) -> bool {
    words[at + 1..]
        .iter()
        .map(|word| word.lowercase.as_str())
        .find(|word| {
            !matches!(
                word.trim_end_matches('s'),
                "year" | "month" | "week" | "day" | "old" | "and" | "a" | "half"
            )
        })
        .is_some_and(|word| CHILD_NOUNS.contains(&word))
}

/// Pronouns that continue the previous sentence's subject.
const PRONOUNS: [&str; 3] = ["he", "she", "they"];

/// People whose ages a review also gives; an age after one of them is theirs.
pub(super) const OTHER_PEOPLE: [&str; 16] = [
    "mother",
    "father",
    "parent",
    "sibling",
    "brother",
    "sister",
    "partner",
    "grandmother",
    "grandfather",
    "stepfather",
    "stepmother",
    "uncle",
    "aunt",
    "boyfriend",
    "girlfriend",
    "cousin",
];

fn number_word(word: &str) -> Option<u32> {
    const NUMBERS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    word.parse()
        .ok()
        .or_else(|| NUMBERS.iter().position(|n| *n == word).map(|n| n as u32))
}

/// The unit of an age whose number is at `words[at]`, past "and a half":
/// "three and a half months" → "months".
fn unit_after(words: &[Word], at: usize) -> Option<(&str, usize)> {
    for (index, word) in words.iter().enumerate().take(at + 5).skip(at + 1) {
        let word = word.lowercase.as_str();
        match word.trim_end_matches('s') {
            "year" | "month" | "week" | "day" => return Some((word, index)),
            _ if matches!(word, "and" | "a" | "half" | "quarter") => continue,
            _ => return None,
        }
    }
    None
}

/// An age stated at `words[at..]`: "15 years old", "aged 7 weeks", "aged 15",
/// "15-year-old", "age of 15", "was 15". Returns the age in years (0 for weeks,
/// days and months under a year).
fn age_at(words: &[Word], at: usize, after_subject: bool) -> Option<u32> {
    let word = |i: usize| words.get(i).map(|w| w.lowercase.as_str());
    let unit_years = |count: u32, unit: &str| -> Option<u32> {
        match unit.trim_end_matches('s') {
            "year" => Some(count),
            "month" => Some(count / 12),
            "week" | "day" => Some(0),
            _ => None,
        }
    };
    match word(at)? {
        "aged" => {
            let count = number_word(word(at + 1)?)?;
            match unit_after(words, at + 1).and_then(|(unit, _)| unit_years(count, unit)) {
                Some(years) => Some(years),
                None => Some(count),
            }
        }
        "age" if word(at + 1) == Some("of") => number_word(word(at + 2)?),
        // "who had just turned 11"
        "turned" if after_subject => number_word(word(at + 1)?),
        "was" | "is" if after_subject => {
            let count = number_word(word(at + 1)?)?;
            if let Some((unit, _)) = unit_after(words, at + 1) {
                return unit_years(count, unit);
            }
            match word(at + 2) {
                Some(unit) => unit_years(count, unit).or(Some(count).filter(|_| {
                    // "was 15." or "was 15 when": a bare age.
                    !matches!(unit, "per" | "times" | "minutes" | "hours" | "miles" | "of")
                })),
                None => Some(count),
            }
        }
        first => {
            let count = number_word(first)?;
            let (unit, unit_at) = unit_after(words, at)?;
            let years = unit_years(count, unit)?;
            (word(unit_at + 1) == Some("old")).then_some(years)
        }
    }
}

/// The subject's age band: an age in a sentence about the subject (named by the
/// pseudonym, or "the child"/"the baby"), not after another person's name.
pub(super) fn age_band(document: &DocumentText, child: Option<&str>) -> Option<Found<AgeBand>> {
    let mut ballot = Ballot::new();
    let child_words: Vec<String> = child
        .map(|child| words(child).into_iter().map(|w| w.lowercase).collect())
        .unwrap_or_default();
    // Whether the last sentence was about the subject, so "He was four years old."
    // after "Child F died in hospital." is too.
    let mut last_about_subject = false;
    for page in document.pages.iter().take(8) {
        for range in prose_sentences(page.text) {
            let sentence = flat(&page.text[range]);
            let sentence = sentence.as_str();
            let sentence_words = words(sentence);
            // Who the words are about at each point: the subject or someone else.
            let mut about_subject = last_about_subject
                && sentence_words
                    .first()
                    .is_some_and(|word| PRONOUNS.contains(&word.lowercase.as_str()));
            let mut mentions_subject = about_subject;
            for at in 0..sentence_words.len() {
                let lower = sentence_words[at].lowercase.as_str();
                let names_child = !child_words.is_empty()
                    && sentence_words[at..]
                        .iter()
                        .zip(&child_words)
                        .filter(|(word, child)| word.lowercase == **child)
                        .count()
                        == child_words.len();
                if names_child || matches!(lower, "child" | "baby" | "infant" | "subject") {
                    about_subject = true;
                    mentions_subject = true;
                } else if OTHER_PEOPLE.iter().any(|other| lower.starts_with(other)) {
                    about_subject = false;
                }
                if !about_subject && !describes_a_child(&sentence_words, at) {
                    continue;
                }
                let Some(years) = age_at(&sentence_words, at, about_subject) else {
                    continue;
                };
                let Some(band) = AgeBand::from_years(years) else {
                    continue;
                };
                ballot.vote(
                    Banded(band),
                    page_weight(page.number).max(0.5),
                    sentence,
                    page.label,
                );
            }
            last_about_subject = mentions_subject;
        }
    }
    ballot.winner().map(|found| Found {
        value: found.value.0,
        derivation: found.derivation,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Banded(AgeBand);

impl std::fmt::Display for Banded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::{DocumentText, Page};

    fn document(text: &str) -> DocumentText<'_> {
        DocumentText {
            pages: vec![Page {
                label: "p. 1",
                number: 1,
                text,
            }],
            ..DocumentText::default()
        }
    }

    #[test]
    fn letter_and_name_pseudonyms_are_found_but_not_child_protection() {
        assert_eq!(
            pseudonyms_in(
                "Child Q and Baby A1 met Children C and D; Child Protection and Child CIN did not."
            ),
            ["Child Q", "Baby A1", "Children C and D"]
        );
        assert_eq!(
            pseudonyms_in("The boy, who will be known as ‘Jack’ in this review"),
            ["Jack"]
        );
    }

    #[test]
    fn the_subjects_age_is_banded_and_other_peoples_ages_are_not() {
        let found = |text| {
            let doc = document(text);
            age_band(&doc, Some("Child Q")).map(|found| found.value)
        };
        assert_eq!(
            found("Child Q was 15 when she was exploited."),
            Some(AgeBand::ElevenToFifteen)
        );
        assert_eq!(
            found("Baby A, aged 7 weeks, was admitted."),
            Some(AgeBand::UnderOne)
        );
        assert_eq!(
            found("Child Q was three and a half months old."),
            Some(AgeBand::UnderOne)
        );
        assert_eq!(
            found("Child Q, aged 22 months, was seen."),
            Some(AgeBand::OneToFour)
        );
        assert_eq!(found("Her mother, aged 19, lived with a 3-year-old."), None);
        assert_eq!(
            found("Serious harm to a 15-year-old girl in 2021."),
            Some(AgeBand::ElevenToFifteen)
        );
        assert_eq!(
            found("Her mother, aged 17, and the baby lived there."),
            None
        );
        assert_eq!(
            found("The child was a sixteen year old boy."),
            Some(AgeBand::SixteenToSeventeen)
        );
        assert_eq!(found("Child Q's mother was 32."), None);
    }
}
