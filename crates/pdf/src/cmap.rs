//! CMap streams: `/ToUnicode` maps (code → text) and embedded `/Encoding`
//! CMaps of composite fonts (code → CID), plus the codespace ranges that say
//! how many bytes each code in a string takes.
//!
//! The parser is a small PostScript tokenizer that only understands the
//! operators CMaps use; anything else is skipped, so a damaged CMap still
//! yields whatever mappings it does contain.

use std::collections::HashMap;

/// Ranges wider than this are clipped: a fuzzed `bfrange` of 2^32 codes must
/// not allocate or loop for minutes, and no real font needs more.
const MAX_RANGE: u32 = 0x1_0000;

/// One `begincodespacerange` entry: codes of `len` bytes between `lo` and `hi`.
#[derive(Debug, Clone, Copy)]
pub struct CodespaceRange {
    pub len: usize,
    pub lo: u32,
    pub hi: u32,
}

/// A parsed CMap. `text` is filled from `bfchar`/`bfrange`, `cid` from
/// `cidchar`/`cidrange`; a stream may carry either.
#[derive(Debug, Default)]
pub struct CMap {
    pub codespace: Vec<CodespaceRange>,
    text: HashMap<u32, String>,
    cid: HashMap<u32, u32>,
    cid_ranges: Vec<(u32, u32, u32)>,
}

#[derive(Debug, PartialEq)]
enum Token<'a> {
    Hex(Vec<u8>),
    Literal(Vec<u8>),
    Name(&'a [u8]),
    Number(i64),
    ArrayStart,
    ArrayEnd,
    Keyword(&'a [u8]),
}

struct Tokens<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let d = self.data;
        loop {
            while self.at < d.len() && d[self.at].is_ascii_whitespace()
                || self.at < d.len() && d[self.at] == 0
            {
                self.at += 1;
            }
            if self.at >= d.len() {
                return None;
            }
            if d[self.at] == b'%' {
                while self.at < d.len() && d[self.at] != b'\n' && d[self.at] != b'\r' {
                    self.at += 1;
                }
                continue;
            }
            break;
        }
        let c = d[self.at];
        match c {
            b'[' => {
                self.at += 1;
                Some(Token::ArrayStart)
            }
            b']' => {
                self.at += 1;
                Some(Token::ArrayEnd)
            }
            b'<' if d.get(self.at + 1) == Some(&b'<') => {
                self.at += 2;
                Some(Token::Keyword(b"<<"))
            }
            b'>' if d.get(self.at + 1) == Some(&b'>') => {
                self.at += 2;
                Some(Token::Keyword(b">>"))
            }
            b'<' => {
                self.at += 1;
                let mut nibbles = Vec::new();
                while self.at < d.len() && d[self.at] != b'>' {
                    if let Some(v) = (d[self.at] as char).to_digit(16) {
                        nibbles.push(v as u8);
                    }
                    self.at += 1;
                }
                self.at += 1;
                if nibbles.len() % 2 == 1 {
                    nibbles.push(0);
                }
                Some(Token::Hex(
                    nibbles.chunks(2).map(|p| p[0] << 4 | p[1]).collect(),
                ))
            }
            b'(' => {
                self.at += 1;
                let mut out = Vec::new();
                let mut depth = 1;
                while self.at < d.len() {
                    let b = d[self.at];
                    self.at += 1;
                    match b {
                        b'\\' => {
                            if let Some(&n) = d.get(self.at) {
                                self.at += 1;
                                out.push(match n {
                                    b'n' => b'\n',
                                    b'r' => b'\r',
                                    b't' => b'\t',
                                    other => other,
                                });
                            }
                        }
                        b'(' => {
                            depth += 1;
                            out.push(b);
                        }
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                            out.push(b);
                        }
                        _ => out.push(b),
                    }
                }
                Some(Token::Literal(out))
            }
            b'/' => {
                let start = self.at + 1;
                self.at = start;
                while self.at < d.len() && !is_delimiter(d[self.at]) {
                    self.at += 1;
                }
                Some(Token::Name(&d[start..self.at]))
            }
            _ => {
                let start = self.at;
                self.at += 1;
                while self.at < d.len() && !is_delimiter(d[self.at]) {
                    self.at += 1;
                }
                let word = &d[start..self.at];
                match std::str::from_utf8(word)
                    .ok()
                    .and_then(|s| s.parse::<i64>().ok())
                {
                    Some(n) => Some(Token::Number(n)),
                    None => Some(Token::Keyword(word)),
                }
            }
        }
    }
}

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'[' | b']' | b'<' | b'>' | b'(' | b')' | b'/' | b'%' | b'{' | b'}' | 0
        )
}

fn code_of(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| acc << 8 | b as u32)
}

