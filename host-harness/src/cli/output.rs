//! The output of every command: text for a terminal, or with `--json` one JSON document on
//! standard output (notes and progress then go to standard error, or nowhere).

use serde::Serialize;

/// Prints results as text or as JSON.
#[derive(Clone, Copy)]
pub struct Output {
    /// Whether `--json` was given.
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON with `--json`, else the text `text` makes of it (printed as it
    /// is: each line ends with its own newline).
    pub fn print<T: Serialize + ?Sized>(
        &self,
        value: &T,
        text: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value)?);
        } else {
            print!("{}", text(value));
        }
        Ok(())
    }

    /// Prints `text` as it is, without `--json` only: a part of a result that is printed whole,
    /// as JSON, once the command is done.
    pub fn text(&self, text: &str) {
        if !self.json {
            print!("{text}");
        }
    }

    /// A line that tells how the command goes: on standard output as text, on standard error
    /// with `--json` (which keeps standard output for the JSON).
    pub fn note(&self, line: &str) {
        if self.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }

    /// A spinner with `template`, hidden with `--json`.
    pub fn spinner(&self, template: &str) -> anyhow::Result<indicatif::ProgressBar> {
        let bar = if self.json {
            indicatif::ProgressBar::hidden()
        } else {
            indicatif::ProgressBar::new_spinner()
        };
        bar.set_style(indicatif::ProgressStyle::with_template(template)?);
        Ok(bar)
    }
}

/// Each of `items` as a line of text.
pub fn lines<T>(items: &[T], line: impl Fn(&T) -> String) -> String {
    items.iter().map(|item| line(item) + "\n").collect()
}
