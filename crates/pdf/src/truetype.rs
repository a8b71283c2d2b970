//! Text for glyphs of an embedded TrueType program when the PDF maps codes
//! to glyphs but not to text (no `/ToUnicode`): the program's own Unicode
//! `cmap` read backwards (glyph → character), then its `post` glyph names.
//!
//! Identity-H Chinese, Japanese and Korean fonts in office exports are the
//! common case: the codes are glyph ids, and only the font knows what they
//! draw.

use std::cell::OnceCell;
use std::collections::HashMap;

use ttf_parser::{Face, GlyphId, PlatformId};

/// An embedded TrueType program, read (once) the first time a glyph's text
/// is asked for: most fonts carry a ToUnicode map and never are.
pub struct GlyphText {
    program: Vec<u8>,
    maps: OnceCell<Option<Maps>>,
}

/// Glyph ids to text, and the `cmap` subtables simple fonts address by code.
struct Maps {
    by_glyph: HashMap<u16, String>,
    /// Code → glyph through the (3,0) symbol or (1,0) Mac Roman subtable.
    by_code: HashMap<u8, u16>,
}

/// Private-use characters say nothing a reader or a search could use.
fn private_use(c: char) -> bool {
    ('\u{E000}'..='\u{F8FF}').contains(&c)
}

impl GlyphText {
    /// Keeps `program` (a `/FontFile2` stream) for reading when first needed.
    pub fn new(program: Vec<u8>) -> GlyphText {
        GlyphText {
            program,
            maps: OnceCell::new(),
        }
    }

    fn maps(&self) -> Option<&Maps> {
        self.maps.get_or_init(|| Maps::read(&self.program)).as_ref()
    }

    pub fn glyph(&self, gid: u32) -> Option<&str> {
        self.maps()?.glyph(gid)
    }

    /// A simple font's code through the program's own symbol or Mac cmap.
    pub fn code(&self, code: u8) -> Option<&str> {
        let maps = self.maps()?;
        maps.by_code.get(&code).and_then(|&g| maps.glyph(g as u32))
    }
}

impl Maps {
    /// `None` when the program does not parse or maps no glyph to text.
    fn read(program: &[u8]) -> Option<Maps> {
        let face = Face::parse(program, 0).ok()?;
        let mut by_glyph: HashMap<u16, String> = HashMap::new();
        let mut by_code: HashMap<u8, u16> = HashMap::new();
        if let Some(cmap) = face.tables().cmap {
            for subtable in cmap.subtables {
                if subtable.is_unicode() {
                    subtable.codepoints(|cp| {
                        let Some(c) = char::from_u32(cp).filter(|c| !c.is_control()) else {
                            return;
                        };
                        let Some(gid) = subtable.glyph_index(cp) else {
                            return;
                        };
                        // Several characters may share a glyph (a space and a
                        // no-break space); the lowest ordinary one wins.
                        let slot = by_glyph.entry(gid.0).or_default();
                        let better = match slot.chars().next() {
                            None => true,
                            Some(old) => {
                                (private_use(old) && !private_use(c))
                                    || (private_use(old) == private_use(c) && c < old)
                            }
                        };
                        if better {
                            *slot = c.to_string();
                        }
                    });
                } else {
                    let symbol =
                        subtable.platform_id == PlatformId::Windows && subtable.encoding_id == 0;
                    let mac =
                        subtable.platform_id == PlatformId::Macintosh && subtable.encoding_id == 0;
                    if symbol || mac {
                        for code in 0..=255u8 {
                            let gid = if symbol {
                                subtable
                                    .glyph_index(0xF000 | code as u32)
                                    .or_else(|| subtable.glyph_index(code as u32))
                            } else {
                                subtable.glyph_index(code as u32)
                            };
                            if let Some(gid) = gid.filter(|g| g.0 != 0) {
                                by_code.entry(code).or_insert(gid.0);
                            }
                        }
                    }
                }
            }
        }
        by_glyph.retain(|_, text| !text.chars().all(private_use));
        for gid in 1..face.number_of_glyphs() {
            if by_glyph.contains_key(&gid) {
                continue;
            }
            if let Some(text) = face
                .glyph_name(GlyphId(gid))
                .and_then(pdfboss_encoding::glyph_to_text)
                .filter(|t| !t.is_empty() && !t.chars().any(|c| c.is_control() || private_use(c)))
            {
                by_glyph.insert(gid, text);
            }
        }
        (!by_glyph.is_empty()).then_some(Maps { by_glyph, by_code })
    }

    fn glyph(&self, gid: u32) -> Option<&str> {
        u16::try_from(gid)
            .ok()
            .and_then(|g| self.by_glyph.get(&g))
            .map(String::as_str)
    }
}
