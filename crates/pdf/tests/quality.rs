use casesearch_pdf::{extract, ExtractOptions, PdfError};

use crate::corpus;

/// The target: median token F1 against `pdftotext` of at least 0.99
/// over the files whose reference has 50 words or more.
#[test]
fn median_token_f1_against_pdftotext_is_at_least_0_99() {
    let opts = ExtractOptions::default();
    let mut scores = Vec::new();
    for pdf in corpus::pdfs() {
        let reference_path = pdf.with_extension("pdftotext.txt");
        let Ok(reference) = std::fs::read_to_string(&reference_path) else {
            continue;
        };
        let reference = corpus::tokens(&reference);
        if reference.len() < 50 {
            continue;
        }
        let bytes = std::fs::read(&pdf).expect("readable fixture");
        let got = extract(&bytes, &opts).map(|t| t.text()).unwrap_or_default();
        scores.push((corpus::f1(&corpus::tokens(&got), &reference), pdf));
    }
    assert!(
        scores.len() >= 15,
        "expected the scored set, found {} files",
        scores.len()
    );
    scores.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = scores[scores.len() / 2].0;
    let table: Vec<String> = scores
        .iter()
        .map(|(s, p)| format!("{s:.3} {}", p.display()))
        .collect();
    assert!(
        median >= 0.99,
        "median F1 {median:.4}\n{}",
        table.join("\n")
    );
}

#[test]
fn word_export_pages_are_numbered_and_carry_their_own_text() {
    let pdf = extract(
        &corpus::read("word__issue15367.pdf"),
        &ExtractOptions::default(),
    )
    .expect("opens");
    let numbers: Vec<u32> = pdf.pages.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [1, 2, 3]);
    for page in &pdf.pages {
        assert!(
            page.text.contains(&format!("Page {}", page.number)),
            "page {} text: {:?}",
            page.number,
            page.text
        );
        assert!(!page.needs_ocr);
    }
    assert_eq!(pdf.meta.page_count, 3);
}

#[test]
fn empty_user_password_files_are_decrypted() {
    for name in [
        "enc__r2-empty-password.pdf",
        "enc__r4-owner-password.pdf",
        "enc__r6-empty-password.pdf",
        "enc__r6-user-password.pdf",
    ] {
        let pdf = extract(&corpus::read(name), &ExtractOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let reference =
            std::fs::read_to_string(corpus::dir().join(name.replace(".pdf", ".pdftotext.txt")))
                .expect("reference");
        assert_eq!(
            corpus::tokens(&pdf.text()),
            corpus::tokens(&reference),
            "{name}"
        );
    }
    let rc4 = extract(
        &corpus::read("indesign__issue-00352-asw-oct96-p41.pdf"),
        &ExtractOptions::default(),
    )
    .expect("RC4 file opens");
    assert!(rc4.text().split_whitespace().count() > 600);
}

#[test]
fn user_password_file_is_password_required() {
    let err = extract(
        &corpus::read("libreoffice__libreoffice-writer-password.pdf"),
        &ExtractOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, PdfError::PasswordRequired), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the PDF is encrypted and needs a password to open"
    );
}

#[test]
fn scanned_pages_without_text_need_ocr() {
    let pdf = extract(
        &corpus::read("scan__pdf-with-jbig2.pdf"),
        &ExtractOptions::default(),
    )
    .expect("opens");
    assert_eq!(pdf.needs_ocr_pages(), pdf.pages.len());
    assert!(pdf.pages.iter().all(|p| p.text.is_empty()));
}

#[test]
fn fake_bold_glyphs_drawn_twice_come_out_once() {
    let pdf = extract(
        &corpus::read("indesign__issue-71-duplicate-chars-2.pdf"),
        &ExtractOptions::default(),
    )
    .expect("opens");
    let text = pdf.text();
    assert!(
        !text.contains("LLee") && !text.contains("ddéé"),
        "doubled glyphs survived"
    );
    assert!(text.contains("Le pH"), "{}", &text[..400.min(text.len())]);
}

#[test]
fn ligatures_become_letters() {
    let pdf = extract(
        &corpus::read("font__copy_paste_ligatures.pdf"),
        &ExtractOptions::default(),
    )
    .expect("opens");
    let reference =
        std::fs::read_to_string(corpus::dir().join("font__copy_paste_ligatures.pdftotext.txt"))
            .expect("reference");
    assert_eq!(corpus::tokens(&pdf.text()), corpus::tokens(&reference));
}

#[test]
fn two_columns_are_read_one_after_the_other() {
    let pdf = extract(
        &corpus::read("tex__multicolumn.pdf"),
        &ExtractOptions::default(),
    )
    .expect("opens");
    let text = pdf.text();
    // Words hyphenated at a column's line end are rejoined with their own
    // column's next line, not glued to the neighbouring column.
    assert!(
        text.contains("Maecenas") && text.contains("consectetuer"),
        "{text}"
    );
}

