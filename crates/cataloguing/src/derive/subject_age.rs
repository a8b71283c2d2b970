//! The age of the person a coroner's report is about: "the death of Ann Smith aged 46",
//! "(age 55)", "who was 39 years of age", "a 15-year-old", or a date of birth with the
//! date the investigation began. Coroners' reports name one person, the deceased, and
//! state the age near the start, so the first age in the opening sentences is theirs;
//! unlike a case review's, the answer may be "adult", which is what keeps child-specific
//! themes off them.

use casesearch_model::{AgeBand, Derivation, Review};
use chrono::{Datelike, NaiveDate};

use super::dates::dates_in;
use super::Found;
use crate::text::{sentences, words, Word};

/// How many sentences from the start of the report are read: the age is stated in the
/// investigation paragraph; later ages are usually other people's (a driver, a child).
const OPENING_SENTENCES: usize = 6;

/// The deceased's age band, with the words it was read from.
pub fn subject_age(review: &Review) -> Option<Found<AgeBand>> {
    let mut read = 0;
    for section in &review.sections {
        for range in sentences(&section.text) {
            if read == OPENING_SENTENCES {
                return None;
            }
            read += 1;
            let sentence = section.text[range].trim();
            let found = words(sentence);
            let age = stated_age(&found)
                .or_else(|| age_after_name(sentence, &found))
                .map(|years| (years, "age as stated"))
                .or_else(|| {
                    age_from_birth_date(sentence, review.date).map(|years| (years, "date of birth"))
                })
                .or_else(|| adult_title(&found).map(|years| (years, "title Mr, Mrs or Ms")));
            if let Some((band, how)) = age.map(|(age, how)| (band_of(age), how)) {
                return Some(Found {
                    value: band,
                    derivation: Derivation {
                        value: band.slug().to_owned(),
                        evidence: shortened(sentence),
                        source: format!("{} ({how})", section.label),
                        confidence: 0.9,
                    },
                });
            }
        }
    }
    None
}

/// An age as a count and whether it is in years (else weeks, days or months: a baby).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Age {
    Years(u32),
    UnderOneYear,
}

fn band_of(age: Age) -> AgeBand {
    match age {
        Age::Years(years) => AgeBand::of_age(years),
        Age::UnderOneYear => AgeBand::UnderOne,
    }
}

/// "aged 46", "aged 27 years", "age 55", "at 30 years", "39 years of age", "15 years
/// old", "15-year-old", "aged 7 weeks", "aged 3 months".
fn stated_age(words: &[Word]) -> Option<Age> {
    let word = |i: usize| words.get(i).map(|w| w.lowercase.as_str());
    for at in 0..words.len() {
        let Some(count) = word(at).and_then(|w| w.parse::<u32>().ok()) else {
            continue;
        };
        if count > 120 {
            continue;
        }
        let before = at.checked_sub(1).and_then(word);
        let unit = word(at + 1);
        let under_one = matches!(
            unit,
            Some("weeks" | "week" | "days" | "day" | "months" | "month")
        );
        let years_unit = matches!(unit, Some("years" | "year" | "yrs"));
        let introduced = matches!(before, Some("aged" | "age" | "at"));
        if introduced && under_one {
            // "aged 18 months" is a toddler, "aged 7 weeks" a baby.
            let months = match unit {
                Some("months" | "month") => count,
                _ => 0,
            };
            return Some(match months {
                12.. => Age::Years(months / 12),
                _ => Age::UnderOneYear,
            });
        }
        if matches!(before, Some("aged" | "age")) && !under_one {
            return Some(Age::Years(count));
        }
        if years_unit && (introduced || matches!(word(at + 2), Some("of" | "old"))) {
            // "at 30 years", "39 years of age", "15 years old", "15-year-old".
            if before == Some("at") || word(at + 2) == Some("old") || word(at + 3) == Some("age") {
                return Some(Age::Years(count));
            }
        }
    }
    None
}

