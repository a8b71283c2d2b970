//! Our English analyzer in one pass, with a memory. It gives exactly the tokens of
//! tantivy's chain `SimpleTokenizer → RemoveLongFilter(MAX_WORD_BYTES) → LowerCaser →
//! StopWordFilter(English) → Stemmer(English)`, but a collection's words repeat (a few
//! tens of thousands of distinct words make up millions of tokens), so each distinct
//! word, as written, goes through that chain once per analyzer and is looked up after
//! that: one hash lookup per token instead of a lowercasing pass, a stop-word lookup
//! and a stemmer lookup. These filters were most of what index writing cost beyond
//! bare tantivy with its default tokenizer.

use rustc_hash::FxHashMap;

use crate::schema::{MAX_WORD_BYTES, SECTION_GAP};
use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, Stemmer, StopWordFilter, TextAnalyzer, Token, TokenStream,
    Tokenizer,
};

/// Distinct words remembered per analyzer; beyond it words go through the chain each
/// time, so memory stays bounded on any input (about 10 MB at the limit).
const MAX_REMEMBERED: usize = 200_000;

/// Words as written → their indexed text (`None`: dropped). A word of up to 16 bytes
/// (most words) is keyed by its UTF-8 little-endian in a `u128`, zero-padded, which is
/// unambiguous since no alphanumeric character's UTF-8 contains a zero byte: hashing
/// and comparing one touches no memory beyond the table's slot, where a string key
/// costs a `memcmp` against the heap for every token. Fx, not SipHash: the keys are the
/// collection's own words and need no protection from chosen collisions.
#[derive(Clone, Default)]
struct Memory {
    short: FxHashMap<u128, Option<Box<str>>>,
    long: FxHashMap<Box<str>, Option<Box<str>>>,
}

impl Memory {
    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// `word` packed; `None` over 16 bytes. `text` is the text the word was found in
    /// at `from`: the key is one 16-byte load from it, masked to the word, where one
    /// is possible (building it in a buffer and reading that back stalls the CPU on
    /// store-to-load forwarding).
    fn pack(word: &str, text: &str, from: usize) -> Option<u128> {
        let length = word.len();
        if length > 16 {
            return None;
        }
        let packed = match text
            .as_bytes()
            .get(from..)
            .and_then(|rest| rest.first_chunk::<16>())
        {
            Some(chunk) => u128::from_le_bytes(*chunk),
            None => {
                let mut packed = [0u8; 16];
                packed.get_mut(..length)?.copy_from_slice(word.as_bytes());
                u128::from_le_bytes(packed)
            }
        };
        // The word's bytes only: those after it in the text are masked off.
        let mask = u128::MAX.checked_shr(8 * (16 - length) as u32).unwrap_or(0);
        Some(packed & mask)
    }

    /// What is remembered for the word `written`, found at `from` in `text`.
    fn get(&self, written: &str, text: &str, from: usize) -> Option<&Option<Box<str>>> {
        match Self::pack(written, text, from) {
            Some(packed) => self.short.get(&packed),
            None => self.long.get(written),
        }
    }

    fn remember(
        &mut self,
        written: &str,
        text: &str,
        from: usize,
        indexed: Option<String>,
    ) -> &Option<Box<str>> {
        let indexed = indexed.map(String::into_boxed_str);
        match Self::pack(written, text, from) {
            Some(packed) => self.short.entry(packed).or_insert(indexed),
            None => self.long.entry(written.into()).or_insert(indexed),
        }
    }
}

/// The analyzer's tokenizer: words as `SimpleTokenizer` splits them (runs of
/// alphanumeric characters), analysed as described in the module documentation.
#[derive(Clone)]
pub struct EnglishTokenizer {
    /// tantivy's own filters after the tokenizer, over one word: the words' fate is
    /// decided by them, so the tokens cannot drift from tantivy's.
    word: TextAnalyzer,
    words: Memory,
    /// How many distinct words `words` may hold.
    remember: usize,
    token: Token,
}

