//! The query plan: what a user typed, compiled into the tantivy queries that match,
//! rank and mark it, with a report of what was done to it (repairs, thesaurus
//! expansions, ignored words). Pure: it reads the index's term statistics but runs no
//! search; the engine (`crate::search`) executes the plan.
//!
//! A plain query (words, phrases, `+`/`-`, `field:`, `*`, `~`) becomes concepts ranked
//! by [`coordination`]: every document with any concept matches, those with all of
//! them first. A boolean expression (`AND`, `OR`, `NOT`) keeps tantivy's strict
//! meaning. Text that is not valid syntax is read as words ([`syntax`]), with a notice,
//! unless the caller asks for strict parsing.

pub mod coordination;
pub mod suggest;
pub mod syntax;
#[cfg(test)]
mod tests;
pub mod thesaurus;

use std::collections::HashMap;

use serde::Serialize;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, DisjunctionMaxQuery, EnableScoring, FuzzyTermQuery, Occur,
    PhrasePrefixQuery, PhraseQuery, Query, QueryParser, QueryParserError,
};
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, Score, Searcher, Term};

use crate::bm25::{rescore_terms, Bm25TermQuery, Ranking};
use crate::request::MAX_QUERY_CHARS;
use crate::schema::{Fields, MAX_WORD_BYTES, QUERYABLE_FIELDS};
use crate::IndexError;
use coordination::{Bonus, CoordinationQuery};
use syntax::{Atom, Clause, Presence, Reading};
use thesaurus::Thesaurus;

/// Concepts kept from a long query (a pasted paragraph): the most informative ones.
pub const MAX_CONCEPTS: usize = 64;
/// How much a concept's other matching alternatives add to its best one (dismax).
const ALTERNATIVES_TIE_BREAKER: f32 = 0.1;

/// What the user asked of the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanOptions {
    /// Syntax errors are errors, not repaired.
    pub strict: bool,
    /// Apply the thesaurus.
    pub synonyms: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            strict: false,
            synonyms: true,
        }
    }
}

/// What the plan needs from the engine.
pub struct PlanContext<'a> {
    pub index: &'a Index,
    pub searcher: &'a Searcher,
    pub fields: Fields,
    pub ranking: Ranking,
    pub thesaurus: &'a Thesaurus,
    /// For boolean expressions: tantivy's parser, every word required.
    pub boolean_parser: &'a QueryParser,
}

/// A notice about how the query was read, for the page and the API.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Notice {
    /// Stable machine code: `syntax_repaired`, `not_all_words`, `query_shortened`,
    /// `only_common_words`, `boolean_unreadable`, `out_of_range`, `showing_suggestion`.
    pub code: &'static str,
    pub message: String,
}

/// Words the thesaurus added to a search.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Expansion {
    /// As typed: "HV".
    pub typed: String,
    /// Also searched: ["health visitor"].
    pub also: Vec<String>,
}

/// One concept of a plain query: a word (with its thesaurus alternatives), a phrase,
/// a prefix or a fuzzy word.
pub struct Concept {
    /// As typed.
    pub typed: String,
    pub query: Box<dyn Query>,
    /// The single indexed term of a plain word, for suggestions and proximity.
    pub term: Option<String>,
    /// Informativeness, for shortening long queries: the rarest term's idf × count.
    weight: f32,
    /// Position in the query, to keep query order after shortening.
    order: usize,
}

/// A compiled query.
pub struct QueryPlan {
    /// What matches and ranks (without filters).
    pub words: Box<dyn Query>,
    /// What snippets mark: the concepts and required clauses, not excluded ones.
    pub marked: Box<dyn Query>,
    /// The optional concepts, each on its own (for "which words were found").
    pub concepts: Vec<Concept>,
    /// `+` and `-` clauses, to apply when counting documents with every concept.
    pub constraints: Vec<(Occur, Box<dyn Query>)>,
    /// Whether the query had any words (an empty one browses everything).
    pub has_words: bool,
    /// A boolean expression, matched strictly.
    pub boolean: bool,
    pub notices: Vec<Notice>,
    pub expansions: Vec<Expansion>,
    /// Words too common to be indexed ("the", "and").
    pub ignored: Vec<String>,
    /// Analysed query length in words (RM3 shares the original weight among them).
    pub query_words: usize,
}

