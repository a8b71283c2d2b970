//! Glyphs to reading-order lines: drop glyphs drawn twice, gather glyphs
//! into lines by baseline, split lines at wide gaps into fragments, then
//! order fragments by recursive XY cuts (columns before rows) and rejoin
//! the fragments that share a row.

use std::collections::HashMap;

use crate::content::Glyph;

/// A gap wider than this many font sizes between glyphs is a word break
/// (poppler's `minWordBreakSpace` is 0.1).
const WORD_GAP: f32 = 0.1;
/// A gap wider than this splits a line into fragments that may belong to
/// different columns.
const FRAGMENT_GAP: f32 = 0.8;
/// A column cut needs both sides at least this share of the region's width,
/// so a column of bullets or paragraph numbers is not read as a column.
const MIN_COLUMN_SHARE: f32 = 0.12;
/// Recursion bound for the XY cut; deeper regions are emitted top to bottom.
const MAX_CUT_DEPTH: usize = 64;

/// One output line of a page.
#[derive(Debug, Clone)]
pub struct Line {
    pub text: String,
    /// Baseline position across the text direction, in points, growing down.
    pub v: f32,
    pub rot: u8,
}

struct Fragment {
    u0: f32,
    u1: f32,
    top: f32,
    bottom: f32,
    v: f32,
    size: f32,
    text: String,
}

/// Orders a page's glyphs into lines of text.
pub fn page_lines(mut glyphs: Vec<Glyph>) -> Vec<Line> {
    drop_duplicates(&mut glyphs);
    let mut out = Vec::new();
    for rot in 0..4u8 {
        let group: Vec<Glyph> = glyphs.iter().filter(|g| g.rot == rot).cloned().collect();
        if group.is_empty() {
            continue;
        }
        let frags = fragments(group);
        let mut order = Vec::new();
        let idx: Vec<usize> = (0..frags.len()).collect();
        xy_cut(&frags, idx, 0, &mut order);
        for leaf in order {
            emit_leaf(&frags, leaf, rot, &mut out);
        }
    }
    out
}

/// Fake bold and shadowed text draw each glyph twice at nearly the same
/// spot; keep the first.
fn drop_duplicates(glyphs: &mut Vec<Glyph>) {
    const CELL: f32 = 2.0;
    let mut seen: HashMap<(i32, i32, u8), Vec<usize>> = HashMap::new();
    let mut keep = vec![true; glyphs.len()];
    for (i, g) in glyphs.iter().enumerate() {
        if g.text.trim().is_empty() {
            continue;
        }
        let (cu, cv) = ((g.u0 / CELL).floor() as i32, (g.v / CELL).floor() as i32);
        let tol = (0.15 * g.size).min(CELL);
        let mut dup = false;
        'find: for du in -1..=1 {
            for dv in -1..=1 {
                if let Some(list) = seen.get(&(cu + du, cv + dv, g.rot)) {
                    for &j in list {
                        let h = &glyphs[j];
                        if h.text == g.text && (h.u0 - g.u0).abs() < tol && (h.v - g.v).abs() < tol
                        {
                            dup = true;
                            break 'find;
                        }
                    }
                }
            }
        }
        if dup {
            keep[i] = false;
        } else {
            seen.entry((cu, cv, g.rot)).or_default().push(i);
        }
    }
    let mut k = keep.iter();
    glyphs.retain(|_| *k.next().unwrap_or(&true));
}