#[test]
fn metadata_comes_from_the_info_dictionary() {
    let pdf = extract(
        &corpus::read("pdfmaker__chelsea_pdta.pdf"),
        &ExtractOptions::default(),
    )
    .expect("opens");
    assert_eq!(pdf.meta.page_count, 65);
    assert!(
        pdf.meta.producer.as_deref().is_some_and(|p| !p.is_empty()),
        "{:?}",
        pdf.meta
    );
    assert!(
        pdf.meta
            .created
            .as_deref()
            .is_some_and(|c| c.starts_with("20")),
        "{:?}",
        pdf.meta
    );
}

#[test]
fn running_headers_are_dropped_but_kept_on_request() {
    let bytes = corpus::read("word__GeoBase_NHNC1_Data_Model_UML_EN.pdf");
    let count = |strip: bool| {
        let opts = ExtractOptions {
            strip_running_headers: strip,
            ..ExtractOptions::default()
        };
        extract(&bytes, &opts)
            .expect("opens")
            .text()
            .matches("National Hydro Network")
            .count()
    };
    let kept = count(false);
    let stripped = count(true);
    assert!(kept >= 17, "header on every page when kept: {kept}");
    assert!(stripped < kept / 2, "stripped {stripped} of {kept}");
}

#[test]
fn not_a_pdf_and_budget_errors_are_specific() {
    assert!(matches!(
        extract(b"<html>hello</html>", &ExtractOptions::default()),
        Err(PdfError::NotPdf)
    ));
    let tiny = ExtractOptions {
        max_bytes: 100,
        ..ExtractOptions::default()
    };
    assert!(matches!(
        extract(&corpus::read("word__bug2014080.pdf"), &tiny),
        Err(PdfError::TooLarge { .. })
    ));
    let few_ops = ExtractOptions {
        max_ops: 50,
        ..ExtractOptions::default()
    };
    assert!(matches!(
        extract(&corpus::read("tex__libtasn1.pdf"), &few_ops),
        Err(PdfError::BudgetExceeded { .. })
    ));
}

#[test]
fn cidrange_entries_in_a_to_unicode_cmap_are_read_as_unicode() {
    // Iceni's Word export writes the ToUnicode map of its Chinese font as
    // `cidrange`s; the company name between the two other runs was lost.
    let pdf = extract(
        &corpus::read("word__issue_566_test_2.pdf"),
        &ExtractOptions::default(),
    )
    .expect("opens");
    let text = pdf.text();
    assert!(text.contains("中国饮料有限公司"), "{text}");
}

#[test]
fn type3_glyph_names_no_table_knows_pass_the_code_through() {
    // The font names its glyphs /square and /triangle at codes "a" and "b";
    // poppler reads such a Type 3 font's unknown names as the codes. (Ours
    // still knows /triangle from TeX's math fonts.)
    let pdf = extract(
        &corpus::read("font__Type3WordSpacing.pdf"),
        &ExtractOptions::default(),
    )
    .expect("opens");
    let text = pdf.text();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(lines.iter().all(|l| l.starts_with('a')), "{text}");
}

#[test]
fn identity_h_without_to_unicode_reads_through_the_embedded_fonts_cmap() {
    // Codes are glyph ids and no /ToUnicode says what they draw; pdftotext
    // prints the ids ("6HULRXV"), the font's own cmap read backwards gives
    // the words (testdata/fonts/SOURCES.md says how the file was made).
    let path = corpus::dir().join("../fonts/identity-h-no-tounicode.pdf");
    let bytes = std::fs::read(&path).expect("fixture");
    let pdf = extract(&bytes, &ExtractOptions::default()).expect("opens");
    assert_eq!(
        pdf.pages[0].text,
        "Serious case review: Child F\nInformation sharing between agencies was poor."
    );
    assert_eq!(pdf.needs_ocr_pages(), 0);
}

#[test]
fn digits_in_another_font_amid_chinese_are_words_of_their_own() {
    // The scan's text layer sets every glyph apart (OCR output), so letter
    // spacing cannot tell words; a change of font between Han and digits can.
    let pdf = extract(
        &corpus::read("scan__pr-136-example.pdf"),
        &ExtractOptions::default(),
    )
    .expect("opens");
    let text = pdf.text();
    assert!(text.contains("截至 2015 年 12 月 31 日"), "{text}");
}

#[test]
fn vertical_columns_read_top_to_bottom_right_to_left() {
    // Identity-V: glyphs advance down the page; columns are read from the
    // right (testdata/fonts/SOURCES.md says how the file was made).
    let path = corpus::dir().join("../fonts/identity-v-columns.pdf");
    let bytes = std::fs::read(&path).expect("fixture");
    let pdf = extract(&bytes, &ExtractOptions::default()).expect("opens");
    assert_eq!(pdf.pages[0].text, "Child\nReview");
}