impl QueryPlan {
    /// Everything: `text` empty.
    fn everything() -> QueryPlan {
        QueryPlan {
            words: Box::new(AllQuery),
            marked: Box::new(BooleanQuery::new(Vec::new())),
            concepts: Vec::new(),
            constraints: Vec::new(),
            has_words: false,
            boolean: false,
            notices: Vec::new(),
            expansions: Vec::new(),
            ignored: Vec::new(),
            query_words: 0,
        }
    }

    /// Compiles `text`.
    pub fn compile(
        text: &str,
        options: PlanOptions,
        context: &PlanContext<'_>,
    ) -> Result<QueryPlan, IndexError> {
        let mut cut = None;
        let text = match text.char_indices().nth(MAX_QUERY_CHARS) {
            Some(_) if options.strict => {
                return Err(IndexError::QueryTooLong {
                    max: MAX_QUERY_CHARS,
                })
            }
            // Read leniently, a text past the limit is searched by its beginning, cut
            // at a space: the page never refuses what was pasted into it.
            Some((end, _)) => {
                let head = &text[..end];
                let head = head
                    .rsplit_once(char::is_whitespace)
                    .map_or(head, |(h, _)| h);
                cut = Some(text.chars().count());
                head
            }
            None => text,
        };
        if text.trim().is_empty() {
            return Ok(QueryPlan::everything());
        }
        let mut compiler = Compiler::new(options, context)?;
        if let Some(length) = cut {
            compiler.notice(
                "query_shortened",
                format!(
                    "Your text has {length} characters: its first {MAX_QUERY_CHARS} were searched."
                ),
            );
        }
        let (reading, repairs) = syntax::read(text);
        for repair in repairs {
            if options.strict && repair.is_syntax_error() {
                return Err(match repair {
                    syntax::Repair::UnknownField(field) => IndexError::UnknownQueryField {
                        field,
                        known: QUERYABLE_FIELDS.join(", "),
                    },
                    other => IndexError::InvalidQuery(other.message()),
                });
            }
            let code = if repair.is_syntax_error() {
                "syntax_repaired"
            } else {
                "out_of_range"
            };
            compiler.notice(code, repair.message());
        }
        match reading {
            Reading::Boolean => match compiler.boolean(text) {
                Ok(query) => Ok(compiler.finish_boolean(query, text)),
                Err(err) if options.strict || !err.is_user_error() => Err(err),
                Err(err) => {
                    compiler.notice(
                        "boolean_unreadable",
                        format!("{err}. The query was searched as plain words instead."),
                    );
                    // AND, OR and NOT as words: they are common words, not searched.
                    let words = text
                        .split_whitespace()
                        .map(|word| match word {
                            "AND" | "OR" | "NOT" | "&&" | "||" => word.to_lowercase(),
                            other => other.to_owned(),
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    match syntax::read(&words) {
                        (Reading::Plain(clauses), _) => compiler.plain(clauses),
                        (Reading::Boolean, _) => Err(err),
                    }
                }
            },
            Reading::Plain(clauses) => compiler.plain(clauses),
        }
    }
}

/// The state of one compilation.
struct Compiler<'a> {
    options: PlanOptions,
    context: &'a PlanContext<'a>,
    fields: Fields,
    ranking: Ranking,
    text_analyzer: TextAnalyzer,
    notices: Vec<Notice>,
}

/// A clause with its weighted targets and, for a plain word, its one term.
type Built = (Clause, Vec<(Target, f32)>, Option<String>);

/// A thing to search for, before it becomes a query: a term or a phrase (terms with
/// their positions), with a weight.
#[derive(Debug, Clone)]
enum Target {
    Term(String),
    Phrase(Vec<(usize, String)>, u32),
}

impl<'a> Compiler<'a> {
    fn new(options: PlanOptions, context: &'a PlanContext<'a>) -> Result<Compiler<'a>, IndexError> {
        Ok(Compiler {
            options,
            context,
            fields: context.fields,
            ranking: context.ranking,
            text_analyzer: context.index.tokenizer_for_field(context.fields.text)?,
            notices: Vec::new(),
        })
    }