fn fragments(mut glyphs: Vec<Glyph>) -> Vec<Fragment> {
    glyphs.sort_by(|a, b| a.v.total_cmp(&b.v));
    let mut lines: Vec<Vec<Glyph>> = Vec::new();
    let mut anchor = (f32::NEG_INFINITY, 0.0f32);
    for g in glyphs {
        let fits = (g.v - anchor.0).abs() <= 0.5 * anchor.1.max(g.size);
        match lines.last_mut() {
            Some(line) if fits => {
                // The line's baseline is its largest glyphs', so a superscript
                // seen first does not push the subscripts out of the line.
                if g.size > anchor.1 {
                    anchor = (g.v, g.size);
                }
                line.push(g)
            }
            _ => {
                anchor = (g.v, g.size);
                lines.push(vec![g]);
            }
        }
    }
    let mut out = Vec::new();
    for mut line in lines {
        line.sort_by(|a, b| a.u0.total_cmp(&b.u0));
        let mut current: Vec<Glyph> = Vec::new();
        let mut right = f32::NEG_INFINITY;
        for g in line {
            let size = current.last().map_or(g.size, |p| p.size.max(g.size));
            if !current.is_empty() && g.u0 - right > FRAGMENT_GAP * size {
                out.push(build_fragment(std::mem::take(&mut current)));
            }
            right = if current.is_empty() {
                g.u1
            } else {
                right.max(g.u1)
            };
            current.push(g);
        }
        if !current.is_empty() {
            out.push(build_fragment(current));
        }
    }
    out.retain(|f| !f.text.trim().is_empty());
    out
}

fn build_fragment(glyphs: Vec<Glyph>) -> Fragment {
    // Letter-spaced text (OCR layers, spaced headings) has every glyph apart;
    // the gap most glyph pairs share is then the letter spacing, not a word
    // break, so the threshold rises above it.
    let mut gaps: Vec<f32> = glyphs
        .windows(2)
        .filter(|w| !w[0].text.trim().is_empty() && !w[1].text.trim().is_empty())
        .map(|w| w[1].u0 - w[0].u1)
        .collect();
    gaps.sort_by(f32::total_cmp);
    let typical_gap = gaps.get(gaps.len() / 2).copied().unwrap_or(0.0).max(0.0);
    let mut text = String::new();
    let mut right = f32::NEG_INFINITY;
    let mut prev_size = 0.0f32;
    let mut prev_font = usize::MAX;
    let mut pending_space = false;
    // The baseline of the largest glyphs is the line's; superscripts sit above it.
    let main = glyphs
        .iter()
        .max_by(|a, b| a.size.total_cmp(&b.size))
        .map_or((0.0, 0.0), |g| (g.v, g.size));
    let (mut u0, mut u1) = (f32::INFINITY, f32::NEG_INFINITY);
    for g in &glyphs {
        u0 = u0.min(g.u0);
        u1 = u1.max(g.u1);
        if g.text.chars().all(char::is_whitespace) {
            pending_space = true;
            right = right.max(g.u1);
            continue;
        }
        let gap = g.u0 - right;
        // Letter spacing is a property of one script's run: where Chinese or
        // Japanese meets Latin letters or digits, a gap of a word break, or a
        // change of font, is a word break, as poppler reads it ("2015 年").
        let script_change = text
            .chars()
            .last()
            .zip(g.text.chars().next())
            .is_some_and(|(a, b)| {
                a.is_alphanumeric() && b.is_alphanumeric() && is_cjk(a) != is_cjk(b)
            });
        let spacing = if script_change {
            0.0
        } else {
            1.4 * typical_gap
        };
        let threshold = (WORD_GAP * prev_size.max(g.size)).max(spacing);
        let breaks = pending_space || gap > threshold || (script_change && g.font != prev_font);
        if !text.is_empty() && breaks && !text.ends_with(' ') {
            text.push(' ');
        }
        pending_space = false;
        text.push_str(&g.text);
        right = g.u1;
        prev_size = g.size;
        prev_font = g.font;
    }
    let text = text.trim_end().to_owned();
    Fragment {
        u0,
        u1,
        top: main.0 - 0.8 * main.1,
        bottom: main.0 + 0.25 * main.1,
        v: main.0,
        size: main.1,
        text,
    }
}

/// Han, kana and Hangul: scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0xAC00..=0xD7AF | 0x20000..=0x2FA1F)
}

