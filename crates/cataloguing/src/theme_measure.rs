//! Measuring the tagger against hand coding: the coding files (`[[document]]` tables
//! naming a record `id` or a specimen `file`, with the `themes` a person judged
//! present), the fixed split into a tuning half and a held-back half, and per-theme
//! precision, recall and F1.
//!
//! The split is by a hash of the document's key, so it does not move when documents
//! are added or the rules change; rules are tuned only on the tuning half, and the
//! held-back half gives the figure that is reported.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// One hand-coded document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedDocument {
    /// The record id (`pfd-2019-0328`) or specimen path (`specimens/pdf/…`).
    pub key: String,
    pub themes: BTreeSet<String>,
    pub note: String,
}

/// Which half of the coded documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    Tune,
    HeldBack,
    All,
}

impl Half {
    pub fn contains(self, key: &str) -> bool {
        match self {
            Half::All => true,
            Half::HeldBack => is_held_back(key),
            Half::Tune => !is_held_back(key),
        }
    }
}

/// Whether a document is in the held-back half: the parity of its key's FNV-1a hash,
/// a function of the key alone.
pub fn is_held_back(key: &str) -> bool {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % 2 == 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodingFile {
    #[serde(default)]
    document: Vec<CodingEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodingEntry {
    id: Option<String>,
    file: Option<String>,
    themes: Vec<String>,
    #[serde(default)]
    note: String,
}

/// Parses a coding file; every theme must be one of `known_themes`.
pub fn parse_coding(text: &str, known_themes: &[&str]) -> Result<Vec<CodedDocument>, String> {
    let file: CodingFile = toml::from_str(text).map_err(|err| err.to_string())?;
    file.document
        .into_iter()
        .map(|entry| {
            let key = match (entry.id, entry.file) {
                (Some(id), None) => id,
                (None, Some(file)) => file,
                _ => return Err("a [[document]] needs exactly one of `id` and `file`".to_owned()),
            };
            if let Some(unknown) = entry
                .themes
                .iter()
                .find(|t| !known_themes.contains(&t.as_str()))
            {
                return Err(format!("{key}: {unknown:?} is not a theme id"));
            }
            Ok(CodedDocument {
                key,
                themes: entry.themes.into_iter().collect(),
                note: entry.note,
            })
        })
        .collect()
}

/// Counts for one theme.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThemeCounts {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl ThemeCounts {
    /// Coded documents with the theme.
    pub fn coded(&self) -> usize {
        self.true_positives + self.false_negatives
    }

    /// Documents the tagger gave the theme.
    pub fn tagged(&self) -> usize {
        self.true_positives + self.false_positives
    }

    /// `None` when nothing was tagged.
    pub fn precision(&self) -> Option<f64> {
        ratio(self.true_positives, self.tagged())
    }

    /// `None` when nothing was coded.
    pub fn recall(&self) -> Option<f64> {
        ratio(self.true_positives, self.coded())
    }

    /// `None` when the theme was neither coded nor tagged (nothing to measure); 0 when
    /// one side is empty and the other not.
    pub fn f1(&self) -> Option<f64> {
        let denominator = 2 * self.true_positives + self.false_positives + self.false_negatives;
        ratio(2 * self.true_positives, denominator)
    }
}

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// Per-theme counts over a set of documents.
#[derive(Debug, Clone, Default)]
pub struct ThemeScores {
    pub documents: usize,
    pub by_theme: BTreeMap<String, ThemeCounts>,
}

impl ThemeScores {
    /// Scores `documents`: each the coder's themes and the tagger's.
    pub fn measure<'a>(
        themes: &[&str],
        documents: impl IntoIterator<Item = (&'a BTreeSet<String>, BTreeSet<String>)>,
    ) -> ThemeScores {
        let mut scores = ThemeScores {
            documents: 0,
            by_theme: themes
                .iter()
                .map(|theme| ((*theme).to_owned(), ThemeCounts::default()))
                .collect(),
        };
        for (coded, tagged) in documents {
            scores.documents += 1;
            for (theme, counts) in &mut scores.by_theme {
                match (coded.contains(theme), tagged.contains(theme)) {
                    (true, true) => counts.true_positives += 1,
                    (false, true) => counts.false_positives += 1,
                    (true, false) => counts.false_negatives += 1,
                    (false, false) => {}
                }
            }
        }
        scores
    }

    /// The mean F1 over the themes that were coded or tagged at least once.
    pub fn macro_f1(&self) -> f64 {
        let f1s: Vec<f64> = self.by_theme.values().filter_map(ThemeCounts::f1).collect();
        if f1s.is_empty() {
            return 0.0;
        }
        f1s.iter().sum::<f64>() / f1s.len() as f64
    }

    /// The table the README shows: theme, coded, tagged, precision, recall, F1.
    pub fn markdown_table(&self) -> String {
        let show = |value: Option<f64>| value.map_or("–".to_owned(), |v| format!("{v:.2}"));
        let mut table = String::from(
            "| theme | coded | tagged | precision | recall | F1 |\n|---|---:|---:|---:|---:|---:|\n",
        );
        for (theme, counts) in &self.by_theme {
            if counts.coded() == 0 && counts.tagged() == 0 {
                continue;
            }
            table.push_str(&format!(
                "| {theme} | {} | {} | {} | {} | {} |\n",
                counts.coded(),
                counts.tagged(),
                show(counts.precision()),
                show(counts.recall()),
                show(counts.f1()),
            ));
        }
        table.push_str(&format!(
            "| **macro F1** ({} documents) | | | | | **{:.2}** |\n",
            self.documents,
            self.macro_f1()
        ));
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coding_files_name_a_record_or_a_file_and_only_known_themes() {
        let coded = parse_coding(
            "[[document]]\nid = \"pfd-1\"\nthemes = [\"neglect\"]\nnote = \"x\"\n\
             [[document]]\nfile = \"specimens/a.pdf\"\nthemes = []\n",
            &["neglect"],
        )
        .unwrap();
        assert_eq!(coded[0].key, "pfd-1");
        assert!(coded[1].themes.is_empty());
        let err = parse_coding(
            "[[document]]\nid = \"a\"\nthemes = [\"negelct\"]\n",
            &["neglect"],
        )
        .unwrap_err();
        assert!(err.contains("\"negelct\" is not a theme id"), "{err}");
        assert!(parse_coding("[[document]]\nthemes = []\n", &[]).is_err());
    }

    #[test]
    fn precision_recall_and_macro_f1_count_only_themes_seen() {
        let coded: Vec<BTreeSet<String>> = vec![
            ["a".to_owned()].into(),
            ["a".to_owned(), "b".to_owned()].into(),
            BTreeSet::new(),
        ];
        let tagged: Vec<BTreeSet<String>> = vec![
            ["a".to_owned()].into(),
            ["a".to_owned()].into(),
            ["a".to_owned()].into(),
        ];
        let scores = ThemeScores::measure(&["a", "b", "c"], coded.iter().zip(tagged));
        let a = scores.by_theme["a"];
        assert_eq!(
            (a.true_positives, a.false_positives, a.false_negatives),
            (2, 1, 0)
        );
        assert_eq!(a.precision(), Some(2.0 / 3.0));
        assert_eq!(scores.by_theme["b"].f1(), Some(0.0));
        assert_eq!(scores.by_theme["c"].f1(), None);
        // (0.8 + 0.0) / 2: theme c, never coded or tagged, is not averaged in.
        assert!((scores.macro_f1() - 0.4).abs() < 1e-9);
    }

    #[test]
    fn the_split_depends_on_the_key_alone_and_is_roughly_even() {
        let keys: Vec<String> = (0..200).map(|n| format!("pfd-2020-{n:04}")).collect();
        let held = keys.iter().filter(|key| is_held_back(key)).count();
        assert!((70..=130).contains(&held), "{held}");
        assert_eq!(is_held_back("pfd-2020-0001"), is_held_back("pfd-2020-0001"));
        assert!(Half::All.contains("x"));
        assert_ne!(
            Half::Tune.contains("pfd-1"),
            Half::HeldBack.contains("pfd-1")
        );
    }
}
