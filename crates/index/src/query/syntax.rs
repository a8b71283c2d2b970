//! Reading what a user typed. Practitioners type sentences, acronyms, apostrophes and
//! stray punctuation far more often than query syntax, so the reader is lenient: text
//! that is not valid syntax is read as words, and each repair is reported as a
//! [`Repair`] (the caller turns it into a notice, or, for callers who ask for strict
//! parsing, into an error).
//!
//! What counts as syntax: `"phrases"` (with `~N` slop, or `*` for a prefix on the last
//! word), `+required` and `-excluded` clauses, `field:value` for the queryable fields,
//! `word*` (prefix), `word~N` (fuzzy) and `^N` boosts. `AND`, `OR`, `NOT`, `&&`, `||`
//! and parentheses around them make the query a boolean expression, which tantivy's
//! parser reads with its strict meaning ([`Reading::Boolean`]). Parentheses without an
//! operator are only grouping noise in prose ("(TSS)") and are read as spaces.

use crate::schema::QUERYABLE_FIELDS;

/// Edit distance accepted after `~`.
pub const MAX_FUZZY_DISTANCE: u8 = 2;
/// Letters a prefix needs before `*`: shorter ones expand to most of the vocabulary.
pub const MIN_PREFIX_CHARS: usize = 3;
/// Longer texts are prose even with AND, OR or NOT in capitals ("the child was NOT
/// seen"): a pasted paragraph must not become one strict expression.
pub const MAX_BOOLEAN_PIECES: usize = 24;

/// Whether a clause must, may or must not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// No sign: ranked, and counted when deciding whether every word was found.
    Optional,
    /// `+`
    Required,
    /// `-`
    Excluded,
}

/// One thing to look for.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// A word as typed (it may hold punctuation: `A&E`, `child's`, `covid-19`).
    Word(String),
    /// `"…"`: the words in order, `slop` other words allowed between them; `prefix`
    /// when the last word ends in `*`.
    Phrase {
        text: String,
        slop: u32,
        prefix: bool,
    },
    /// `negl*`
    Prefix(String),
    /// `neglect~1`
    Fuzzy { word: String, distance: u8 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub presence: Presence,
    /// `title`, `text` or `publisher` when the user named one.
    pub field: Option<&'static str>,
    pub atom: Atom,
    /// `^2`
    pub boost: Option<f32>,
    /// The clause as typed, for notices and "did you mean" links.
    pub typed: String,
}

/// Something the reader changed to make sense of the text.
#[derive(Debug, Clone, PartialEq)]
pub enum Repair {
    UnclosedQuote,
    UnbalancedParenthesis,
    /// A `+` or `-` with nothing after it.
    DanglingSign(char),
    /// `name:value` where `name` is not a field users may search.
    UnknownField(String),
    /// `ab*`: too short a prefix; searched as the word.
    ShortPrefix(String),
    /// `word~5`: distance lowered to the maximum.
    FuzzyDistance {
        typed: String,
        distance: u8,
    },
    /// A boost that is not a positive number.
    BadBoost(String),
}

impl Repair {
    /// What the user is told.
    pub fn message(&self) -> String {
        match self {
            Repair::UnclosedQuote => "A quotation mark was not closed: the phrase runs to the end of the query.".into(),
            Repair::UnbalancedParenthesis => "Unmatched brackets were ignored.".into(),
            Repair::DanglingSign(sign) => format!("A '{sign}' with no word after it was ignored."),
            Repair::UnknownField(name) => format!(
                "'{name}:' is not a field you can search ({}): it was searched as a word.",
                QUERYABLE_FIELDS.join(", ")
            ),
            Repair::ShortPrefix(word) => format!(
                "'{word}*' is too short to search by prefix (at least {MIN_PREFIX_CHARS} letters): searched as the word '{word}'."
            ),
            Repair::FuzzyDistance { typed, distance } => format!(
                "'{typed}': at most {distance} letters can differ; searched with {distance}."
            ),
            Repair::BadBoost(typed) => format!("'{typed}' is not a boost (a positive number after ^): ignored."),
        }
    }

    /// Whether the text was a syntax error (strict callers get a 400 for these), as
    /// opposed to a value out of range that was brought into range.
    pub fn is_syntax_error(&self) -> bool {
        !matches!(self, Repair::FuzzyDistance { .. })
    }
}

/// How a query was read.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Words, phrases and signs: ranked with graceful degradation.
    Plain(Vec<Clause>),
    /// A boolean expression (`AND`, `OR`, `NOT`): tantivy's parser, strict meaning.
    Boolean,
}

