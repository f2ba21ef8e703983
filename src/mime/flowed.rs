//! `text/plain; format=flowed` (RFC 3676) read back into paragraphs: soft line breaks (a line
//! ending in a space) joined, the space before them deleted too with `delsp=yes`, quote depth
//! kept, space-stuffing undone.

/// `text` unwrapped as RFC 3676 section 4 says: a flowed line (one that ends in a space, other
/// than the signature separator `-- `) joins the next line of the same quote depth; a line's
/// leading `>`s are its quote depth, and one space after them (or at the start of an unquoted
/// line) is stuffing, removed; with `delsp` the space that ends a flowed line is removed as
/// well (section 4.5). Paragraphs come out with their quote marks (`> ` per depth) and line
/// ends as `\n`.
pub fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<usize> = None;
    let lines = text.strip_suffix('\n').unwrap_or(text);
    for raw in lines.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let depth = line.bytes().take_while(|&b| b == b'>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let flowed = content.ends_with(' ') && content != "-- ";
        if open.is_some_and(|d| d != depth) {
            out.push('\n');
            open = None;
        }
        if open.is_none() {
            for _ in 0..depth {
                out.push('>');
            }
            if depth > 0 {
                out.push(' ');
            }
        }
        match (flowed, delsp) {
            (true, true) => out.push_str(&content[..content.len() - 1]),
            _ => out.push_str(content),
        }
        match flowed {
            true => open = Some(depth),
            false => {
                out.push('\n');
                open = None;
            }
        }
    }
    if out.ends_with('\n') && !text.ends_with('\n') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_breaks_join_and_hard_ones_stay() {
        let text =
            "Die Hasen klagten einst \r\nüber ihre Lage.\r\n\r\n Stuffed line\r\n-- \r\nSig\r\n";
        assert_eq!(
            unflow(text, false),
            "Die Hasen klagten einst über ihre Lage.\n\nStuffed line\n-- \nSig\n"
        );
    }

    #[test]
    fn delsp_removes_the_space_and_quotes_keep_their_depth() {
        assert_eq!(
            unflow("Zusammen \r\ngesetzt\r\n", true),
            "Zusammengesetzt\n"
        );
        assert_eq!(
            unflow("> quoted \r\n> more\r\n>> deeper\r\nplain", false),
            "> quoted more\n>> deeper\nplain"
        );
        assert_eq!(unflow("> open \r\nnext", false), "> open \nnext");
    }
}
