//! Plain-text views of bodies: HTML flattened to text, Gmail's snippet, Graph's preview, and text
//! wrapped as HTML.

use crate::wire::escape_html;

/// The longest Gmail snippet, in characters.
const SNIPPET_CHARS: usize = 200;
/// The longest Graph `bodyPreview`, in characters.
const PREVIEW_CHARS: usize = 255;

/// The text of an HTML document: `<style>`, `<script>` and `<head>` dropped, tags removed, line
/// breaks where blocks end, the common entities decoded.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..open]));
        rest = &rest[open..];
        let tag_end = rest.find('>').map_or(rest.len(), |i| i + 1);
        let name: String = rest[1..tag_end]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = rest[1..].starts_with('/');
        if !closing && matches!(name.as_str(), "style" | "script" | "head") {
            let close = format!("</{name}");
            let skip = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
            rest = &rest[skip..];
            let end = rest.find('>').map_or(rest.len(), |i| i + 1);
            rest = &rest[end..];
            continue;
        }
        if matches!(
            name.as_str(),
            "br" | "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3"
        ) {
            out.push('\n');
        }
        rest = &rest[tag_end..];
    }
    out.push_str(&decode_entities(rest));
    // Blocks end and start with a break each: at most one blank line between them.
    let lines: Vec<&str> = out.lines().map(str::trim_end).collect();
    let mut text = String::with_capacity(out.len());
    let mut blank = 0;
    for line in lines {
        blank = if line.is_empty() { blank + 1 } else { 0 };
        if blank < 2 {
            text.push_str(line);
            text.push('\n');
        }
    }
    text.trim().to_owned()
}

/// Gmail's `snippet`: the text with runs of whitespace as one space, cut to 200 characters, and
/// HTML-escaped (Gmail sends `wasn&#39;t`).
pub(crate) fn snippet(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = collapsed.chars().take(SNIPPET_CHARS).collect();
    escape_html(cut.trim_end())
}

/// Graph's `bodyPreview`: the first 255 characters of the text, line breaks kept.
pub(crate) fn preview(text: &str) -> String {
    text.trim().chars().take(PREVIEW_CHARS).collect()
}

/// `text` as the HTML document Exchange makes of a plain-text body.
pub(crate) fn text_to_html(text: &str) -> String {
    let body = escape_html(text)
        .replace("\r\n", "\n")
        .replace('\n', "<br>\r\n");
    format!(
        "<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n</head>\r\n<body>\r\n<div>{body}</div>\r\n</body>\r\n</html>\r\n"
    )
}

/// `text` with `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`, `&nbsp;` and numeric references
/// decoded.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let c = match &rest[1..end] {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{a0}',
                numeric => {
                    let digits = numeric.strip_prefix('#')?;
                    let code = match digits.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => digits.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_flattens_to_text() {
        let html = "<html><head><style>p{}</style></head><body><p>Fish &amp; chips</p><p>Caf&#233; &lt;3<br>ok</p></body></html>";
        assert_eq!(html_to_text(html), "Fish & chips\n\nCafé <3\nok");
    }

    #[test]
    fn snippet_collapses_cuts_and_escapes() {
        assert_eq!(
            snippet("It  wasn't\r\n<here>"),
            "It wasn&#39;t &lt;here&gt;"
        );
        assert_eq!(snippet(&"word ".repeat(100)).chars().count(), 199);
    }
}