/// Reads `text`. Returns the reading and what was repaired to get it.
pub fn read(text: &str) -> (Reading, Vec<Repair>) {
    let mut repairs = Vec::new();
    let pieces = split(text, &mut repairs);
    if pieces.len() <= MAX_BOOLEAN_PIECES && is_boolean(&pieces) {
        return (Reading::Boolean, Vec::new());
    }
    let mut clauses = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Open | Piece::Close => {}
            Piece::Phrase {
                text,
                presence,
                field,
                suffix,
                typed,
            } => {
                let (slop, prefix, boost) = phrase_suffix(&suffix, &mut repairs);
                let atom = phrase_atom(text, slop, prefix);
                clauses.push(Clause {
                    presence,
                    field,
                    atom,
                    boost,
                    typed,
                });
            }
            Piece::Token(token) => {
                if let Some(clause) = token_clause(&token, &mut repairs) {
                    clauses.push(clause);
                }
            }
        }
    }
    (Reading::Plain(clauses), repairs)
}

/// A quoted phrase of one word with `*` is a prefix; otherwise a phrase.
fn phrase_atom(text: String, slop: u32, prefix: bool) -> Atom {
    // `"information shar*"` as well as tantivy's `"information shar"*`.
    let (text, prefix) = match text.trim_end().strip_suffix('*') {
        Some(head) => (head.trim_end_matches('*').to_owned(), true),
        None => (text, prefix),
    };
    if prefix && text.split_whitespace().count() == 1 {
        return Atom::Prefix(text.trim().to_owned());
    }
    Atom::Phrase { text, slop, prefix }
}

/// A raw piece of the query.
#[derive(Debug)]
enum Piece {
    Token(String),
    Phrase {
        text: String,
        presence: Presence,
        field: Option<&'static str>,
        /// What followed the closing quote up to the next space (`~2`, `*`, `^3`).
        suffix: String,
        typed: String,
    },
    Open,
    Close,
}

/// Splits the text into tokens, phrases and brackets. Unbalanced brackets and an
/// unclosed quote are repaired here.
fn split(text: &str, repairs: &mut Vec<Repair>) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut token = String::new();
    let mut chars = text.chars().peekable();
    let mut depth = 0usize;
    let mut unbalanced = false;
    let flush = |token: &mut String, pieces: &mut Vec<Piece>| {
        if !token.is_empty() {
            pieces.push(Piece::Token(std::mem::take(token)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' | '“' | '”' => {
                // A sign or field name just before the quote belongs to the phrase.
                let (presence, field, prefix_typed) = phrase_prefix(&token, repairs);
                let mut leftover = if field.is_none() && presence == Presence::Optional {
                    std::mem::take(&mut token)
                } else {
                    token.clear();
                    String::new()
                };
                flush(&mut leftover, &mut pieces);
                let mut phrase = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if matches!(c, '"' | '“' | '”') {
                        closed = true;
                        break;
                    }
                    phrase.push(c);
                }
                if !closed {
                    repairs.push(Repair::UnclosedQuote);
                }
                let mut suffix = String::new();
                while let Some(&next) = chars.peek() {
                    if next.is_whitespace() || matches!(next, '(' | ')' | '"') {
                        break;
                    }
                    suffix.push(next);
                    chars.next();
                }
                let close = if closed { "\"" } else { "" };
                let typed = format!("{prefix_typed}\"{phrase}{close}{suffix}");
                pieces.push(Piece::Phrase {
                    text: phrase,
                    presence,
                    field,
                    suffix,
                    typed,
                });
            }
            '(' => {
                flush(&mut token, &mut pieces);
                depth += 1;
                pieces.push(Piece::Open);
            }
            ')' => {
                flush(&mut token, &mut pieces);
                if depth == 0 {
                    unbalanced = true;
                } else {
                    depth -= 1;
                    pieces.push(Piece::Close);
                }
            }
            c if c.is_whitespace() => flush(&mut token, &mut pieces),
            c => token.push(c),
        }
    }
    flush(&mut token, &mut pieces);
    if depth > 0 || unbalanced {
        repairs.push(Repair::UnbalancedParenthesis);
        // Brackets that do not pair up group nothing: drop them all.
        pieces.retain(|piece| !matches!(piece, Piece::Open | Piece::Close));
    }
    pieces
}