impl Default for EnglishTokenizer {
    fn default() -> EnglishTokenizer {
        let lowercased = TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser);
        let word = match StopWordFilter::new(Language::English) {
            Some(stop_words) => lowercased
                .filter(stop_words)
                .filter(Stemmer::new(Language::English))
                .build(),
            None => lowercased.filter(Stemmer::new(Language::English)).build(),
        };
        EnglishTokenizer {
            word,
            words: Memory::default(),
            remember: MAX_REMEMBERED,
            token: Token::default(),
        }
    }
}

impl Tokenizer for EnglishTokenizer {
    type TokenStream<'a> = EnglishTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> EnglishTokenStream<'a> {
        self.token.reset();
        // The first word is at SECTION_GAP (the next `advance` adds one): tantivy
        // places each value of a multi-valued field right after the previous one, one
        // position apart, so a phrase whose middle word is a stop word ("traffic of
        // testimony") could match across two sections. Queries are analysed the same
        // way, and phrases compare positions relative to their first word.
        self.token.position = SECTION_GAP - 1;
        EnglishTokenStream {
            text,
            cursor: 0,
            token: &mut self.token,
            word: &mut self.word,
            words: &mut self.words,
            remember: self.remember,
        }
    }
}

/// Which ASCII bytes are alphanumeric, by table: word splitting runs over every byte
/// of a build and of every snippet, and a lookup does not branch.
const ASCII_ALPHANUMERIC: [bool; 128] = {
    let mut table = [false; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    table
};

/// Whether the character starting at byte `at` of `text` (not ASCII) is alphanumeric,
/// and its width in bytes; `None` when `at` is not a character's start.
fn wide_character(text: &str, at: usize) -> Option<(bool, usize)> {
    let c = text.get(at..)?.chars().next()?;
    Some((c.is_alphanumeric(), c.len_utf8()))
}

/// The next run of alphanumeric characters in `text` from `cursor`, as byte offsets,
/// moving the cursor past it and the character that ends it. ASCII bytes are
/// classified by table without decoding; anything else as `char`, as `SimpleTokenizer`
/// does. Two tight loops (to the word, then to its end) rather than one that asks at
/// every byte whether it is in a word: highlighting reads every word of a snippet's
/// sections with it.
pub(crate) fn next_word(text: &str, cursor: &mut usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut at = *cursor;
    // To the first character of a word.
    let from = loop {
        let Some(&byte) = bytes.get(at) else {
            *cursor = bytes.len();
            return None;
        };
        if byte < 128 {
            if ASCII_ALPHANUMERIC[byte as usize] {
                break at;
            }
            at += 1;
        } else {
            let Some((alphanumeric, width)) = wide_character(text, at) else {
                *cursor = bytes.len();
                return None;
            };
            if alphanumeric {
                break at;
            }
            at += width;
        }
    };
    // To the character after it.
    let mut to = from;
    loop {
        let Some(&byte) = bytes.get(to) else {
            *cursor = bytes.len();
            return Some((from, to));
        };
        let (alphanumeric, width) = if byte < 128 {
            (ASCII_ALPHANUMERIC[byte as usize], 1)
        } else {
            // Not a character's start (never, in a `str`): the word ends here.
            wide_character(text, to).unwrap_or((false, 1))
        };
        if !alphanumeric {
            *cursor = to + width;
            return Some((from, to));
        }
        to += width;
    }
}

/// The byte ranges of the words of `text` numbered `numbers` (from 0, ascending; as
/// [`next_word`] splits them), in order; numbers past the last word are left out.
/// Words before are only counted, a byte at a time by table as [`count_words`] does,
/// and reading stops at the last one asked for: this is how a snippet finds the matches
/// the postings placed, without reading words as the analyzer does.
pub(crate) fn locate_words(text: &str, numbers: &[u32]) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::with_capacity(numbers.len());
    let mut wanted = numbers.iter().copied();
    let Some(mut next) = wanted.next() else {
        return found;
    };
    // Words started so far: the word starting at a byte where this passes `next` is
    // word `next`.
    let mut started: u64 = 0;
    let mut previous = false;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        let alphanumeric = if byte < 128 {
            ASCII_ALPHANUMERIC[byte as usize]
        } else if byte & 0xC0 == 0x80 {
            // A UTF-8 continuation byte belongs to the character before it.
            at += 1;
            continue;
        } else {
            wide_character(text, at).is_some_and(|(alphanumeric, _)| alphanumeric)
        };
        started += u64::from(alphanumeric & !previous);
        previous = alphanumeric;
        if started > u64::from(next) {
            let mut cursor = at;
            let Some((from, to)) = next_word(text, &mut cursor) else {
                break;
            };
            found.push(from..to);
            // The next number asked for past this word (repeats skipped).
            match wanted.find(|&number| number > next) {
                Some(number) => next = number,
                None => break,
            }
            // On from the word's end; its last character was in a word.
            at = to.max(at + 1);
            continue;
        }
        at += 1;
    }
    found
}