/// UTF-16BE as CMaps store destination text; unpaired surrogates become U+FFFD
/// rather than failing the whole entry.
pub fn utf16be_to_string(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| {
            if c.len() == 2 {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                c[0] as u16
            }
        })
        .collect();
    char::decode_utf16(units)
        .map(|r| r.unwrap_or('\u{FFFD}'))
        .collect()
}

/// Adds `delta` to the last UTF-16 unit of `base`, the `bfrange` rule for a
/// range whose destination is a single string.
fn offset_text(base: &[u8], delta: u32) -> String {
    let mut bytes = base.to_vec();
    if bytes.len() >= 2 {
        let n = bytes.len();
        let last = u16::from_be_bytes([bytes[n - 2], bytes[n - 1]]) as u32 + delta;
        // Carry into the previous unit is not something fonts rely on; keep
        // the low 16 bits as poppler does.
        let [hi, lo] = (last as u16).to_be_bytes();
        bytes[n - 2] = hi;
        bytes[n - 1] = lo;
    } else if bytes.len() == 1 {
        bytes[0] = bytes[0].wrapping_add(delta as u8);
    }
    utf16be_to_string(&bytes)
}

impl CMap {
    pub fn parse(data: &[u8]) -> CMap {
        let mut cmap = CMap::default();
        let mut tokens = Tokens { data, at: 0 }.peekable();
        // Operands seen since the last operator; CMap operators are postfix.
        let mut stack: Vec<Token> = Vec::new();
        while let Some(tok) = tokens.next() {
            let Token::Keyword(k) = tok else {
                stack.push(tok);
                if stack.len() > 64 {
                    stack.remove(0);
                }
                continue;
            };
            match k {
                b"begincodespacerange" => {
                    let items = collect_until(&mut tokens, b"endcodespacerange");
                    for pair in items.chunks(2) {
                        if let [Token::Hex(lo), Token::Hex(hi)] = pair {
                            if (1..=4).contains(&lo.len()) {
                                cmap.codespace.push(CodespaceRange {
                                    len: lo.len(),
                                    lo: code_of(lo),
                                    hi: code_of(hi),
                                });
                            }
                        }
                    }
                }
                b"beginbfchar" => {
                    let items = collect_until(&mut tokens, b"endbfchar");
                    for pair in items.chunks(2) {
                        match pair {
                            [Token::Hex(src), Token::Hex(dst)] => {
                                cmap.text.insert(code_of(src), utf16be_to_string(dst));
                            }
                            [Token::Hex(src), Token::Name(name)] => {
                                if let Some(t) = std::str::from_utf8(name)
                                    .ok()
                                    .and_then(pdfboss_encoding::glyph_to_text)
                                {
                                    cmap.text.insert(code_of(src), t);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                b"beginbfrange" => {
                    let items = collect_until(&mut tokens, b"endbfrange");
                    let mut i = 0;
                    while i + 2 < items.len() {
                        let (Token::Hex(lo), Token::Hex(hi)) = (&items[i], &items[i + 1]) else {
                            i += 1;
                            continue;
                        };
                        let (lo, hi) = (code_of(lo), code_of(hi));
                        let hi = hi.min(lo.saturating_add(MAX_RANGE));
                        match &items[i + 2] {
                            Token::Hex(dst) => {
                                for (n, code) in (lo..=hi).enumerate() {
                                    cmap.text.insert(code, offset_text(dst, n as u32));
                                }
                                i += 3;
                            }
                            Token::ArrayStart => {
                                let mut j = i + 3;
                                let mut code = lo;
                                while j < items.len() && items[j] != Token::ArrayEnd {
                                    if let Token::Hex(dst) = &items[j] {
                                        if code <= hi {
                                            cmap.text.insert(code, utf16be_to_string(dst));
                                        }
                                        code = code.saturating_add(1);
                                    }
                                    j += 1;
                                }
                                i = j + 1;
                            }
                            _ => i += 3,
                        }
                    }
                }
                b"begincidchar" => {
                    let items = collect_until(&mut tokens, b"endcidchar");
                    for pair in items.chunks(2) {
                        if let [Token::Hex(src), Token::Number(cid)] = pair {
                            cmap.cid
                                .insert(code_of(src), (*cid).clamp(0, u32::MAX as i64) as u32);
                        }
                    }
                }
                b"begincidrange" => {
                    let items = collect_until(&mut tokens, b"endcidrange");
                    for triple in items.chunks(3) {
                        if let [Token::Hex(lo), Token::Hex(hi), Token::Number(cid)] = triple {
                            cmap.cid_ranges.push((
                                code_of(lo),
                                code_of(hi),
                                (*cid).clamp(0, u32::MAX as i64) as u32,
                            ));
                        }
                    }
                }
                _ => {}
            }
            stack.clear();
        }
        cmap
    }

    /// For a `/ToUnicode` CMap: reads `cidchar`/`cidrange` entries, which
    /// have no place there, as code → Unicode scalar, as poppler does. Some
    /// generators (Iceni's Word export) write their Unicode ranges that way.
    pub fn cids_as_unicode(&mut self) {
        let mut budget = MAX_RANGE as usize * 4;
        let singles: Vec<(u32, u32)> = self.cid.drain().collect();
        let ranges = std::mem::take(&mut self.cid_ranges);
        let pairs = singles
            .into_iter()
            .chain(ranges.into_iter().flat_map(|(lo, hi, base)| {
                let hi = hi.min(lo.saturating_add(MAX_RANGE));
                (lo..=hi).map(move |code| (code, base.saturating_add(code - lo)))
            }));
        for (code, scalar) in pairs {
            if budget == 0 {
                break;
            }
            budget -= 1;
            if let Some(c) = char::from_u32(scalar).filter(|c| !c.is_control()) {
                self.text.entry(code).or_insert_with(|| c.to_string());
            }
        }
    }

    pub fn has_text(&self) -> bool {
        !self.text.is_empty()
    }

    pub fn text(&self, code: u32) -> Option<&str> {
        self.text.get(&code).map(String::as_str)
    }

    pub fn cid(&self, code: u32) -> Option<u32> {
        if let Some(&c) = self.cid.get(&code) {
            return Some(c);
        }
        self.cid_ranges
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&code))
            .map(|(lo, _, base)| base.saturating_add(code - lo))
    }

    pub fn has_cids(&self) -> bool {
        !self.cid.is_empty() || !self.cid_ranges.is_empty()
    }

    /// Splits the next code off `bytes` by the codespace ranges; `None` when
    /// the CMap states no codespace (the caller then picks a fixed width).
    pub fn next_code_len(&self, bytes: &[u8]) -> Option<usize> {
        if self.codespace.is_empty() {
            return None;
        }
        for len in 1..=4 {
            if bytes.len() < len {
                break;
            }
            let code = code_of(&bytes[..len]);
            if self
                .codespace
                .iter()
                .any(|r| r.len == len && r.lo <= code && code <= r.hi)
            {
                return Some(len);
            }
        }
        // No range matched: take the shortest declared length, as poppler does,
        // so one bad byte does not derail the rest of the string.
        self.codespace.iter().map(|r| r.len).min()
    }
}

fn collect_until<'a>(tokens: &mut std::iter::Peekable<Tokens<'a>>, end: &[u8]) -> Vec<Token<'a>> {
    let mut out = Vec::new();
    for tok in tokens.by_ref() {
        if tok == Token::Keyword(end) {
            break;
        }
        out.push(tok);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bfchar_bfrange_and_array_forms_map_codes_to_text() {
        let data = b"/CIDInit /ProcSet findresource begin 1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            2 beginbfchar <0003> <0020> <0011> <00660069> endbfchar\n\
            2 beginbfrange <0024> <0026> <0041> <0030> <0031> [<0078> <D835DC00>] endbfrange endcmap";
        let cmap = CMap::parse(data);
        assert_eq!(cmap.text(0x3), Some(" "));
        assert_eq!(cmap.text(0x11), Some("fi"));
        assert_eq!(cmap.text(0x24), Some("A"));
        assert_eq!(cmap.text(0x26), Some("C"));
        assert_eq!(cmap.text(0x30), Some("x"));
        assert_eq!(cmap.text(0x31), Some("\u{1D400}"));
        assert_eq!(cmap.next_code_len(&[0, 0x24, 0]), Some(2));
    }

    #[test]
    fn cid_entries_in_a_to_unicode_cmap_are_read_as_unicode() {
        let mut cmap = CMap::parse(
            b"1 beginbfrange <0000> <007f> <0000> endbfrange\n\
              1 begincidchar <0100> 256 endcidchar\n\
              1 begincidrange <4e00> <4eff> 19968 endcidrange",
        );
        cmap.cids_as_unicode();
        assert_eq!(cmap.text(0x41), Some("A"));
        assert_eq!(cmap.text(0x100), Some("\u{100}"));
        assert_eq!(cmap.text(0x4E2D), Some("中"));
        assert!(cmap.text(0x4F00).is_none());
    }

    #[test]
    fn huge_fuzzed_range_is_clipped() {
        let cmap = CMap::parse(b"1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange");
        assert_eq!(cmap.text(0), Some("A"));
        assert!(cmap.text(0x2_0000).is_none());
    }

    #[test]
    fn mixed_codespace_lengths_split_by_range() {
        let cmap = CMap::parse(b"2 begincodespacerange <00> <80> <8140> <9FFC> endcodespacerange");
        assert_eq!(cmap.next_code_len(&[0x41, 0x81]), Some(1));
        assert_eq!(cmap.next_code_len(&[0x81, 0x40]), Some(2));
    }
}