/// The sign and field written just before a quote (`+"…"`, `-title:"…"`).
fn phrase_prefix(
    token: &str,
    repairs: &mut Vec<Repair>,
) -> (Presence, Option<&'static str>, String) {
    let (presence, rest) = sign(token);
    if rest.is_empty() {
        return (presence, None, token.to_owned());
    }
    if let Some(name) = rest.strip_suffix(':') {
        match known_field(name) {
            Some(field) => return (presence, Some(field), token.to_owned()),
            None if looks_like_field(name) => repairs.push(Repair::UnknownField(name.to_owned())),
            None => {}
        }
    }
    // Words glued to a quote (`abc"def"`): the words stand alone.
    (Presence::Optional, None, String::new())
}

fn phrase_suffix(suffix: &str, repairs: &mut Vec<Repair>) -> (u32, bool, Option<f32>) {
    let (rest, boost) = split_boost(suffix, repairs);
    if rest == "*" {
        return (0, true, boost);
    }
    if let Some(distance) = rest.strip_prefix('~') {
        return (distance.parse().unwrap_or(0), false, boost);
    }
    (0, false, boost)
}

/// `word^2` → ("word", Some(2.0)).
fn split_boost<'a>(text: &'a str, repairs: &mut Vec<Repair>) -> (&'a str, Option<f32>) {
    match text.rsplit_once('^') {
        Some((rest, boost)) if !rest.is_empty() || text.starts_with('^') => {
            match boost.parse::<f32>() {
                Ok(value) if value.is_finite() && value > 0.0 => (rest, Some(value)),
                _ => {
                    repairs.push(Repair::BadBoost(text.to_owned()));
                    (rest, None)
                }
            }
        }
        _ => (text, None),
    }
}

fn sign(token: &str) -> (Presence, &str) {
    if let Some(rest) = token.strip_prefix('+') {
        (Presence::Required, rest)
    } else if let Some(rest) = token.strip_prefix('-') {
        (Presence::Excluded, rest)
    } else {
        (Presence::Optional, token)
    }
}

fn known_field(name: &str) -> Option<&'static str> {
    QUERYABLE_FIELDS
        .iter()
        .find(|field| field.eq_ignore_ascii_case(name))
        .copied()
}

/// `name:` that someone meant as a field: letters and underscores only. "47:" or
/// "Note:" at the end of a word followed by a space is punctuation, handled by the
/// caller (a field needs a value glued to it).
fn looks_like_field(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
}

fn is_boolean(pieces: &[Piece]) -> bool {
    pieces.iter().any(|piece| {
        matches!(piece, Piece::Token(token)
            if matches!(token.as_str(), "AND" | "OR" | "NOT" | "&&" | "||"))
    })
}

fn token_clause(token: &str, repairs: &mut Vec<Repair>) -> Option<Clause> {
    let (presence, rest) = sign(token);
    if rest.is_empty() {
        if presence != Presence::Optional {
            repairs.push(Repair::DanglingSign(token.chars().next().unwrap_or('+')));
            return None;
        }
        return None;
    }
    // A run of signs or dashes ("--", "+-") is punctuation, not a clause.
    if rest.chars().all(|c| !c.is_alphanumeric()) {
        return None;
    }
    let (field, value) = match rest.split_once(':') {
        Some((name, value)) if !value.is_empty() => match known_field(name) {
            Some(field) => (Some(field), value),
            None => {
                if looks_like_field(name) {
                    repairs.push(Repair::UnknownField(name.to_owned()));
                }
                (None, rest)
            }
        },
        _ => (None, rest),
    };
    let (value, boost) = split_boost(value, repairs);
    let atom = word_atom(value, repairs);
    Some(Clause {
        presence,
        field,
        atom,
        boost,
        typed: token.to_owned(),
    })
}