/// Where each section of a multi-valued text field starts among the field's positions,
/// as tantivy numbers them: the first section at 0, each next one right after the
/// previous one's last *indexed* word plus tantivy's one-position gap between values
/// (`POSITION_GAP` in tantivy's postings writer). Within a section our tokenizer puts
/// the n-th word (stop words and long words count) at `SECTION_GAP - 1 + n`. Written at
/// index time (a stored field), read at search time to tell which section a match's
/// position is in, without reading the text.
///
/// Only the words are counted (as the tokenizer splits them); whether a word is
/// indexed is asked of `filters` only for the last words of a section, back to the
/// last one indexed.
pub(crate) struct SectionStarts {
    /// Lower-casing and the stop-word filter, as in our analyzer: the only filters that
    /// drop a word besides the length limit.
    filters: TextAnalyzer,
}

impl Default for SectionStarts {
    fn default() -> SectionStarts {
        let lowercased = TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser);
        let filters = match StopWordFilter::new(Language::English) {
            Some(stop_words) => lowercased.filter(stop_words).build(),
            None => lowercased.build(),
        };
        SectionStarts { filters }
    }
}

impl SectionStarts {
    pub(crate) fn starts<'a>(&mut self, sections: impl IntoIterator<Item = &'a str>) -> Vec<u64> {
        let mut starts = Vec::new();
        let mut start = 0u64;
        for text in sections {
            starts.push(start);
            start = match self.last_indexed_word(text) {
                // The n-th word is at start + SECTION_GAP - 1 + n; the next value starts
                // one past the end of that token, plus tantivy's gap of 1.
                Some(n) => start + (SECTION_GAP + n) as u64 + 1,
                None => start + 1,
            };
        }
        starts
    }

    /// The number (from 1) of the last word of `text` that is indexed, if any. Words
    /// are counted in one pass that remembers only the last few; only when none of
    /// those is indexed (a section ending in a long run of stop words or long tokens)
    /// are all the words gone through again.
    /// Words are counted in one fast pass; then the last words are read backwards to
    /// the last one indexed (usually the very last).
    fn last_indexed_word(&mut self, text: &str) -> Option<usize> {
        let count = count_words(text);
        let behind = words_backwards(text)
            .position(|(from, to)| text.get(from..to).is_some_and(|word| self.is_indexed(word)))?;
        Some(count - behind)
    }

    fn is_indexed(&mut self, written: &str) -> bool {
        if written.len() >= MAX_WORD_BYTES {
            return false;
        }
        let mut stream = self.filters.token_stream(written);
        stream.advance()
    }
}

/// How many words `text` has, as [`next_word`] splits them. It runs over every byte
/// of a build, so ASCII (most bytes) is classified by a table without branching; a
/// UTF-8 continuation byte belongs to the character before it.
fn count_words(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut previous = false;
    for (at, &byte) in bytes.iter().enumerate() {
        let alphanumeric = if byte < 128 {
            ASCII_ALPHANUMERIC[byte as usize]
        } else if byte & 0xC0 == 0x80 {
            continue;
        } else {
            text.get(at..)
                .and_then(|rest| rest.chars().next())
                .is_some_and(char::is_alphanumeric)
        };
        count += usize::from(alphanumeric & !previous);
        previous = alphanumeric;
    }
    count
}

