//! The age of the person a coroner's report is about: "the death of Ann Smith aged 46",
//! "(age 55)", "who was 39 years of age", "a 15-year-old", or a date of birth with the
//! date the investigation began. Coroners' reports name one person, the deceased, and
//! state the age near the start, so the first age in the opening sentences is theirs;
//! unlike a case review's, the answer may be "adult", which is what keeps child-specific
//! themes off them. A report about several deaths gets the youngest's age (a child among
//! them makes it a report about a child); an age of someone else in its opening sentences
//! (a survivor's) can then be taken for one of theirs, a risk kept small by reading only a
//! few sentences more.

use casesearch_model::{AgeBand, Derivation, Review};
use chrono::{Datelike, NaiveDate};

use super::dates::dates_in;
use super::Found;
use crate::text::{sentences, words, Word};

/// How many sentences from the start of the report are read: the age is stated in the
/// investigation paragraph; later ages are usually other people's (a driver, a child).
const OPENING_SENTENCES: usize = 6;

/// How many are read when the report is about several deaths, whose ages are often given
/// one by one after the sentence that names them ("Hugo was aged 18 … passengers who were
/// aged 17").
const OPENING_SENTENCES_SEVERAL_DEATHS: usize = 8;

/// The deceased's age band, with the words it was read from. When the report is about
/// several deaths ("the deaths of …"), it is the youngest's: a report about a father and
/// his 14-year-old daughter is also about a child, and a DSL restricting a search to
/// children expects to find it.
pub fn subject_age(review: &Review) -> Option<Found<AgeBand>> {
    let mut read = 0;
    let mut several = false;
    let mut youngest: Option<(Age, Found<AgeBand>)> = None;
    for section in &review.sections {
        for range in sentences(&section.text) {
            let limit = if several {
                OPENING_SENTENCES_SEVERAL_DEATHS
            } else {
                OPENING_SENTENCES
            };
            if read == limit {
                return youngest.map(|(_, found)| found);
            }
            read += 1;
            let sentence = section.text[range].trim();
            let found = words(sentence);
            // "the deaths of …", or one sentence naming the death with several ages: "the
            // death of: Charlotte B, Aged 30, and Zaani M, aged 4 days" (pfd-2015-0418).
            several |= found.iter().any(|word| word.lowercase == "deaths")
                || (sentence.to_lowercase().contains("death of")
                    && stated_ages(&found).nth(1).is_some());
            let age = if several {
                stated_ages(&found).min()
            } else {
                stated_ages(&found).next()
            }
            .or_else(|| age_after_name(sentence, &found, several))
            .or_else(|| named_as_a_baby(&found))
            .map(|years| (years, "age as stated"))
            .or_else(|| {
                age_from_birth_date(sentence, review.date).map(|years| (years, "date of birth"))
            })
            .or_else(|| adult_title(&found).map(|years| (years, "title Mr, Mrs or Ms")));
            let Some((age, how)) = age else {
                continue;
            };
            let band = band_of(age);
            let found_here = Found {
                value: band,
                derivation: Derivation {
                    value: band.slug().to_owned(),
                    evidence: shortened(sentence),
                    source: format!("{} ({how})", section.label),
                    confidence: 0.9,
                },
            };
            if !several {
                return Some(found_here);
            }
            if youngest.as_ref().is_none_or(|(before, _)| age < *before) {
                youngest = Some((age, found_here));
            }
        }
    }
    youngest.map(|(_, found)| found)
}

/// An age as a count and whether it is in years (else hours, weeks, days or months: a
/// baby). A baby is younger than any count of years, which is what the derived ordering
/// says (`UnderOneYear` is declared first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Age {
    UnderOneYear,
    Years(u32),
}

fn band_of(age: Age) -> AgeBand {
    match age {
        Age::Years(years) => AgeBand::of_age(years),
        Age::UnderOneYear => AgeBand::UnderOne,
    }
}

/// Every age stated in a sentence, in order: "aged 46", "aged 27 years", "age 55", "at 30
/// years", "39 years of age", "15 years old", "15-year-old", "aged 7 weeks", "aged 3
/// months", "4 days old", "died at 15 hours old".
fn stated_ages(words: &[Word]) -> impl Iterator<Item = Age> + '_ {
    (0..words.len()).filter_map(|at| age_at(words, at))
}

