//! Fonts as text extraction needs them: how a string splits into codes,
//! what text each code stands for, and how far each glyph advances.
//!
//! Unicode comes from `/ToUnicode` first, then the encoding (`/Differences`
//! glyph names over the base encoding or, for an embedded Type 1 program,
//! the program's own encoding), then, for an embedded TrueType program, the
//! program's own cmap read backwards ([`GlyphText`]). Each code falls
//! through these sources on its own, so one unknown glyph name costs one
//! character, not the whole font.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use crate::cmap::CMap;
use crate::truetype::GlyphText;

/// Largest `/W` array we walk; a fuzzed array of millions of entries would
/// otherwise cost more than the whole page.
const MAX_W_ENTRIES: usize = 100_000;

/// One decoded glyph of a shown string.
pub struct DecodedGlyph {
    /// `None` when no source maps the code to text.
    pub text: Option<String>,
    /// Advance in text space for a font size of 1 (glyph units / 1000, or
    /// through `/FontMatrix` for Type 3).
    pub width: f32,
    /// A one-byte code 32: the only code that word spacing (`Tw`) applies to.
    pub word_space: bool,
}

enum Kind {
    Simple {
        text: Box<[Option<String>; 256]>,
        widths: Box<[f32; 256]>,
        /// An embedded TrueType program, asked for codes nothing else maps.
        program: Option<GlyphText>,
    },
    Composite {
        encoding: CompositeEncoding,
        widths: HashMap<u32, f32>,
        default_width: f32,
        /// An embedded TrueType program and how CIDs index its glyphs.
        glyphs: Option<Box<(GlyphText, CidToGid)>>,
    },
}

/// `/CIDToGIDMap`: `Identity` (or absent), or a table of two-byte glyph ids.
enum CidToGid {
    Identity,
    Table(Vec<u8>),
}

impl CidToGid {
    fn gid(&self, cid: u32) -> Option<u32> {
        match self {
            CidToGid::Identity => Some(cid),
            CidToGid::Table(t) => {
                let at = usize::try_from(cid).ok()?.checked_mul(2)?;
                let pair = t.get(at..at + 2)?;
                Some(u16::from_be_bytes([pair[0], pair[1]]) as u32)
            }
        }
    }
}

/// The embedded TrueType program (`/FontFile2`) of a font descriptor, read
/// for glyph-to-text use.
fn embedded_truetype(doc: &Document, font: &Dictionary) -> Option<GlyphText> {
    let descriptor = dict_get(doc, font, b"FontDescriptor")?.as_dict().ok()?;
    let program = stream_bytes(doc, descriptor.get(b"FontFile2").ok()?)?;
    Some(GlyphText::new(program))
}

enum CompositeEncoding {
    /// `Identity-H`/`-V` and other two-byte CMaps we cannot read (code = CID).
    TwoByte,
    /// Predefined `Uni…-UCS2-…`/`UTF16` CMaps: the code is the Unicode value.
    Ucs2,
    /// An embedded CMap stream.
    Embedded(CMap),
    /// A predefined CJK CMap over a legacy multi-byte charset (GBK-EUC-H,
    /// 90ms-RKSJ-H, ETen-B5-H, KSC-EUC-H …): the bytes decode through that
    /// charset, which is what these CMaps' CIDs stand for.
    Legacy {
        charset: &'static encoding_rs::Encoding,
        lead: fn(u8) -> bool,
    },
}

