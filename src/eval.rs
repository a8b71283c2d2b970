//! Relevance evaluation on a TREC-style test collection (CACM, MED, CISI and CRAN in
//! `shared/testdata/ir`, vendored for CI in `tests/fixtures/ir`): the documents are
//! indexed with the product's own schema, analysis and thesaurus, every judged topic is
//! run as a user's query exactly as typed (the same lenient parser, graceful matching
//! and ranking a search gets), and the run is scored with trec_eval's definitions of
//! MAP, P@10, P@30 and nDCG@10 (binary relevance).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use casesearch_index::{build_index, BuildInputs, Engine, Ranking, SearchRequest, SynonymEntry};
use casesearch_model::{CataloguedReview, Region, Review, ReviewType, Section};

use crate::PipelineError;

/// Depth of each topic's run, as in the published baselines.
pub const RUN_DEPTH: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Malformed(String),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

/// Scores averaged over the judged topics.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalScores {
    pub topics: usize,
    pub documents: usize,
    pub map: f64,
    pub p10: f64,
    pub p30: f64,
    pub ndcg10: f64,
}

/// How to run the topics. The default is the product's default ranking.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// Ranking settings to compare against the default.
    pub ranking: Ranking,
    /// Expand each topic with pseudo-relevance feedback (RM3).
    pub expand: bool,
    /// The thesaurus to build with: the corpus's, as users get it (empty: none).
    pub synonyms: Vec<SynonymEntry>,
}

/// A topic's ranked document ids, best first.
pub type Run = BTreeMap<String, Vec<(String, f32)>>;

/// Indexes `docs_dir` (one file per document, named by its id, HTML tags stripped) in a
/// throw-away directory, runs the topics, and scores the run against the judgements.
pub fn evaluate(
    docs_dir: &Path,
    topics_file: &Path,
    qrels_file: &Path,
    options: &EvalOptions,
) -> Result<(EvalScores, Run), EvalError> {
    let reviews = read_documents(docs_dir)?;
    let topics = parse_topics(&read(topics_file)?)?;
    let qrels = parse_qrels(&read(qrels_file)?)?;
    let scratch = tempfile::tempdir().map_err(|source| EvalError::Read {
        path: std::env::temp_dir(),
        source,
    })?;
    let index_dir = scratch.path().join("index");
    let catalogued: Vec<CataloguedReview> = reviews
        .into_iter()
        .map(|review| CataloguedReview {
            region: Region::unknown(&review.publisher),
            themes: Vec::new(),
            review,
        })
        .collect();
    let inputs = BuildInputs {
        corpus_fingerprint: "evaluation".into(),
        themes_version: "none".into(),
        regions_version: "none".into(),
        themes: Vec::new(),
        corpus_files: Vec::new(),
        synonyms: options.synonyms.clone(),
    };
    build_index(&index_dir, &catalogued, inputs, &|_| {}).map_err(PipelineError::from)?;
    let engine = Engine::open(&index_dir)
        .map_err(PipelineError::from)?
        .with_ranking(options.ranking);

    let mut run = Run::new();
    for (topic, text) in &topics {
        if !qrels.contains_key(topic) {
            continue;
        }
        // The topic as a user would paste it: no clean-up the search page lacks.
        let request = SearchRequest {
            query: text.clone(),
            expand: options.expand,
            ..SearchRequest::default()
        };
        let ranked = engine
            .rank(&request, RUN_DEPTH)
            .map_err(PipelineError::from)?;
        run.insert(topic.clone(), ranked);
    }
    let scores = score_run(&run, &qrels, catalogued.len());
    Ok((scores, run))
}

/// trec_eval's measures over the topics that have judgements; a judged topic with no
/// run counts as zero.
pub fn score_run(
    run: &Run,
    qrels: &HashMap<String, HashSet<String>>,
    documents: usize,
) -> EvalScores {
    let judged: Vec<&String> = qrels
        .keys()
        .filter(|topic| !qrels[*topic].is_empty())
        .collect();
    let (mut map, mut p10, mut p30, mut ndcg10) = (0.0, 0.0, 0.0, 0.0);
    for topic in &judged {
        let relevant = &qrels[*topic];
        let ranked: Vec<&str> = run
            .get(*topic)
            .map_or_else(Vec::new, |r| r.iter().map(|(id, _)| id.as_str()).collect());
        let is_relevant: Vec<bool> = ranked.iter().map(|id| relevant.contains(*id)).collect();
        let mut found = 0usize;
        let mut precision_sum = 0.0;
        for (rank, hit) in is_relevant.iter().enumerate() {
            if *hit {
                found += 1;
                precision_sum += found as f64 / (rank + 1) as f64;
            }
        }
        map += precision_sum / relevant.len() as f64;
        let precision_at =
            |k: usize| is_relevant.iter().take(k).filter(|hit| **hit).count() as f64 / k as f64;
        p10 += precision_at(10);
        p30 += precision_at(30);
        let dcg: f64 = is_relevant
            .iter()
            .take(10)
            .enumerate()
            .filter(|(_, hit)| **hit)
            .map(|(rank, _)| 1.0 / ((rank + 2) as f64).log2())
            .sum();
        let ideal: f64 = (0..relevant.len().min(10))
            .map(|rank| 1.0 / ((rank + 2) as f64).log2())
            .sum();
        ndcg10 += dcg / ideal;
    }
    let topics = judged.len().max(1) as f64;
    EvalScores {
        topics: judged.len(),
        documents,
        map: map / topics,
        p10: p10 / topics,
        p30: p30 / topics,
        ndcg10: ndcg10 / topics,
    }
}

