//! Word and sentence splitting shared by the theme tagger and the regions lookup.

use std::ops::Range;

/// A word of the text: its byte range in the original, lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    pub span: Range<usize>,
    pub lowercase: String,
}

/// Maximal runs of alphanumeric characters: "child's" gives "child", "s";
/// "self-harm" gives "self", "harm". Punctuation never joins words, so rule
/// phrases and texts split the same way whatever their typography.
pub(crate) fn words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    let mut start = None;
    for (index, character) in text.char_indices() {
        match (character.is_alphanumeric(), start) {
            (true, None) => start = Some(index),
            (false, Some(begin)) => {
                words.push(word(text, begin..index));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        words.push(word(text, begin..text.len()));
    }
    words
}

fn word(text: &str, span: Range<usize>) -> Word {
    Word {
        lowercase: text[span.clone()].to_lowercase(),
        span,
    }
}

/// Byte ranges of sentences: split after `.`, `!`, `?` and at line breaks. Crude
/// ("Mr. Smith" splits) but deterministic, which is what boilerplate detection needs.
pub(crate) fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut sentences = Vec::new();
    let mut start = 0;
    for (index, character) in text.char_indices() {
        if matches!(character, '.' | '!' | '?' | '\n' | '\r') {
            let end = index + character.len_utf8();
            if text[start..index].chars().any(char::is_alphanumeric) {
                sentences.push(start..end);
            }
            start = end;
        }
    }
    if text[start..].chars().any(char::is_alphanumeric) {
        sentences.push(start..text.len());
    }
    sentences
}

/// The key a name is looked up by: lowercase, `&` read as "and", punctuation dropped,
/// whitespace collapsed. "Derby & Derbyshire" and "DERBY AND DERBYSHIRE." meet here.
pub(crate) fn name_key(name: &str) -> String {
    let spaced = name.replace('&', " and ");
    words(&spaced)
        .into_iter()
        .map(|word| word.lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_apostrophes_and_hyphens() {
        let found: Vec<String> = words("The child's self-harm, aged 15.")
            .into_iter()
            .map(|word| word.lowercase)
            .collect();
        assert_eq!(found, ["the", "child", "s", "self", "harm", "aged", "15"]);
    }

    #[test]
    fn word_spans_point_into_the_original_text() {
        let text = "Café  Über";
        let found = words(text);
        assert_eq!(&text[found[1].span.clone()], "Über");
        assert_eq!(found[1].lowercase, "über");
    }

    #[test]
    fn sentences_split_on_terminators_and_skip_empty_ones() {
        let text = "One. Two!\n\nThree? four";
        let found: Vec<&str> = sentences(text)
            .into_iter()
            .map(|s| text[s].trim())
            .collect();
        assert_eq!(found, ["One.", "Two!", "Three?", "four"]);
    }

    #[test]
    fn name_key_ignores_case_ampersands_and_punctuation() {
        assert_eq!(name_key("Derby & Derbyshire"), "derby and derbyshire");
        assert_eq!(name_key(" DERBY AND  DERBYSHIRE."), "derby and derbyshire");
        assert_eq!(name_key("East !London 2"), "east london 2");
    }
}