/// The age stated by the number at `at`, if it is one.
fn age_at(words: &[Word], at: usize) -> Option<Age> {
    let word = |i: usize| words.get(i).map(|w| w.lowercase.as_str());
    let count = word(at)?
        .parse::<u32>()
        .ok()
        .filter(|count| *count <= 120)?;
    let before = at.checked_sub(1).and_then(word);
    let unit = word(at + 1);
    let under_one = matches!(
        unit,
        Some("weeks" | "week" | "days" | "day" | "months" | "month" | "hours" | "hour")
    );
    let years_unit = matches!(unit, Some("years" | "year" | "yrs"));
    let introduced = matches!(before, Some("aged" | "age" | "at"));
    if under_one && (introduced || word(at + 2) == Some("old")) {
        // "aged 18 months" is a toddler, "aged 7 weeks" and "4 days old" a baby.
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
    // "at 30 years", "39 years of age", "15 years old", "15-year-old".
    let years_stated = before == Some("at")
        || word(at + 2) == Some("old")
        || (word(at + 2) == Some("of") && word(at + 3) == Some("age"));
    (years_unit && years_stated).then_some(Age::Years(count))
}

/// "the death of infant Rahat Q", "the death of Baby R", "this report is about an infant":
/// a baby named as one, with no age given.
fn named_as_a_baby(words: &[Word]) -> Option<Age> {
    const BABY: [&str; 5] = ["infant", "baby", "newborn", "neonate", "stillborn"];
    words.windows(3).find_map(|window| {
        let [first, second, third] = window else {
            return None;
        };
        let opening = matches!(
            (first.lowercase.as_str(), second.lowercase.as_str()),
            ("death" | "deaths", "of") | ("about", "an" | "a")
        );
        (opening && BABY.contains(&third.lowercase.as_str())).then_some(Age::UnderOneYear)
    })
}

/// "the death of Frederick Squires, 87." or "(54)": a bare number after the name, in
/// the sentence that names the death; of several deaths ("the deaths of May S (79) and
/// James S (79)"), the youngest.
fn age_after_name(sentence: &str, words: &[Word], several: bool) -> Option<Age> {
    let lower = sentence.to_lowercase();
    let death = lower.find("death of").or_else(|| lower.find("deaths of"))?;
    let mut ages = words.iter().enumerate().filter_map(|(at, word)| {
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
    });
    if several {
        ages.min()
    } else {
        ages.next()
    }
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
    fn of_several_deaths_the_youngest_sets_the_band() {
        // Real openings (pfd-2019-0370, pfd-2018-0285, pfd-2014-0019), names shortened.
        assert_eq!(
            band("I commenced an investigation into the deaths of Liyakat S, aged 47 years, Salma S, aged 41 years and Hajra S, aged 14 years."),
            Some(AgeBand::ElevenToFifteen)
        );
        assert_eq!(
            band("I commenced an investigation into the deaths of Laila H and her son Daniel G (aged 2 years)."),
            Some(AgeBand::OneToFour)
        );
        assert_eq!(
            band("I commenced an investigation into the deaths of May S (79) and James S (79)."),
            Some(AgeBand::Adult)
        );
        // The ages come one by one after the sentence that names the deaths (pfd-2024-0560).
        let text = "I commenced an investigation into the deaths of Wilfred F, Jevon H, Hugo M and Harvey O. \
                    The investigation concluded on 16 October 2024. \
                    Hugo M was aged 18 at the time of his death. \
                    He was carrying three passengers who were aged 17 (Wilfred), 16 (Jevon) and 17 (Harvey).";
        assert_eq!(band(text), Some(AgeBand::SixteenToSeventeen));
        // One death: the first age is the deceased's, a later one another person's.
        assert_eq!(
            band("The death of Ann Smith aged 46. Her daughter, aged 12, found her."),
            Some(AgeBand::Adult)
        );
    }

    #[test]
    fn a_baby_named_as_one_or_aged_in_hours_or_days_is_under_one() {
        // Real openings (pfd-2019-0296, pfd-2015-0056, pfd-2015-0418), names shortened.
        assert_eq!(
            band("This report is about an infant baby girl, Lucia S who died at 15 hours old."),
            Some(AgeBand::UnderOne)
        );
        assert_eq!(
            band("On 11 February 2015 I commenced an investigation into the death of infant Rahat Q."),
            Some(AgeBand::UnderOne)
        );
        assert_eq!(
            band("I commenced an investigation into the death of: Charlotte B, Aged 30, and Zaani M, aged 4 days."),
            Some(AgeBand::UnderOne)
        );
        assert_eq!(
            band("Amelia was 6 weeks old when she died."),
            Some(AgeBand::UnderOne)
        );
        // "about a" is a baby only when the next word says so.
        assert_eq!(band("This report is about a collision on the A34."), None);
    }

    #[test]
    fn an_age_after_the_opening_sentences_is_someone_elses() {
        let text = "One. Two. Three. Four. Five. Six. The driver, aged 19, was unhurt.";
        assert_eq!(band(text), None);
    }
}