/// The words of `text` from its end backwards, as byte ranges.
fn words_backwards(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut characters = text.char_indices().rev().peekable();
    std::iter::from_fn(move || {
        // Skip to the last character of the next word back.
        let (last, c) = loop {
            let (at, c) = characters.next()?;
            if c.is_alphanumeric() {
                break (at, c);
            }
        };
        let end = last + c.len_utf8();
        let mut from = last;
        while let Some(&(at, c)) = characters.peek() {
            if !c.is_alphanumeric() {
                break;
            }
            from = at;
            characters.next();
        }
        Some((from, end))
    })
}

/// The section of a position, given the sections' [`SectionStarts`]; `None` before the
/// first (never, for positions of the same document).
pub(crate) fn section_of(starts: &[u64], position: u32) -> Option<usize> {
    starts
        .partition_point(|&start| start <= u64::from(position))
        .checked_sub(1)
}

pub struct EnglishTokenStream<'a> {
    text: &'a str,
    /// Byte offset where the search for the next word starts; always a char boundary.
    cursor: usize,
    token: &'a mut Token,
    word: &'a mut TextAnalyzer,
    words: &'a mut Memory,
    remember: usize,
}

impl EnglishTokenStream<'_> {
    fn next_word(&mut self) -> Option<(usize, usize)> {
        next_word(self.text, &mut self.cursor)
    }

    /// What tantivy's filters make of one word: its text, or `None` when dropped.
    fn analyse(word: &mut TextAnalyzer, written: &str) -> Option<String> {
        let mut stream = word.token_stream(written);
        stream.advance().then(|| stream.token().text.clone())
    }
}

