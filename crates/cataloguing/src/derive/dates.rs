//! Dates: when the review was published (cover page, "Published: June 2023") and the
//! year of the incident it is about ("In March 2021 Child Q was admitted…"). Years
//! in the names of laws and guidance ("Children Act 1989", "Working Together 2018")
//! are never dates of the case.

use chrono::NaiveDate;

use super::{flat, page_weight, prose_sentences, Ballot, DocumentText, Found, LISTING_PAGE};
use crate::text::{words, Word};

/// How precisely a document states a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DatePrecision {
    Year,
    Month,
    Day,
}

/// A date as precise as the document states it: "2023", "June 2023", "14 June 2023".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl PartialDate {
    pub fn precision(&self) -> DatePrecision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => DatePrecision::Day,
            (Some(_), None) => DatePrecision::Month,
            _ => DatePrecision::Year,
        }
    }

    /// The first day the date can mean, for sorting and the year facet.
    pub fn first_day(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }
}

impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
            if let Some(day) = self.day {
                write!(f, "-{day:02}")?;
            }
        }
        Ok(())
    }
}

const EARLIEST: i32 = 1970;
const LATEST: i32 = 2035;

fn year_of(word: &str) -> Option<i32> {
    let year: i32 = word.parse().ok()?;
    (word.len() == 4 && (EARLIEST..=LATEST).contains(&year)).then_some(year)
}

fn month_of(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let word = word.to_lowercase();
    let index = MONTHS.iter().position(|month| word.starts_with(month))?;
    // "march" and "mar" yes; "marked", "mayor", "decided" no.
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][index];
    (word == MONTHS[index] || word == full || (index == 8 && word == "sept"))
        .then_some(index as u32 + 1)
}

fn day_of(word: &str) -> Option<u32> {
    let digits = word
        .strip_suffix("st")
        .or_else(|| word.strip_suffix("nd"))
        .or_else(|| word.strip_suffix("rd"))
        .or_else(|| word.strip_suffix("th"))
        .unwrap_or(word);
    let day: u32 = digits.parse().ok()?;
    (digits.len() <= 2 && (1..=31).contains(&day)).then_some(day)
}

/// Every date in `text`, with the byte range it covers: "14 June 2023", "June 2023",
/// "14/06/2023", "2023-06-14", and bare years.
pub(crate) fn dates_in(text: &str) -> Vec<(PartialDate, std::ops::Range<usize>)> {
    let words = words(text);
    let mut found = Vec::new();
    let mut at = 0;
    while at < words.len() {
        match date_at(text, &words[at..]) {
            Some((date, used)) => {
                found.push((date, words[at].span.start..words[at + used - 1].span.end));
                at += used;
            }
            None => at += 1,
        }
    }
    found
}

/// The first date in a short text, such as a catalogue's "published" column.
pub fn parse_date_words(text: &str) -> Option<PartialDate> {
    dates_in(text).into_iter().next().map(|(date, _)| date)
}