/// The charset behind a predefined CJK CMap name, with its lead-byte test.
fn legacy_charset(cmap: &str) -> Option<CompositeEncoding> {
    let (charset, lead): (&'static encoding_rs::Encoding, fn(u8) -> bool) =
        if cmap.starts_with("GBK") || cmap.starts_with("GB-EUC") || cmap.starts_with("GBpc-EUC") {
            (encoding_rs::GBK, |b| (0x81..=0xFE).contains(&b))
        } else if cmap.contains("RKSJ") {
            (encoding_rs::SHIFT_JIS, |b| {
                (0x81..=0x9F).contains(&b) || (0xE0..=0xFC).contains(&b)
            })
        } else if cmap.contains("B5") {
            (encoding_rs::BIG5, |b| (0x81..=0xFE).contains(&b))
        } else if cmap.starts_with("KSC") {
            (encoding_rs::EUC_KR, |b| (0x81..=0xFE).contains(&b))
        } else if cmap.starts_with("EUC-") {
            (encoding_rs::EUC_JP, |b| {
                b == 0x8E || (0xA1..=0xFE).contains(&b)
            })
        } else {
            return None;
        };
    Some(CompositeEncoding::Legacy { charset, lead })
}

pub struct Font {
    kind: Kind,
    to_unicode: Option<CMap>,
    /// `/WMode 1` or an `-V` CMap: glyphs advance downwards.
    pub vertical: bool,
    /// Scale from font size to the glyph height actually drawn; only Type 3
    /// fonts with an unusual `/FontMatrix` differ from 1.
    pub size_scale: f32,
}

fn resolve<'a>(doc: &'a Document, obj: &'a Object) -> Option<&'a Object> {
    doc.dereference(obj).ok().map(|(_, o)| o)
}

fn dict_get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    dict.get(key).ok().and_then(|o| resolve(doc, o))
}

fn number(obj: &Object) -> Option<f32> {
    match obj {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) if r.is_finite() => Some(*r),
        _ => None,
    }
}

fn name_str(obj: &Object) -> Option<&str> {
    match obj {
        Object::Name(n) => std::str::from_utf8(n).ok(),
        _ => None,
    }
}

fn stream_bytes(doc: &Document, obj: &Object) -> Option<Vec<u8>> {
    match resolve(doc, obj)? {
        Object::Stream(s) => Some(
            s.decompressed_content()
                .unwrap_or_else(|_| s.content.clone()),
        ),
        _ => None,
    }
}

fn parse_to_unicode(doc: &Document, dict: &Dictionary) -> Option<CMap> {
    let bytes = stream_bytes(doc, dict.get(b"ToUnicode").ok()?)?;
    let mut cmap = CMap::parse(&bytes);
    cmap.cids_as_unicode();
    cmap.has_text().then_some(cmap)
}

/// Text that is no text: control characters and NULs some generators put in
/// ToUnicode for glyphs they could not name.
fn usable(text: &str) -> bool {
    !text.is_empty() && !text.chars().all(|c| c.is_control() && c != '\t')
}

type NameTable = Box<[Option<String>; 256]>;

fn named_encoding(name: &str) -> Option<NameTable> {
    let lookup: fn(u8) -> Option<&'static str> = match name {
        "WinAnsiEncoding" => pdfboss_encoding::win_ansi_glyph_name,
        "MacRomanEncoding" => pdfboss_encoding::mac_roman_glyph_name,
        "StandardEncoding" => pdfboss_encoding::standard_encoding_name,
        // MacExpert holds small caps and old-style figures; their names
        // resolve through the suffix rule, so Standard is a safe base.
        "MacExpertEncoding" => pdfboss_encoding::standard_encoding_name,
        _ => return None,
    };
    Some(Box::new(std::array::from_fn(|c| {
        lookup(c as u8).map(str::to_owned)
    })))
}

fn base_font_name(doc: &Document, dict: &Dictionary) -> String {
    dict_get(doc, dict, b"BaseFont")
        .and_then(name_str)
        .unwrap_or("")
        .to_owned()
}

/// The table a simple font uses when `/Encoding` names none: the embedded
/// Type 1 program's own, Symbol/ZapfDingbats' built-in, else Standard.
fn builtin_encoding(doc: &Document, dict: &Dictionary, base_font: &str) -> NameTable {
    let descriptor = dict_get(doc, dict, b"FontDescriptor").and_then(|o| o.as_dict().ok());
    if let Some(desc) = descriptor {
        for key in [&b"FontFile"[..], b"FontFile3"] {
            if let Some(program) = desc.get(key).ok().and_then(|o| stream_bytes(doc, o)) {
                if let Some(table) = pdfboss_encoding::type1_builtin_encoding(&program) {
                    return table;
                }
            }
        }
    }
    let plain = base_font.rsplit('+').next().unwrap_or(base_font);
    if plain.starts_with("Symbol") {
        return Box::new(std::array::from_fn(|c| {
            pdfboss_encoding::symbol_glyph_name(c as u8).map(str::to_owned)
        }));
    }
    if plain.starts_with("ZapfDingbats") {
        return Box::new(std::array::from_fn(|c| {
            pdfboss_encoding::zapf_dingbats_glyph_name(c as u8).map(str::to_owned)
        }));
    }
    let truetype = dict_get(doc, dict, b"Subtype").and_then(name_str) == Some("TrueType");
    if truetype {
        // Non-embedded-encoding TrueType in office exports is WinAnsi in practice.
        return named_encoding("WinAnsiEncoding")
            .unwrap_or_else(|| Box::new(std::array::from_fn(|_| None)));
    }
    named_encoding("StandardEncoding").unwrap_or_else(|| Box::new(std::array::from_fn(|_| None)))
}

