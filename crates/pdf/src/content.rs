//! The content-stream interpreter: runs a page's operators with graphics and
//! text state and records every shown glyph with its position, size and
//! direction. Form XObjects are followed; images only counted.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::font::{DecodedGlyph, Font};
use crate::PdfError;

/// Nesting of Form XObjects we follow; real documents use two or three.
const MAX_FORM_DEPTH: usize = 12;
/// `q` without `Q` in a loop must not grow the state stack without end.
const MAX_STATE_STACK: usize = 512;
/// Glyphs kept per page; past this a page is a fuzzed or pathological one
/// and more glyphs would only cost memory.
const MAX_GLYPHS_PER_PAGE: usize = 400_000;

type Matrix = [f64; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn mul(m1: &Matrix, m2: &Matrix) -> Matrix {
    [
        m1[0] * m2[0] + m1[1] * m2[2],
        m1[0] * m2[1] + m1[1] * m2[3],
        m1[2] * m2[0] + m1[3] * m2[2],
        m1[2] * m2[1] + m1[3] * m2[3],
        m1[4] * m2[0] + m1[5] * m2[2] + m2[4],
        m1[4] * m2[1] + m1[5] * m2[3] + m2[5],
    ]
}

fn apply(m: &Matrix, x: f64, y: f64) -> (f64, f64) {
    (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
}

/// A glyph in its line's frame: `u` runs along the text direction, `v`
/// downwards across it, both in points. `rot` is the direction in quarter
/// turns (0 = left to right on an upright page).
#[derive(Debug, Clone)]
pub struct Glyph {
    pub u0: f32,
    pub u1: f32,
    pub v: f32,
    pub size: f32,
    pub rot: u8,
    /// Empty for a glyph no source could map to text.
    pub text: String,
    /// Which font drew it (equal ids, same font object on this page).
    pub font: usize,
}

/// Everything one page's content streams produced.
#[derive(Default)]
pub struct PageScan {
    pub glyphs: Vec<Glyph>,
    pub unmapped: usize,
    pub images: usize,
}

/// Operator budget shared by all pages of one document.
pub struct Budget {
    pub ops: u64,
    pub max_ops: u64,
    pub deadline: Option<Instant>,
    pub since_clock: u64,
}

impl Budget {
    fn charge(&mut self, n: u64) -> Result<(), PdfError> {
        self.ops += n;
        if self.ops > self.max_ops {
            return Err(PdfError::BudgetExceeded {
                what: format!("more than {} content-stream operations", self.max_ops),
            });
        }
        self.since_clock += n;
        // Reading the clock on every operator would cost more than the operator.
        if self.since_clock >= 4096 {
            self.since_clock = 0;
            if let Some(deadline) = self.deadline {
                if Instant::now() > deadline {
                    return Err(PdfError::BudgetExceeded {
                        what: "the time limit".into(),
                    });
                }
            }
        }
        Ok(())
    }
}

#[derive(Clone)]
struct State {
    ctm: Matrix,
    font: Option<Rc<Font>>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    hscale: f64,
    leading: f64,
    rise: f64,
}

pub struct Interpreter<'a> {
    doc: &'a Document,
    fonts: HashMap<ObjectId, Rc<Font>>,
    pub budget: Budget,
    scan: PageScan,
    page_box: [f64; 4],
    forms: Vec<ObjectId>,
    decoded: Vec<DecodedGlyph>,
}

fn num(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) if r.is_finite() => Some(*r as f64),
        _ => None,
    }
}

fn nums<const N: usize>(ops: &[Object]) -> Option<[f64; N]> {
    if ops.len() < N {
        return None;
    }
    let mut out = [0.0; N];
    for (slot, o) in out.iter_mut().zip(&ops[ops.len() - N..]) {
        *slot = num(o)?;
    }
    Some(out)
}

impl<'a> Interpreter<'a> {
    pub fn new(doc: &'a Document, budget: Budget) -> Self {
        Interpreter {
            doc,
            fonts: HashMap::new(),
            budget,
            scan: PageScan::default(),
            page_box: [0.0; 4],
            forms: Vec::new(),
            decoded: Vec::new(),
        }
    }

