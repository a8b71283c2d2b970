//! The regions table: which nation and region a publisher belongs to.
//!
//! A CSV file a librarian edits (`corpus/regions.csv`), one row per publisher:
//! `publisher,kind,nation,region,aliases,authorities`. `aliases` lists other spellings
//! separated by `;` (older board names, "LSCB" forms, the variants coroners type): the
//! publisher's name history. `authorities` names, for a partnership or board covering
//! several authorities, the rows of those authorities (`;`-separated), so a review can
//! be found by either. Lookups ignore case, punctuation and `&` versus "and". A
//! publisher that no row names is placed in the "Unknown" nation by the caller and
//! listed in the index summary.

use std::collections::HashMap;
use std::path::Path;

use casesearch_model::{Region, PUBLISHER_BODY_SUFFIXES};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::text::name_key;
use crate::CatalogueError;

/// The table's columns, in order.
pub const HEADER: [&str; 6] = [
    "publisher",
    "kind",
    "nation",
    "region",
    "aliases",
    "authorities",
];

pub const NATIONS: [&str; 4] = ["England", "Wales", "Scotland", "Northern Ireland"];

/// What sort of body a row is; kept so the table can be checked and filtered.
pub const KINDS: [&str; 7] = [
    "coroner_area",
    "local_authority",
    "safeguarding_partnership",
    "regional_board",
    "council",
    "trust",
    "national",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    publisher: String,
    kind: String,
    nation: String,
    region: String,
    aliases: String,
    /// For partnerships and boards covering several authorities: their canonical
    /// names, `;`-separated ("Cambridgeshire;Peterborough").
    authorities: String,
}

/// The loaded table.
#[derive(Debug, Clone, Default)]
pub struct RegionTable {
    by_name: HashMap<String, Region>,
    /// Canonical publisher → its row's kind and, for multi-authority partnerships and
    /// regional boards, the authorities it covers.
    rows: HashMap<String, RowFacts>,
    longest_name_words: usize,
    publishers: usize,
    version: String,
}

#[derive(Debug, Clone, Default)]
struct RowFacts {
    kind: String,
    authorities: Vec<String>,
}