fn simple_font(
    doc: &Document,
    dict: &Dictionary,
    to_unicode: Option<&CMap>,
    type3_matrix: Option<[f32; 6]>,
    program: Option<GlyphText>,
) -> Kind {
    let base_font = base_font_name(doc, dict);
    let encoding = dict_get(doc, dict, b"Encoding");
    let mut base: Option<NameTable> = None;
    let mut differences: HashMap<u8, String> = HashMap::new();
    match encoding {
        Some(Object::Name(n)) => base = std::str::from_utf8(n).ok().and_then(named_encoding),
        Some(Object::Dictionary(enc)) => {
            base = dict_get(doc, enc, b"BaseEncoding")
                .and_then(name_str)
                .and_then(named_encoding);
            if let Some(Object::Array(diffs)) = dict_get(doc, enc, b"Differences") {
                let mut code: i64 = 0;
                for item in diffs.iter().take(4096) {
                    match resolve(doc, item) {
                        Some(Object::Integer(i)) => code = *i,
                        Some(Object::Name(n)) => {
                            if (0..256).contains(&code) {
                                differences
                                    .insert(code as u8, String::from_utf8_lossy(n).into_owned());
                            }
                            code += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        _ => {}
    }
    let had_encoding = base.is_some();
    let base = base.unwrap_or_else(|| builtin_encoding(doc, dict, &base_font));

    let mut names: Box<[Option<String>; 256]> = Box::new(std::array::from_fn(|_| None));
    let mut text: Box<[Option<String>; 256]> = Box::new(std::array::from_fn(|_| None));
    for code in 0..256usize {
        let diff = differences.get(&(code as u8));
        names[code] = diff.cloned().or_else(|| base[code].clone());
        let from_cmap = to_unicode
            .and_then(|c| c.text(code as u32))
            .filter(|t| usable(t))
            .map(str::to_owned);
        let from_diff = diff.and_then(|n| pdfboss_encoding::glyph_to_text(n));
        // A Differences name we cannot read falls back to the base encoding at
        // that code only when there was a real base encoding to fall back to.
        let from_base = base[code]
            .as_deref()
            .and_then(pdfboss_encoding::glyph_to_text);
        let fallback = if diff.is_none() || had_encoding {
            from_base
        } else {
            None
        };
        // Type 3 glyph names are the author's own (/square, /a12); for a
        // name no table knows, poppler passes the code through as text.
        let pass_through = (type3_matrix.is_some() && diff.is_some())
            .then(|| char::from_u32(code as u32))
            .flatten()
            .filter(|c| !c.is_control())
            .map(String::from);
        // Still nothing: the embedded TrueType program is asked when the
        // code is shown (`Font::decode`).
        text[code] = from_cmap.or(from_diff).or(fallback).or(pass_through);
    }

    let scale = match type3_matrix {
        Some(m) => m[0],
        None => 0.001,
    };
    let mut widths: Box<[f32; 256]> = Box::new([f32::NAN; 256]);
    let first = dict_get(doc, dict, b"FirstChar")
        .and_then(number)
        .unwrap_or(0.0);
    let widths_array = dict_get(doc, dict, b"Widths");
    if let Some(Object::Array(ws)) = widths_array {
        for (i, w) in ws.iter().take(256).enumerate() {
            let code = first as i64 + i as i64;
            if (0..256).contains(&code) {
                if let Some(w) = resolve(doc, w).and_then(number) {
                    widths[code as usize] = w * scale;
                }
            }
        }
    }
    let missing = dict_get(doc, dict, b"FontDescriptor")
        .and_then(|o| o.as_dict().ok())
        .and_then(|d| dict_get(doc, d, b"MissingWidth"))
        .and_then(number);
    for code in 0..256 {
        if widths[code].is_nan() {
            let std14 = names[code]
                .as_deref()
                .and_then(|n| pdfboss_encoding::standard_14_width(&base_font, n));
            widths[code] = match (std14, missing) {
                (Some(w), _) => w * 0.001,
                (None, Some(m)) if m > 0.0 => m * scale,
                // A code outside the font's own /Widths draws nothing wide:
                // /MissingWidth defaults to 0, as poppler reads it. A Type 3
                // space so drawn is no gap unless word spacing makes one.
                (None, None) if type3_matrix.is_some() && widths_array.is_some() => 0.0,
                // No metrics at all: half an em keeps word gaps plausible.
                _ => 0.5,
            };
        }
    }
    Kind::Simple {
        text,
        widths,
        program,
    }
}

fn composite_font(doc: &Document, dict: &Dictionary) -> (Kind, bool) {
    let mut vertical = false;
    let encoding = match dict_get(doc, dict, b"Encoding") {
        Some(Object::Name(n)) => {
            let n = String::from_utf8_lossy(n);
            vertical = n.ends_with("-V");
            if n.contains("UCS2") || n.contains("UTF16") {
                CompositeEncoding::Ucs2
            } else {
                legacy_charset(&n).unwrap_or(CompositeEncoding::TwoByte)
            }
        }
        Some(Object::Stream(s)) => {
            vertical = s.dict.get(b"WMode").ok().and_then(number) == Some(1.0);
            let bytes = s
                .decompressed_content()
                .unwrap_or_else(|_| s.content.clone());
            let cmap = CMap::parse(&bytes);
            if cmap.codespace.is_empty() && !cmap.has_cids() {
                CompositeEncoding::TwoByte
            } else {
                CompositeEncoding::Embedded(cmap)
            }
        }
        _ => CompositeEncoding::TwoByte,
    };
    let descendant = match dict_get(doc, dict, b"DescendantFonts") {
        Some(Object::Array(a)) => a
            .first()
            .and_then(|o| resolve(doc, o))
            .and_then(|o| o.as_dict().ok()),
        _ => None,
    };
    let mut widths = HashMap::new();
    let mut default_width = 1.0;
    let glyphs = descendant.and_then(|desc| {
        let program = embedded_truetype(doc, desc)?;
        let map = match dict_get(doc, desc, b"CIDToGIDMap") {
            Some(Object::Stream(s)) => CidToGid::Table(
                s.decompressed_content()
                    .unwrap_or_else(|_| s.content.clone()),
            ),
            _ => CidToGid::Identity,
        };
        Some(Box::new((program, map)))
    });
    if let Some(desc) = descendant {
        if let Some(dw) = dict_get(doc, desc, b"DW").and_then(number) {
            default_width = dw * 0.001;
        }
        if let Some(Object::Array(w)) = dict_get(doc, desc, b"W") {
            let items: Vec<&Object> = w
                .iter()
                .take(MAX_W_ENTRIES)
                .filter_map(|o| resolve(doc, o))
                .collect();
            let mut i = 0;
            while i < items.len() {
                let Some(first) = number(items[i]) else {
                    i += 1;
                    continue;
                };
                let first = first.max(0.0) as u32;
                match items.get(i + 1) {
                    Some(Object::Array(list)) => {
                        for (k, w) in list.iter().take(MAX_W_ENTRIES).enumerate() {
                            if let Some(w) = resolve(doc, w).and_then(number) {
                                widths.insert(first.saturating_add(k as u32), w * 0.001);
                            }
                        }
                        i += 2;
                    }
                    Some(last) => {
                        let (Some(last), Some(w)) =
                            (number(last), items.get(i + 2).and_then(|o| number(o)))
                        else {
                            i += 3;
                            continue;
                        };
                        let last =
                            (last.max(0.0) as u32).min(first.saturating_add(MAX_W_ENTRIES as u32));
                        for cid in first..=last {
                            widths.insert(cid, w * 0.001);
                        }
                        i += 3;
                    }
                    None => break,
                }
            }
        }
    }
    (
        Kind::Composite {
            encoding,
            widths,
            default_width,
            glyphs,
        },
        vertical,
    )
}

impl Font {
    pub fn load(doc: &Document, dict: &Dictionary) -> Font {
        let subtype = dict_get(doc, dict, b"Subtype")
            .and_then(name_str)
            .unwrap_or("");
        let to_unicode = parse_to_unicode(doc, dict);
        if subtype == "Type0" {
            let (kind, vertical) = composite_font(doc, dict);
            return Font {
                kind,
                to_unicode,
                vertical,
                size_scale: 1.0,
            };
        }
        let type3_matrix = (subtype == "Type3").then(|| {
            let mut m = [0.001, 0.0, 0.0, 0.001, 0.0, 0.0];
            if let Some(Object::Array(a)) = dict_get(doc, dict, b"FontMatrix") {
                for (slot, v) in m.iter_mut().zip(a.iter()) {
                    if let Some(v) = resolve(doc, v).and_then(number) {
                        *slot = v;
                    }
                }
            }
            m
        });
        let glyphs = (subtype == "TrueType")
            .then(|| embedded_truetype(doc, dict))
            .flatten();
        let kind = simple_font(doc, dict, to_unicode.as_ref(), type3_matrix, glyphs);
        let size_scale = type3_matrix
            .map(|m| (m[3] * 1000.0).abs())
            .filter(|s| *s > 0.0 && s.is_finite())
            .unwrap_or(1.0);
        Font {
            kind,
            to_unicode,
            vertical: false,
            size_scale,
        }
    }

    /// Splits a shown string into glyphs.
    pub fn decode(&self, bytes: &[u8], out: &mut Vec<DecodedGlyph>) {
        match &self.kind {
            Kind::Simple {
                text,
                widths,
                program,
            } => {
                for &b in bytes {
                    let text = text[b as usize]
                        .clone()
                        .or_else(|| program.as_ref().and_then(|p| p.code(b)).map(str::to_owned));
                    out.push(DecodedGlyph {
                        text,
                        width: widths[b as usize],
                        word_space: b == 32,
                    });
                }
            }
            Kind::Composite {
                encoding,
                widths,
                default_width,
                glyphs,
            } => {
                let mut at = 0;
                while at < bytes.len() {
                    let rest = &bytes[at..];
                    let len = match encoding {
                        CompositeEncoding::Embedded(cmap) => cmap.next_code_len(rest),
                        CompositeEncoding::Legacy { lead, .. } => {
                            Some(if lead(rest[0]) { 2 } else { 1 })
                        }
                        _ => None,
                    }
                    .or_else(|| self.to_unicode.as_ref().and_then(|c| c.next_code_len(rest)))
                    .unwrap_or(2)
                    .clamp(1, 4)
                    .min(rest.len());
                    let code = rest[..len].iter().fold(0u32, |acc, &b| acc << 8 | b as u32);
                    at += len;
                    let cid = match encoding {
                        CompositeEncoding::Embedded(cmap) => cmap.cid(code).unwrap_or(code),
                        _ => code,
                    };
                    let mut text = self
                        .to_unicode
                        .as_ref()
                        .and_then(|c| c.text(code))
                        .filter(|t| usable(t))
                        .map(str::to_owned);
                    if text.is_none() {
                        match encoding {
                            CompositeEncoding::Ucs2 => {
                                text = char::from_u32(code)
                                    .filter(|c| !c.is_control())
                                    .map(String::from)
                            }
                            CompositeEncoding::Legacy { charset, .. } => {
                                let (decoded, had_errors) =
                                    charset.decode_without_bom_handling(&rest[..len]);
                                if !had_errors && !decoded.chars().any(char::is_control) {
                                    text = Some(decoded.into_owned());
                                }
                            }
                            _ => {
                                // Identity and embedded CMaps: the CID names a
                                // glyph of the embedded program, which knows
                                // what it draws.
                                text = glyphs
                                    .as_ref()
                                    .and_then(|glyphs| glyphs.0.glyph(glyphs.1.gid(cid)?))
                                    .map(str::to_owned);
                            }
                        }
                    }
                    let width = widths.get(&cid).copied().unwrap_or(*default_width);
                    out.push(DecodedGlyph {
                        text,
                        width,
                        word_space: len == 1 && code == 32,
                    });
                }
            }
        }
    }
}