    fn deref(&self, o: &'a Object) -> Option<&'a Object> {
        self.doc.dereference(o).ok().map(|(_, o)| o)
    }

    /// Runs one page and returns its glyphs.
    pub fn run_page(
        &mut self,
        page: &'a Dictionary,
        resources: Option<&'a Dictionary>,
        content: &[u8],
        page_box: [f64; 4],
    ) -> Result<PageScan, PdfError> {
        self.scan = PageScan::default();
        self.page_box = page_box;
        let _ = page;
        let state = State {
            ctm: IDENTITY,
            font: None,
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            hscale: 1.0,
            leading: 0.0,
            rise: 0.0,
        };
        self.run(content, resources, state)?;
        Ok(std::mem::take(&mut self.scan))
    }

    fn font(&mut self, resources: Option<&'a Dictionary>, name: &[u8]) -> Option<Rc<Font>> {
        let fonts = resources?
            .get(b"Font")
            .ok()
            .and_then(|o| self.deref(o))?
            .as_dict()
            .ok()?;
        let entry = fonts.get(name).ok()?;
        if let Object::Reference(id) = entry {
            if let Some(f) = self.fonts.get(id) {
                return Some(f.clone());
            }
            let dict = self.doc.get_object(*id).ok()?.as_dict().ok()?;
            let font = Rc::new(Font::load(self.doc, dict));
            self.fonts.insert(*id, font.clone());
            return Some(font);
        }
        Some(Rc::new(Font::load(self.doc, entry.as_dict().ok()?)))
    }

    fn run(
        &mut self,
        content: &[u8],
        resources: Option<&'a Dictionary>,
        mut gs: State,
    ) -> Result<(), PdfError> {
        let mut stack: Vec<State> = Vec::new();
        let mut tm = IDENTITY;
        let mut tlm = IDENTITY;
        for op in Content::<Vec<Operation>>::decode_iter(content) {
            // A parse error ends this stream; what came before still counts.
            let Ok(op) = op else { break };
            self.budget.charge(1)?;
            let o = &op.operands;
            match op.operator.as_str() {
                "q" if stack.len() < MAX_STATE_STACK => stack.push(gs.clone()),
                "Q" => {
                    if let Some(s) = stack.pop() {
                        gs = s;
                    }
                }
                "cm" => {
                    if let Some(m) = nums::<6>(o) {
                        gs.ctm = mul(&m, &gs.ctm);
                    }
                }
                "BT" => {
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                "Tf" => {
                    if let (Some(Object::Name(n)), Some(size)) = (o.first(), o.get(1).and_then(num))
                    {
                        gs.font = self.font(resources, n);
                        gs.size = size;
                    }
                }
                "Tc" => gs.char_spacing = o.first().and_then(num).unwrap_or(gs.char_spacing),
                "Tw" => gs.word_spacing = o.first().and_then(num).unwrap_or(gs.word_spacing),
                "Tz" => {
                    gs.hscale = o
                        .first()
                        .and_then(num)
                        .map(|v| v / 100.0)
                        .unwrap_or(gs.hscale)
                }
                "TL" => gs.leading = o.first().and_then(num).unwrap_or(gs.leading),
                "Ts" => gs.rise = o.first().and_then(num).unwrap_or(gs.rise),
                "Td" | "TD" => {
                    if let Some([tx, ty]) = nums::<2>(o) {
                        if op.operator == "TD" {
                            gs.leading = -ty;
                        }
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], &tlm);
                        tm = tlm;
                    }
                }
                "Tm" => {
                    if let Some(m) = nums::<6>(o) {
                        tlm = m;
                        tm = m;
                    }
                }
                "T*" => {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                    tm = tlm;
                }
                "Tj" | "'" | "\"" => {
                    if op.operator == "\"" {
                        if let Some([aw, ac]) = o.get(..2).and_then(nums::<2>) {
                            gs.word_spacing = aw;
                            gs.char_spacing = ac;
                        }
                    }
                    if op.operator != "Tj" {
                        tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -gs.leading], &tlm);
                        tm = tlm;
                    }
                    if let Some(Object::String(s, _)) = o.last() {
                        self.show(s, &gs, &mut tm)?;
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = o.first() {
                        for item in items {
                            match item {
                                Object::String(s, _) => self.show(s, &gs, &mut tm)?,
                                other => {
                                    if let Some(n) = num(other) {
                                        let shift = -n / 1000.0 * gs.size;
                                        let vertical = gs.font.as_ref().is_some_and(|f| f.vertical);
                                        let t = if vertical {
                                            [1.0, 0.0, 0.0, 1.0, 0.0, -shift]
                                        } else {
                                            [1.0, 0.0, 0.0, 1.0, shift * gs.hscale, 0.0]
                                        };
                                        tm = mul(&t, &tm);
                                    }
                                }
                            }
                        }
                    }
                }
                "Do" => {
                    if let Some(Object::Name(n)) = o.first() {
                        self.xobject(resources, n, &gs)?;
                    }
                }
                "BI" => self.scan.images += 1,
                _ => {}
            }
        }
        Ok(())
    }

    fn xobject(
        &mut self,
        resources: Option<&'a Dictionary>,
        name: &[u8],
        gs: &State,
    ) -> Result<(), PdfError> {
        let Some(xobjects) = resources
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|o| self.deref(o))
            .and_then(|o| o.as_dict().ok())
        else {
            return Ok(());
        };
        let Ok(entry) = xobjects.get(name) else {
            return Ok(());
        };
        let id = match entry {
            Object::Reference(id) => Some(*id),
            _ => None,
        };
        let Some(Object::Stream(stream)) = self.deref(entry) else {
            return Ok(());
        };
        match stream
            .dict
            .get(b"Subtype")
            .ok()
            .and_then(|o| o.as_name().ok())
        {
            Some(b"Image") => self.scan.images += 1,
            Some(b"Form") => {
                if self.forms.len() >= MAX_FORM_DEPTH
                    || id.is_some_and(|id| self.forms.contains(&id))
                {
                    return Ok(());
                }
                let data = stream
                    .decompressed_content()
                    .unwrap_or_else(|_| stream.content.clone());
                self.budget.charge(data.len() as u64 / 64)?;
                let mut inner = gs.clone();
                if let Some(Object::Array(m)) =
                    stream.dict.get(b"Matrix").ok().and_then(|o| self.deref(o))
                {
                    let vals: Vec<f64> = m.iter().filter_map(num).collect();
                    if let Ok(m) = <[f64; 6]>::try_from(vals.as_slice()) {
                        inner.ctm = mul(&m, &inner.ctm);
                    }
                }
                let form_resources = stream
                    .dict
                    .get(b"Resources")
                    .ok()
                    .and_then(|o| self.deref(o))
                    .and_then(|o| o.as_dict().ok())
                    .or(resources);
                self.forms.push(id.unwrap_or((0, 0)));
                let result = self.run(&data, form_resources, inner);
                self.forms.pop();
                result?;
            }
            _ => {}
        }
        Ok(())
    }

    fn show(&mut self, bytes: &[u8], gs: &State, tm: &mut Matrix) -> Result<(), PdfError> {
        let Some(font) = gs.font.clone() else {
            return Ok(());
        };
        self.budget.charge(bytes.len() as u64 / 8 + 1)?;
        let mut decoded = std::mem::take(&mut self.decoded);
        decoded.clear();
        font.decode(bytes, &mut decoded);
        let fs = gs.size;
        for g in decoded.drain(..) {
            let m = mul(tm, &gs.ctm);
            let w = g.width as f64;
            let (p0, p1, dir) = if font.vertical {
                (
                    apply(&m, 0.0, gs.rise),
                    apply(&m, 0.0, gs.rise - fs),
                    apply(&m, 0.0, -1.0),
                )
            } else {
                (
                    apply(&m, 0.0, gs.rise),
                    apply(&m, w * fs * gs.hscale, gs.rise),
                    apply(&m, 1.0, 0.0),
                )
            };
            let origin = apply(&m, 0.0, 0.0);
            let (dx, dy) = (dir.0 - origin.0, dir.1 - origin.1);
            // Font size on the page: the text matrix's scale across the line.
            let size = if font.vertical {
                fs * (m[0] * m[0] + m[1] * m[1]).sqrt()
            } else {
                fs * (m[2] * m[2] + m[3] * m[3]).sqrt()
            } * font.size_scale as f64;
            self.record(p0, p1, (dx, dy), size, g.text, Rc::as_ptr(&font) as usize);
            let advance = if font.vertical {
                -(fs) + gs.char_spacing + if g.word_space { gs.word_spacing } else { 0.0 }
            } else {
                (w * fs + gs.char_spacing + if g.word_space { gs.word_spacing } else { 0.0 })
                    * gs.hscale
            };
            let t = if font.vertical {
                [1.0, 0.0, 0.0, 1.0, 0.0, advance]
            } else {
                [1.0, 0.0, 0.0, 1.0, advance, 0.0]
            };
            *tm = mul(&t, tm);
        }
        self.decoded = decoded;
        Ok(())
    }

    fn record(
        &mut self,
        p0: (f64, f64),
        p1: (f64, f64),
        (dx, dy): (f64, f64),
        size: f64,
        text: Option<String>,
        font: usize,
    ) {
        let [x0, y0, x1, y1] = self.page_box;
        let finite = p0.0.is_finite()
            && p0.1.is_finite()
            && p1.0.is_finite()
            && p1.1.is_finite()
            && size.is_finite();
        // Like poppler, glyphs off the page are not part of its text.
        if !finite || p0.0 < x0 - 1.0 || p0.0 > x1 + 1.0 || p0.1 < y0 - 1.0 || p0.1 > y1 + 1.0 {
            return;
        }
        let Some(text) = text else {
            self.scan.unmapped += 1;
            return;
        };
        if self.scan.glyphs.len() >= MAX_GLYPHS_PER_PAGE {
            return;
        }
        let rot: u8 = if dx.abs() >= dy.abs() {
            if dx >= 0.0 {
                0
            } else {
                2
            }
        } else if dy > 0.0 {
            1
        } else {
            3
        };
        let (ux, uy) = match rot {
            0 => (1.0, 0.0),
            1 => (0.0, 1.0),
            2 => (-1.0, 0.0),
            _ => (0.0, -1.0),
        };
        // u along the text, v "down" across it (the direction turned by -90°).
        let (nx, ny) = (uy, -ux);
        let a = p0.0 * ux + p0.1 * uy;
        let b = p1.0 * ux + p1.1 * uy;
        let v = p0.0 * nx + p0.1 * ny;
        self.scan.glyphs.push(Glyph {
            u0: a.min(b) as f32,
            u1: a.max(b) as f32,
            v: v as f32,
            size: size.abs().max(0.1) as f32,
            rot,
            text,
            font,
        });
    }
}