    fn notice(&mut self, code: &'static str, message: String) {
        self.notices.push(Notice { code, message });
    }

    // ---- boolean expressions -------------------------------------------------------

    fn boolean(&mut self, text: &str) -> Result<Box<dyn Query>, IndexError> {
        let parsed = self.context.boolean_parser.parse_query(text);
        let query = match parsed {
            Ok(query) => query,
            Err(QueryParserError::FieldDoesNotExist(field)) => {
                return Err(IndexError::UnknownQueryField {
                    field,
                    known: QUERYABLE_FIELDS.join(", "),
                })
            }
            // tantivy says "Only excluding terms given" both for `NOT x` alone and when
            // stop-word removal left nothing to include: say which it was.
            Err(QueryParserError::AllButQueryForbidden) => {
                let words = text
                    .split_whitespace()
                    .filter(|word| !matches!(*word, "AND" | "OR" | "NOT" | "&&" | "||"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let searchable = self.analyse(self.fields.text, &words);
                return Err(IndexError::InvalidQuery(if searchable.is_empty() {
                    "every word of the expression is too common to search for".into()
                } else {
                    "the expression only excludes words (NOT, -); it needs a word to look for"
                        .into()
                }));
            }
            Err(other) => return Err(IndexError::InvalidQuery(other.to_string())),
        };
        let query = self.refuse_non_queryable_fields(query)?;
        self.rescore(text, &*query)
    }

    fn finish_boolean(mut self, query: Box<dyn Query>, text: &str) -> QueryPlan {
        let query_words = self.analyse(self.fields.text, text).len();
        QueryPlan {
            marked: query.box_clone(),
            words: query,
            concepts: Vec::new(),
            constraints: Vec::new(),
            has_words: true,
            boolean: true,
            notices: std::mem::take(&mut self.notices),
            expansions: Vec::new(),
            ignored: Vec::new(),
            query_words,
        }
    }

    /// The parsed query with its words scored by our BM25 (see `bm25`).
    fn rescore(&mut self, text: &str, query: &dyn Query) -> Result<Box<dyn Query>, IndexError> {
        let fields = self.fields;
        let ranking = self.ranking;
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (_, term) in self.analyse(fields.text, text) {
            *counts.entry(term).or_default() += 1;
        }
        let term_count = |term: &Term| {
            term.value()
                .as_str()
                .and_then(|word| counts.get(word).copied())
                .unwrap_or(1)
        };
        let field_boost = move |field: Field| {
            if field == fields.title {
                Some(ranking.title_boost)
            } else if field == fields.text || field == fields.publisher {
                Some(1.0)
            } else {
                None
            }
        };
        Ok(rescore_terms(
            query,
            ranking.bm25,
            &field_boost,
            &term_count,
        ))
    }

    /// The parser knows every schema field; only the text fields make sense to users.
    fn refuse_non_queryable_fields(
        &self,
        query: Box<dyn Query>,
    ) -> Result<Box<dyn Query>, IndexError> {
        let schema = self.context.index.schema();
        // Some queries parse but cannot run on this schema (`title:*` needs a fast
        // field): building the weight finds them now, as the user's error.
        if let Err(err) = query.weight(EnableScoring::disabled_from_schema(&schema)) {
            return Err(IndexError::InvalidQuery(err.to_string()));
        }
        let mut bad = None;
        query.query_terms(&mut |term, _| {
            let name = schema.get_field_name(term.field());
            if !QUERYABLE_FIELDS.contains(&name) && bad.is_none() {
                bad = Some(name.to_owned());
            }
        });
        match bad {
            Some(field) => Err(IndexError::UnknownQueryField {
                field,
                known: QUERYABLE_FIELDS.join(", "),
            }),
            None => Ok(query),
        }
    }

    // ---- plain queries ---------------------------------------------------------------

    fn plain(mut self, clauses: Vec<Clause>) -> Result<QueryPlan, IndexError> {
        let expansions_by_clause = self.thesaurus(&clauses);
        let mut concepts: Vec<Concept> = Vec::new();
        let mut constraints: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut marked: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut ignored = Vec::new();
        let mut expansions = Vec::new();
        // Single-term concepts by term, so a word typed twice counts twice (BM25 as
        // Lucene runs it weighs query-term frequency), and their order for proximity.
        let mut term_counts: HashMap<String, usize> = HashMap::new();
        let mut query_words = 0;
        let mut built: Vec<Built> = Vec::new();
        for (index, clause) in clauses.into_iter().enumerate() {
            let mut targets = self.targets(&clause)?;
            query_words += targets
                .iter()
                .map(|target| match target {
                    Target::Term(_) => 1,
                    Target::Phrase(terms, _) => terms.len(),
                })
                .sum::<usize>();
            let mut single = match targets.as_slice() {
                [Target::Term(term)] if clause.field.is_none() && clause.boost.is_none() => {
                    Some(term.clone())
                }
                _ => None,
            };
            let mut weighted: Vec<(Target, f32)> =
                targets.drain(..).map(|target| (target, 1.0)).collect();
            if let Some((expansion, alternatives)) = expansions_by_clause.get(&index) {
                // A typed form that the index cannot hold ("A&E" is only the letter
                // "e" to it) is searched by its alternatives alone.
                if weighted.iter().all(|(target, _)| !searchable(target)) {
                    weighted.clear();
                    // Nor does its one term stand for it (suggestions, proximity).
                    single = None;
                }
                for (target, weight) in alternatives {
                    weighted.push((target.clone(), *weight));
                }
                if let Some(expansion) = expansion {
                    expansions.push(expansion.clone());
                }
            }
            let built_later = matches!(
                clause.atom,
                Atom::Prefix(_) | Atom::Fuzzy { .. } | Atom::Phrase { prefix: true, .. }
            );
            if weighted.is_empty() && !built_later {
                ignored.push(clause.typed.clone());
                continue;
            }
            if let Some(term) = &single {
                let count = term_counts.entry(term.clone()).or_default();
                *count += 1;
                if *count > 1
                    && clause.presence == Presence::Optional
                    && !expansions_by_clause.contains_key(&index)
                {
                    continue;
                }
            }
            built.push((clause, weighted, single));
        }
        // Informativeness costs a term lookup per word: only a text that will be
        // shortened needs it.
        let shortening = built
            .iter()
            .filter(|(clause, _, _)| clause.presence == Presence::Optional)
            .count()
            > MAX_CONCEPTS;
        for (order, (clause, weighted, single)) in built.into_iter().enumerate() {
            let count = single
                .as_ref()
                .and_then(|term| term_counts.get(term))
                .copied()
                .unwrap_or(1);
            let query = self.concept_query(&clause, &weighted, count as f32)?;
            match clause.presence {
                Presence::Excluded => constraints.push((Occur::MustNot, query)),
                Presence::Required => {
                    marked.push((Occur::Should, query.box_clone()));
                    constraints.push((Occur::Must, query));
                }
                Presence::Optional => {
                    marked.push((Occur::Should, query.box_clone()));
                    let weight = if shortening {
                        self.informativeness(&weighted) * count as f32
                    } else {
                        0.0
                    };
                    concepts.push(Concept {
                        typed: clause.typed.clone(),
                        query,
                        term: single,
                        weight,
                        order,
                    });
                }
            }
        }
        if concepts.len() > MAX_CONCEPTS {
            let before = concepts.len();
            concepts.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            concepts.truncate(MAX_CONCEPTS);
            concepts.sort_by_key(|concept| concept.order);
            self.notice(
                "query_shortened",
                format!(
                    "Your text has {before} different words: it was searched by its {MAX_CONCEPTS} most informative."
                ),
            );
        }
        let bonuses = self.proximity(&concepts);
        let has_positive =
            !concepts.is_empty() || constraints.iter().any(|(occur, _)| *occur == Occur::Must);
        if !has_positive && constraints.is_empty() {
            // Nothing searchable: only common words, or nothing at all.
            if !ignored.is_empty() {
                self.notice(
                    "only_common_words",
                    format!(
                        "{} {} too common to search for: showing all reports.",
                        ignored.join(", "),
                        if ignored.len() == 1 { "is" } else { "are" }
                    ),
                );
            }
            let mut plan = QueryPlan::everything();
            plan.notices = std::mem::take(&mut self.notices);
            plan.ignored = ignored;
            return Ok(plan);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = constraints
            .iter()
            .map(|(occur, query)| (*occur, query.box_clone()))
            .collect();
        if !concepts.is_empty() {
            let coordination: Box<dyn Query> = match concepts.as_slice() {
                // One concept has nothing to coordinate: its own query is faster.
                [only] if bonuses.is_empty() => only.query.box_clone(),
                _ => Box::new(CoordinationQuery::new(
                    concepts
                        .iter()
                        .map(|concept| concept.query.box_clone())
                        .collect(),
                    bonuses,
                    self.ranking.coordination,
                )),
            };
            let occur = if constraints.iter().any(|(occur, _)| *occur == Occur::Must) {
                Occur::Should
            } else {
                Occur::Must
            };
            clauses.push((occur, coordination));
        } else if !has_positive {
            // Only exclusions: everything else.
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let words: Box<dyn Query> = match clauses.as_slice() {
            [(Occur::Must, only)] => only.box_clone(),
            _ => Box::new(BooleanQuery::new(clauses)),
        };
        Ok(QueryPlan {
            words,
            marked: Box::new(BooleanQuery::new(marked)),
            concepts,
            constraints,
            has_words: true,
            boolean: false,
            notices: std::mem::take(&mut self.notices),
            expansions,
            ignored,
            query_words,
        })
    }

    /// The thesaurus's alternatives for clauses, by clause index: for the first clause
    /// of each matched span, the expansion to report; for every clause of it, the
    /// alternatives as targets with their weight.
    #[allow(clippy::type_complexity)]
    fn thesaurus(
        &mut self,
        clauses: &[Clause],
    ) -> HashMap<usize, (Option<Expansion>, Vec<(Target, f32)>)> {
        let mut found = HashMap::new();
        let thesaurus = self.context.thesaurus;
        if !self.options.synonyms || thesaurus.is_empty() {
            return found;
        }
        // Compared words of eligible clauses, each knowing its clause; runs of eligible
        // clauses are matched separately.
        let eligible = |clause: &Clause| {
            clause.presence == Presence::Optional
                && clause.field.is_none()
                && clause.boost.is_none()
                && matches!(clause.atom, Atom::Word(_))
        };
        let mut index = 0;
        while index < clauses.len() {
            if !eligible(&clauses[index]) {
                index += 1;
                continue;
            }
            let mut words: Vec<String> = Vec::new();
            let mut owners: Vec<usize> = Vec::new();
            let mut starts_clause: Vec<bool> = Vec::new();
            let mut end = index;
            while end < clauses.len() && eligible(&clauses[end]) {
                if let Atom::Word(word) = &clauses[end].atom {
                    for (at, compared) in Thesaurus::compared_words(word).into_iter().enumerate() {
                        words.push(compared);
                        owners.push(end);
                        starts_clause.push(at == 0);
                    }
                }
                end += 1;
            }
            for matched in thesaurus.find(&words) {
                let last = matched.start + matched.len;
                let whole =
                    starts_clause[matched.start] && (last == words.len() || starts_clause[last]);
                if !whole {
                    continue;
                }
                let first_clause = owners[matched.start];
                let last_clause = owners[last - 1];
                let span = last_clause - first_clause + 1;
                let alternatives: Vec<&str> = thesaurus.alternatives(&matched);
                let mut targets = Vec::new();
                let mut shown = Vec::new();
                for alternative in alternatives {
                    let target = self.target_of(alternative, 0);
                    if let Some(target) = target.filter(searchable) {
                        targets.push(target);
                        shown.push(alternative.to_owned());
                    }
                }
                if targets.is_empty() {
                    continue;
                }
                // Shared among the span's words: a document with "suicide" has every
                // word of "took her own life", once.
                let weight = self.ranking.synonym_weight / span as f32;
                let typed = clauses[first_clause..=last_clause]
                    .iter()
                    .map(|clause| clause.typed.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                for clause in first_clause..=last_clause {
                    let expansion = (clause == first_clause).then(|| Expansion {
                        typed: typed.clone(),
                        also: shown.clone(),
                    });
                    found.insert(
                        clause,
                        (
                            expansion,
                            targets
                                .iter()
                                .map(|target| (target.clone(), weight))
                                .collect(),
                        ),
                    );
                }
            }
            index = end;
        }
        found
    }

    /// What a clause searches for, before weights.
    fn targets(&mut self, clause: &Clause) -> Result<Vec<Target>, IndexError> {
        let field = self.clause_field(clause);
        Ok(match &clause.atom {
            Atom::Word(word) => {
                let word = strip_possessive(word);
                self.target_of_field(field, word, 0).into_iter().collect()
            }
            Atom::Phrase { text, slop, prefix } => {
                if *prefix {
                    // Built as its own query in `concept_query`.
                    Vec::new()
                } else {
                    self.target_of_field(field, text, *slop)
                        .into_iter()
                        .collect()
                }
            }
            Atom::Prefix(_) | Atom::Fuzzy { .. } => Vec::new(),
        })
    }

    fn clause_field(&self, clause: &Clause) -> Field {
        match clause.field {
            Some(name) if name == crate::schema::names::TITLE => self.fields.title,
            Some(name) if name == crate::schema::names::PUBLISHER => self.fields.publisher,
            _ => self.fields.text,
        }
    }

    /// `text` as the text field reads it: one term, or a phrase.
    fn target_of(&mut self, text: &str, slop: u32) -> Option<Target> {
        self.target_of_field(self.fields.text, text, slop)
    }

    fn target_of_field(&mut self, field: Field, text: &str, slop: u32) -> Option<Target> {
        let mut terms = self.analyse(field, text);
        match terms.len() {
            0 => None,
            1 => terms.pop().map(|(_, term)| Target::Term(term)),
            _ => Some(Target::Phrase(terms, slop)),
        }
    }

    /// Terms of `text` with their positions, as `field` indexes them.
    fn analyse(&mut self, field: Field, text: &str) -> Vec<(usize, String)> {
        let mut other;
        let analyzer = if field == self.fields.text || field == self.fields.title {
            &mut self.text_analyzer
        } else {
            other = match self.context.index.tokenizer_for_field(field) {
                Ok(analyzer) => analyzer,
                Err(_) => self.text_analyzer.clone(),
            };
            &mut other
        };
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while let Some(token) = stream.next() {
            terms.push((token.position, token.text.clone()));
        }
        terms
    }

    /// The fields a clause searches, with their boosts.
    fn fields_of(&self, clause: &Clause) -> Vec<(Field, Score)> {
        match clause.field {
            Some(_) => vec![(self.clause_field(clause), 1.0)],
            None => vec![
                (self.fields.text, 1.0),
                (self.fields.title, self.ranking.title_boost),
            ],
        }
    }

    /// One concept's query: the union of its targets in its fields.
    fn concept_query(
        &mut self,
        clause: &Clause,
        targets: &[(Target, f32)],
        count: f32,
    ) -> Result<Box<dyn Query>, IndexError> {
        let fields = self.fields_of(clause);
        let boost = clause.boost.unwrap_or(1.0) * count;
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        match &clause.atom {
            // No indexed word is as long as MAX_WORD_BYTES: a longer prefix matches
            // nothing, and its automaton would only cost time.
            Atom::Prefix(prefix) if prefix.len() < MAX_WORD_BYTES => {
                for &(field, field_boost) in &fields {
                    let term = Term::from_field_text(field, &prefix.to_lowercase());
                    let query = FuzzyTermQuery::new_prefix(term, 0, false);
                    alternatives.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(query), field_boost * boost)),
                    ));
                }
            }
            Atom::Fuzzy { word, distance } => {
                if let Some(Target::Term(term)) = self.target_of_field(fields[0].0, word, 0) {
                    for &(field, field_boost) in &fields {
                        let query = FuzzyTermQuery::new(
                            Term::from_field_text(field, &term),
                            *distance,
                            true,
                        );
                        alternatives.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(query), field_boost * boost)),
                        ));
                    }
                }
            }
            Atom::Phrase {
                text, prefix: true, ..
            } => {
                for &(field, field_boost) in &fields {
                    if let Some(query) = self.phrase_prefix(field, text) {
                        alternatives.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(query, field_boost * boost)),
                        ));
                    }
                }
            }
            _ => {}
        }
        // Each target scores in its fields summed (a title match adds to the text's);
        // a word and its thesaurus alternatives are one concept, so the best of them
        // counts, plus a little of the others: summed, a word with three alternatives
        // ("GP": "general practitioner", "general practice", "family doctor") outweighed
        // the rest of the query.
        let mut per_target: Vec<Box<dyn Query>> = Vec::new();
        for (target, weight) in targets {
            let mut in_fields: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for &(field, field_boost) in &fields {
                let boost = boost * weight * field_boost;
                let query: Box<dyn Query> = match target {
                    Target::Term(term) => Box::new(Bm25TermQuery::new(
                        Term::from_field_text(field, term),
                        self.ranking.bm25,
                        boost,
                    )),
                    Target::Phrase(terms, slop) => {
                        let terms = terms
                            .iter()
                            .map(|(position, term)| (*position, Term::from_field_text(field, term)))
                            .collect();
                        let phrase = PhraseQuery::new_with_offset_and_slop(terms, *slop);
                        Box::new(BoostQuery::new(Box::new(phrase), boost))
                    }
                };
                in_fields.push((Occur::Should, query));
            }
            per_target.push(match in_fields.len() {
                1 => in_fields.remove(0).1,
                _ => Box::new(BooleanQuery::new(in_fields)),
            });
        }
        match per_target.len() {
            0 => {}
            1 => alternatives.push((Occur::Should, per_target.remove(0))),
            _ => alternatives.push((
                Occur::Should,
                Box::new(DisjunctionMaxQuery::with_tie_breaker(
                    per_target,
                    ALTERNATIVES_TIE_BREAKER,
                )),
            )),
        }
        if alternatives.is_empty() {
            // A fuzzy or prefix clause on a common word, or a phrase prefix of nothing.
            return Ok(Box::new(BooleanQuery::new(Vec::new())));
        }
        Ok(match alternatives.len() {
            1 => alternatives
                .pop()
                .map(|(_, query)| query)
                .unwrap_or_else(|| Box::new(AllQuery)),
            _ => Box::new(BooleanQuery::new(alternatives)),
        })
    }

    /// `"information shar*"`: the words, the last one a prefix.
    fn phrase_prefix(&mut self, field: Field, text: &str) -> Option<Box<dyn Query>> {
        let (head, last) = text.trim().rsplit_once(char::is_whitespace)?;
        // The head analysed with a stand-in for the last word: its position counts the
        // stop words in between ("voice of the chi*"), as the index's positions do.
        let mut analysed = self.analyse(field, &format!("{head} casesearchprefix"));
        let (next, _) = analysed.pop()?;
        let mut terms: Vec<(usize, Term)> = analysed
            .into_iter()
            .map(|(position, term)| (position, Term::from_field_text(field, &term)))
            .collect();
        let last = last
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase();
        if last.is_empty() || last.len() >= MAX_WORD_BYTES {
            return None;
        }
        let gap = terms.last().map_or(1, |(position, _)| next - position);
        if terms.len() >= 2 && gap > 1 {
            // tantivy's phrase-prefix scorer places the prefix right after the last
            // word when the phrase has two or more words, so stop words between them
            // ("oral testimony of the dri*") would never match: the phrase, and a word
            // with the prefix in the same document, instead.
            let phrase = PhraseQuery::new_with_offset(terms);
            let prefix = FuzzyTermQuery::new_prefix(Term::from_field_text(field, &last), 0, false);
            return Some(Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(phrase) as Box<dyn Query>),
                (Occur::Must, Box::new(prefix)),
            ])));
        }
        terms.push((next, Term::from_field_text(field, &last)));
        if terms.len() < 2 {
            return None;
        }
        Some(Box::new(PhrasePrefixQuery::new_with_offset(terms)))
    }

    /// How much a concept tells: the idf of its rarest term (phrases and others count
    /// as rare).
    fn informativeness(&self, targets: &[(Target, f32)]) -> f32 {
        let documents = self.context.searcher.num_docs().max(1) as f32;
        targets
            .iter()
            .map(|(target, _)| match target {
                Target::Term(term) => {
                    let doc_freq = self
                        .context
                        .searcher
                        .doc_freq(&Term::from_field_text(self.fields.text, term))
                        .unwrap_or(0) as f32;
                    if doc_freq == 0.0 {
                        // In no document: it cannot help find one.
                        return 0.0;
                    }
                    ((documents - doc_freq + 0.5) / (doc_freq + 0.5) + 1.0).ln()
                }
                Target::Phrase(..) => documents.ln() + 1.0,
            })
            .fold(documents.ln() + 1.0, f32::min)
    }

    /// Bonuses for consecutive query words found near each other in the text.
    fn proximity(&self, concepts: &[Concept]) -> Vec<Bonus> {
        let proximity = self.ranking.proximity;
        if proximity.weight <= 0.0 || concepts.len() > proximity.max_concepts {
            return Vec::new();
        }
        concepts
            .windows(2)
            .filter_map(|pair| {
                let (first, second) = (pair[0].term.as_ref()?, pair[1].term.as_ref()?);
                if first == second {
                    return None;
                }
                let terms = vec![
                    Term::from_field_text(self.fields.text, first),
                    Term::from_field_text(self.fields.text, second),
                ];
                let phrase = PhraseQuery::new_with_offset_and_slop(
                    terms.iter().cloned().enumerate().collect(),
                    proximity.slop,
                );
                Some(Bonus::new(Box::new(phrase), terms, proximity.weight))
            })
            .collect()
    }
}

/// Whether the index can find a target: a single letter or digit matches too much
/// by chance ("A&E" analyses to "e").
fn searchable(target: &Target) -> bool {
    match target {
        Target::Term(term) => term.chars().count() > 1,
        Target::Phrase(terms, _) => terms.iter().any(|(_, term)| term.chars().count() > 1),
    }
}

/// "child's" → "child": the possessive is not what anyone searches for.
fn strip_possessive(word: &str) -> &str {
    let trimmed = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    trimmed
        .strip_suffix("'s")
        .or_else(|| trimmed.strip_suffix("’s"))
        .unwrap_or(word)
}