impl RegionTable {
    pub fn load(path: &Path) -> Result<RegionTable, CatalogueError> {
        let text = crate::error::read_to_string(path)?;
        RegionTable::parse(&text).map_err(|message| CatalogueError::InvalidRegions {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses the table; rejects rows with an unknown nation and names that two rows
    /// claim, since either would put reviews in the wrong place without a sound.
    pub fn parse(text: &str) -> Result<RegionTable, String> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        // A wrong header would otherwise pass unnoticed when the table has no rows.
        let headers = reader.headers().map_err(|err| format!("line 1: {err}"))?;
        if headers.iter().collect::<Vec<_>>() != HEADER {
            return Err(format!(
                "line 1: the header must be {:?}, found {:?}",
                HEADER.join(","),
                headers.iter().collect::<Vec<_>>().join(",")
            ));
        }
        let mut table = RegionTable {
            version: format!("{:x}", Sha256::digest(text.as_bytes()))[..12].to_owned(),
            ..RegionTable::default()
        };
        for (index, row) in reader.deserialize::<Row>().enumerate() {
            // Line 1 is the header.
            let line = index + 2;
            let row = row.map_err(|err| format!("line {line}: {err}"))?;
            let publisher = row.publisher.trim();
            if publisher.is_empty() {
                return Err(format!("line {line}: empty publisher"));
            }
            if !NATIONS.contains(&row.nation.as_str()) {
                return Err(format!(
                    "line {line}: unknown nation {:?} for {publisher} (expected one of {})",
                    row.nation,
                    NATIONS.join(", ")
                ));
            }
            if !KINDS.contains(&row.kind.as_str()) {
                return Err(format!(
                    "line {line}: unknown kind {:?} for {publisher} (expected one of {})",
                    row.kind,
                    KINDS.join(", ")
                ));
            }
            let region = Some(row.region.trim()).filter(|region| !region.is_empty());
            let place = Region::known(&row.nation, region, publisher);
            let names = std::iter::once(publisher)
                .chain(row.aliases.split(';').map(str::trim))
                .filter(|name| !name.is_empty());
            for name in names {
                let key = name_key(name);
                table.longest_name_words = table.longest_name_words.max(key.split(' ').count());
                if let Some(previous) = table.by_name.insert(key, place.clone()) {
                    if previous != place {
                        return Err(format!(
                            "line {line}: {name:?} already names {}",
                            previous.publisher
                        ));
                    }
                }
            }
            let authorities = row
                .authorities
                .split(';')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(str::to_owned)
                .collect();
            table.rows.insert(
                publisher.to_owned(),
                RowFacts {
                    kind: row.kind.clone(),
                    authorities,
                },
            );
            table.publishers += 1;
        }
        // An authority must be a publisher of the table, or filters by it find nothing.
        for (publisher, facts) in &table.rows {
            if let Some(unknown) = facts
                .authorities
                .iter()
                .find(|name| !table.rows.contains_key(name.as_str()))
            {
                return Err(format!(
                    "{publisher}: authority {unknown:?} is not a publisher of the table"
                ));
            }
        }
        Ok(table)
    }

    /// Lookup by an already-normalised key (lowercase words joined by single spaces).
    pub(crate) fn lookup_key(&self, key: &str) -> Option<&Region> {
        self.by_name.get(key)
    }

    /// The row's kind (`local_authority`, `safeguarding_partnership`, …).
    pub fn kind_of(&self, publisher: &str) -> Option<&str> {
        self.rows.get(publisher).map(|facts| facts.kind.as_str())
    }

    /// The authorities a multi-authority partnership or regional board covers; empty
    /// for a single authority.
    pub fn authorities_of(&self, publisher: &str) -> &[String] {
        self.rows
            .get(publisher)
            .map_or(&[], |facts| facts.authorities.as_slice())
    }

    /// The most words any name has, the longest phrase worth looking up in a text.
    pub fn longest_name_words(&self) -> usize {
        self.longest_name_words
    }

    /// Where a publisher (any of its names) sits, with its canonical name.
    pub fn lookup(&self, publisher: &str) -> Option<&Region> {
        self.by_name.get(&name_key(publisher))
    }

    /// The publisher of a case review named `name`: as [`RegionTable::lookup`], except
    /// that a coroner area, which never publishes case reviews, gives way to the
    /// partnership, board or committee of the same place ("Cambridgeshire and
    /// Peterborough" in a catalogue heading is the partnership, not the coroner).
    pub fn lookup_review_publisher(&self, name: &str) -> Option<&Region> {
        let found = self.lookup(name);
        if found.is_some_and(|region| self.kind_of(&region.publisher) != Some("coroner_area")) {
            return found;
        }
        PUBLISHER_BODY_SUFFIXES
            .iter()
            .find_map(|body| self.lookup(&format!("{name}{body}")))
            .or(found)
    }

    /// Where a publisher sits, or the "Unknown" nation if the table does not name it.
    pub fn place(&self, publisher: &str) -> Region {
        match self.lookup(publisher) {
            Some(region) => Region {
                authorities: self.authorities_of(&region.publisher).to_vec(),
                ..region.clone()
            },
            None => Region::unknown(publisher.trim()),
        }
    }

    /// The canonical name for a publisher, or its own name trimmed if unknown.
    pub fn canonical_publisher(&self, publisher: &str) -> String {
        self.place(publisher).publisher
    }

    pub fn publisher_count(&self) -> usize {
        self.publishers
    }

    /// A short digest of the table's text, recorded in the index.
    pub fn version(&self) -> &str {
        &self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "publisher,kind,nation,region,aliases,authorities
Lancashire,local_authority,England,North West,Lancashire Safeguarding Children Board;Lancashire LSCB,
Derby and Derbyshire,coroner_area,England,East Midlands,,
Glasgow City,council,Scotland,,,
";

    #[test]
    fn aliases_and_spelling_variants_resolve_to_the_canonical_publisher() {
        let table = RegionTable::parse(TABLE).unwrap();
        let lancashire = table.lookup("LANCASHIRE LSCB").unwrap();
        assert_eq!(lancashire.path(), ["England", "North West", "Lancashire"]);
        assert_eq!(
            table.canonical_publisher("Derby & Derbyshire"),
            "Derby and Derbyshire"
        );
        assert_eq!(
            table.place("Glasgow City").path(),
            ["Scotland", "Glasgow City"]
        );
        assert_eq!(table.publisher_count(), 3);
    }

    #[test]
    fn partnerships_list_their_authorities_which_must_be_rows() {
        let text = format!(
            "{TABLE}Pan-Lancashire Partnership,safeguarding_partnership,England,North West,,Lancashire\n"
        );
        let table = RegionTable::parse(&text).unwrap();
        assert_eq!(
            table.authorities_of("Pan-Lancashire Partnership"),
            ["Lancashire"]
        );
        assert_eq!(table.kind_of("Lancashire"), Some("local_authority"));
        assert!(table.authorities_of("Lancashire").is_empty());
        let bad =
            format!("{TABLE}Pan Partnership,safeguarding_partnership,England,North West,,Mordor\n");
        let err = RegionTable::parse(&bad).unwrap_err();
        assert!(err.contains("\"Mordor\" is not a publisher"), "{err}");
    }

    #[test]
    fn unknown_publisher_is_placed_in_the_unknown_nation_not_dropped() {
        let table = RegionTable::parse(TABLE).unwrap();
        let place = table.place(" Atlantis ");
        assert!(place.is_unknown());
        assert_eq!(place.path(), ["Unknown", "Atlantis"]);
    }

    #[test]
    fn a_name_claimed_by_two_rows_is_an_error() {
        let text =
            format!("{TABLE}Derbyshire,local_authority,England,East Midlands,Lancashire LSCB,\n");
        let err = RegionTable::parse(&text).unwrap_err();
        assert!(err.contains("already names Lancashire"), "{err}");
    }

    #[test]
    fn a_wrong_header_is_an_error_even_without_rows() {
        let err = RegionTable::parse("not,a,regions,table\n").unwrap_err();
        assert!(err.starts_with("line 1: the header must be"), "{err}");
    }

    #[test]
    fn unknown_nation_is_an_error_with_its_line() {
        let text = format!("{TABLE}Gondor,council,Middle Earth,,,\n");
        let err = RegionTable::parse(&text).unwrap_err();
        assert!(
            err.starts_with("line 5:") && err.contains("Middle Earth"),
            "{err}"
        );
    }
}