/// "the death of Frederick Squires, 87." or "(54)": a bare number after the name, in
/// the sentence that names the death.
fn age_after_name(sentence: &str, words: &[Word]) -> Option<Age> {
    let lower = sentence.to_lowercase();
    let death = lower.find("death of")?;
    words.iter().enumerate().find_map(|(at, word)| {
        if word.span.start < death {
            return None;
        }
        let count: u32 = word
            .lowercase
            .parse()
            .ok()
            .filter(|n| (1..=110).contains(n))?;
        let before = sentence[..word.span.start].trim_end();
        let next = words.get(at + 1).map(|w| w.lowercase.as_str());
        let is_date = next.is_some_and(|next| MONTHS.iter().any(|month| next.starts_with(month)));
        (before.ends_with([',', '(']) && !is_date).then_some(Age::Years(count))
    })
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// "the death of Mr John Smith": Mr, Mrs and Ms are adults' titles ("Miss" and
/// "Master" are also children's).
fn adult_title(words: &[Word]) -> Option<Age> {
    words.windows(3).find_map(|window| {
        (window[0].lowercase == "death"
            && window[1].lowercase == "of"
            && matches!(window[2].lowercase.as_str(), "mr" | "mrs" | "ms"))
        .then_some(Age::Years(18))
    })
}

/// Whole years between a date of birth in `sentence` and the next date after it there
/// (usually the day the investigation began, days after the death), or the report's
/// date when the sentence gives no later one. Dates more than a few years after the
/// death can make an age of 17 read as 19, so an age from the report's own date is
/// trusted only when it is clearly adult or clearly a child.
fn age_from_birth_date(sentence: &str, report_date: Option<NaiveDate>) -> Option<Age> {
    let lower = sentence.to_lowercase();
    let marker = ["date of birth", "d.o.b", "dob", "born on", "born"]
        .iter()
        .find_map(|marker| lower.find(marker).map(|at| at + marker.len()))?;
    let dates: Vec<_> = dates_in(sentence)
        .into_iter()
        .filter_map(|(date, range)| Some((date.day?, date, range)))
        .map(|(_, date, range)| (date, range))
        .collect();
    // The birth date follows its marker at once ("born on 6 April 1931"); a date further
    // on is another (a year this parser does not read leaves only the date of death).
    let (birth, _) = dates
        .iter()
        .find(|(_, range)| range.start >= marker)
        .filter(|(_, range)| {
            sentence[marker..range.start]
                .trim_start_matches([':', ' ', '-', '(', '.'])
                .trim_start_matches("on ")
                .is_empty()
        })?;
    let born = NaiveDate::from_ymd_opt(birth.year, birth.month?, birth.day?)?;
    let (later, exact) = match dates
        .iter()
        .filter_map(|(date, _)| NaiveDate::from_ymd_opt(date.year, date.month?, date.day?))
        .find(|date| *date > born)
    {
        Some(later) => (later, true),
        None => (report_date?, false),
    };
    let years = whole_years(born, later)?;
    if !exact && (16..=24).contains(&years) {
        return None;
    }
    Some(Age::Years(years))
}

fn whole_years(from: NaiveDate, to: NaiveDate) -> Option<u32> {
    let mut years = to.year() - from.year();
    if (to.month(), to.day()) < (from.month(), from.day()) {
        years -= 1;
    }
    u32::try_from(years).ok().filter(|years| *years <= 120)
}

fn shortened(sentence: &str) -> String {
    let flat: String = sentence.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(240) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use casesearch_model::{ReviewType, Section};

    use super::*;

    fn report(text: &str) -> Review {
        Review {
            id: "pfd-test".into(),
            title: "PFD".into(),
            review_type: ReviewType::PreventionOfFutureDeaths,
            publisher: "Somerset".into(),
            date: NaiveDate::from_ymd_opt(2014, 6, 1),
            url: None,
            sections: vec![Section {
                label: "Investigation".into(),
                text: text.into(),
            }],
            metadata: Default::default(),
            details: Default::default(),
        }
    }

    fn band(text: &str) -> Option<AgeBand> {
        subject_age(&report(text)).map(|found| found.value)
    }

    #[test]
    fn stated_ages_in_a_coroners_opening_are_banded_adults_included() {
        assert_eq!(
            band("On 3 May I commenced an investigation into the death of Ann Smith aged 46."),
            Some(AgeBand::Adult)
        );
        assert_eq!(
            band("The death of Philip Evans (age 55)."),
            Some(AgeBand::Adult)
        );
        assert_eq!(
            band("Mr Kevin L, who was 39 years of age when he died."),
            Some(AgeBand::Adult)
        );
        assert_eq!(
            band("The death of Ashley Talbot aged 15."),
            Some(AgeBand::ElevenToFifteen)
        );
        assert_eq!(
            band("Ella was a 16-year-old girl."),
            Some(AgeBand::SixteenToSeventeen)
        );
        assert_eq!(
            band("The death of Baby R, aged 7 weeks."),
            Some(AgeBand::UnderOne)
        );
        assert_eq!(
            band("The death of Max aged 18 months."),
            Some(AgeBand::OneToFour)
        );
        assert_eq!(
            band("The deceased was at 30 years of age."),
            Some(AgeBand::Adult)
        );
        assert_eq!(band("The investigation concluded on 2 June 2014."), None);
        assert_eq!(
            band("I commenced an investigation into the death of Frederick Squires, 87."),
            Some(AgeBand::Adult)
        );
        assert_eq!(
            band("The death of Sophie Cotton, 24 was investigated."),
            Some(AgeBand::Adult)
        );
        assert_eq!(
            band("The death of Mr John Michael James."),
            Some(AgeBand::Adult)
        );
        assert_eq!(
            band("The death of Miss Abiola D, who died on 24 August 2012."),
            None
        );
    }

    #[test]
    fn a_date_of_birth_with_the_date_the_investigation_began_gives_the_age() {
        assert_eq!(
            band("On 10 December 2013 I commenced an investigation into the death of Paul M, dob 17/12/1990."),
            Some(AgeBand::Adult)
        );
        assert_eq!(
            band("On 4 January 2013 I commenced an inquest into the death of Helena F, date of birth: 20 February 1997."),
            Some(AgeBand::ElevenToFifteen)
        );
        // Only the report's date (2014) to measure from: 17 or 18 cannot be told apart.
        assert_eq!(
            band("The death of Daniel J, date of birth 25/02/1997."),
            None
        );
    }

    #[test]
    fn a_date_of_death_is_never_taken_for_a_date_of_birth() {
        // 1931 is outside the years the date reader takes, so only the death date is read.
        assert_eq!(
            band("Mr Nute was born on 6 April 1931 and died on 2 July 2015."),
            None
        );
    }

    #[test]
    fn an_age_after_the_opening_sentences_is_someone_elses() {
        let text = "One. Two. Three. Four. Five. Six. The driver, aged 19, was unhurt.";
        assert_eq!(band(text), None);
    }
}