fn date_at(text: &str, words: &[Word]) -> Option<(PartialDate, usize)> {
    let word = |i: usize| words.get(i).map(|w| w.lowercase.as_str());
    let separated_by = |i: usize, separators: &[char]| {
        let (Some(left), Some(right)) = (words.get(i), words.get(i + 1)) else {
            return false;
        };
        let between = text[left.span.end..right.span.start].trim();
        between.chars().count() == 1 && between.chars().all(|c| separators.contains(&c))
    };
    // A date to the day, if the calendar has it.
    let day_date = |year, month, day| {
        let date = PartialDate {
            year,
            month: Some(month),
            day: Some(day),
        };
        date.first_day().map(|_| date)
    };
    let first = word(0)?;
    // Only spaces between a day and its month: "Version 4: March 2021" is no 4 March.
    let spaced = |i: usize| match (words.get(i), words.get(i + 1)) {
        (Some(left), Some(right)) => text[left.span.end..right.span.start].trim().is_empty(),
        _ => false,
    };
    // 14 June 2023 / 14th June 2023
    if let (true, Some(day), Some(month), Some(year)) = (
        spaced(0),
        day_of(first),
        word(1).and_then(month_of),
        word(2).and_then(year_of),
    ) {
        return Some((day_date(year, month, day)?, 3));
    }
    // June 2023
    if let (Some(month), Some(year)) = (month_of(first), word(1).and_then(year_of)) {
        return Some((
            PartialDate {
                year,
                month: Some(month),
                day: None,
            },
            2,
        ));
    }
    // 14/06/2023, 14.06.2023
    if let (Some(day), Some(month), Some(year)) = (
        day_of(first),
        word(1).and_then(day_of).filter(|month| *month <= 12),
        word(2).and_then(year_of),
    ) {
        if separated_by(0, &['/', '.', '-']) && separated_by(1, &['/', '.', '-']) {
            return Some((day_date(year, month, day)?, 3));
        }
    }
    if let Some(year) = year_of(first) {
        // 2023-06-14
        if let (Some(month), Some(day)) = (
            word(1).and_then(day_of).filter(|month| *month <= 12),
            word(2).and_then(day_of),
        ) {
            if separated_by(0, &['-']) && separated_by(1, &['-']) {
                return Some((day_date(year, month, day)?, 3));
            }
        }
        return Some((
            PartialDate {
                year,
                month: None,
                day: None,
            },
            1,
        ));
    }
    None
}

/// Words that put a year in the name of a law or guidance, or make a date someone's
/// birthday or a meeting: such dates are not the publication or the incident.
const NOT_THE_DATE: [&str; 12] = [
    " act ",
    "working together",
    "regulations",
    "guidance",
    "born",
    "birth",
    "statutory",
    "procedures",
    "framework",
    "order ",
    "rules",
    "standards",
];

fn names_a_law_or_birth(line: &str) -> bool {
    let padded = format!(" {} ", line.to_lowercase());
    NOT_THE_DATE.iter().any(|marker| padded.contains(marker))
}

/// The publication date: the cover and inside cover, where "Published" or a bare date
/// line says it, then the PDF's creation date (usually the export for publication).
pub(super) fn publication(document: &DocumentText) -> Option<Found<PartialDate>> {
    let mut ballot = Ballot::new();
    // The listing page's lines about the document count as its cover's.
    let listing = document.listing.iter().map(|line| (*line, 1, LISTING_PAGE));
    let pages = document
        .pages
        .iter()
        .take(2)
        .map(|page| (page.text, page.number, page.label));
    for (text, number, label) in listing.chain(pages) {
        for line in text.lines() {
            let lower = line.to_lowercase();
            if names_a_law_or_birth(line) {
                continue;
            }
            let context = if lower.contains("publish") || lower.contains("publication") {
                6.0
            } else if [
                "final",
                "date of report",
                "report date",
                "date:",
                "version",
                "issued",
            ]
            .iter()
            .any(|word| lower.contains(word))
            {
                3.0
            } else {
                0.0
            };
            let dates = dates_in(line);
            // A line that is nothing but a date ("June 2023" under a cover title).
            let mut rest = line.to_owned();
            for (_, range) in dates.iter().rev() {
                rest.replace_range(range.clone(), "");
            }
            let alone = !rest.chars().any(char::is_alphanumeric);
            for (date, _) in dates {
                let weight = if context > 0.0 {
                    context
                } else if alone {
                    3.0
                } else if date.month.is_some() {
                    0.5
                } else {
                    0.0
                };
                ballot.vote(Dated(date), weight * page_weight(number) / 5.0, line, label);
            }
        }
    }
    if let Some(created) = document.created {
        use chrono::Datelike;
        let month = PartialDate {
            year: created.year(),
            month: Some(created.month()),
            day: None,
        };
        ballot.vote(
            Dated(month),
            0.5,
            &created.to_string(),
            "PDF metadata (created)",
        );
    }
    ballot.winner().map(|found| Found {
        value: found.value.0,
        derivation: found.derivation,
    })
}

