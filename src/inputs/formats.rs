//! Turning a file's bytes into plain text: by format (text, Markdown, HTML, PDF text layer,
//! DOCX) and, for text, by encoding (UTF-8, UTF-16 with a BOM, Windows-1252/Latin-1).
//!
//! Every failure is a one-line reason; the caller adds the file name.

pub use crate::error::InputError;
use std::io::Read;
use std::path::Path;

/// Extensions picked up when a directory is walked.
pub const EXTENSIONS: &[&str] = &[
    "txt", "text", "md", "markdown", "html", "htm", "xhtml", "pdf", "docx",
];

/// The formats bisum reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Text,
    Markdown,
    Html,
    Pdf,
    Docx,
}

impl Format {
    /// The format a file name says, if it says one bisum knows.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "txt" | "text" => Format::Text,
            "md" | "markdown" => Format::Markdown,
            "html" | "htm" | "xhtml" => Format::Html,
            "pdf" => Format::Pdf,
            "docx" => Format::Docx,
            _ => return None,
        })
    }

    /// The format the bytes themselves show, for stdin and unknown extensions.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"%PDF-") {
            return Format::Pdf;
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return Format::Docx;
        }
        let head: String = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)])
            .trim_start_matches('\u{feff}')
            .trim_start()
            .chars()
            .take(64)
            .collect::<String>()
            .to_ascii_lowercase();
        if head.starts_with("<!doctype html") || head.starts_with("<html") {
            Format::Html
        } else {
            Format::Text
        }
    }
}

/// Text as extracted, with what was detected about it (recorded in report.json).
#[derive(Debug, Clone)]
pub struct Extracted {
    pub text: String,
    pub format: Format,
    pub encoding: &'static str,
    /// Passages addressed to a language model (`checks::injection`), found when read.
    pub injection: Vec<String>,
}

/// Extracts the text of `bytes`, read from a file of format `format`; more than
/// `max_text` bytes of text is an error, found while inflating a DOCX (a 1 MB zip can
/// inflate to gigabytes) and before anything is tokenized.
pub fn extract(bytes: &[u8], format: Format, max_text: u64) -> Result<Extracted, InputError> {
    let got = extract_all(bytes, format, max_text)?;
    if got.text.len() as u64 > max_text {
        return Err(InputError::TooMuchText { limit: max_text });
    }
    Ok(got)
}

fn extract_all(bytes: &[u8], format: Format, max_text: u64) -> Result<Extracted, InputError> {
    match format {
        Format::Text | Format::Markdown => {
            let (text, encoding) = decode_text(bytes)?;
            Ok(Extracted {
                text,
                format,
                encoding,
                injection: Vec::new(),
            })
        }
        Format::Html => {
            let (raw, encoding) = decode_text(bytes)?;
            Ok(Extracted {
                text: html_text(&raw),
                format,
                encoding,
                injection: Vec::new(),
            })
        }
        Format::Pdf => Ok(Extracted {
            text: pdf_text(bytes)?,
            format,
            encoding: "pdf",
            injection: Vec::new(),
        }),
        Format::Docx => Ok(Extracted {
            text: docx_text(bytes, max_text)?,
            format,
            encoding: "UTF-8",
            injection: Vec::new(),
        }),
    }
}

/// Decodes text bytes. UTF-8 (with or without BOM) and UTF-16 with a BOM are taken as they
/// say; anything else must read as Windows-1252 (which covers Latin-1's printable range,
/// as browsers do). Bytes that are neither (a NUL, a control byte, an unassigned
/// Windows-1252 byte, or UTF-8 sequences mixed with stray bytes) are an error, not mojibake.
pub fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), InputError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, malformed) = enc.decode_without_bom_handling(&bytes[bom..]);
        if malformed {
            return Err(InputError::Malformed(enc.name()));
        }
        return Ok((text.into_owned(), enc.name()));
    }
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(InputError::Binary { byte: 0, at });
    }
    let utf8_err = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok((s.to_string(), "UTF-8")),
        Err(e) => e,
    };
    let bad_at = utf8_err.valid_up_to();
    let invalid = |what: &'static str| {
        Err(InputError::NotUtf8 {
            what,
            byte: bytes[bad_at],
            at: bad_at,
        })
    };
    if has_utf8_multibyte(bytes) {
        return invalid("UTF-8 mixed with other bytes");
    }
    if let Some(at) = bytes
        .iter()
        .position(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)) || b == 0x7f)
    {
        return Err(InputError::Binary {
            byte: bytes[at],
            at,
        });
    }
    // Bytes Windows-1252 leaves unassigned: a file holding them is not in that encoding.
    if let Some(at) = bytes
        .iter()
        .position(|&b| matches!(b, 0x81 | 0x8d | 0x8f | 0x90 | 0x9d))
    {
        return Err(InputError::Unassigned {
            byte: bytes[at],
            at,
        });
    }
    // Real Latin-script text is mostly ASCII; a file mostly of high bytes is something else.
    let high = bytes.iter().filter(|&&b| b >= 0x80).count();
    if high * 4 > bytes.len() {
        return invalid("too many non-ASCII bytes for Windows-1252 text");
    }
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    Ok((text.into_owned(), "windows-1252"))
}