/// Writes a run in TREC format (`topic Q0 doc rank score tag`).
pub fn write_run(run: &Run, out: &mut dyn Write) -> std::io::Result<()> {
    for (topic, ranked) in run {
        for (rank, (id, score)) in ranked.iter().enumerate() {
            writeln!(out, "{topic} Q0 {id} {} {score:.6} casesearch", rank + 1)?;
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, EvalError> {
    std::fs::read_to_string(path).map_err(|source| EvalError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn read_documents(dir: &Path) -> Result<Vec<Review>, EvalError> {
    let read_error = |source| EvalError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(read_error)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(EvalError::Malformed(format!(
            "no documents in {}",
            dir.display()
        )));
    }
    paths
        .iter()
        .map(|path| {
            let id = path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .ok_or_else(|| {
                    EvalError::Malformed(format!("{} has no file name", path.display()))
                })?;
            let bytes = std::fs::read(path).map_err(|source| EvalError::Read {
                path: path.clone(),
                source,
            })?;
            let text = strip_tags(&String::from_utf8_lossy(&bytes));
            let title = text
                .lines()
                .map(str::trim)
                .find(|line| !line.is_empty())
                .unwrap_or("")
                .to_owned();
            Ok(Review {
                id,
                title,
                review_type: ReviewType::Other,
                publisher: "Test collection".into(),
                date: None,
                url: None,
                sections: vec![Section {
                    label: "Text".into(),
                    text,
                }],
                metadata: Default::default(),
                details: Default::default(),
            })
        })
        .collect()
}

/// Drops `<…>` tags; the collection's HTML is a `<pre>` around plain text.
fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for character in html.chars() {
        match character {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(character),
            _ => {}
        }
    }
    text
}

/// TREC topics: `<DOC><DOCNO> n </DOCNO> text </DOC>` (or `<top><num>`-less variants
/// of the same shape).
pub fn parse_topics(text: &str) -> Result<Vec<(String, String)>, EvalError> {
    let mut topics = Vec::new();
    for block in text.split("<DOC>").skip(1) {
        let body = block.split("</DOC>").next().unwrap_or("");
        let (number, rest) = body
            .split_once("</DOCNO>")
            .ok_or_else(|| EvalError::Malformed("topic without </DOCNO>".into()))?;
        let number = number.replace("<DOCNO>", "").trim().to_owned();
        if number.is_empty() {
            return Err(EvalError::Malformed("topic with an empty number".into()));
        }
        topics.push((number, rest.trim().to_owned()));
    }
    if topics.is_empty() {
        return Err(EvalError::Malformed("no topics found".into()));
    }
    Ok(topics)
}

/// TREC qrels: `topic iteration doc relevance`; relevance > 0 counts as relevant.
pub fn parse_qrels(text: &str) -> Result<HashMap<String, HashSet<String>>, EvalError> {
    let mut qrels: HashMap<String, HashSet<String>> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let [topic, _, doc, relevance] = fields[..] else {
            return Err(EvalError::Malformed(format!(
                "qrels line {}: expected 4 fields",
                index + 1
            )));
        };
        let relevance: i32 = relevance.parse().map_err(|_| {
            EvalError::Malformed(format!(
                "qrels line {}: bad relevance {relevance:?}",
                index + 1
            ))
        })?;
        let judged = qrels.entry(topic.to_owned()).or_default();
        if relevance > 0 {
            judged.insert(doc.to_owned());
        }
    }
    Ok(qrels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_trec_eval_definitions_on_a_hand_checked_run() {
        // Relevant: a, b, c. Ranked: a (rel), x, b (rel) → AP = (1/1 + 2/3) / 3.
        let qrels = HashMap::from([(
            "1".to_owned(),
            HashSet::from(["a".to_owned(), "b".to_owned(), "c".to_owned()]),
        )]);
        let run = Run::from([(
            "1".to_owned(),
            vec![("a".into(), 3.0), ("x".into(), 2.0), ("b".into(), 1.0)],
        )]);
        let scores = score_run(&run, &qrels, 10);
        assert!((scores.map - (1.0 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert!((scores.p10 - 0.2).abs() < 1e-12);
        let dcg = 1.0 + 1.0 / 4f64.log2();
        let ideal = 1.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
        assert!((scores.ndcg10 - dcg / ideal).abs() < 1e-12);
    }

    #[test]
    fn topics_and_qrels_parse_the_trec_formats() {
        let topics = parse_topics("<DOC>\n<DOCNO> 7 </DOCNO>\n What (TSS) is?\n</DOC>\n").unwrap();
        assert_eq!(topics, [("7".to_owned(), "What (TSS) is?".to_owned())]);
        let qrels = parse_qrels("7 Q0 CACM-1 1\n7 Q0 CACM-2 0\n").unwrap();
        assert_eq!(qrels["7"], HashSet::from(["CACM-1".to_owned()]));
        assert!(parse_qrels("7 Q0 CACM-1\n").is_err());
    }
}