/// Words of a sentence about the incident itself.
const INCIDENT_WORDS: [(&str, f32); 22] = [
    ("incident", 2.0),
    ("died", 2.0),
    ("death", 2.0),
    ("injur", 2.0),
    ("unresponsive", 2.0),
    ("stabbed", 2.0),
    ("killed", 2.0),
    ("brought to", 1.5),
    ("ambulance", 1.5),
    ("admitted to hospital", 1.5),
    ("taken to", 1.5),
    ("was found", 1.5),
    ("were found", 1.5),
    ("serious harm", 1.5),
    ("assault", 1.5),
    ("fracture", 1.5),
    ("police protection", 1.5),
    ("removed from", 1.0),
    ("admitted", 1.0),
    ("hospital", 1.0),
    ("harmed", 1.0),
    ("notified", 0.5),
];

/// Words of a sentence about a span of time or the review's own history, whose years
/// are not the incident's ("the review covers the period from April 2013").
const NOT_THE_INCIDENT: [&str; 9] = [
    "review period",
    "period under review",
    "period from",
    "scope",
    "covers",
    "since",
    "between",
    "received",
    "timeframe",
];

/// The incident year: a year in a sentence about the death or harm, in the
/// introduction first, about the child rather than a parent ("His father died in
/// 2014"). A year after publication cannot be it.
pub(super) fn incident_year(
    document: &DocumentText,
    published: Option<i32>,
    child: Option<&str>,
) -> Option<Found<i32>> {
    let mut ballot = Ballot::new();
    let mut first = true;
    for page in document.pages.iter().take(6) {
        for range in prose_sentences(page.text) {
            let sentence = flat(&page.text[range]);
            let sentence = sentence.as_str();
            let lower = sentence.to_lowercase();
            if names_a_law_or_birth(sentence)
                || lower.contains("publish")
                || NOT_THE_INCIDENT.iter().any(|word| lower.contains(word))
            {
                continue;
            }
            let strength: f32 = INCIDENT_WORDS
                .iter()
                .filter(|(word, _)| lower.contains(word))
                .map(|(_, strength)| *strength)
                .fold(0.0, f32::max);
            if strength == 0.0 {
                continue;
            }
            let about_child = child.is_some_and(|child| sentence.contains(child));
            let about_someone_else = words(&lower)
                .iter()
                .any(|word| super::child::OTHER_PEOPLE.contains(&word.lowercase.as_str()));
            let mut strength = match (about_child, about_someone_else) {
                (true, false) => strength * 2.0,
                (false, true) => strength * 0.5,
                _ => strength,
            };
            // Reviews state the incident first, in the introduction; later sentences
            // tell the history around it.
            if first {
                strength *= 1.5;
                first = false;
            }
            for (date, _) in dates_in(sentence) {
                if published.is_some_and(|published| date.year > published) {
                    continue;
                }
                ballot.vote(
                    date.year,
                    strength * page_weight(page.number),
                    sentence,
                    page.label,
                );
            }
        }
    }
    ballot.winner()
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Dated(PartialDate);

impl std::fmt::Display for Dated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> Vec<String> {
        dates_in(text)
            .into_iter()
            .map(|(date, _)| date.to_string())
            .collect()
    }

    #[test]
    fn dates_are_read_as_precisely_as_they_are_written() {
        assert_eq!(
            shown("Published 14th June 2023; final draft March 2023, revised 02/05/2023 and 2023-06-01; approved 2022."),
            ["2023-06-14", "2023-03", "2023-05-02", "2023-06-01", "2022"]
        );
        // An impossible day is a typo; the month and year still stand.
        assert_eq!(shown("31 February 2023"), ["2023-02"]);
        assert_eq!(shown("Mayor marked 12 items"), Vec::<String>::new());
        assert_eq!(
            parse_date_words("Sept 2019").map(|d| d.to_string()),
            Some("2019-09".into())
        );
    }

    #[test]
    fn laws_and_births_are_not_dates_of_the_case() {
        assert!(names_a_law_or_birth(
            "under section 47 of the Children Act 1989"
        ));
        assert!(names_a_law_or_birth(
            "Working Together to Safeguard Children 2018"
        ));
        assert!(names_a_law_or_birth("Child Q was born in May 2008"));
        assert!(!names_a_law_or_birth("Published: June 2023"));
    }
}
