//! Real-world inputs: HTML main text, a PDF's text layer, DOCX, Windows-1252 and UTF-16
//! text, globs and standard input, read exactly and summarized like any other source.

mod common;
use common::*;
use std::path::Path;

const MB: u64 = 1_000_000;

fn limits(file_bytes: u64) -> bisum::inputs::Limits {
    bisum::inputs::Limits {
        file_bytes,
        ..Default::default()
    }
}

fn text_of(p: &Path) -> String {
    bisum::inputs::read(p, limits(50 * MB)).unwrap().text
}

#[test]
fn pdf_text_layer_is_read_with_its_accents() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("note.pdf");
    write_pdf(
        &p,
        &[
            "Le conseil a voté le tracé le 14 octobre 2025.",
            "Coût annoncé : 412 millions d'euros (hors taxes).",
        ],
    );
    let t = text_of(&p);
    let words: Vec<&str> = t.split_whitespace().collect();
    assert_eq!(
        words.join(" "),
        "Le conseil a voté le tracé le 14 octobre 2025. Coût annoncé : 412 millions d'euros (hors taxes)."
    );
    let got = bisum::inputs::read(&p, limits(50 * MB)).unwrap();
    assert_eq!(got.format, bisum::inputs::formats::Format::Pdf);
}

#[test]
fn docx_paragraphs_tabs_and_entities_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("compte-rendu.docx");
    write_docx(
        &p,
        &[
            "Compte rendu du conseil",
            "Budget : 412 M€ & 3 ans <estimation>\tvoté.",
            "Ligne 1\nLigne 2",
        ],
    );
    assert_eq!(
        text_of(&p),
        "Compte rendu du conseil\n\nBudget : 412 M€ & 3 ans <estimation> voté.\n\nLigne 1\nLigne 2"
    );
}

#[test]
fn html_page_gives_its_article_not_its_menus() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("page.html");
    std::fs::write(
        &p,
        "<!DOCTYPE html><html lang=fr><head><meta charset=utf-8><title>x</title>\
         <script>track()</script></head><body><nav><ul><li>Accueil</li><li>Politique</li></ul></nav>\
         <main><h1>Tramway : le tracé adopté</h1><p>Le conseil métropolitain a adopté mardi le \
         tracé de la ligne, pour un budget de 412&nbsp;millions d'euros et trois ans de travaux.</p>\
         <div class=share><button>Partager</button></div></main>\
         <footer>Tous droits réservés</footer></body></html>",
    )
    .unwrap();
    assert_eq!(
        text_of(&p),
        "Tramway : le tracé adopté\n\nLe conseil métropolitain a adopté mardi le tracé de la \
         ligne, pour un budget de 412 millions d'euros et trois ans de travaux."
    );
}

#[test]
fn windows_1252_latin1_and_utf16_text_decode() {
    let dir = tempfile::tempdir().unwrap();
    let cp = dir.path().join("cp1252.txt");
    std::fs::write(
        &cp,
        b"\x93Le co\xfbt \xe9tait de 412 M\x80\x97 d\xe9j\xe0.\x94",
    )
    .unwrap();
    assert_eq!(text_of(&cp), "“Le coût était de 412 M€— déjà.”");
    let u16 = dir.path().join("utf16.txt");
    let mut bytes = vec![0xfe, 0xff];
    bytes.extend("Élu à 52 %".encode_utf16().flat_map(|u| u.to_be_bytes()));
    std::fs::write(&u16, bytes).unwrap();
    assert_eq!(text_of(&u16), "Élu à 52 %");
}

#[test]
fn every_format_stdin_and_a_glob_go_through_summarize() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let article = "Le conseil a voté le projet de tramway le 14 octobre. Le coût est de 412 millions d'euros.";
    write_pdf(&d.join("a.pdf"), &[article]);
    write_docx(&d.join("b.docx"), &[article]);
    std::fs::write(
        d.join("c.html"),
        format!("<html><body><p>{article}</p></body></html>"),
    )
    .unwrap();
    std::fs::write(d.join("d.txt"), encoding_rs::WINDOWS_1252.encode(article).0).unwrap();
    std::fs::write(d.join("e.md"), format!("# Titre\n\n{article}")).unwrap();
    std::fs::write(d.join("ignored.jpg"), "not read").unwrap();
    let out = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let a = bisum(home.path())
        .arg("summarize")
        .arg(d.join("[a-c].*"))
        .arg(d.join("d.txt"))
        .arg(d.join("e.md"))
        .arg("-")
        .arg("--out")
        .arg(out.path())
        .arg("--model")
        .arg(tiny_model())
        .arg("--quiet")
        .write_stdin(article)
        .assert();
    let code = a.get_output().status.code();
    assert!(matches!(code, Some(0) | Some(3)), "{:?}", a.get_output());
    let r = read_json(&out.path().join("report.json"));
    let got: Vec<(String, String, String, String)> = r["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stem"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
                s["format"].as_str().unwrap().to_string(),
                s["encoding"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("a", "pdf", "pdf"),
        ("b", "docx", "UTF-8"),
        ("c", "html", "UTF-8"),
        ("d", "text", "windows-1252"),
        ("e", "markdown", "UTF-8"),
        ("stdin", "text", "UTF-8"),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(
            (g.0.as_str(), g.1.as_str(), g.2.as_str(), g.3.as_str()),
            (w.0, "ok", w.1, w.2)
        );
    }
    // The same text read from every format: the same normalised characters.
    let chars: Vec<u64> = r["sources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["stem"] != "e")
        .map(|s| s["chars"].as_u64().unwrap())
        .collect();
    assert!(
        chars.iter().all(|&c| c == article.chars().count() as u64),
        "{chars:?}"
    );
    assert!(out.path().join("stdin.fr.md").is_file());
    assert_eq!(r["sources"][5]["path"], "<stdin>");
}
