//! The publisher: the partnership or board whose name the document carries, found
//! through the regions table's names and aliases (so "Lancashire LSCB" in 2013 and
//! "Lancashire Safeguarding Children Partnership" in 2023 are one publisher).

use casesearch_model::Region;

use super::{line_around, page_weight, phrase_matches, Ballot, DocumentText, Found};
use crate::RegionTable;

/// Words that make a name an organisation's rather than a place's: "Lancashire" alone
/// may be the police force's county, "Lancashire LSCB" is the publisher.
const ORGANISATION_WORDS: [&str; 12] = [
    "safeguarding",
    "board",
    "partnership",
    "partnerships",
    "committee",
    "lscb",
    "lscp",
    "panel",
    "sbni",
    "cpc",
    "cysur",
    "protection",
];

/// Later pages mostly name other agencies; the publisher is named up front.
const PAGES_READ: usize = 8;

/// Per page, a name counts at most this often, so a page that repeats a place name
/// in every paragraph does not outvote the cover.
const MENTIONS_PER_PAGE: usize = 2;

pub(super) fn find(document: &DocumentText, regions: &RegionTable) -> Option<Found<Region>> {
    let mut ballot = Ballot::new();
    let max_words = regions.longest_name_words();
    let read = |text: &str, weight: f32, source: &str, ballot: &mut Ballot<String>| {
        let mut counted: Vec<(String, usize)> = Vec::new();
        for (region, range) in phrase_matches(text, max_words, |key| {
            regions
                .lookup_key(key)
                // A coroner area is never a case review's publisher, and its bare
                // place names ("Cambridgeshire and Peterborough") would shadow the
                // partnership's. A row that is both (its aliases name the
                // partnership) still counts when a partnership name matched.
                .filter(|region| {
                    regions.kind_of(&region.publisher) != Some("coroner_area")
                        || key
                            .split(' ')
                            .any(|word| ORGANISATION_WORDS.contains(&word))
                })
                .cloned()
        }) {
            let matched = &text[range.clone()];
            // "Suffolk Safeguarding Partnership", where the table knows only
            // "Suffolk": a place followed by a body's name is that body.
            let next_word = text[range.end..]
                .split(|c: char| !c.is_alphanumeric())
                .find(|word| !word.is_empty())
                .map(str::to_lowercase);
            let organisation = matched
                .split(|c: char| !c.is_alphanumeric())
                .chain(next_word.as_deref())
                .any(|word| ORGANISATION_WORDS.contains(&word.to_lowercase().as_str()));
            let seen = match counted
                .iter_mut()
                .find(|(name, _)| *name == region.publisher)
            {
                Some(entry) => {
                    entry.1 += 1;
                    entry.1
                }
                None => {
                    counted.push((region.publisher.clone(), 1));
                    1
                }
            };
            if seen > MENTIONS_PER_PAGE {
                continue;
            }
            let weight = weight * if organisation { 4.0 } else { 1.0 };
            ballot.vote(
                region.publisher.clone(),
                weight,
                &line_around(text, &range),
                source,
            );
        }
    };
    for page in document.pages.iter().take(PAGES_READ) {
        read(page.text, page_weight(page.number), page.label, &mut ballot);
    }
    if let Some(author) = document.author {
        read(author, 3.0, "PDF metadata (author)", &mut ballot);
    }
    if let Some(title) = document.title {
        read(title, 3.0, "PDF metadata (title)", &mut ballot);
    }
    let found = ballot.winner()?;
    let region = regions.lookup(&found.value)?.clone();
    Some(Found {
        value: region,
        derivation: found.derivation,
    })
}
