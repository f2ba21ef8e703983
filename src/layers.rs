//! The layers of the crate, lowest first, and the check that every `crate::` path in `src/`
//! points down them: a module uses only modules of lower layers, so that no import cycle can
//! form. Test modules (`#[cfg(test)] mod ...`) and comments are not read: a test may set up
//! its inputs with anything.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first (numbered from 1 in messages, as in the crate documentation). A
/// module may use the modules of the layers below its own, never one of its own layer or above.
const LAYERS: &[&[&str]] = &[
    // The WIT types (generated in `bindings`, re-exported at the crate root).
    &["types"],
    &["error", "pace", "page"],
    &["mime", "compose"],
    &["net", "manage"],
    // Each provider's OAuth profile and published limits, as data.
    &["profile"],
    &["config", "oauth"],
    &["session"],
    &["provider"],
    &["sync"],
    &["ops"],
    &["transport"],
    &["bindings"],
];

/// Modules held to a narrower rule than their layer: they use only the modules listed.
const ONLY: &[(&str, &[&str])] = &[("transport", &["net"])];

/// Modules outside the layers: `fuzz` (the fuzz targets' entry points) may use anything, and
/// this check reads the others.
const EXEMPT: &[&str] = &["fuzz", "layers"];

/// Items of the crate root that are not modules, and the module that defines each.
const ROOT_ITEMS: &[(&str, &str)] = &[("Error", "error"), ("Failure", "error")];

/// The layer of `module`, if it has one.
fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("src/ is readable").path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The top-level module a file under `src/` belongs to (`None` for the crate root).
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

/// `source` without its test modules, its comments and the insides of its string and
/// character literals (each replaced by a space), so that only code is left.
fn code_of(source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let next = lines[i + 1..].iter().find(|l| !l.trim().is_empty());
        if line.trim() == "#[cfg(test)]" && next.is_some_and(|n| n.trim_start().starts_with("mod "))
        {
            end = i;
            break;
        }
    }
    let text = lines[..end].join("\n");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
            out.push(' ');
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !ident_char(out.chars().last()) {
            // A raw string: r"..." or r#"..."#.
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += hashes + 2;
            let close: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while i < chars.len() && !chars[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push(' ');
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c == '\'' && (chars.get(i + 2) == Some(&'\'') || next == Some('\\')) {
            // A character literal ('x' or '\n', '\u{..}'); a lifetime has no closing quote.
            i += if next == Some('\\') { 3 } else { 2 };
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether `c` may be part of an identifier.
fn ident_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The first segments of the `crate::` paths of `code`: `crate::a::b` gives `a`, and a group
/// `crate::{a, b::c, d::{e, f}}` gives `a`, `b` and `d`.
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if ident_char(before) || before == Some('$') {
            continue;
        }
        let rest_trimmed = rest.trim_start();
        if let Some(group) = rest_trimmed.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                    _ if depth == 1 => item.push(c),
                    _ => {}
                }
                if depth == 0 {
                    items.push(std::mem::take(&mut item));
                    break;
                }
            }
            for item in items {
                let first: String = item
                    .trim()
                    .chars()
                    .take_while(|&c| ident_char(Some(c)))
                    .collect();
                if !first.is_empty() && first != "self" {
                    found.insert(first);
                }
            }
        } else {
            let first: String = rest_trimmed
                .chars()
                .take_while(|&c| ident_char(Some(c)))
                .collect();
            if !first.is_empty() {
                found.insert(first);
            }
        }
    }
    found
}

/// The module a first path segment names: a module itself, or the module of a root item.
fn target_module(segment: &str) -> Option<&'static str> {
    LAYERS
        .iter()
        .flat_map(|l| l.iter())
        .chain(EXEMPT)
        .copied()
        .find(|m| *m == segment)
        .or_else(|| {
            ROOT_ITEMS
                .iter()
                .find(|(item, _)| *item == segment)
                .map(|(_, module)| *module)
        })
}

/// Every reference of `src/` that breaks the layers, one line each.
fn violations(src: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let describe = |n: usize| format!("layer {} [{}]", n + 1, LAYERS[n].join(", "));
    for file in sources(src) {
        let relative = file.strip_prefix(src).expect("under src/");
        let shown = Path::new("src").join(relative).display().to_string();
        let Some(from) = module_of(relative) else {
            continue;
        };
        if EXEMPT.contains(&from.as_str()) {
            continue;
        }
        let Some(from_layer) = layer(&from) else {
            problems.push(format!(
                "{shown}: module `{from}` has no layer; give it one in src/layers.rs"
            ));
            continue;
        };
        let source = std::fs::read_to_string(&file).expect("a source file is readable");
        for segment in crate_paths(&code_of(&source)) {
            let Some(to) = target_module(&segment) else {
                problems.push(format!(
                    "{shown}: `crate::{segment}` names no module of the layer table (a new root item? add it to ROOT_ITEMS)"
                ));
                continue;
            };
            if to == from {
                continue;
            }
            if let Some((_, allowed)) = ONLY.iter().find(|(m, _)| *m == from) {
                if !allowed.contains(&to) {
                    problems.push(format!(
                        "{shown}: `crate::{segment}` is an edge {from} -> {to}; {from} may use only [{}]",
                        allowed.join(", ")
                    ));
                }
                continue;
            }
            let to_layer = layer(to);
            if to_layer.is_none_or(|t| t >= from_layer) {
                let where_to = to_layer.map_or_else(|| "no layer (exempt)".to_owned(), describe);
                problems.push(format!(
                    "{shown}: `crate::{segment}` is an edge {from} -> {to} that does not point down: {from} is in {}, {to} in {where_to}; a module uses only modules of lower layers",
                    describe(from_layer)
                ));
            }
        }
    }
    problems
}

#[test]
fn every_crate_path_points_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = violations(&src);
    assert!(
        problems.is_empty(),
        "{} reference(s) break the layers:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn paths_are_read_from_code_only() {
    let source = r##"
use crate::{Error, b::c, d::{e, f}, self};
use crate::net::{self, Request};
// crate::comment
/// [`crate::doc`]
let s = "crate::string"; let r = r#"crate::raw"#; let q = '"'; let t = crate::tail::x();
fn f<'a>(x: &'a str) -> crate::lifetime::T {}
#[cfg(test)]
mod tests {
    use crate::test_only;
}
"##;
    let found: Vec<String> = crate_paths(&code_of(source)).into_iter().collect();
    assert_eq!(found, ["Error", "b", "d", "lifetime", "net", "tail"]);
}

#[test]
fn the_table_names_each_module_once() {
    let mut seen = BTreeSet::new();
    for module in LAYERS.iter().flat_map(|l| l.iter()).chain(EXEMPT) {
        assert!(seen.insert(module), "{module} is listed twice");
    }
    for (module, allowed) in ONLY {
        assert!(layer(module).is_some(), "{module}");
        assert!(allowed.iter().all(|m| layer(m).is_some()), "{module}");
    }
}