/// Whether `bytes` holds at least one well-formed multi-byte UTF-8 sequence.
fn has_utf8_multibyte(bytes: &[u8]) -> bool {
    let cont = |b: u8| (0x80..0xc0).contains(&b);
    bytes.windows(2).enumerate().any(|(i, w)| match w[0] {
        0xc2..=0xdf => cont(w[1]),
        0xe0..=0xef => cont(w[1]) && bytes.get(i + 2).is_some_and(|&b| cont(b)),
        0xf0..=0xf4 => {
            cont(w[1])
                && bytes.get(i + 2).is_some_and(|&b| cont(b))
                && bytes.get(i + 3).is_some_and(|&b| cont(b))
        }
        _ => false,
    })
}

/// Elements never part of the main text.
const HTML_SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "nav", "aside", "form", "iframe", "button",
    "select", "textarea", "menu", "dialog", "canvas", "object", "head",
];
/// Elements that end a paragraph.
const HTML_BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "table",
    "tr",
    "dd",
    "dt",
    "dl",
    "figcaption",
    "header",
    "footer",
    "br",
    "hr",
    "title",
    "address",
];
/// ARIA roles of page chrome.
const HTML_SKIP_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "menu",
    "menubar",
    "dialog",
];

/// The main text of an HTML page: the `<article>` (or `<main>`) when there is one with
/// text, else `<body>` without its page header and footer; navigation, scripts, styles,
/// forms and asides are dropped, and block elements become paragraphs.
pub fn html_text(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let pick = |sel: &str| {
        let s = scraper::Selector::parse(sel).expect("static selector");
        doc.select(&s)
            .map(|e| {
                let mut out = String::new();
                walk_html(*e, &mut out, false);
                out
            })
            .filter(|t| t.split_whitespace().count() >= 20)
            .max_by_key(|t| t.len())
    };
    if let Some(t) = pick("article").or_else(|| pick("main, [role=main]")) {
        return t;
    }
    let mut out = String::new();
    walk_html(*doc.root_element(), &mut out, true);
    out
}

/// The text under `node`, depth first with an explicit stack: a page of 100,000 nested
/// elements must not overflow the thread's stack.
fn walk_html(node: ego_tree::NodeRef<scraper::Node>, out: &mut String, page: bool) {
    enum Step<'a> {
        Enter(ego_tree::NodeRef<'a, scraper::Node>),
        /// After an element's children: what to write once they are done.
        Close(&'static str),
    }
    let mut stack: Vec<Step> = node.children().rev().map(Step::Enter).collect();
    while let Some(step) = stack.pop() {
        let child = match step {
            Step::Close(s) => {
                out.push_str(s);
                continue;
            }
            Step::Enter(n) => n,
        };
        match child.value() {
            scraper::Node::Text(t) => out.push_str(t),
            scraper::Node::Element(e) => {
                let name = e.name();
                let hidden = e.attr("hidden").is_some()
                    || e.attr("aria-hidden") == Some("true")
                    || e.attr("role").is_some_and(|r| HTML_SKIP_ROLES.contains(&r));
                // A page's own header and footer are chrome; an article's header is its title.
                if HTML_SKIP.contains(&name)
                    || hidden
                    || (page && matches!(name, "header" | "footer"))
                {
                    continue;
                }
                let block = HTML_BLOCKS.contains(&name);
                if block {
                    out.push_str("\n\n");
                    stack.push(Step::Close("\n\n"));
                } else if matches!(name, "td" | "th") {
                    stack.push(Step::Close(" "));
                }
                stack.extend(child.children().rev().map(Step::Enter));
            }
            _ => {}
        }
    }
}

/// The text layer of a PDF. A PDF with no text (a scan) is an error that says so.
pub fn pdf_text(bytes: &[u8]) -> Result<String, InputError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(InputError::NotPdf);
    }
    // pdf-extract panics on some malformed files; a bad PDF must cost only its own source.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let got = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
    std::panic::set_hook(hook);
    let text = match got {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => return Err(InputError::Pdf(crate::text::first_line(&e.to_string()))),
        Err(_) => return Err(InputError::Pdf("the PDF parser gave up on it".into())),
    };
    if text.trim().is_empty() {
        return Err(InputError::NoTextLayer);
    }
    Ok(text)
}

/// Bytes of document XML read per byte of text allowed: Word's markup around a run of text
/// is rarely more than a few times the text itself.
const XML_PER_TEXT: u64 = 8;

