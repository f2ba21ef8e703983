//! `wit`: the WIT a built component imports and exports, or the README's WIT reference.

use super::Context;
use anyhow::Context as _;
use email_harness::inspect;
use std::path::{Path, PathBuf};

/// `wit`: what to print.
#[derive(clap::Args)]
pub struct Wit {
    /// The component [default: as --component].
    path: Option<PathBuf>,
    /// Print the README's WIT reference (tables of every function and type), written from
    /// the WIT sources in `wit/`, instead.
    #[arg(long)]
    reference: bool,
    /// With --reference: write it into this README, between its markers.
    #[arg(long, requires = "reference")]
    write: Option<PathBuf>,
}

impl Wit {
    /// Prints (or writes) the WIT or its reference.
    pub fn run(self, context: &Context) -> anyhow::Result<()> {
        if self.reference {
            let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
            let text = email_harness::reference::markdown(&wit)?;
            return match &self.write {
                Some(readme) => {
                    let old = std::fs::read_to_string(readme)
                        .with_context(|| format!("cannot read {}", readme.display()))?;
                    std::fs::write(readme, email_harness::reference::replace_in(&old, &text)?)?;
                    let value = serde_json::json!({ "wrote": readme });
                    context.out.print(&value, |_| {
                        format!("wrote the WIT reference into {}\n", readme.display())
                    })
                }
                None => context
                    .out
                    .print(&serde_json::json!({ "reference": text }), |_| text.clone()),
            };
        }
        let path = match self.path {
            Some(path) => path,
            None => context.component()?,
        };
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let wit = inspect::wit(&bytes)?;
        context
            .out
            .print(&serde_json::json!({ "wit": wit }), |_| wit.clone())
    }
}