fn word_atom(value: &str, repairs: &mut Vec<Repair>) -> Atom {
    if let Some(stem) = value.strip_suffix('*') {
        let stem = stem.trim_end_matches('*');
        if stem.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_PREFIX_CHARS {
            return Atom::Prefix(stem.to_owned());
        }
        repairs.push(Repair::ShortPrefix(stem.to_owned()));
        return Atom::Word(stem.to_owned());
    }
    if let Some((word, distance)) = value.rsplit_once('~') {
        if !word.is_empty() && (distance.is_empty() || distance.chars().all(|c| c.is_ascii_digit()))
        {
            let asked: u8 = if distance.is_empty() {
                1
            } else {
                distance.parse().unwrap_or(u8::MAX)
            };
            let distance = asked.min(MAX_FUZZY_DISTANCE);
            if asked > MAX_FUZZY_DISTANCE {
                repairs.push(Repair::FuzzyDistance {
                    typed: value.to_owned(),
                    distance,
                });
            }
            return Atom::Fuzzy {
                word: word.to_owned(),
                distance,
            };
        }
    }
    Atom::Word(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> (Vec<Clause>, Vec<Repair>) {
        match read(text) {
            (Reading::Plain(clauses), repairs) => (clauses, repairs),
            (Reading::Boolean, _) => panic!("{text} read as boolean"),
        }
    }

    fn atoms(text: &str) -> Vec<Atom> {
        plain(text)
            .0
            .into_iter()
            .map(|clause| clause.atom)
            .collect()
    }

    fn word(text: &str) -> Atom {
        Atom::Word(text.into())
    }

    #[test]
    fn ordinary_punctuation_is_words_without_repairs() {
        for text in [
            "child's voice",
            "mother's partner",
            "don't",
            "section 47: strategy",
            "A&E",
            "covid-19 CAMHS,",
        ] {
            let (_, repairs) = plain(text);
            assert!(repairs.is_empty(), "{text}: {repairs:?}");
        }
        assert_eq!(
            atoms("section 47: strategy"),
            [word("section"), word("47:"), word("strategy")]
        );
        assert_eq!(atoms("child's voice"), [word("child's"), word("voice")]);
    }

    #[test]
    fn broken_syntax_is_repaired_and_reported() {
        let (clauses, repairs) = plain("(camhs");
        assert_eq!(clauses[0].atom, word("camhs"));
        assert_eq!(repairs, [Repair::UnbalancedParenthesis]);

        let (clauses, repairs) = plain("CAMHS -");
        assert_eq!(clauses.len(), 1);
        assert_eq!(repairs, [Repair::DanglingSign('-')]);

        let (clauses, repairs) = plain("\"unclosed phrase");
        assert_eq!(
            clauses[0].atom,
            Atom::Phrase {
                text: "unclosed phrase".into(),
                slop: 0,
                prefix: false
            }
        );
        assert_eq!(repairs, [Repair::UnclosedQuote]);

        let (clauses, repairs) = plain("date:2020 title:neglect");
        assert_eq!(clauses[0].field, None);
        assert_eq!(clauses[0].atom, word("date:2020"));
        assert_eq!(clauses[1].field, Some("title"));
        assert_eq!(repairs, [Repair::UnknownField("date".into())]);
    }

    #[test]
    fn syntax_keeps_its_meaning() {
        let (clauses, repairs) = plain(
            "+neglect -drugs title:\"care plan\"~2 negl* neglect~1 \"information shar*\" voice^2",
        );
        assert!(repairs.is_empty(), "{repairs:?}");
        assert_eq!(clauses[0].presence, Presence::Required);
        assert_eq!(clauses[1].presence, Presence::Excluded);
        assert_eq!(clauses[2].field, Some("title"));
        assert_eq!(
            clauses[2].atom,
            Atom::Phrase {
                text: "care plan".into(),
                slop: 2,
                prefix: false
            }
        );
        assert_eq!(clauses[3].atom, Atom::Prefix("negl".into()));
        assert_eq!(
            clauses[4].atom,
            Atom::Fuzzy {
                word: "neglect".into(),
                distance: 1
            }
        );
        assert_eq!(
            clauses[5].atom,
            Atom::Phrase {
                text: "information shar".into(),
                slop: 0,
                prefix: true
            }
        );
        assert_eq!(clauses[6].boost, Some(2.0));
        assert_eq!(clauses[6].atom, word("voice"));
    }

    #[test]
    fn short_prefixes_and_large_distances_are_brought_into_range() {
        let (clauses, repairs) = plain("ab* neglect~7");
        assert_eq!(clauses[0].atom, word("ab"));
        assert_eq!(
            clauses[1].atom,
            Atom::Fuzzy {
                word: "neglect".into(),
                distance: 2
            }
        );
        assert_eq!(repairs.len(), 2);
        assert!(repairs[0].is_syntax_error());
        assert!(!repairs[1].is_syntax_error());
    }

    #[test]
    fn operators_make_a_boolean_query_and_brackets_alone_do_not() {
        assert_eq!(read("neglect AND (camhs OR cahms)").0, Reading::Boolean);
        assert_eq!(read("AND OR").0, Reading::Boolean);
        let prose = "The health visitor did NOT see the baby again and the family was NOT \
                     referred to children's social care for an assessment of need or of risk";
        assert!(matches!(read(prose).0, Reading::Plain(_)));
        assert_eq!(
            atoms("time sharing (TSS) systems"),
            [word("time"), word("sharing"), word("TSS"), word("systems")]
        );
    }
}
