//! The English stemmer with a memory: Snowball over every word was the largest cost of
//! index writing beyond bare tantivy's, and a collection's words repeat (a few tens of
//! thousands of distinct words make up millions of tokens), so each distinct word is
//! stemmed once per segment writer and looked up after that. The stems are tantivy's
//! own English stemmer's, so the index is the same as with `Stemmer`.

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Distinct words remembered per analyzer; beyond it words are stemmed each time, so
/// memory stays bounded on any input (about 10 MB at the limit).
const MAX_REMEMBERED: usize = 200_000;

/// Token filter: English stems, as `Stemmer::new(Language::English)`, remembered.
#[derive(Clone, Default)]
pub struct RememberingStemmer;

impl TokenFilter for RememberingStemmer {
    type Tokenizer<T: Tokenizer> = RememberingStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> RememberingStemmerFilter<T> {
        RememberingStemmerFilter {
            inner: tokenizer,
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
            stems: FxHashMap::default(),
        }
    }
}

#[derive(Clone)]
pub struct RememberingStemmerFilter<T> {
    inner: T,
    /// tantivy's English stemmer over one word.
    stemmer: TextAnalyzer,
    /// Fx, not SipHash: the keys are the collection's own words, looked up for every
    /// token, and need no protection from chosen collisions.
    stems: FxHashMap<String, String>,
}

impl<T: Tokenizer> Tokenizer for RememberingStemmerFilter<T> {
    type TokenStream<'a> = RememberingStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        let RememberingStemmerFilter {
            inner,
            stemmer,
            stems,
        } = self;
        RememberingStemStream {
            tail: inner.token_stream(text),
            stemmer,
            stems,
        }
    }
}

pub struct RememberingStemStream<'a, T> {
    tail: T,
    stemmer: &'a mut TextAnalyzer,
    stems: &'a mut FxHashMap<String, String>,
}

impl<T: TokenStream> TokenStream for RememberingStemStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if let Some(stem) = self.stems.get(&token.text) {
            token.text.clear();
            token.text.push_str(stem);
            return true;
        }
        let stem = {
            let mut stemmed = self.stemmer.token_stream(&token.text);
            if stemmed.advance() {
                stemmed.token().text.clone()
            } else {
                token.text.clone()
            }
        };
        if self.stems.len() < MAX_REMEMBERED {
            self.stems
                .insert(std::mem::take(&mut token.text), stem.clone());
        }
        token.text = stem;
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter};

    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = analyzer.token_stream(text);
        let mut found = Vec::new();
        while stream.advance() {
            let token = stream.token();
            found.push((
                token.text.clone(),
                token.offset_from,
                token.offset_to,
                token.position,
            ));
        }
        found
    }

    #[test]
    fn remembered_stems_are_the_stemmers_own_in_every_position() {
        let base = || {
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .filter(StopWordFilter::new(Language::English).expect("English stop words"))
        };
        let mut plain = base().filter(Stemmer::new(Language::English)).build();
        let mut remembering = base().filter(RememberingStemmer).build();
        // Repeated words come from the memory the second time round, across texts.
        let texts = [
            "The child's running, runs and ran; safeguarding partners safeguarded children.",
            "Running children: the partners' safeguarding RUNS again, généralement.",
            "",
        ];
        for text in texts {
            assert_eq!(
                tokens(&mut remembering, text),
                tokens(&mut plain, text),
                "{text}"
            );
        }
        // And over real text: every section of the bundled corpus.
        let records = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/pfd/records.jsonl"),
        )
        .expect("the bundled corpus");
        let mut compared = 0;
        for line in records.lines() {
            let record: serde_json::Value = serde_json::from_str(line).expect("a record");
            for section in record["sections"].as_array().expect("sections") {
                let text = section["text"].as_str().expect("text");
                assert_eq!(tokens(&mut remembering, text), tokens(&mut plain, text));
                compared += 1;
            }
        }
        assert!(compared > 1000, "{compared} sections");
    }
}