impl TokenStream for EnglishTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let text = self.text;
        while let Some((from, to)) = self.next_word() {
            // Every word takes a position, kept or not, as with tantivy's filters.
            self.token.position = self.token.position.wrapping_add(1);
            let Some(written) = text.get(from..to) else {
                continue;
            };
            // As `RemoveLongFilter`, which runs before lower-casing: bytes as written.
            if written.len() >= MAX_WORD_BYTES {
                continue;
            }
            let indexed = match self.words.get(written, text, from) {
                Some(indexed) => indexed,
                None => {
                    let analysed = Self::analyse(self.word, written);
                    if self.words.len() >= self.remember {
                        // Not remembered: used as it is.
                        let Some(analysed) = analysed else {
                            continue;
                        };
                        self.token.text = analysed;
                        self.token.offset_from = from;
                        self.token.offset_to = to;
                        return true;
                    }
                    self.words.remember(written, text, from, analysed)
                }
            };
            let Some(indexed) = indexed else {
                continue;
            };
            self.token.text.clear();
            self.token.text.push_str(indexed);
            self.token.offset_from = from;
            self.token.offset_to = to;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{RemoveLongFilter, SimpleTokenizer};

    use super::*;

    fn tokens(tokenizer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut stream = tokenizer.token_stream(text);
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

    /// Our tokens with positions counted from 0, as tantivy's chain counts them.
    fn ours(tokenizer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut found = tokens(tokenizer, text);
        for token in &mut found {
            token.3 -= SECTION_GAP;
        }
        found
    }

    /// tantivy's chain, filter by filter: what the index held before this tokenizer.
    fn tantivy_chain() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
            .filter(LowerCaser)
            .filter(StopWordFilter::new(Language::English).expect("English stop words"))
            .filter(Stemmer::new(Language::English))
            .build()
    }

    #[test]
    fn tokens_are_tantivys_chains_in_text_offsets_and_positions() {
        let mut chain = tantivy_chain();
        let mut remembering = TextAnalyzer::from(EnglishTokenizer::default());
        // And with no memory at all, every word analysed afresh, or a memory soon full.
        let mut forgetful = TextAnalyzer::from(EnglishTokenizer {
            remember: 0,
            ..EnglishTokenizer::default()
        });
        let mut small = TextAnalyzer::from(EnglishTokenizer {
            remember: 10,
            ..EnglishTokenizer::default()
        });
        // Repeated words come from the memory the second time round, across texts.
        let texts = [
            "The child's running, runs and ran; safeguarding partners safeguarded children.",
            "Running children: the partners' safeguarding RUNS again, généralement.",
            "",
            "   ",
            "THE The the Of OF; and/or: it's NOT-such a thing",
            "Pneumonoultramicroscopicsilicovolcanoconiosis pneumonoultramicroscopicsilicovolcanoconiosisX",
            "ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ ÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉÉ aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "İstanbul ΟΔΥΣΣΕΥΣ Ὀδυσσεύς straße STRASSE ﬁnance Ǆemal 42nd 1990s £5,000 ½ ²",
            "Русский текст, 日本語のテキスト, مرحبا بالعالم, emoji 👶🏽child, a\u{300}b",
            "tab\tnew\nline\r\nnbsp\u{a0}word zero\u{200b}width",
            "trailing word",
            "x",
            // Words either side of 16 bytes, where the memory's keys change kind, and
            // words sharing their first 16 bytes.
            "abcdefghijklmno abcdefghijklmnop abcdefghijklmnopq abcdefghijklmnopqr",
            "Abcdefghijklmnop abcdefghijklmnopQ safeguardingsafe safeguardingsafeguarding",
            "ééééééé éééééééé ééééééééé",
            "run running runner runs",
            "ab",
        ];
        for text in texts {
            let expected = tokens(&mut chain, text);
            assert_eq!(ours(&mut remembering, text), expected, "{text}");
            assert_eq!(ours(&mut forgetful, text), expected, "{text}");
            assert_eq!(ours(&mut small, text), expected, "{text}");
        }
        // A second pass: every word now from the memory.
        for text in texts {
            assert_eq!(
                ours(&mut remembering, text),
                tokens(&mut chain, text),
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
            if let Some(title) = record["title"].as_str() {
                assert_eq!(ours(&mut remembering, title), tokens(&mut chain, title));
            }
            for section in record["sections"].as_array().expect("sections") {
                let text = section["text"].as_str().expect("text");
                assert_eq!(ours(&mut remembering, text), tokens(&mut chain, text));
                compared += 1;
            }
        }
        assert!(compared > 1000, "{compared} sections");
    }

    #[test]
    fn words_are_counted_and_read_backwards_as_the_tokenizer_splits_them() {
        let split = |text: &str| {
            let mut cursor = 0;
            std::iter::from_fn(|| next_word(text, &mut cursor)).collect::<Vec<_>>()
        };
        let records = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/pfd/records.jsonl"),
        )
        .expect("the bundled corpus");
        let mut texts: Vec<String> = [
            "",
            " ",
            "a",
            "é",
            "’quoted’ — words…",
            "İstanbul ΟΔΥΣΣΕΥΣ 日本語のテキスト 👶🏽child a\u{300}b ½²",
            "trailing space ",
        ]
        .map(String::from)
        .to_vec();
        for line in records.lines().take(200) {
            let record: serde_json::Value = serde_json::from_str(line).expect("a record");
            for section in record["sections"].as_array().expect("sections") {
                texts.push(section["text"].as_str().expect("text").to_owned());
            }
        }
        for text in &texts {
            let words = split(text);
            assert_eq!(count_words(text), words.len(), "{text}");
            let mut backwards: Vec<_> = words_backwards(text).collect();
            backwards.reverse();
            assert_eq!(backwards, words, "{text}");
        }
    }

    #[test]
    fn the_memory_holds_each_distinct_word_once_whatever_follows_it() {
        let mut tokenizer = EnglishTokenizer::default();
        let text = "run, run. run the run running RUN abcdefghijklmnopq abcdefghijklmnopq";
        let mut stream = tokenizer.token_stream(text);
        while stream.advance() {}
        // run, the, running, RUN and the long word.
        assert_eq!(tokenizer.words.len(), 5);
    }
}