fn median_size(frags: &[Fragment], idx: &[usize]) -> f32 {
    let mut sizes: Vec<f32> = idx.iter().map(|&i| frags[i].size).collect();
    sizes.sort_by(f32::total_cmp);
    sizes.get(sizes.len() / 2).copied().unwrap_or(10.0)
}

fn xy_cut(frags: &[Fragment], mut idx: Vec<usize>, depth: usize, out: &mut Vec<Vec<usize>>) {
    if idx.len() <= 1 || depth >= MAX_CUT_DEPTH {
        out.push(idx);
        return;
    }
    let size = median_size(frags, &idx);
    // Columns first: the widest vertical gap that leaves real text on both sides.
    idx.sort_by(|&a, &b| frags[a].u0.total_cmp(&frags[b].u0));
    let left = frags[idx[0]].u0;
    let right = idx
        .iter()
        .map(|&i| frags[i].u1)
        .fold(f32::NEG_INFINITY, f32::max);
    let width = (right - left).max(1.0);
    let mut best: Option<(f32, usize)> = None;
    let mut reach = frags[idx[0]].u1;
    for (k, &i) in idx.iter().enumerate().skip(1) {
        let gap = frags[i].u0 - reach;
        if gap > 0.8 * size
            && reach - left >= MIN_COLUMN_SHARE * width
            && right - frags[i].u0 >= MIN_COLUMN_SHARE * width
            && best.is_none_or(|(g, _)| gap > g)
        {
            best = Some((gap, k));
        }
        reach = reach.max(frags[i].u1);
    }
    if let Some((_, k)) = best {
        let rest = idx.split_off(k);
        xy_cut(frags, idx, depth + 1, out);
        xy_cut(frags, rest, depth + 1, out);
        return;
    }
    // Then rows: cut at the widest horizontal gaps (all of about that width at once).
    idx.sort_by(|&a, &b| frags[a].top.total_cmp(&frags[b].top));
    let mut gaps: Vec<(f32, usize)> = Vec::new();
    let mut reach = frags[idx[0]].bottom;
    for (k, &i) in idx.iter().enumerate().skip(1) {
        let gap = frags[i].top - reach;
        if gap > 0.0 {
            gaps.push((gap, k));
        }
        reach = reach.max(frags[i].bottom);
    }
    let Some(widest) = gaps.iter().map(|g| g.0).reduce(f32::max) else {
        out.push(idx);
        return;
    };
    let mut cuts: Vec<usize> = gaps
        .iter()
        .filter(|g| g.0 >= 0.9 * widest)
        .map(|g| g.1)
        .collect();
    cuts.push(idx.len());
    let mut start = 0;
    for cut in cuts {
        let part = idx[start..cut].to_vec();
        start = cut;
        xy_cut(frags, part, depth + 1, out);
    }
}

/// A region no cut can split: its fragments overlap in height, so it is one
/// row (or a few tangled ones) read left to right.
fn emit_leaf(frags: &[Fragment], mut idx: Vec<usize>, rot: u8, out: &mut Vec<Line>) {
    idx.sort_by(|&a, &b| frags[a].v.total_cmp(&frags[b].v));
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut anchor = (f32::NEG_INFINITY, 0.0f32);
    for i in idx {
        let f = &frags[i];
        if (f.v - anchor.0).abs() <= 0.5 * anchor.1.max(f.size) {
            if let Some(row) = rows.last_mut() {
                row.push(i);
                if f.size > anchor.1 {
                    anchor = (f.v, f.size);
                }
                continue;
            }
        }
        anchor = (f.v, f.size);
        rows.push(vec![i]);
    }
    for mut row in rows {
        row.sort_by(|&a, &b| frags[a].u0.total_cmp(&frags[b].u0));
        let text = row
            .iter()
            .map(|&i| frags[i].text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let v = frags[row[0]].v;
        out.push(Line { text, v, rot });
    }
}