/// The body text of a Word (.docx) file: `word/document.xml`, one paragraph per `<w:p>`.
pub fn docx_text(bytes: &[u8], max_text: u64) -> Result<String, InputError> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| InputError::NotDocx(e.to_string()))?;
    let mut xml = String::new();
    // The XML is read up to a multiple of the text cap (markup outweighs text), so a zip
    // bomb stops at the cap instead of filling memory.
    let xml_cap = max_text.saturating_mul(XML_PER_TEXT);
    zip.by_name("word/document.xml")
        .map_err(|_| InputError::NotDocx("no word/document.xml inside".into()))?
        .take(xml_cap + 1)
        .read_to_string(&mut xml)
        .map_err(|e| InputError::Docx(e.to_string()))?;
    if xml.len() as u64 > xml_cap {
        return Err(InputError::TooMuchText { limit: max_text });
    }
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| InputError::Docx(e.to_string()))?;
        match event {
            Event::Start(e) if e.local_name().as_ref() == b"t" => in_text = true,
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => out.push_str("\n\n"),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => out.push('\t'),
                b"br" | b"cr" => out.push('\n'),
                b"p" => out.push_str("\n\n"),
                _ => {}
            },
            Event::Text(t) if in_text => {
                out.push_str(&t.decode().map_err(|e| InputError::Docx(e.to_string()))?)
            }
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else {
                    let name = r.decode().map_err(|e| InputError::Docx(e.to_string()))?;
                    out.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_utf16_and_windows_1252() {
        assert_eq!(
            decode_text("été".as_bytes()).unwrap(),
            ("été".into(), "UTF-8")
        );
        assert_eq!(
            decode_text(b"\xef\xbb\xbfcaf\xc3\xa9").unwrap(),
            ("café".into(), "UTF-8")
        );
        let mut utf16 = vec![0xff, 0xfe];
        utf16.extend("né".encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(decode_text(&utf16).unwrap(), ("né".into(), "UTF-16LE"));
        // Latin-1 and Windows-1252: é, the euro sign and typographic quotes.
        assert_eq!(
            decode_text(b"Le caf\xe9 co\xfbte 3 \x80, \x93dit-il\x94.").unwrap(),
            ("Le café coûte 3 €, “dit-il”.".into(), "windows-1252")
        );
    }

    #[test]
    fn rejects_what_is_no_known_encoding() {
        let e = decode_text(b"caf\xc3\xa9 puis caf\xe9")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("invalid encoding") && e.contains("offset 14"),
            "{e}"
        );
        let e = decode_text(b"abc\x81def").unwrap_err().to_string();
        assert!(e.contains("invalid encoding") && e.contains("0x81"), "{e}");
        let e = decode_text(&[0xe9u8; 40]).unwrap_err().to_string();
        assert!(e.contains("invalid encoding"), "{e}");
        let e = decode_text(b"GIF89a\x01\x00\x00").unwrap_err().to_string();
        assert!(e.contains("binary"), "{e}");
    }

    #[test]
    fn html_keeps_the_article_and_drops_chrome() {
        let html = r#"<!doctype html><html><head><title>T</title><style>p{}</style>
            <script>var menu = "Accueil";</script></head><body>
            <header><nav><a href="/">Accueil</a> <a href="/sport">Sport</a></nav></header>
            <article><h1>Le tramway arrive</h1>
            <p>Le conseil a voté le projet le 14 octobre, pour un coût de 412 millions d&#8217;euros.</p>
            <p>Les travaux dureront trois ans &amp; commenceront au printemps, selon la métropole.</p>
            <aside>Lire aussi : autre chose</aside></article>
            <footer>© Journal — mentions légales</footer></body></html>"#;
        let t = crate::inputs::normalize(&html_text(html));
        assert_eq!(
            t,
            "Le tramway arrive\n\nLe conseil a voté le projet le 14 octobre, pour un coût de \
             412 millions d’euros.\n\nLes travaux dureront trois ans & commenceront au \
             printemps, selon la métropole."
        );
    }

    #[test]
    fn html_without_article_uses_body_minus_page_chrome() {
        let html = "<html><body><header>Menu</header><p>Un.</p><div>Deux<br>Trois</div>\
                    <footer>Pied</footer></body></html>";
        assert_eq!(
            crate::inputs::normalize(&html_text(html)),
            "Un.\n\nDeux\n\nTrois"
        );
    }

    #[test]
    fn sniffs_formats() {
        assert_eq!(Format::sniff(b"%PDF-1.4 ..."), Format::Pdf);
        assert_eq!(Format::sniff(b"PK\x03\x04..."), Format::Docx);
        assert_eq!(Format::sniff(b"\n <!DOCTYPE html><p>x"), Format::Html);
        assert_eq!(Format::sniff(b"Bonjour"), Format::Text);
    }

    #[test]
    fn bad_pdf_and_docx_are_errors_not_panics() {
        let e = pdf_text(b"%PDF-1.4\ngarbage").unwrap_err().to_string();
        assert!(e.contains("PDF"), "{e}");
        let e = docx_text(b"PK\x03\x04garbage", 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(e.contains("docx"), "{e}");
    }

    #[test]
    fn deeply_nested_html_is_read_without_overflowing_the_stack() {
        let depth = 100_000;
        let html = format!(
            "<html><body>{}<p>Le fond du puits.</p>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        // A thread with a small stack, as the run's threads have: recursion would overflow.
        let t = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || html_text(&html))
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert_eq!(crate::inputs::normalize(&t), "Le fond du puits.");
    }
}
